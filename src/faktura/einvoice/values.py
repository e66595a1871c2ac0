"""How EN 16931 values are written in XML, the same in UBL and CII.

Nothing here rounds: the snapshot already holds the rounded values (amounts 2 decimals, unit
prices up to 6, quantities up to 4). An amount with more than 2 decimals is a bug upstream and
raises ``ValueError`` instead of being rounded silently (BR-DEC-*: at most 2 decimals).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from faktura.core.money import AMOUNT_PLACES, has_places, quantize
from faktura.core.tax import RATE_PLACES


def amount(value: Decimal) -> str:
    """An amount with exactly 2 decimals: ``"1234.50"``, never ``"-0.00"``."""
    if not has_places(value, AMOUNT_PLACES):
        raise ValueError(f"amount {value} has more than {AMOUNT_PLACES} decimals")
    return format(quantize(value, AMOUNT_PLACES), "f")


def quantity(value: Decimal) -> str:
    """A quantity without exponent and without insignificant zeros: ``"2.5"``, ``"100"``."""
    if value.is_zero():
        return "0"
    return format(value.normalize(), "f")


def price(value: Decimal) -> str:
    """A unit price with all its significant decimals, at least 2: ``"95.00"``, ``"0.123456"``."""
    normal = value.normalize()
    if normal.is_zero() or normal.as_tuple().exponent > -AMOUNT_PLACES:
        normal = quantize(value, AMOUNT_PLACES)
    return format(normal, "f")


def rate(value: Decimal) -> str:
    """A VAT rate in percent with 2 decimals: ``"19.00"``."""
    if not has_places(value, RATE_PLACES):
        raise ValueError(f"VAT rate {value} has more than {RATE_PLACES} decimals")
    return format(quantize(value, RATE_PLACES), "f")


def iso_date(value: date) -> str:
    """UBL dates: ``2025-05-15``."""
    return value.isoformat()


def date_102(value: date) -> str:
    """CII dates (format 102): ``20250515``."""
    return f"{value.year:04d}{value.month:02d}{value.day:02d}"
