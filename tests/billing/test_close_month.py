"""`faktura close-month --period YYYY-MM`: compile, then the billing run; twice is once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from faktura import cli
from faktura.billing.invariants import check_invariants
from faktura.billing.models import BillableItem, Invoice
from faktura.work.models import TaskEntry


@pytest.fixture
def month(world):
    """Approved March work on two customers' projects, and one entry of April."""
    acme = world.project(world.contact("Acme GmbH"), hourly_rate=Decimal("100"))
    beta = world.project(world.contact("Beta AG"), hourly_rate=Decimal("80"))
    entries = [
        world.entry(world.task(acme, "Printer"), minutes=90, day=dt.date(2026, 3, 3)),
        world.entry(world.task(acme, "Mail"), minutes=60, day=dt.date(2026, 3, 20)),
        world.entry(world.task(beta, "Backup"), minutes=30, day=dt.date(2026, 3, 11)),
    ]
    april = world.entry(world.task(beta, "VPN"), minutes=60, day=dt.date(2026, 4, 2))
    return entries, april


def test_close_month_compiles_and_fills_the_drafts(world, month, capsys):
    entries, april = month

    call_command("close_month", period="2026-03")

    out = capsys.readouterr().out
    assert "Month closed: 2026-03" in out
    assert world.tenant.slug in out
    assert "290.00 EUR" in out  # 1.5 h x 100 + 1 h x 100 + 0.5 h x 80
    drafts = Invoice.objects.filter(tenant=world.tenant, status="draft").order_by("pk")
    assert drafts.count() == 2
    for entry in entries:
        entry.refresh_from_db()
        assert entry.billing_state == "on_draft"
    april.refresh_from_db()
    assert april.billing_state == "unbilled"
    assert check_invariants(tenant=world.tenant) == []


def test_close_month_twice_changes_nothing(world, month, capsys):
    call_command("close_month", period="2026-03")
    drafts = {i.pk: (i.updated_at, i.net_total) for i in Invoice.objects.all()}
    items = BillableItem.objects.count()
    capsys.readouterr()

    call_command("close_month", period="2026-03")

    assert "Nothing to do" in capsys.readouterr().out
    assert {i.pk: (i.updated_at, i.net_total) for i in Invoice.objects.all()} == drafts
    assert BillableItem.objects.count() == items


def test_close_month_for_one_tenant(world, other_world, month):
    theirs = other_world.entry(
        other_world.task(other_world.project(hourly_rate=Decimal("50"))), day=dt.date(2026, 3, 4)
    )
    call_command("close_month", period="2026-03", tenant=world.tenant.slug)
    theirs.refresh_from_db()
    assert theirs.billing_state == "unbilled"
    assert Invoice.objects.filter(tenant=world.tenant).count() == 2
    call_command("close_month", period="2026-03")
    theirs.refresh_from_db()
    assert theirs.billing_state == "on_draft"


@pytest.mark.parametrize(
    ("options", "message"),
    [({"period": "2026-3"}, "YYYY-MM"), ({"period": "2026-03", "tenant": "nope"}, "nope")],
)
def test_close_month_input(db, options, message):
    with pytest.raises(CommandError, match=message):
        call_command("close_month", **options)
    assert not TaskEntry.objects.exists()


def test_the_cli_spells_it_close_month(monkeypatch):
    seen = []
    monkeypatch.setattr(
        "django.core.management.execute_from_command_line", lambda argv: seen.append(argv)
    )
    cli.main(["close-month", "--period", "2026-03"])
    assert seen == [["faktura", "close_month", "--period", "2026-03"]]
