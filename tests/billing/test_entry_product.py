"""Issue 13: goods and expense entries name their product; compile bills that product (priced
by the customer's price list) instead of falling back to the default "Work" product."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from faktura.billing.inputs import ItemsCompile
from faktura.billing.models import BillableItem
from faktura.billing.services.compile import billable_items_compile
from faktura.catalog.models import PriceList, PriceListItem, Product, Unit
from faktura.work import services as work


def _ok(response, status=200):
    assert response.status_code == status, response.content[:500]
    return response.json()


def test_a_goods_entry_bills_its_own_product(api, ctx):
    # given a goods product with a customer price list price
    unit = Unit.objects.get(tenant=ctx.tenant, code="C62")
    cable = Product.objects.create(
        tenant=ctx.tenant, name="Patchkabel 2 m", kind="goods", unit=unit,
        default_unit_price=Decimal("6.90"),
    )  # fmt: skip
    prices = PriceList.objects.create(tenant=ctx.tenant, name="Partner", currency="EUR")
    PriceListItem.objects.create(
        tenant=ctx.tenant, price_list=prices, product=cable, unit_price=Decimal("5.50")
    )
    customer = _ok(api.post("contacts", {"name": "Kunde GmbH", "price_list_id": prices.pk}), 201)
    project = _ok(api.post("projects", {"name": "Support", "contact_id": customer["id"]}), 201)
    task = _ok(api.post("tasks", {"project_id": project["id"], "title": "Rack",
                                  "client_id": customer["id"]}), 201)  # fmt: skip

    # when a goods entry names the product, and another one does not
    goods = {"task_id": task["id"], "kind": "goods", "date": "2026-03-02"}
    named = _ok(api.post("entries", {**goods, "quantity": "4", "product_id": cable.pk}), 201)
    plain = _ok(api.post("entries", {**goods, "quantity": "1", "unit_price": "20"}), 201)
    assert named["product_id"] == cable.pk and plain["product_id"] is None
    # a time entry names no product
    refused = api.post("entries", {"task_id": task["id"], "kind": "time",
                                   "started_at": "2026-03-02T08:00:00Z",
                                   "stopped_at": "2026-03-02T09:00:00Z",
                                   "product_id": cable.pk})  # fmt: skip
    assert refused.status_code == 400 and "product_id" in refused.json()["error"]["fields"]
    for entry in (named, plain):
        work.entry_submit(ctx, entry_id=entry["id"])
        work.entry_approve(ctx, entry_id=entry["id"])
    billable_items_compile(ctx, data=ItemsCompile(until=dt.date(2026, 3, 31)))

    # then the named entry is billed as that product at the customer's price
    item = BillableItem.objects.get(entry_id=named["id"])
    assert (item.product_id, item.product_name, item.unit) == (cable.pk, "Patchkabel 2 m", "C62")
    assert (item.unit_price, item.amount, item.price_source) == (
        Decimal("5.500000"), Decimal("22.00"), "price_list",
    )  # fmt: skip
    other = BillableItem.objects.get(entry_id=plain["id"])
    assert other.product_id != cable.pk and other.unit_price == Decimal("20.000000")


def test_another_tenants_product_is_refused(api, other_owner, ctx):
    unit = Unit.objects.create(tenant=other_owner.tenant, code="XPK", name="pack")
    theirs = Product.objects.create(tenant=other_owner.tenant, name="X", kind="goods", unit=unit)
    customer = _ok(api.post("contacts", {"name": "Kunde GmbH"}), 201)
    project = _ok(api.post("projects", {"name": "Support", "contact_id": customer["id"]}), 201)
    task = _ok(api.post("tasks", {"project_id": project["id"], "title": "Rack"}), 201)
    r = api.post("entries", {"task_id": task["id"], "kind": "goods", "quantity": "1",
                             "date": "2026-03-02", "product_id": theirs.pk})  # fmt: skip
    assert r.status_code == 400 and "product_id" in r.json()["error"]["fields"]
