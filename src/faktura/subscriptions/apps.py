from django.apps import AppConfig


class SubscriptionsConfig(AppConfig):
    name = "faktura.subscriptions"
    label = "subscriptions"
