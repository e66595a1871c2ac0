"""Error codes of subscriptions, one class each; `config/api.py` maps them to HTTP."""

from __future__ import annotations

from faktura.common.errors import Conflict


class SubscriptionBilled(Conflict):
    """Periods of this subscription were billed already: its start, interval and billing way
    stay as they are (end it and start a new one)."""

    code = "subscription_billed"


class SubscriptionEnded(Conflict):
    """The subscription has ended; it cannot be changed any more."""

    code = "subscription_ended"


class ProjectProductBilled(Conflict):
    """The product was billed already."""

    code = "project_product_billed"
