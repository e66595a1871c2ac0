from django.apps import AppConfig


class ReceivablesConfig(AppConfig):
    name = "faktura.receivables"
    label = "receivables"
