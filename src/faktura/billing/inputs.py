"""Typed inputs of billing use cases (DESIGN.md section 2, "Typed inputs"): the API takes one
as its body, the form builds it, the service receives it as `data`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from ninja import Schema
from pydantic import ConfigDict, Field

from faktura.common.schemas import Id
from faktura.common.text import SingleLine


class _Input(Schema):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ManualItemCreate(_Input):
    """A manual billable item (third-party costs, a special agreement) for a customer or a
    project; it joins the customer's next draft."""

    contact_id: Id | None = None
    project_id: Id | None = None
    title: Annotated[SingleLine, Field(min_length=1, max_length=300)]
    quantity: Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=4)] = Decimal("1")
    unit: Annotated[str, Field(min_length=1, max_length=3, pattern=r"^[A-Za-z0-9]{1,3}$")] = "C62"
    unit_price: Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=6)]
    vat_rate: Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)] = Decimal(
        "19"
    )
    service_date: (
        Annotated[dt.date, Field(ge=dt.date(1970, 1, 1), le=dt.date(2999, 12, 31))] | None
    ) = Field(None, description="default: today")
