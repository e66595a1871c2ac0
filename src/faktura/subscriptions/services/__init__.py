"""The use cases of subscriptions, project products, manual items and the month-end run."""

from faktura.subscriptions.services.due import due_run, due_run_start
from faktura.subscriptions.services.subscriptions import (
    project_product_create,
    subscription_create,
    subscription_update,
)

__all__ = [
    "due_run",
    "due_run_start",
    "project_product_create",
    "subscription_create",
    "subscription_update",
]
