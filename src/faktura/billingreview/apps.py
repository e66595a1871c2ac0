from django.apps import AppConfig


class BillingReviewConfig(AppConfig):
    name = "faktura.billingreview"
    label = "billingreview"
