from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "faktura.tenancy"
    label = "tenancy"
