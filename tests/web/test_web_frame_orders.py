"""The Frame Orders page (issue 14): each pool with its utilization bar, what is left, the
invoices that drew it, alerts when low or expired; the create and edit form."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from faktura.contacts.inputs import ContactCreate
from faktura.contacts.services import contact_create
from faktura.frameorders.inputs import FrameOrderCreate
from faktura.frameorders.models import FrameOrder
from faktura.frameorders.services import frame_order_create

pytestmark = pytest.mark.django_db


def _frame_order(ctx, contact, **kw):
    data = {
        "contact_id": contact.pk,
        "po_number": "PO-77",
        "hours": Decimal("50"),
        "valid_from": dt.date(2020, 1, 1),
        **kw,
    }
    return frame_order_create(ctx, data=FrameOrderCreate(**data))


def test_list_shows_each_pool_and_an_alert_when_expired(browser, ctx):
    contact = contact_create(ctx, data=ContactCreate(name="Kunde GmbH"))
    _frame_order(ctx, contact)
    _frame_order(ctx, contact, po_number="PO-OLD", valid_to=dt.date(2021, 12, 31))

    page = browser.get("/billing/frame-orders/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "PO-77" in html and "PO-OLD" in html
    assert html.count('data-testid="frame-order-alert"') == 1
    assert 'data-width="0.0"' in html


def test_create_through_the_form_and_see_the_detail(browser, ctx):
    contact = contact_create(ctx, data=ContactCreate(name="Kunde GmbH"))

    created = browser.post(
        "/billing/frame-orders/new/",
        {
            "contact_id": contact.pk,
            "po_number": "PO-NEW",
            "hours": "120.5",
            "valid_from": "2026-01-01",
            "overage_policy": "warn",
            "low_threshold_percent": "25",
        },
    )

    frame_order = FrameOrder.objects.get(po_number="PO-NEW")
    assert created.status_code == 302
    assert (frame_order.hours, frame_order.overage_policy) == (Decimal("120.50"), "warn")
    detail = browser.get(created["Location"]).content.decode()
    assert "120.50 h remaining" in detail


def test_form_errors_name_the_field_and_store_nothing(browser, ctx):
    contact = contact_create(ctx, data=ContactCreate(name="Kunde GmbH"))

    answer = browser.post(
        "/billing/frame-orders/new/",
        {"contact_id": contact.pk, "po_number": "PO-X", "valid_from": "2026-01-01",
         "overage_policy": "block", "low_threshold_percent": "20"},
    )  # fmt: skip

    assert answer.status_code == 200
    assert answer.context["form"].errors
    assert not FrameOrder.objects.exists()


def test_edit_closes_a_frame_order(browser, ctx):
    frame_order = _frame_order(ctx, contact_create(ctx, data=ContactCreate(name="Kunde GmbH")))

    answer = browser.post(
        f"/billing/frame-orders/{frame_order.pk}/edit/",
        {"po_number": "PO-77", "hours": "50", "valid_from": "2020-01-01",
         "overage_policy": "block", "low_threshold_percent": "20", "closed": "on"},
    )  # fmt: skip

    assert answer.status_code == 302
    frame_order.refresh_from_db()
    assert frame_order.closed


def test_other_tenants_frame_order_is_404(browser, other_owner):
    from faktura.common.context import CommandContext

    other_ctx = CommandContext(
        tenant=other_owner.tenant, membership=other_owner, user=other_owner.user
    )
    frame_order = _frame_order(
        other_ctx, contact_create(other_ctx, data=ContactCreate(name="Fremd AG"))
    )

    assert browser.get(f"/billing/frame-orders/{frame_order.pk}/").status_code == 404
    assert browser.get(f"/billing/frame-orders/{frame_order.pk}/edit/").status_code == 404


def test_list_query_count_is_flat(browser, ctx):
    contact = contact_create(ctx, data=ContactCreate(name="Kunde GmbH"))
    _frame_order(ctx, contact)
    browser.get("/billing/frame-orders/")
    with CaptureQueriesContext(connection) as few:
        browser.get("/billing/frame-orders/")
    for n in range(5):
        _frame_order(ctx, contact, po_number=f"PO-{n}")

    with CaptureQueriesContext(connection) as many:
        browser.get("/billing/frame-orders/")

    assert len(many) == len(few)
