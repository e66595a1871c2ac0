"""Issuing an invoice with a frame order draws it down through a ledger row; a credit note
reverses it; the overage policy decides an overdraw (issue 14, DESIGN.md invariant 5)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail

from faktura.billing.inputs import CreditNoteCreate
from faktura.billing.models import Invoice
from faktura.billing.services.credit_notes import credit_note_create
from faktura.common.errors import FakturaError, ValidationFailed
from faktura.frameorders import selectors
from faktura.frameorders.models import FrameOrderLedger

pytestmark = pytest.mark.django_db


def _balance(world, frame_order):
    return selectors.frame_order_get(
        tenant=world.tenant, frame_order_id=frame_order.pk, on=dt.date(2026, 3, 31)
    )


def test_issue_draws_hours_and_amount_and_copies_the_po_number(world):
    # given
    contact = world.contact()
    project = world.project(contact)
    frame_order = world.frame_order(contact, amount=Decimal("20000"))
    draft = world.draft(project, hours=12, frame_order=frame_order)

    # when
    invoice = world.issue(draft)

    # then
    [row] = FrameOrderLedger.objects.filter(frame_order=frame_order)
    assert (row.kind, row.hours, row.amount, row.invoice_id) == (
        "draw", Decimal("12.0000"), Decimal("1200.00"), invoice.pk,
    )  # fmt: skip
    assert invoice.po_number == "PO-4711"
    current = _balance(world, frame_order)
    assert current.balance.hours_remaining == Decimal("88.0000")
    assert current.balance.amount_remaining == Decimal("18800.00")
    assert current.balance.utilization_percent == Decimal("12.0")
    assert current.status == "active"


def test_own_po_number_of_the_draft_stays(world):
    contact = world.contact()
    frame_order = world.frame_order(contact)
    draft = world.draft(world.project(contact), frame_order=frame_order)
    Invoice.objects.filter(pk=draft.pk).update(po_number="PO-OWN")

    invoice = world.issue(draft)

    assert invoice.po_number == "PO-OWN"


def test_block_refuses_an_overdraw_and_nothing_is_issued(world):
    contact = world.contact()
    project = world.project(contact)
    frame_order = world.frame_order(contact, hours=Decimal("20"))
    world.issue(world.draft(project, hours=15, frame_order=frame_order))
    draft = world.draft(project, hours=10, frame_order=frame_order)

    with pytest.raises(FakturaError) as refused:
        world.issue(draft)

    assert refused.value.code == "frame_order_exhausted"
    assert refused.value.status == 422
    assert "5 h left" in refused.value.message
    assert refused.value.fields == {"frame_order_id": "5 h remaining."}
    draft.refresh_from_db()
    assert draft.status == "draft" and draft.number is None
    assert FrameOrderLedger.objects.filter(frame_order=frame_order).count() == 1


def test_warn_issues_and_records_the_warning(world):
    contact = world.contact()
    project = world.project(contact)
    frame_order = world.frame_order(contact, hours=Decimal("10"), overage_policy="warn")

    invoice = world.issue(world.draft(project, hours=12, frame_order=frame_order))

    row = FrameOrderLedger.objects.get(invoice=invoice)
    assert row.warning == "exceeds the frame order by 2 h"
    current = _balance(world, frame_order)
    assert current.balance.hours_remaining == Decimal("-2.0000")
    assert current.status == "exhausted"


def test_allow_issues_silently(world):
    contact = world.contact()
    frame_order = world.frame_order(contact, hours=Decimal("10"), overage_policy="allow")

    invoice = world.issue(world.draft(world.project(contact), hours=12, frame_order=frame_order))

    assert FrameOrderLedger.objects.get(invoice=invoice).warning == ""


def test_credit_note_gives_the_credited_hours_back(world):
    contact = world.contact()
    frame_order = world.frame_order(contact)
    invoice = world.issue(world.draft(world.project(contact), hours=30, frame_order=frame_order))

    note = credit_note_create(
        world.ctx, invoice_id=invoice.pk, data=CreditNoteCreate(issue_date=dt.date(2026, 3, 31))
    )

    row = FrameOrderLedger.objects.get(invoice=note)
    assert (row.kind, row.hours, row.amount) == (
        "reversal",
        Decimal("-30.0000"),
        Decimal("-3000.00"),
    )
    assert _balance(world, frame_order).balance.hours_remaining == Decimal("100.0000")


def test_expired_frame_order_refuses_the_issue(world):
    contact = world.contact()
    frame_order = world.frame_order(contact, valid_to=dt.date(2026, 2, 28))
    draft = world.draft(world.project(contact), frame_order=frame_order)

    with pytest.raises(FakturaError) as refused:
        world.issue(draft)

    assert refused.value.code == "frame_order_not_open"


def test_uncovered_project_refuses_the_issue(world):
    contact = world.contact()
    covered, other = world.project(contact, name="A"), world.project(contact, name="B")
    frame_order = world.frame_order(contact, project_ids=[covered.pk])
    draft = world.draft(other, frame_order=frame_order)

    with pytest.raises(FakturaError) as refused:
        world.issue(draft)

    assert refused.value.code == "frame_order_not_open"
    assert not FrameOrderLedger.objects.exists()


def test_another_customers_frame_order_is_refused_on_the_draft(world):
    frame_order = world.frame_order(world.contact(name="Other customer"))
    project = world.project(world.contact())

    with pytest.raises(ValidationFailed) as refused:
        world.draft(project, frame_order=frame_order)

    assert refused.value.fields == {"frame_order_id": "No such frame order of this customer."}


def test_crossing_the_low_threshold_mails_the_owners_once(
    world, django_capture_on_commit_callbacks
):
    contact = world.contact()
    project = world.project(contact)
    frame_order = world.frame_order(contact, hours=Decimal("100"), low_threshold_percent=20)

    with django_capture_on_commit_callbacks(execute=True):
        world.issue(world.draft(project, hours=70, frame_order=frame_order))
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        world.issue(world.draft(project, hours=15, frame_order=frame_order))
    with django_capture_on_commit_callbacks(execute=True):
        world.issue(world.draft(project, hours=5, frame_order=frame_order))

    # low at 85 h (15 h left, at most 20 %): one e-mail, not one per invoice after it
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["owner@acme.test"]
    assert "PO-4711" in mail.outbox[0].subject
    assert "15 h remaining" in mail.outbox[0].body

    with django_capture_on_commit_callbacks(execute=True):
        world.issue(world.draft(project, hours=10, frame_order=frame_order))

    # exhausted is a threshold of its own
    assert len(mail.outbox) == 2
    assert "exhausted" in mail.outbox[1].subject
