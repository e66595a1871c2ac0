from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "faktura.common"
    label = "common"
