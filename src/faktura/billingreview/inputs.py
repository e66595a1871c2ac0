"""The typed input of each billing-review use case (DESIGN.md section 2, "Typed inputs").

The API handler takes it as its body, the page's forms build the same object, and the service
receives it as `data`. Rules that need the database (the customer, the review's state, the
entries still being unbilled) are checked by the service.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from ninja import Schema
from pydantic import ConfigDict, Field, StringConstraints, model_validator

from faktura.common.schemas import Id

# A review covers at most about a year: longer periods are a typo, not a month-end.
MAX_PERIOD_DAYS = 366
MAX_DECISIONS = 20_000

Decision = Literal["bill", "defer", "write_off"]


def _period_check(start: dt.date | None, end: dt.date | None) -> None:
    if start is None or end is None:
        return
    if end < start:
        raise ValueError("period_end must not be before period_start")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise ValueError(f"a review covers at most {MAX_PERIOD_DAYS} days")


class _Input(Schema):
    model_config = ConfigDict(frozen=True, extra="forbid")


class BillingReviewStart(_Input):
    """Start reviewing a customer's unbilled, approved time-and-materials work of a period."""

    contact_id: Id
    period_start: dt.date
    period_end: dt.date

    @model_validator(mode="after")
    def _period(self) -> BillingReviewStart:
        _period_check(self.period_start, self.period_end)
        return self


class BillingReviewUpdate(_Input):
    """Change a review's decisions and invoice details; fields left out stay as they are."""

    decisions: dict[Id, Decision] = Field(
        default_factory=dict,
        max_length=MAX_DECISIONS,
        description='entry id -> "bill", "defer" or "write_off"',
    )
    decide_all: Decision | None = Field(
        None, description="the same decision for every entry (applied before `decisions`)"
    )
    defer_until: dt.date | None = Field(
        None, description="deferred entries come back in reviews ending on or after this date"
    )
    write_off_reason: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None
    ) = None
    frame_order_id: Id | None = Field(None, description="null: no frame order")
    payment_terms_days: int | None = Field(None, ge=0, le=365)
    po_number: Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)] | None = None
    notes: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None

    @model_validator(mode="after")
    def _period(self) -> BillingReviewUpdate:
        if (self.period_start is None) != (self.period_end is None):
            raise ValueError("give period_start and period_end together")
        _period_check(self.period_start, self.period_end)
        return self
