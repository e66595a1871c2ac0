"""The typed input of each subscriptions use case (DESIGN.md section 2, "Typed inputs").

Each declares its fields' types and limits once; the API takes it as its body, the form builds
it (`web.forms.subscriptions`), the service receives it as `data`. Rules that need the database
(another tenant's ids, what was billed already) are the service's.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from ninja import Schema
from pydantic import ConfigDict, Field

from faktura.common.schemas import Id
from faktura.common.text import MultiLine
from faktura.subscriptions.models import ProjectProduct, Subscription

Quantity = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=4)]
UnitPrice = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=6)]
Description = Annotated[MultiLine, Field(max_length=2000)]
# Dates a calendar period can be computed for (and stepped past) without overflow.
Day = Annotated[dt.date, Field(ge=dt.date(1970, 1, 1), le=dt.date(2999, 12, 31))]


class _Input(Schema):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PriceChange(_Input):
    """The unit price from a date on (a period is billed at the price of its first day)."""

    effective_from: Day
    unit_price: UnitPrice


class SubscriptionCreate(_Input):
    """A product billed to a customer every month, quarter or year."""

    contact_id: Id
    product_id: Id
    project_id: Id | None = None
    interval: Subscription.Interval = Subscription.Interval.MONTHLY
    billing: Subscription.Billing = Subscription.Billing.ADVANCE
    start_date: Day
    end_date: Day | None = None
    quantity: Quantity | None = Field(
        Decimal("1"), description="null: variable, entered for each period (e.g. users)"
    )
    unit_price: UnitPrice | None = Field(
        None, description="null: the product's price in the customer's price list, else its own"
    )
    description: Description = ""
    prices: Annotated[list[PriceChange], Field(max_length=100)] = Field(
        default_factory=list, description="price changes effective from a date"
    )


class SubscriptionUpdate(_Input):
    """Change a subscription; only the fields given change. Start, interval and billing change
    only while nothing was billed."""

    project_id: Id | None = None
    interval: Subscription.Interval | None = None
    billing: Subscription.Billing | None = None
    start_date: Day | None = None
    end_date: Day | None = None
    quantity: Quantity | None = None
    unit_price: UnitPrice | None = None
    description: Description | None = None
    status: Subscription.Status | None = None
    prices: Annotated[list[PriceChange], Field(max_length=100)] | None = Field(
        None, description="replaces the price changes"
    )


class DueRun(_Input):
    """Create the billable items of every subscription period and project product due on or
    before `until` (default: today)."""

    until: Day | None = None


class ProjectProductCreate(_Input):
    """A one-time product on a project, billed once when due."""

    product_id: Id
    quantity: Quantity = Decimal("1")
    unit_price: UnitPrice | None = Field(
        None, description="null: the product's price in the customer's price list, else its own"
    )
    description: Description = ""
    due: ProjectProduct.Due = ProjectProduct.Due.NEXT_RUN
