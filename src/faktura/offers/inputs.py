"""The typed input of each offers use case (DESIGN.md section 2, "Typed inputs").

Each declares its fields' types and limits once: the API handler takes it as its body, the web
form builds it from its cleaned data, and the service receives it as `data`. Rules that need
the database (another tenant's contact, the offer's state) are checked by the service.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from ninja import Schema
from pydantic import ConfigDict, Field, StringConstraints, model_validator

from faktura.catalog.models import VatCategory
from faktura.common.inputs import Currency, Email
from faktura.common.schemas import Id

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)]
Quantity = Annotated[
    Decimal, Field(ge=Decimal("-9999999999"), le=Decimal("9999999999"), decimal_places=4)
]
UnitPrice = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=6)]
VatRate = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]
UnitCode = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, min_length=1, max_length=3)
]
MAX_LINES = 500


class _Input(Schema):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OfferLineIn(_Input):
    """One position: free text or a product, quantity (negative: a discount), unit and price.

    Without `vat_category` the customer's tax treatment decides (domestic: S at `vat_rate`).
    """

    title: Title
    description: LongText = ""
    quantity: Quantity
    unit: UnitCode = "C62"
    unit_price: UnitPrice
    vat_rate: VatRate | None = Field(None, description="percent; required for category S")
    vat_category: VatCategory | None = None
    product_id: Id | None = None


class OfferCreate(_Input):
    """A draft offer to a customer."""

    contact_id: Id
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    intro_text: LongText = ""
    valid_until: dt.date | None = None
    currency: Currency | None = Field(None, description="default: the customer's")
    lines: list[OfferLineIn] = Field(default_factory=list, max_length=MAX_LINES)


class OfferUpdate(_Input):
    """Changes to a draft offer; `lines`, when given, replace all positions."""

    title: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
        | None
    ) = None
    intro_text: LongText | None = None
    valid_until: dt.date | None = None
    lines: list[OfferLineIn] | None = Field(None, max_length=MAX_LINES)


class OfferSend(_Input):
    """Number the offer (when it has none yet) and e-mail it with its PDF."""

    to: Email = Field("", description="default: the customer's e-mail address")


class OfferAccept(_Input):
    """The customer agreed: bill it as a fixed-price single project, new or existing."""

    project_id: Id | None = Field(
        None, description="link this project of the customer; default: a new project"
    )


class PartialInvoiceCreate(_Input):
    """A partial invoice of a fixed-price project: a share of the agreed net price."""

    percent: Annotated[Decimal, Field(gt=0, le=100, max_digits=7, decimal_places=4)] | None = None
    amount: Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2)] | None = Field(
        None, description="a net amount instead of a percentage"
    )

    @model_validator(mode="after")
    def _one_of(self) -> PartialInvoiceCreate:
        if (self.percent is None) == (self.amount is None):
            raise ValueError("give either percent or amount")
        return self
