from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "faktura.billing"
    label = "billing"
