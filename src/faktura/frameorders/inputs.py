"""The typed input of each frame-order use case (DESIGN.md section 2, "Typed inputs").

The API handler takes it as its body, the Django form builds it from its cleaned data, and the
service receives it as `data`. Rules that need the database (the customer and projects belong
to the company) are checked by the service.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from ninja import Schema
from pydantic import ConfigDict, Field, StringConstraints, field_validator

from faktura.common.schemas import Id
from faktura.frameorders.models import FrameOrder, Retainer

Hours = Annotated[Decimal, Field(gt=0, max_digits=10, decimal_places=2)]
Amount = Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2)]
PoNumber = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
Percent = Annotated[int, Field(ge=0, le=100)]
Notes = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]


class _Input(Schema):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FrameOrderCreate(_Input):
    """A customer's frame order: a pool of `hours` and/or an `amount` (at least one)."""

    contact_id: Id
    po_number: PoNumber
    hours: Hours | None = None
    amount: Amount | None = Field(None, description="in the customer's currency")
    valid_from: dt.date
    valid_to: dt.date | None = Field(None, description="null: open-ended")
    project_ids: Annotated[list[Id], Field(max_length=200)] = Field(
        default_factory=list, description="empty: all of the customer's projects"
    )
    overage_policy: FrameOrder.OveragePolicy = FrameOrder.OveragePolicy.BLOCK
    low_threshold_percent: Percent = 20
    notes: Notes = ""


class FrameOrderUpdate(_Input):
    """Change a frame order; fields left out stay as they are. `closed` ends it early."""

    po_number: PoNumber | None = None
    hours: Hours | None = None
    amount: Amount | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    project_ids: Annotated[list[Id], Field(max_length=200)] | None = None
    overage_policy: FrameOrder.OveragePolicy | None = None
    low_threshold_percent: Percent | None = None
    notes: Notes | None = None
    closed: bool | None = None


class RetainerCreate(_Input):
    """A retainer on an ongoing project: `hours_per_month` at `monthly_fee`; hours beyond at
    `overage_rate` (null: the time's normal price); unused hours expire or roll over."""

    project_id: Id
    hours_per_month: Hours
    monthly_fee: Amount
    overage_rate: Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=6)] | None = None
    rollover: Retainer.Rollover = Retainer.Rollover.NONE
    rollover_cap_hours: Annotated[Decimal, Field(ge=0, max_digits=8, decimal_places=2)] | None = (
        Field(None, description="null: no cap")
    )
    start_date: dt.date
    end_date: dt.date | None = None


class RetainerUpdate(_Input):
    """Change a retainer from a month on (`effective_from`, the first day of a month; default:
    the first month not billed yet, at the earliest next month). Months before it keep their
    terms; fields left out stay as they are. `end_date` null in the body removes the end."""

    effective_from: dt.date | None = Field(
        None, description="the first day of the month the new terms apply from"
    )
    hours_per_month: Hours | None = None
    monthly_fee: Amount | None = None
    overage_rate: Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=6)] | None = None
    rollover: Retainer.Rollover | None = None
    rollover_cap_hours: Annotated[Decimal, Field(ge=0, max_digits=8, decimal_places=2)] | None = (
        None
    )
    end_date: dt.date | None = None

    @field_validator("effective_from")
    @classmethod
    def _first_of_month(cls, value: dt.date | None) -> dt.date | None:
        if value is not None and value.day != 1:
            raise ValueError("must be the first day of a month")
        return value
