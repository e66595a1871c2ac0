"""Month-end by itself (issue 13): a customer with tickets, a monthly hosting subscription, a
per-user licence with a variable quantity, a one-time setup fee and a manual travel expense
gets ONE combined invoice for the month, made by the scheduler without a click; it cannot be
issued until someone enters the licence's quantity. A second scheduler bills nothing twice.
Runs on SQLite and PostgreSQL; the invariants (tests/conftest) are checked afterwards."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from faktura.billing.models import BillableItem, Invoice
from faktura.catalog.models import Product, Unit
from faktura.console.management.commands.scheduler import run_once
from faktura.subscriptions.models import MonthEndRun


def _world_class():
    path = Path(__file__).resolve().parents[1] / "billing" / "conftest.py"
    name = "billing_tests_conftest"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name].BillingWorld


@pytest.fixture
def clock(monkeypatch):
    class Clock:
        now = dt.datetime(2026, 3, 25, 9, 0, tzinfo=dt.UTC)

    frozen = Clock()
    monkeypatch.setattr(timezone, "now", lambda: frozen.now)
    return frozen


def _ok(response, status=200):
    assert response.status_code == status, response.json()
    return response.json()


def _product(tenant, name: str, price: str, unit: str) -> Product:
    return Product.objects.create(
        tenant=tenant,
        name=name,
        unit=Unit.objects.get(tenant=tenant, code=unit),
        default_unit_price=Decimal(price),
    )


def test_the_scheduler_makes_one_combined_invoice_for_the_month(owner, api, clock):
    # given a company whose month-end runs on the 1st (February closed already, empty)
    _ok(api.patch("tenant", {"month_end_day": 1}))
    run_once()
    assert MonthEndRun.objects.filter(period="2026-02").exists()
    # and a customer with an ongoing support project and March work on two tickets
    world = _world_class()(owner)
    customer = world.contact("Müller Maschinenbau GmbH")
    project = world.project(customer, hourly_rate=Decimal("100"))
    world.entry(world.task(project, "Printer"), minutes=90, day=dt.date(2026, 3, 3))
    world.entry(world.task(project, "Mail"), minutes=60, day=dt.date(2026, 3, 20))
    hosting = _product(world.tenant, "Hosting", "49.00", "MON")
    licence = _product(world.tenant, "Licence per user", "5.00", "C62")
    setup = _product(world.tenant, "Setup fee", "500.00", "LS")
    base = {"contact_id": customer.pk, "project_id": project.pk, "start_date": "2026-03-01"}
    _ok(api.post("subscriptions", {**base, "product_id": hosting.pk}), 201)
    _ok(api.post("subscriptions", {**base, "product_id": licence.pk, "quantity": None}), 201)
    _ok(api.post(f"projects/{project.pk}/products", {"product_id": setup.pk}), 201)
    travel = {"project_id": project.pk, "title": "Travel to Stuttgart", "unit": "LS",
              "unit_price": "180.00", "vat_rate": "19", "service_date": "2026-03-12"}  # fmt: skip
    _ok(api.post("billable-items", travel), 201)

    # when the scheduler passes again in March (nothing due) and on 1 April (twice)
    run_once()
    assert not Invoice.objects.exists()
    clock.now = dt.datetime(2026, 4, 1, 6, 0, tzinfo=dt.UTC)
    run_once()
    run_once()

    # then one draft holds everything of March
    [draft] = Invoice.objects.filter(tenant=world.tenant)
    assert MonthEndRun.objects.filter(tenant=world.tenant, period="2026-03").count() == 1
    body = _ok(api.get(f"invoices/{draft.pk}"))
    lines = {line["title"]: line for line in body["lines"]}
    assert set(lines) == {f"#{n} {title}" for n, title in ((1, "Printer"), (2, "Mail"))} | {
        "Hosting",
        "Licence per user",
        "Setup fee",
        "Travel to Stuttgart",
    }
    assert lines["Hosting"]["net_amount"] == "49.00"
    assert (lines["Hosting"]["period_start"], lines["Hosting"]["period_end"]) == (
        "2026-03-01", "2026-03-31",
    )  # fmt: skip
    assert lines["Licence per user"]["quantity_needed"] is True
    assert lines["Setup fee"]["net_amount"] == "500.00"
    assert body["totals"]["net"] == "979.00"  # 250 work + 49 + 0 + 500 + 180
    # April's hosting (in advance, due 1 April) belongs to April's month-end
    assert not BillableItem.objects.filter(service_period_start=dt.date(2026, 4, 1)).exists()

    # the licence's quantity is missing: the invoice cannot be issued
    refused = api.post(f"invoices/{draft.pk}/issue", {"issue_date": "2026-04-01"})
    assert refused.status_code == 422, refused.json()
    assert "quantity is variable" in str(refused.json()["error"]["fields"])
    line_id = lines["Licence per user"]["id"]
    _ok(api.patch(f"invoices/{draft.pk}/lines/{line_id}", {"quantity": "23"}))
    issued = _ok(api.post(f"invoices/{draft.pk}/issue", {"issue_date": "2026-04-01"}))
    assert issued["totals"]["net"] == "1094.00"  # + 23 x 5.00
    assert issued["number"]
