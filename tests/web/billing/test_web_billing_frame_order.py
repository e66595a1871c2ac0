"""The draft's frame order select (issue 14): it offers the customer's open frame orders,
preselects the one open frame order covering the draft's projects, and saving it makes issuing
draw it down and print its PO number."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from billing_web import ISSUE_DAY, htmx
from django.urls import reverse

from faktura.billing.inputs import InvoiceIssue
from faktura.billing.services.issue import invoice_issue
from faktura.frameorders.inputs import FrameOrderCreate
from faktura.frameorders.models import FrameOrderLedger
from faktura.frameorders.services import frame_order_create

pytestmark = pytest.mark.django_db


def _frame_order(world, contact, po_number="PO-RAHMEN", **kw):
    data = {"contact_id": contact.pk, "po_number": po_number, "hours": Decimal("40"),
            "valid_from": dt.date(2020, 1, 1), **kw}  # fmt: skip
    return frame_order_create(world.ctx, data=FrameOrderCreate(**data))


def test_the_one_open_frame_order_is_preselected(browser, world, draft):
    frame_order = _frame_order(world, draft.contact)

    page = browser.get(reverse("web:invoice_detail", args=[draft.pk])).content.decode()

    assert f'<option value="{frame_order.pk}" selected>PO-RAHMEN (40.00 h left)</option>' in page


def test_two_open_frame_orders_preselect_none(browser, world, draft):
    _frame_order(world, draft.contact)
    _frame_order(world, draft.contact, po_number="PO-ZWEI")

    page = browser.get(reverse("web:invoice_detail", args=[draft.pk])).content.decode()

    assert '<option value="" selected>' in page
    assert "PO-ZWEI" in page


def test_saved_frame_order_is_drawn_when_issued(browser, world, draft):
    frame_order = _frame_order(world, draft.contact)

    saved = htmx(
        browser,
        reverse("web:draft_header", args=[draft.pk]),
        {"frame_order_id": str(frame_order.pk), "po_number": ""},
    )
    invoice = invoice_issue(world.ctx, invoice_id=draft.pk, data=InvoiceIssue(issue_date=ISSUE_DAY))

    assert saved.status_code == 200
    assert invoice.po_number == "PO-RAHMEN"
    row = FrameOrderLedger.objects.get(invoice=invoice)
    assert row.hours == Decimal("10.7500")
