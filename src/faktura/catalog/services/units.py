"""Use cases of units of measure (UN/ECE Recommendation 20 codes)."""

from __future__ import annotations

import re
from typing import Any

from django.db import IntegrityError, transaction

from faktura.catalog.models import (
    Unit,
)
from faktura.catalog.services import fields as f
from faktura.common import validators as v
from faktura.common.context import CommandContext
from faktura.common.errors import NotFound, ValidationFailed
from faktura.common.services import audit_record

# UN/ECE Recommendation 20 codes every tenant starts with.
DEFAULT_UNITS = (
    ("HUR", "Hour", "h"),
    ("KMT", "Kilometre", "km"),
    ("C62", "Piece", "pc"),
    ("MON", "Month", "mo"),
    ("DAY", "Day", "d"),
    ("LS", "Lump sum", "LS"),
)

# Further Rec 20 codes common on service invoices; a unit created with one of these codes and
# no name gets the name and symbol from here.
KNOWN_UNITS: dict[str, tuple[str, str]] = {
    **{code: (name, symbol) for code, name, symbol in DEFAULT_UNITS},
    "MIN": ("Minute", "min"),
    "WEE": ("Week", "wk"),
    "ANN": ("Year", "a"),
    "H87": ("Piece", "pc"),
    "SET": ("Set", "set"),
    "PR": ("Pair", "pr"),
    "MTR": ("Metre", "m"),
    "MTK": ("Square metre", "m²"),
    "KGM": ("Kilogram", "kg"),
    "LTR": ("Litre", "l"),
    "KWH": ("Kilowatt hour", "kWh"),
    "4L": ("Megabyte", "MB"),
    "E34": ("Gigabyte", "GB"),
    "E35": ("Terabyte", "TB"),
    "P1": ("Percent", "%"),
}

# Rec 20 common codes are two or three upper-case letters or digits.
_UNIT_CODE = re.compile(r"^[A-Z0-9]{2,3}$")


def _unit_code(field: str, value: Any) -> str:
    code = v.required(field, value if isinstance(value, str) else None).upper()
    if not _UNIT_CODE.match(code):
        raise ValidationFailed.field(
            field, f"{value!r} is not a UN/ECE Recommendation 20 code (2-3 letters or digits)."
        )
    return code


def units_ensure_defaults(*, tenant) -> list[Unit]:
    """Create the standard units a tenant lacks; existing ones are left as they are."""
    with transaction.atomic():
        existing = set(Unit.objects.filter(tenant=tenant).values_list("code", flat=True))
        Unit.objects.bulk_create(
            [
                Unit(tenant=tenant, code=code, name=name, symbol=symbol)
                for code, name, symbol in DEFAULT_UNITS
                if code not in existing
            ]
        )
    return list(Unit.objects.filter(tenant=tenant))


def _clean_unit(data: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for name, value in data.items():
        if name == "code":
            clean[name] = _unit_code(name, value)
        elif name == "name":
            clean[name] = f.text(name, value, max_length=60, required=True)
        elif name == "symbol":
            clean[name] = f.text(name, value, max_length=12)
        else:
            raise ValidationFailed.field(name, "Unknown field.")
    return clean


def _save_unit(ctx: CommandContext, unit: Unit) -> None:
    duplicate = ValidationFailed.field(
        "code", f"A unit with code {unit.code} exists.", code="duplicate"
    )
    if Unit.objects.filter(tenant=ctx.tenant, code=unit.code).exclude(pk=unit.pk).exists():
        raise duplicate
    try:
        with transaction.atomic():
            unit.save()
    except IntegrityError as exc:
        raise duplicate from exc


def unit_create(ctx: CommandContext, **data: Any) -> Unit:
    """A unit by its Rec 20 code; known codes get their name and symbol when none are given."""
    ctx.require("manage_catalog")
    if "code" not in data:
        raise ValidationFailed.field("code", "This field is required.", code="required")
    code = _unit_code("code", data["code"])
    known_name, known_symbol = KNOWN_UNITS.get(code, ("", ""))
    if not (data.get("name") or "").strip():
        data["name"] = known_name
    if data.get("symbol") is None:
        data["symbol"] = known_symbol
    unit = Unit(tenant=ctx.tenant, **_clean_unit(data))
    with transaction.atomic():
        _save_unit(ctx, unit)
        audit_record(ctx, action="unit_create", obj=unit, data={"code": unit.code})
    return unit


def unit_update(ctx: CommandContext, *, unit_id: int, **data: Any) -> Unit:
    ctx.require("manage_catalog")
    clean = _clean_unit(data)
    with transaction.atomic():
        unit = Unit.objects.select_for_update().filter(tenant=ctx.tenant, pk=unit_id).first()
        if unit is None:
            raise NotFound("Unit not found.")
        for key, value in clean.items():
            setattr(unit, key, value)
        _save_unit(ctx, unit)
        audit_record(ctx, action="unit_update", obj=unit, data={"fields": list(clean)})
    return unit
