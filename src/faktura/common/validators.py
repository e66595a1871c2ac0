"""Field validators shared by services. Each raises ValidationFailed naming the field."""

from __future__ import annotations

import re
import zoneinfo
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError as StdnumError

from faktura.common.errors import ValidationFailed
from faktura.common.text import clean_text
from faktura.core import money
from faktura.core.validation import (
    is_valid_country,
    leitweg_id_problems,
    normalize_leitweg_id,
    normalize_peppol_id,
)
from faktura.einvoice.identifiers import peppol_id_problems

LANGUAGES = ("de", "en")
_HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def required(field: str, value: str | None, *, multiline: bool = False) -> str:
    return clean_text(field, value, multiline=multiline, required=True)


def boolean(field: str, value: Any) -> bool:
    """true or false; null or any other value names the field (never read as false)."""
    if not isinstance(value, bool):
        raise ValidationFailed.field(field, "Must be true or false.")
    return value


def country(field: str, value: str) -> str:
    code = (value or "").strip().upper()
    if not is_valid_country(code):
        raise ValidationFailed.field(field, f"{value!r} is not an ISO 3166-1 alpha-2 country code.")
    return code


def currency(field: str, value: str) -> str:
    code = (value or "").strip().upper()
    if not money.is_currency(code):
        raise ValidationFailed.field(field, f"{value!r} is not an ISO 4217 currency code.")
    return code


def vat_id(field: str, value: str) -> str:
    """An EU VAT identification number (checksum verified); empty stays empty."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        compact = eu_vat.compact(value)
    except StdnumError:  # no EU country prefix: stdnum cannot even compact it
        compact = re.sub(r"[\s.\-/]", "", value).upper()
    try:
        return eu_vat.validate(compact)
    except StdnumError as exc:
        # Non-EU VAT numbers (CH, GB, NO ...) are accepted in their compact form when they
        # start with a country code; the EU ones must pass their check digits.
        if compact[:2].lower() in {*eu_vat.MEMBER_STATES, "el"}:
            raise ValidationFailed.field(field, f"Invalid VAT ID: {exc.message}") from exc
        if re.fullmatch(r"[A-Z]{2}[0-9A-Z.\-]{2,18}", compact.upper()):
            return compact.upper()
        raise ValidationFailed.field(
            field, "Invalid VAT ID: it starts with its two-letter country code, e.g. DE123456789."
        ) from exc


def iban(field: str, value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return str(IBAN(value).compact)
    except SchwiftyException as exc:
        raise ValidationFailed.field(field, f"Invalid IBAN: {exc}") from exc


def bic(field: str, value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return str(BIC(value).compact)
    except SchwiftyException as exc:
        raise ValidationFailed.field(field, f"Invalid BIC: {exc}") from exc


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


def timezone_name(field: str, value: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValidationFailed.field(field, "A time zone is required, e.g. Europe/Berlin.")
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationFailed.field(field, f"{value!r} is not a known time zone.") from exc
    return value


def leitweg_id(field: str, value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    problems = leitweg_id_problems(value)
    if problems:
        raise ValidationFailed.field(field, problems[0].message)
    return normalize_leitweg_id(value)


def peppol_id(field: str, value: str) -> str:
    """A Peppol participant id ``scheme:value`` (EAS code list), normalised; empty stays empty."""
    value = (value or "").strip()
    if not value:
        return ""
    problems = peppol_id_problems(value, field)
    if problems:
        raise ValidationFailed.field(field, problems[0].message)
    return normalize_peppol_id(value)


def hex_color(field: str, value: str) -> str:
    if not _HEX_COLOR.match(value or ""):
        raise ValidationFailed.field(field, "Use a colour like #1f4e79.")
    return value.lower()


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
        raise ValidationFailed.field(field, "This field is required.", code="required")
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
