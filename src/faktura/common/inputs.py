"""Building blocks of the typed inputs (DESIGN.md section 2, "Typed inputs").

`Input` is the base of every use case's input: frozen, unknown fields refused. The field types
here carry their rule once (a country is an ISO 3166-1 code, a VAT ID passes the one VAT-ID
check, a text is one printable line); the API takes the input as its body, the UI form builds
it from what people typed, the service receives it. Rules across fields that need no database
(reverse charge needs a VAT ID) are `rules` of the input, reported together with the field
errors, so a form shows all its problems at once. `input_error_message` says what an error
means to a person, in the active language.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from annotated_types import GroupedMetadata
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from faktura.common.errors import ValidationFailed
from faktura.common.text import text_problem
from faktura.core import money
from faktura.core.time_rounding import DEFAULT_POLICY, policy_problems
from faktura.core.validation import (
    is_valid_country,
    leitweg_id_problems,
    normalize_leitweg_id,
    normalize_peppol_id,
)
from faktura.einvoice.identifiers import peppol_id_problems, vat_id_check

T = TypeVar("T", bound=BaseModel)

# A rule across fields: the known values in, {field: (code, message)} out.
Rule = Callable[[Mapping[str, Any]], dict[str, tuple[str, str]]]


def problem(code: str, message: str) -> PydanticCustomError:
    """A field error with a stable code and a message for people (already translated)."""
    return PydanticCustomError(code, message)


class Input(BaseModel):
    """The base of every typed input: frozen; unknown fields are ignored, as the API always
    did (a client may send a read-only field back).

    `rules` are checked on the values the input knows: every field of a full input, the sent
    fields of a partial one (`partial = True`, a PATCH: `model_fields_set` says what was sent;
    rules on the stored object are the service's). They are reported together with the field
    errors (except on a field that has its own error already).
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    partial: ClassVar[bool] = False
    # The fields of a partial input that may be sent as null (to clear them); any other
    # field sent as null is refused as required.
    nullable: ClassVar[frozenset[str]] = frozenset()
    rules: ClassVar[tuple[Rule, ...]] = ()

    @model_validator(mode="wrap")
    @classmethod
    def _check_rules(cls, data: Any, handler: Any) -> Any:
        if not cls.rules and not cls.partial:
            return handler(data)
        try:
            model = handler(data)
        except ValidationError as exc:
            if not isinstance(data, Mapping):
                raise
            known = dict(data) if cls.partial else {**cls._defaults(), **data}
            failed = {err["loc"][0] for err in exc.errors() if err["loc"]}
            extra = {k: v for k, v in cls._problems(known).items() if k not in failed}
            if not extra:
                raise
            raise cls._merge(exc.errors(), extra) from None
        if cls.partial:
            known = {name: getattr(model, name) for name in model.model_fields_set}
        else:
            known = dict(model)
        found = cls._problems(known)
        if found:
            raise cls._merge([], found)
        return model

    @classmethod
    def _defaults(cls) -> dict[str, Any]:
        return {
            name: field.default
            for name, field in cls.model_fields.items()
            if not field.is_required() and field.default_factory is None
        }

    @classmethod
    def _problems(cls, known: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
        found: dict[str, tuple[str, str]] = {}
        if cls.partial:
            for name, value in known.items():
                if value is None and name in cls.model_fields and name not in cls.nullable:
                    found[name] = ("required", gettext("This field is required."))
        for rule in cls.rules:
            for name, value in rule(known).items():
                found.setdefault(name, value)
        return found

    @classmethod
    def _merge(cls, errors: list[Any], extra: dict[str, tuple[str, str]]) -> ValidationError:
        line_errors: list[Any] = []
        for err in errors:
            ctx = {k: v for k, v in (err.get("ctx") or {}).items() if isinstance(v, str | int)}
            line_errors.append(
                {
                    "type": PydanticCustomError(err["type"], err["msg"], ctx or None),
                    "loc": err["loc"],
                    "input": err.get("input"),
                }
            )
        for name, (code, message) in extra.items():
            line_errors.append({"type": problem(code, message), "loc": (name,), "input": None})
        return ValidationError.from_exception_data(cls.__name__, line_errors)


def parse(input_type: type[T], data: Mapping[str, Any]) -> T:
    """`data` (from the command line, a task's JSON) as the typed input; its errors raise
    ValidationFailed naming every field, as the API's 400 does."""
    try:
        return input_type.model_validate(data)
    except ValidationError as exc:
        fields: dict[str, str] = {}
        for err in exc.errors():
            name = ".".join(str(p) for p in err["loc"]) or "body"
            fields.setdefault(name, input_error_message(err))
        name, message = next(iter(fields.items()))
        raise ValidationFailed(f"{name}: {message}", fields=fields) from None


# --- field types ------------------------------------------------------------------------------


def _line(value: str) -> str:
    found = text_problem(value, multiline=False)
    if found:
        raise problem("invalid_text", found)
    return value


def lines(value: str) -> str:
    value = value.replace("\r\n", "\n").strip()
    found = text_problem(value, multiline=True)
    if found:
        raise problem("invalid_text", found)
    return value


@dataclass(frozen=True)
class Text(GroupedMetadata):
    """One line of text people type and documents print (`common.text`), stripped:
    ``Annotated[str, Text(200, required=True)]``."""

    max_length: int
    required: bool = False

    def __iter__(self) -> Iterator[Any]:
        yield StringConstraints(
            strip_whitespace=True, min_length=int(self.required), max_length=self.max_length
        )
        yield AfterValidator(_line)


# Text of several lines (notes, footers): tabs and line feeds kept, CR LF becomes LF.
LongText = Annotated[str, Field(max_length=10_000), AfterValidator(lines)]


def _country(value: str) -> str:
    code = value.strip().upper()
    if not is_valid_country(code):
        raise problem("invalid", gettext("Not an ISO 3166-1 country code (e.g. DE)."))
    return code


def _currency(value: str) -> str:
    code = value.strip().upper()
    if not money.is_currency(code):
        raise problem("invalid", gettext("Not an ISO 4217 currency code (e.g. EUR)."))
    return code


def vat_id_message(code: str) -> str:
    """What a problem code of the VAT-ID check says to a person."""
    return {
        "vat_id_prefix": gettext(
            "Invalid VAT ID: it starts with its two-letter country code, e.g. DE123456789."
        ),
        "vat_id_invalid": gettext("Invalid VAT ID: check its digits."),
        "vat_id_not_eu": gettext("Invalid VAT ID: a company in the EU needs an EU VAT ID."),
    }.get(code, gettext("Not a valid VAT ID."))


def _vat_id(value: str, info: ValidationInfo) -> str:
    """The one VAT-ID check (`einvoice.identifiers.vat_id_check`), against the `country` of
    the same input when it has one (declare `country` before `vat_id`)."""
    compact, code = vat_id_check(value, str(info.data.get("country") or ""))
    if code:
        raise problem(code, vat_id_message(code))
    return compact


def _email(value: str) -> str:
    value = value.strip()
    if value:
        try:
            validate_email(value)
        except DjangoValidationError:
            raise problem("invalid", gettext("Enter a valid e-mail address.")) from None
    return value


def _leitweg_id(value: str) -> str:
    value = value.strip()
    if not value:
        return ""
    found = leitweg_id_problems(value)
    if found:
        raise problem(found[0].code, found[0].message)
    return normalize_leitweg_id(value)


def _peppol_id(value: str) -> str:
    value = value.strip()
    if not value:
        return ""
    found = peppol_id_problems(value)
    if found:
        raise problem(found[0].code, found[0].message)
    return normalize_peppol_id(value)


def _iban(value: str) -> str:
    value = value.strip()
    if not value:
        return ""
    try:
        return str(IBAN(value).compact)
    except SchwiftyException:
        raise problem("invalid", gettext("Invalid IBAN: check its digits.")) from None


def _bic(value: str) -> str:
    value = value.strip()
    if not value:
        return ""
    try:
        return str(BIC(value).compact)
    except SchwiftyException:
        raise problem("invalid", gettext("Invalid BIC, e.g. COBADEFFXXX.")) from None


def _timezone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise problem("invalid", gettext("Not a known time zone, e.g. Europe/Berlin.")) from None
    return value


_HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _hex_color(value: str) -> str:
    if not _HEX_COLOR.match(value):
        raise problem("invalid", gettext("Use a colour like #1f4e79."))
    return value.lower()


Country = Annotated[str, StringConstraints(max_length=2), AfterValidator(_country)]
Currency = Annotated[str, StringConstraints(max_length=3), AfterValidator(_currency)]
VatId = Annotated[str, StringConstraints(max_length=20), AfterValidator(_vat_id)]
Email = Annotated[str, StringConstraints(max_length=254), AfterValidator(_email)]
LeitwegId = Annotated[str, StringConstraints(max_length=46), AfterValidator(_leitweg_id)]
PeppolId = Annotated[str, StringConstraints(max_length=140), AfterValidator(_peppol_id)]
Iban = Annotated[str, StringConstraints(max_length=42), AfterValidator(_iban)]
Bic = Annotated[str, StringConstraints(max_length=11), AfterValidator(_bic)]
TimeZone = Annotated[str, StringConstraints(max_length=60), AfterValidator(_timezone)]
HexColor = Annotated[str, StringConstraints(max_length=7), AfterValidator(_hex_color)]
Language = Literal["de", "en"]
PaymentTermsDays = Annotated[int, Field(ge=0, le=365)]
CashDiscountDays = Annotated[int, Field(ge=0, le=365)]
# A unit price: >= 0, at most 6 decimals (what a DecimalField(18, 6) holds).
UnitPrice = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=6)]
VatRate = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]


# Dates and times outside this range are typing mistakes (and some overflow time zone maths).
MIN_YEAR, MAX_YEAR = 1970, 2100


def _year(value: int) -> None:
    if not MIN_YEAR <= value <= MAX_YEAR:
        raise problem("invalid", gettext("Must be between %(min)s and %(max)s.")
                      % {"min": MIN_YEAR, "max": MAX_YEAR})  # fmt: skip


def _day(value: dt.date) -> dt.date:
    _year(value.year)
    return value


def _instant(value: dt.datetime) -> dt.datetime:
    """A timezone-aware instant, in UTC; a naive one is refused, since its instant is unknown."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise problem(
            "invalid",
            gettext("Give the time zone, e.g. 2026-03-01T09:00:00+01:00 or 2026-03-01T08:00:00Z."),
        )
    _year(value.year)
    return value.astimezone(dt.UTC)


# A day of work, a period or a validity (MIN_YEAR to MAX_YEAR).
Day = Annotated[dt.date, AfterValidator(_day)]
# A moment with its time zone, as UTC (MIN_YEAR to MAX_YEAR).
Instant = Annotated[dt.datetime, AfterValidator(_instant)]


def _policy_field(name: str) -> AfterValidator:
    def check(value: Any) -> Any:
        found = policy_problems({name: value})
        if found:
            raise problem(found[0].code, found[0].message)
        return value

    return AfterValidator(check)


class TimeRounding(BaseModel):
    """A time-rounding rule (core's RoundingPolicy): increment, direction, minimum, level; a
    setting left out is the default policy's. An error names the setting
    (``time_rounding.increment_minutes``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    increment_minutes: Annotated[StrictInt, _policy_field("increment_minutes")] = (
        DEFAULT_POLICY.increment_minutes
    )
    direction: Annotated[StrictStr, _policy_field("direction")] = DEFAULT_POLICY.direction
    minimum_minutes: Annotated[StrictInt, _policy_field("minimum_minutes")] = (
        DEFAULT_POLICY.minimum_minutes
    )
    level: Annotated[StrictStr, _policy_field("level")] = DEFAULT_POLICY.level


# --- what an error says to a person --------------------------------------------------------

_MESSAGES: dict[str, Any] = {
    "missing": _("This field is required."),
    "string_too_long": _("At most %(max_length)s characters."),
    "too_long": _("At most %(max_length)s entries."),
    "greater_than_equal": _("Must be at least %(ge)s."),
    "greater_than": _("Must be more than %(gt)s."),
    "less_than_equal": _("Must be at most %(le)s."),
    "less_than": _("Must be less than %(lt)s."),
    "decimal_max_places": _("At most %(decimal_places)s decimals."),
    "decimal_max_digits": _("Too large."),
    "decimal_whole_digits": _("Too large."),
    "decimal_parsing": _("Enter a number."),
    "decimal_type": _("Enter a number."),
    "decimal_finite_number": _("Enter a number."),
    "float_parsing": _("Enter a number."),
    "int_parsing": _("Enter a whole number."),
    "int_from_float": _("Enter a whole number."),
    "int_type": _("Enter a whole number."),
    "bool_parsing": _("Must be yes or no."),
    "bool_type": _("Must be yes or no."),
    "date_parsing": _("Enter a valid date."),
    "date_from_datetime_parsing": _("Enter a valid date."),
    "date_type": _("Enter a valid date."),
    "datetime_parsing": _("Enter a valid date and time."),
    "datetime_from_date_parsing": _("Enter a valid date and time."),
    "enum": _("Choose one of the offered values."),
    "literal_error": _("Choose one of the offered values."),
    "extra_forbidden": _("Unknown field."),
    "string_type": _("Enter text."),
    "model_type": _("Invalid value."),
    "dict_type": _("Invalid value."),
}


def input_error_message(err: Mapping[str, Any]) -> str:
    """What one error of a typed input means to a person, in the active language (pydantic's
    own messages are English and name types, not what to type)."""
    kind = err.get("type", "")
    if kind == "string_too_short" and (err.get("ctx") or {}).get("min_length") == 1:
        return gettext("This field is required.")
    template = _MESSAGES.get(kind)
    if template is None:
        message = str(err.get("msg", ""))
        return message.removeprefix("Value error, ") or gettext("Invalid value.")
    return str(template) % {k: _plain(v) for k, v in (err.get("ctx") or {}).items()}


def _plain(value: Any) -> Any:
    """A limit as people write it: 0, not 0E-6 or 0.00."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return value
