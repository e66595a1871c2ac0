from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "faktura.reports"
    label = "reports"
