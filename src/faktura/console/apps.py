from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "faktura.demo"
    label = "demo"
