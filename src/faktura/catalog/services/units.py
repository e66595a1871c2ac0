"""Use cases of units of measure (UN/ECE Recommendation 20 codes)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from faktura.catalog.errors import Duplicate, Required
from faktura.catalog.inputs import UnitCreate, UnitUpdate
from faktura.catalog.models import (
    Unit,
)
from faktura.common.context import CommandContext
from faktura.common.errors import NotFound
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


def _save_unit(ctx: CommandContext, unit: Unit) -> None:
    duplicate = Duplicate.field("code", f"A unit with code {unit.code} exists.")
    if Unit.objects.filter(tenant=ctx.tenant, code=unit.code).exclude(pk=unit.pk).exists():
        raise duplicate
    try:
        with transaction.atomic():
            unit.save()
    except IntegrityError as exc:
        raise duplicate from exc


def unit_create(ctx: CommandContext, *, data: UnitCreate) -> Unit:
    """A unit by its Rec 20 code; known codes get their name and symbol when none are given."""
    ctx.require("manage_catalog")
    known_name, known_symbol = KNOWN_UNITS.get(data.code, ("", ""))
    name = data.name or known_name
    if not name:
        raise Required.field("name", gettext("This field is required."))
    symbol = known_symbol if data.symbol is None else data.symbol
    unit = Unit(tenant=ctx.tenant, code=data.code, name=name, symbol=symbol)
    with transaction.atomic():
        _save_unit(ctx, unit)
        audit_record(ctx, action="unit_create", obj=unit, data={"code": unit.code})
    return unit


def unit_update(ctx: CommandContext, *, unit_id: int, data: UnitUpdate) -> Unit:
    ctx.require("manage_catalog")
    changed = {name: getattr(data, name) for name in data.model_fields_set}
    with transaction.atomic():
        unit = Unit.objects.select_for_update().filter(tenant=ctx.tenant, pk=unit_id).first()
        if unit is None:
            raise NotFound("Unit not found.")
        for key, value in changed.items():
            setattr(unit, key, value)
        _save_unit(ctx, unit)
        audit_record(ctx, action="unit_update", obj=unit, data={"fields": list(changed)})
    return unit
