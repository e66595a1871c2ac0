from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "faktura.contacts"
    label = "contacts"
