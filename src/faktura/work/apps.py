from django.apps import AppConfig


class WorkConfig(AppConfig):
    name = "faktura.work"
    label = "work"
