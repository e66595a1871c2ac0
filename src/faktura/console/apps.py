from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "faktura.console"
    label = "console"
