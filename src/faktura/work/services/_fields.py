"""Field cleaners shared by the work use cases. Each raises ValidationFailed naming the field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils.dateparse import parse_date, parse_datetime

from faktura.common import validators as v
from faktura.common.errors import ValidationFailed
from faktura.common.text import clean_text

# Dates and times outside this range are typing mistakes (and some overflow time zone maths).
MIN_YEAR, MAX_YEAR = 1970, 2100


def text(field: str, value: Any, *, multiline: bool = False) -> str:
    return clean_text(field, value, multiline=multiline)


def required_text(field: str, value: Any, *, multiline: bool = False) -> str:
    return clean_text(field, value, multiline=multiline, required=True)


def choice(field: str, value: Any, choices: list[str]) -> str:
    if value not in choices:
        raise ValidationFailed.field(field, f"Must be one of {', '.join(choices)}.")
    return value


def boolean(field: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValidationFailed.field(field, "Must be true or false.")
    return value


def decimal(
    field: str,
    value: Any,
    *,
    places: int,
    digits: int,
    minimum: Decimal | None = Decimal("0"),
    allow_none: bool = True,
) -> Decimal | None:
    """A decimal that fits a DecimalField(max_digits=digits, decimal_places=places)."""
    largest = Decimal(10) ** (digits - places) - Decimal(10) ** -places
    return v.decimal(
        field, value, places=places, minimum=minimum, maximum=largest, allow_none=allow_none
    )


def integer(field: str, value: Any, *, minimum: int = 0, maximum: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed.field(field, "Must be a whole number.")
    if not minimum <= value <= maximum:
        raise ValidationFailed.field(field, f"Must be between {minimum} and {maximum}.")
    return value


def date(field: str, value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            parsed = parse_date(value)
        except ValueError:
            parsed = None
        if parsed is None:
            raise ValidationFailed.field(field, "Use a date like 2026-03-01.")
        value = parsed
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ValidationFailed.field(field, "Use a date like 2026-03-01.")
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValidationFailed.field(field, f"Must be between {MIN_YEAR} and {MAX_YEAR}.")
    return value


def aware_datetime(field: str, value: Any) -> dt.datetime | None:
    """A timezone-aware datetime; a naive one is refused, since its instant is unknown."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            parsed = parse_datetime(value)
        except ValueError:
            parsed = None
        if parsed is None:
            raise ValidationFailed.field(field, "Use a time like 2026-03-01T09:00:00+01:00.")
        value = parsed
    if not isinstance(value, dt.datetime):
        raise ValidationFailed.field(field, "Use a time like 2026-03-01T09:00:00+01:00.")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationFailed.field(
            field, "Give the time zone, e.g. 2026-03-01T09:00:00+01:00 or 2026-03-01T08:00:00Z."
        )
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValidationFailed.field(field, f"Must be between {MIN_YEAR} and {MAX_YEAR}.")
    return value.astimezone(dt.UTC)
