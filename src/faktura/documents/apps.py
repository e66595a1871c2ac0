from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "faktura.documents"
    label = "documents"
