"""The billing review with a real frame order (issue 14): offered with the hours it leaves,
chosen, and drawn down by the invoice the review issues."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from faktura.billingreview import selectors, services
from faktura.billingreview.inputs import BillingReviewStart, BillingReviewUpdate
from faktura.frameorders.inputs import FrameOrderCreate
from faktura.frameorders.models import FrameOrderLedger
from faktura.frameorders.selectors import balance
from faktura.frameorders.services import frame_order_create


def test_the_review_offers_the_frame_order_and_issuing_draws_it_down(world):
    # given: a customer with a 10 h frame order and 3 h of approved March work
    contact = world.contact()
    task = world.task(world.project(contact, hourly_rate=Decimal("100")))
    for day in (3, 4):
        world.entry(task, minutes=90, day=dt.date(2026, 3, day))
    frame_order = frame_order_create(
        world.ctx,
        data=FrameOrderCreate(
            contact_id=contact.pk, po_number="PO-4711", hours=Decimal("10"),
            valid_from=dt.date(2026, 1, 1),
        ),
    )  # fmt: skip
    review = services.billing_review_start(
        world.ctx,
        data=BillingReviewStart(
            contact_id=contact.pk,
            period_start=dt.date(2026, 3, 1),
            period_end=dt.date(2026, 3, 31),
        ),
    )

    # then: step 3 offers it with the hours this invoice would leave
    [option] = selectors.review_view(review).frame_orders
    assert option["id"] == frame_order.pk and option["po_number"] == "PO-4711"
    assert option["hours_remaining"] == Decimal("10.00")
    assert option["hours_after"] == Decimal("7.00")

    # when: it is chosen and the review issues
    services.billing_review_update(
        world.ctx, review_id=review.pk, data=BillingReviewUpdate(frame_order_id=frame_order.pk)
    )
    invoice = services.billing_review_generate(world.ctx, review_id=review.pk, issue=True)

    # then: the invoice carries the PO number and the pool is drawn by 3 h
    assert invoice.frame_order_id == frame_order.pk and invoice.po_number == "PO-4711"
    [row] = FrameOrderLedger.objects.filter(frame_order=frame_order)
    assert (row.invoice_id, row.hours, row.kind) == (invoice.pk, Decimal("3.00"), "draw")
    frame_order.refresh_from_db()
    assert balance(frame_order).hours_billed == Decimal("3.00")
