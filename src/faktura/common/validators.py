"""Field validators shared by services. Each raises ValidationFailed naming the field."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email

from faktura.common.errors import Required, ValidationFailed
from faktura.common.text import clean_text
from faktura.core import money

LANGUAGES = ("de", "en")


def required(field: str, value: str | None, *, multiline: bool = False) -> str:
    return clean_text(field, value, multiline=multiline, required=True)


def boolean(field: str, value: Any) -> bool:
    """true or false; null or any other value names the field (never read as false)."""
    if not isinstance(value, bool):
        raise ValidationFailed.field(field, "Must be true or false.")
    return value


def currency(field: str, value: str) -> str:
    code = (value or "").strip().upper()
    if not money.is_currency(code):
        raise ValidationFailed.field(field, f"{value!r} is not an ISO 4217 currency code.")
    return code


def email(field: str, value: str, *, allow_blank: bool = True) -> str:
    value = (value or "").strip()
    if not value and allow_blank:
        return ""
    try:
        validate_email(value)
    except DjangoValidationError as exc:
        raise ValidationFailed.field(field, "Enter a valid e-mail address.") from exc
    return value


def language(field: str, value: str) -> str:
    value = (value or "").strip().lower()
    if value not in LANGUAGES:
        raise ValidationFailed.field(field, f"Must be one of {', '.join(LANGUAGES)}.")
    return value


def decimal(
    field: str,
    value: object,
    *,
    places: int,
    minimum: Decimal | None = Decimal("0"),
    maximum: Decimal | None = None,
    allow_none: bool = True,
) -> Decimal | None:
    """A non-float decimal with at most `places` decimals within the bounds."""
    if value is None or value == "":
        if allow_none:
            return None
        raise Required.field(field, "This field is required.")
    if isinstance(value, float):
        value = str(value)
    try:
        d = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValidationFailed.field(field, f"{value!r} is not a number.") from exc
    if not d.is_finite():
        raise ValidationFailed.field(field, "Must be a finite number.")
    exponent = d.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        raise ValidationFailed.field(field, f"At most {places} decimal places.")
    if minimum is not None and d < minimum:
        raise ValidationFailed.field(field, f"Must be at least {minimum}.")
    if maximum is not None and d > maximum:
        raise ValidationFailed.field(field, f"Must be at most {maximum}.")
    return d


CASH_DISCOUNT_MAX_PERCENT = Decimal("99.99")
CASH_DISCOUNT_MAX_DAYS = 365


def cash_discount_percent(field: str, value: object) -> Decimal | None:
    """A cash discount percentage: 0 to 99.99 with at most 2 decimals (null: not set here)."""
    percent = decimal(field, value, places=2, maximum=CASH_DISCOUNT_MAX_PERCENT)
    # with its 2 decimals ("2.50"), as the database gives it back; nothing is rounded here
    return None if percent is None else money.quantize(percent, 2)


def cash_discount_days(field: str, value: object) -> int | None:
    """The days a cash discount lasts after the issue date: 0 to 365 (null: not set here)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed.field(field, "Must be a whole number of days.")
    if not 0 <= value <= CASH_DISCOUNT_MAX_DAYS:
        raise ValidationFailed.field(field, f"Must be between 0 and {CASH_DISCOUNT_MAX_DAYS}.")
    return value
