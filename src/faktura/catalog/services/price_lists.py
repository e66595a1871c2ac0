"""Use cases of price lists and the prices in them."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import IntegrityError, transaction

from faktura.catalog.errors import ConcurrentUpdate, Duplicate, PriceListInUse
from faktura.catalog.inputs import PriceListCreate, PriceListUpdate, PriceSet
from faktura.catalog.models import (
    PriceList,
    PriceListItem,
    Product,
)
from faktura.common.context import CommandContext
from faktura.common.errors import NotFound, ValidationFailed
from faktura.common.services import audit_record
from faktura.core.money import UNIT_PRICE_PLACES, quantize


def _check_price_list(price_list: PriceList, changed: dict[str, Any]) -> None:
    if price_list.is_tenant_default and not price_list.is_active:
        field = "is_active" if "is_active" in changed else "is_tenant_default"
        raise ValidationFailed.field(
            field, "The default price list must be active; make another list the default first."
        )


def _save_price_list(ctx: CommandContext, price_list: PriceList) -> None:
    """Save, making it the only default of its currency if it is the default.

    The previous default is unset in the same transaction. Two concurrent switches collide on
    the one-default-per-currency constraint; the later one answers 409 and can be retried.
    """
    others = PriceList.objects.filter(tenant=ctx.tenant).exclude(pk=price_list.pk)
    if others.filter(name=price_list.name).exists():
        raise Duplicate.field("name", "Another price list has this name.")
    if price_list.is_tenant_default:
        previous = others.select_for_update().filter(
            currency=price_list.currency, is_tenant_default=True
        )
        for old in previous:
            old.is_tenant_default = False
            old.save(update_fields=["is_tenant_default", "updated_at"])
            audit_record(
                ctx,
                action="price_list_update",
                obj=old,
                data={"fields": ["is_tenant_default"], "replaced_by": price_list.pk},
            )
    try:
        with transaction.atomic():
            price_list.save()
    except IntegrityError as exc:
        if others.filter(name=price_list.name).exists():
            raise Duplicate.field("name", "Another price list has this name.") from exc
        raise ConcurrentUpdate(
            "Another price list became the default at the same time; try again.",
            fields={"is_tenant_default": "Changed concurrently."},
        ) from exc


def price_list_create(ctx: CommandContext, *, data: PriceListCreate) -> PriceList:
    """A price list; in the tenant's currency unless one is given."""
    ctx.require("manage_catalog")
    clean = dict(data)
    clean["currency"] = data.currency or ctx.tenant.currency
    price_list = PriceList(tenant=ctx.tenant, **clean)
    _check_price_list(price_list, clean)
    with transaction.atomic():
        _save_price_list(ctx, price_list)
        audit_record(ctx, action="price_list_create", obj=price_list)
    return price_list


def price_list_update(
    ctx: CommandContext, *, price_list_id: int, data: PriceListUpdate
) -> PriceList:
    """Change a price list. Its currency is fixed once it has prices or a customer uses it:
    the prices were set in that currency."""
    ctx.require("manage_catalog")
    clean = {name: getattr(data, name) for name in data.model_fields_set}
    with transaction.atomic():
        price_list = (
            PriceList.objects.select_for_update()
            .filter(tenant=ctx.tenant, pk=price_list_id)
            .first()
        )
        if price_list is None:
            raise NotFound("Price list not found.")
        if clean.get("currency", price_list.currency) != price_list.currency:
            contacts = apps.get_model("contacts", "Contact").objects
            if (
                price_list.items.exists()
                or contacts.filter(tenant=ctx.tenant, price_list=price_list).exists()
            ):
                raise PriceListInUse(
                    "The currency of a price list with prices or customers cannot change.",
                    fields={"currency": "The price list is in use."},
                )
        for key, value in clean.items():
            setattr(price_list, key, value)
        _check_price_list(price_list, clean)
        _save_price_list(ctx, price_list)
        audit_record(ctx, action="price_list_update", obj=price_list, data={"fields": list(clean)})
    return price_list


def _price_list_locked(ctx: CommandContext, price_list_id: int) -> PriceList:
    # Locking the list serialises concurrent price changes on it (no duplicate-row race).
    price_list = (
        PriceList.objects.select_for_update().filter(tenant=ctx.tenant, pk=price_list_id).first()
    )
    if price_list is None:
        raise NotFound("Price list not found.")
    return price_list


def price_list_item_set(
    ctx: CommandContext, *, price_list_id: int, product_id: int, data: PriceSet
) -> PriceListItem:
    """Set (create or replace) a product's price in a price list."""
    ctx.require("manage_catalog")
    price = quantize(data.unit_price, UNIT_PRICE_PLACES)
    with transaction.atomic():
        price_list = _price_list_locked(ctx, price_list_id)
        product = (
            Product.objects.select_related("unit").filter(tenant=ctx.tenant, pk=product_id).first()
        )
        if product is None:
            raise NotFound("Product not found.")
        item = PriceListItem.objects.filter(price_list=price_list, product=product).first()
        previous = None if item is None else item.unit_price
        if item is None:
            item = PriceListItem.objects.create(
                tenant=ctx.tenant, price_list=price_list, product=product, unit_price=price
            )
        else:
            item.unit_price = price
            item.save(update_fields=["unit_price", "updated_at"])
        audit_record(
            ctx,
            action="price_list_item_set",
            obj=item,
            data={
                "price_list_id": price_list.pk,
                "product_id": product.pk,
                "unit_price": str(price),
                "previous": None if previous is None else str(previous),
            },
        )
    item.product = product
    return item


def price_list_item_delete(ctx: CommandContext, *, price_list_id: int, product_id: int) -> None:
    """Remove a product's price from a price list."""
    ctx.require("manage_catalog")
    with transaction.atomic():
        price_list = _price_list_locked(ctx, price_list_id)
        product = Product.objects.filter(tenant=ctx.tenant, pk=product_id).first()
        if product is None:
            raise NotFound("Product not found.")
        item = PriceListItem.objects.filter(price_list=price_list, product=product).first()
        if item is None:
            raise NotFound("This product has no price in the price list.")
        audit_record(
            ctx,
            action="price_list_item_delete",
            obj=item,
            data={
                "price_list_id": price_list.pk,
                "product_id": item.product_id,
                "unit_price": str(item.unit_price),
            },
        )
        item.delete()
