"""Use cases of products, and the default product per line kind that billing falls back to."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import pgettext_lazy

from faktura.catalog.errors import Duplicate
from faktura.catalog.inputs import ProductCreate, ProductUpdate
from faktura.catalog.models import (
    LineKind,
    Product,
    Unit,
    VatCategory,
)
from faktura.catalog.selectors import unit_for_tenant
from faktura.catalog.services.units import KNOWN_UNITS
from faktura.common.context import CommandContext
from faktura.common.errors import NotFound, ValidationFailed
from faktura.common.services import audit_record
from faktura.core import tax
from faktura.core.money import UNIT_PRICE_PLACES, quantize

DEFAULT_VAT_RATE = Decimal("19.00")

# The product compile falls back to when no assignment applies, per line kind:
# (name, kind, unit code, default unit price).
# The name is created in the company's language ("Arbeit", "Reisezeit" for a German company).
DEFAULT_PRODUCTS: dict[str, tuple[Any, str, str, Decimal | None]] = {
    LineKind.TASK_ENTRY: (pgettext_lazy("product", "Work"), Product.Kind.SERVICE, "HUR", None),
    LineKind.GOODS: (pgettext_lazy("product", "Work"), Product.Kind.SERVICE, "HUR", None),
    LineKind.EXPENSE: (pgettext_lazy("product", "Work"), Product.Kind.SERVICE, "HUR", None),
    LineKind.TRANSPORT_DISTANCE: (
        pgettext_lazy("product", "Transport"),
        Product.Kind.TRANSPORT,
        "KMT",
        Decimal("5.00"),
    ),
    LineKind.TRANSPORT_TIME: (
        pgettext_lazy("product", "Transport Time"),
        Product.Kind.TRANSPORT,
        "HUR",
        Decimal("1000.00"),
    ),
}


def _product_fields(ctx: CommandContext, data: ProductCreate | ProductUpdate) -> dict[str, Any]:
    """The model fields the input sets: the unit looked up in this company, prices stored
    with their decimals."""
    values = {name: getattr(data, name) for name in data.model_fields_set}
    if isinstance(data, ProductCreate):
        values = dict(data)
    if values.get("unit") is not None:
        values["unit"] = unit_for_tenant(ctx.tenant, code=values["unit"].upper(), field="unit")
    if values.get("default_unit_price") is not None:
        values["default_unit_price"] = quantize(values["default_unit_price"], UNIT_PRICE_PLACES)
    if values.get("vat_rate") is not None:
        values["vat_rate"] = quantize(values["vat_rate"], tax.RATE_PLACES)
    return values


def _check_product(product: Product) -> None:
    """The VAT rate has to fit the category (EN 16931: S > 0, Z/E/AE/K/G/O = 0)."""
    line = tax.TaxLine(
        category=product.vat_category, rate=product.vat_rate, net_amount=Decimal("0")
    )
    for problem in tax.validate_tax_lines([line]):
        if problem.is_error and problem.path == "lines[0].vat_rate":
            raise ValidationFailed.field("vat_rate", problem.message, code=problem.code)


def _save_product(ctx: CommandContext, product: Product) -> None:
    duplicate = Duplicate.field("sku", f"Another product has the article number {product.sku}.")
    if (
        product.sku
        and Product.objects.filter(tenant=ctx.tenant, sku=product.sku)
        .exclude(pk=product.pk)
        .exists()
    ):
        raise duplicate
    try:
        with transaction.atomic():
            product.save()
    except IntegrityError as exc:
        raise duplicate from exc


def product_create(ctx: CommandContext, *, data: ProductCreate) -> Product:
    """A catalog product. Without a VAT rate, S gets 19 % and every other category 0 %."""
    ctx.require("manage_catalog")
    clean = _product_fields(ctx, data)
    if clean["vat_rate"] is None:
        category = clean["vat_category"]
        clean["vat_rate"] = (
            DEFAULT_VAT_RATE if category == VatCategory.STANDARD else Decimal("0.00")
        )
    product = Product(tenant=ctx.tenant, **clean)
    _check_product(product)
    with transaction.atomic():
        _save_product(ctx, product)
        audit_record(ctx, action="product_create", obj=product)
    return product


def product_update(ctx: CommandContext, *, product_id: int, data: ProductUpdate) -> Product:
    ctx.require("manage_catalog")
    clean = _product_fields(ctx, data)
    with transaction.atomic():
        product = (
            Product.objects.select_for_update().filter(tenant=ctx.tenant, pk=product_id).first()
        )
        if product is None:
            raise NotFound("Product not found.")
        for key, value in clean.items():
            setattr(product, key, value)
        _check_product(product)
        _save_product(ctx, product)
        audit_record(ctx, action="product_update", obj=product, data={"fields": list(clean)})
    return product


def _auto_created_product(*, tenant, line_kind: str) -> Product | None:
    return (
        Product.objects.select_related("unit")
        .filter(tenant=tenant, auto_created=True, auto_created_for=line_kind)
        .first()
    )


def _unit_ensure(*, tenant, code: str) -> Unit:
    """The tenant's unit with a default code, created again if it was renamed away."""
    unit = Unit.objects.filter(tenant=tenant, code=code).first()
    if unit is not None:
        return unit
    name, symbol = KNOWN_UNITS[code]
    try:
        with transaction.atomic():
            return Unit.objects.create(tenant=tenant, code=code, name=name, symbol=symbol)
    except IntegrityError:
        return Unit.objects.get(tenant=tenant, code=code)


def default_product_ensure(*, tenant, line_kind: str) -> Product:
    """The tenant's default product for a line kind: created once, then reused.

    Billing uses it when no product assignment applies. It is marked ``auto_created`` for the
    line kind; the unique constraint on (tenant, auto_created_for) makes concurrent callers
    end up with the same row: the loser's insert fails inside a savepoint and it reads the
    winner's product. Users may rename or re-price it; it stays the default.
    """
    if line_kind not in DEFAULT_PRODUCTS:
        raise ValidationFailed.field(
            "line_kind", f"Line kind {line_kind!r} has no default product."
        )
    product = _auto_created_product(tenant=tenant, line_kind=line_kind)
    if product is not None:
        return product
    label, kind, unit_code, price = DEFAULT_PRODUCTS[line_kind]
    with translation.override(tenant.language or "en"):
        name = str(label)
    ctx = CommandContext(tenant=tenant, source="system", reason=f"default product for {line_kind}")
    try:
        with transaction.atomic():
            product = Product.objects.create(
                tenant=tenant,
                name=name,
                kind=kind,
                unit=_unit_ensure(tenant=tenant, code=unit_code),
                default_unit_price=price,
                vat_category=VatCategory.STANDARD,
                vat_rate=DEFAULT_VAT_RATE,
                auto_created=True,
                auto_created_for=line_kind,
            )
            audit_record(ctx, action="default_product_ensure", obj=product)
    except IntegrityError:
        product = _auto_created_product(tenant=tenant, line_kind=line_kind)
        if product is None:
            raise
    return product
