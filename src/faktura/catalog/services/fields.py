"""Field cleaning shared by the catalog's use cases; each raises ValidationFailed naming it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models

from faktura.common import validators as v
from faktura.common.errors import ValidationFailed
from faktura.common.text import clean_text
from faktura.core import tax
from faktura.core.money import UNIT_PRICE_PLACES, quantize

# The largest value a DecimalField(max_digits=18, decimal_places=6) holds.
MAX_UNIT_PRICE = Decimal("999999999999.999999")
RATE_PLACES = tax.RATE_PLACES


def text(
    field: str,
    value: Any,
    *,
    max_length: int | None = None,
    required: bool = False,
    multiline: bool = False,
) -> str:
    return clean_text(field, value, max_length=max_length, required=required, multiline=multiline)


def choice(field: str, value: Any, choices: type[models.TextChoices]) -> str:
    if value not in choices.values:
        raise ValidationFailed.field(field, f"Must be one of {', '.join(choices.values)}.")
    return str(value)


def boolean(field: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValidationFailed.field(field, "Must be true or false.")
    return value


def unit_price(field: str, value: Any, *, allow_none: bool = True) -> Decimal | None:
    """A unit price: >= 0, at most 6 decimals, stored with exactly 6."""
    price = v.decimal(
        field, value, places=UNIT_PRICE_PLACES, maximum=MAX_UNIT_PRICE, allow_none=allow_none
    )
    return None if price is None else quantize(price, UNIT_PRICE_PLACES)


def vat_rate(field: str, value: Any) -> Decimal:
    rate = v.decimal(field, value, places=RATE_PLACES, maximum=Decimal("100"), allow_none=False)
    assert rate is not None
    return quantize(rate, RATE_PLACES)
