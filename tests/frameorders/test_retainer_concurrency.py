"""Two billing runs at once bill a reopened retainer month exactly once, and an earlier
subscription period likewise (issues 13 and 14; PostgreSQL: real parallel connections).

The runs claim the items under row locks with a conditional update, and the month's draft by
its unique key; the run that waited finds the month built and the items taken."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from faktura.billing.inputs import BillingRun, CreditNoteCreate, ItemsCompile
from faktura.billing.models import BillableItem, Invoice, InvoiceLine
from faktura.billing.services.compile import billable_items_compile
from faktura.billing.services.credit_notes import credit_note_create
from faktura.billing.services.generation import billing_run
from faktura.common.inputs import parse
from faktura.frameorders.inputs import RetainerCreate
from faktura.frameorders.models import RetainerMonth
from faktura.frameorders.retainers import retainer_create


def _run(world, period, barrier, errors):
    try:
        barrier.wait(timeout=30)
        billing_run(world.ctx, data=parse(BillingRun, dict(period=period)))
    except Exception as exc:  # reported by the test
        errors.append(exc)
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_bill_a_reopened_month_once(world):
    if connection.vendor != "postgresql":
        pytest.skip("parallel writers need PostgreSQL; SQLite runs one writer at a time")
    # given: March of a retainer issued, credited with its time released (reopened), and a
    # pending product item of a customer without project from February
    project = world.project(world.contact(language="en"))
    retainer_create(
        world.ctx,
        data=RetainerCreate(
            project_id=project.pk,
            hours_per_month=Decimal("20"),
            monthly_fee=Decimal("1800.00"),
            start_date=dt.date(2026, 1, 1),
        ),
    )
    for hours in (6, 8):
        world.item(world.task(project, title=f"Ticket {hours}"), minutes=hours * 60,
                   day=dt.date(2026, 3, 10))  # fmt: skip
    [draft_id] = billing_run(world.ctx, data=parse(BillingRun, dict(period="2026-03"))).invoice_ids
    invoice = world.issue(Invoice.objects.get(pk=draft_id), dt.date(2026, 4, 1))
    credit_note_create(
        world.ctx,
        invoice_id=invoice.pk,
        data=parse(CreditNoteCreate, dict(release_entries=True, issue_date=dt.date(2026, 4, 2))),
    )
    billable_items_compile(world.ctx, data=parse(ItemsCompile, dict(until=dt.date(2026, 4, 30))))
    earlier = world.item(
        kind="subscription", contact=world.contact("Schmidt KG"), day=dt.date(2026, 2, 1),
        minutes=None, unit="MON", product_name="Hosting",
    )  # fmt: skip

    # when: two runs of April start at the same moment
    barrier, errors = threading.Barrier(2), []
    threads = [
        threading.Thread(target=_run, args=(world, "2026-04", barrier, errors)) for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    # then: one March draft with one fee line and the 14 h, the February period on one draft
    assert errors == []
    fees = InvoiceLine.objects.filter(invoice__status="draft", title__startswith="Retainer 2026-03")
    assert fees.count() == 1
    march = fees.get().invoice_id
    assert BillableItem.objects.filter(invoice_line__invoice_id=march).count() == 2
    assert RetainerMonth.objects.get(month=dt.date(2026, 3, 1)).invoice_id == march
    earlier.refresh_from_db()
    assert earlier.status == "on_draft" and earlier.invoice_line.caught_up
    assert not BillableItem.objects.filter(status="pending").exists()
