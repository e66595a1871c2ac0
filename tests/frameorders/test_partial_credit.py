"""Issue 15: a credit note for a part of a line gives a frame order back the credited hours
only, and a part of a retainer's fee line leaves the month billed until the fee line is
credited in full."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from faktura.billing.errors import PartialCreditNotReleasable
from faktura.billing.inputs import BillingRun, CreditNoteCreate
from faktura.billing.models import BillableItem, Invoice, InvoiceLine
from faktura.billing.services.credit_notes import credit_note_create
from faktura.billing.services.generation import billing_run
from faktura.common.inputs import parse
from faktura.frameorders import selectors
from faktura.frameorders.inputs import RetainerCreate
from faktura.frameorders.models import FrameOrderLedger, RetainerMonth
from faktura.frameorders.retainers import retainer_create

pytestmark = pytest.mark.django_db

APRIL_2 = dt.date(2026, 4, 2)


def _credit(world, invoice, **data) -> Invoice:
    return credit_note_create(
        world.ctx,
        invoice_id=invoice.pk,
        data=parse(CreditNoteCreate, {"issue_date": APRIL_2, **data}),
    )


def _hours_remaining(world, frame_order) -> Decimal:
    found = selectors.frame_order_get(
        tenant=world.tenant, frame_order_id=frame_order.pk, on=dt.date(2026, 4, 30)
    )
    return found.balance.hours_remaining


def test_a_part_of_a_line_gives_its_hours_back(world):
    # given: 30 h drawn from a frame order of 100 h
    contact = world.contact()
    frame_order = world.frame_order(contact)
    invoice = world.issue(world.draft(world.project(contact), hours=30, frame_order=frame_order))
    line = invoice.lines.get()

    # when: 7.5 h are credited, then 2.25 h
    first = _credit(world, invoice, lines=[{"line_id": line.pk, "quantity": "7.5"}])
    second = _credit(world, invoice, lines=[{"line_id": line.pk, "quantity": "2.25"}])

    # then: each credit note reverses its own hours and amount
    rows = {
        row.invoice_id: (row.kind, row.hours, row.amount)
        for row in FrameOrderLedger.objects.filter(frame_order=frame_order)
    }
    assert rows[first.pk] == ("reversal", Decimal("-7.5000"), Decimal("-750.00"))
    assert rows[second.pk] == ("reversal", Decimal("-2.2500"), Decimal("-225.00"))
    assert _hours_remaining(world, frame_order) == Decimal("79.7500")  # 100 - 30 + 9.75


def _retainer_march(world):
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
    task = world.task(project, title="Ticket 3-0")
    world.item(task, minutes=6 * 60, day=dt.date(2026, 3, 10))
    [draft_id] = billing_run(world.ctx, data=parse(BillingRun, dict(period="2026-03"))).invoice_ids
    invoice = world.issue(Invoice.objects.get(pk=draft_id), dt.date(2026, 4, 1))
    fee = InvoiceLine.objects.get(invoice=invoice, unit="MON")
    return invoice, fee


def test_a_part_of_a_retainer_fee_leaves_the_month_billed(world):
    invoice, fee = _retainer_march(world)

    # a part cannot release the month's time (it stays billed)
    with pytest.raises(PartialCreditNotReleasable):
        _credit(
            world,
            invoice,
            lines=[{"line_id": fee.pk, "quantity": "0.5"}],
            release_entries=True,
        )

    # half of the fee credited: a price reduction; the month stands
    half = _credit(world, invoice, lines=[{"line_id": fee.pk, "quantity": "0.5"}])
    assert half.lines.get().net_amount == Decimal("-900.00")
    month = RetainerMonth.objects.get()
    assert (month.credit_note_id, month.invoice_id, month.state) == (None, invoice.pk, "billed")
    assert set(BillableItem.objects.values_list("status", flat=True)) == {"invoiced"}

    # the other half credits the fee line in full: the month is credited (time written off)
    rest = _credit(world, invoice, lines=[{"line_id": fee.pk}])
    month.refresh_from_db()
    assert (month.credit_note_id, month.invoice_id, month.state) == (
        rest.pk,
        invoice.pk,
        "credited",
    )
    assert set(BillableItem.objects.values_list("status", flat=True)) == {"written_off"}
    assert billing_run(world.ctx, data=parse(BillingRun, dict(period="2026-03"))).invoice_ids == []
