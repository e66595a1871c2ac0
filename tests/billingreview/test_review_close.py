"""Ending a billing review without an invoice: close (its deferrals and write-offs take
effect) and abandon (none of its decisions do), through the services, the API and the page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from faktura.billing.models import BillableItem, Invoice
from faktura.billingreview import services
from faktura.billingreview.errors import ReviewHasEntriesToBill, ReviewNotOpen
from faktura.billingreview.inputs import BillingReviewStart, BillingReviewUpdate
from faktura.billingreview.models import BillingReview
from faktura.common.errors import ValidationFailed
from faktura.work.models import TaskEntry
from tests.web.web_helpers import signed_in

MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))


def _start(world, contact) -> BillingReview:
    return services.billing_review_start(
        world.ctx,
        data=BillingReviewStart(contact_id=contact.pk, period_start=MARCH[0], period_end=MARCH[1]),
    )


def _customer_with_two_entries(world):
    contact = world.contact()
    task = world.task(world.project(contact, hourly_rate=Decimal("100")))
    entries = [world.entry(task, minutes=60, day=dt.date(2026, 3, d)) for d in (2, 3)]
    return contact, entries


def _statuses(entries) -> list[str]:
    return [
        BillableItem.objects.get(entry=e, kind="task_entry").status
        for e in sorted(entries, key=lambda e: e.pk)
    ]


def test_close_applies_deferrals_and_write_offs_without_an_invoice(world):
    # given: one entry deferred, one written off
    contact, (a, b) = _customer_with_two_entries(world)
    review = _start(world, contact)
    services.billing_review_update(
        world.ctx,
        review_id=review.pk,
        data=BillingReviewUpdate(
            decisions={a.pk: "defer", b.pk: "write_off"}, write_off_reason="Warranty"
        ),
    )

    # when
    closed = services.billing_review_close(world.ctx, review_id=review.pk)

    # then: the state is clear, nothing was invoiced, the decisions took effect
    assert closed.status == BillingReview.Status.CLOSED
    assert closed.invoice_id is None
    assert Invoice.objects.filter(tenant=world.tenant).count() == 0
    assert _statuses([a, b]) == ["deferred", "written_off"]
    assert TaskEntry.objects.get(pk=a.pk).billing_state == "deferred"
    assert TaskEntry.objects.get(pk=b.pk).billing_state == "written_off"
    with pytest.raises(ReviewNotOpen):
        services.billing_review_close(world.ctx, review_id=review.pk)


def test_close_refuses_entries_marked_bill_and_needs_a_write_off_reason(world):
    contact, (a, b) = _customer_with_two_entries(world)
    review = _start(world, contact)
    with pytest.raises(ReviewHasEntriesToBill):
        services.billing_review_close(world.ctx, review_id=review.pk)
    services.billing_review_update(
        world.ctx, review_id=review.pk, data=BillingReviewUpdate(decide_all="write_off")
    )
    with pytest.raises(ValidationFailed) as raised:
        services.billing_review_close(world.ctx, review_id=review.pk)
    assert "write_off_reason" in raised.value.fields
    review.refresh_from_db()
    assert review.status == BillingReview.Status.OPEN
    assert _statuses([a, b]) == ["pending", "pending"]


def test_an_empty_review_closes(world):
    contact = world.contact()
    review = _start(world, contact)
    assert services.billing_review_close(world.ctx, review_id=review.pk).status == "closed"


def test_abandon_keeps_what_was_decided_elsewhere(world):
    # given: two reviews of the same customer; the second defers everything and is closed
    contact, entries = _customer_with_two_entries(world)
    first, second = _start(world, contact), _start(world, contact)
    services.billing_review_update(
        world.ctx,
        review_id=first.pk,
        data=BillingReviewUpdate(decide_all="write_off", write_off_reason="x"),
    )
    services.billing_review_update(
        world.ctx, review_id=second.pk, data=BillingReviewUpdate(decide_all="defer")
    )
    services.billing_review_close(world.ctx, review_id=second.pk)

    # when: the first (stale) review is abandoned
    abandoned = services.billing_review_abandon(world.ctx, review_id=first.pk)

    # then: its write-offs never happened, the other review's deferrals stay
    assert abandoned.status == BillingReview.Status.ABANDONED
    assert _statuses(entries) == ["deferred", "deferred"]
    with pytest.raises(ReviewNotOpen):
        services.billing_review_update(
            world.ctx, review_id=first.pk, data=BillingReviewUpdate(decide_all="bill")
        )


def test_close_and_abandon_over_http(api, world, other_owner):
    from tests.conftest import api_for

    contact, (a, b) = _customer_with_two_entries(world)
    body = {"contact_id": contact.pk, "period_start": "2026-03-01", "period_end": "2026-03-31"}
    review = api.post("billing-reviews", body).json()

    refused = api.post(f"billing-reviews/{review['id']}/close")
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "review_has_entries_to_bill"
    assert api_for(other_owner).post(f"billing-reviews/{review['id']}/close").status_code == 404
    assert api_for(other_owner).post(f"billing-reviews/{review['id']}/abandon").status_code == 404

    api.patch(f"billing-reviews/{review['id']}", {"decide_all": "defer"})
    closed = api.post(f"billing-reviews/{review['id']}/close")
    assert closed.status_code == 200, closed.content
    assert closed.json()["status"] == "closed" and closed.json()["invoice_id"] is None
    assert api.post(f"billing-reviews/{review['id']}/abandon").status_code == 409

    other = api.post("billing-reviews", body).json()
    assert [e["entry_id"] for e in other["entries"]] == []  # deferred to April
    abandoned = api.post(f"billing-reviews/{other['id']}/abandon")
    assert abandoned.status_code == 200 and abandoned.json()["status"] == "abandoned"
    assert _statuses([a, b]) == ["deferred", "deferred"]


@pytest.mark.parametrize("language", ["en", "de"])
def test_close_and_abandon_on_the_page(owner, world, language):
    contact, entries = _customer_with_two_entries(world)
    browser = signed_in(owner, language=language)
    review = _start(world, contact)
    url = f"/billing/month-end/{review.pk}/"
    page = browser.get(url, {"step": "4"}).content.decode()
    assert 'data-testid="review-close"' in page and 'data-testid="review-abandon"' in page

    # closing with entries marked Bill is refused with a message, nothing changes
    refused = browser.post(f"{url}close/", {"step": "4"}, follow=True)
    assert refused.status_code == 200
    assert refused.redirect_chain[-1][0] == f"{url}?step=4"
    review.refresh_from_db()
    assert review.status == "open"

    abandoned = browser.post(f"{url}abandon/")
    assert abandoned.status_code == 302 and abandoned.url == "/billing/month-end/?period=2026-03"
    review.refresh_from_db()
    assert review.status == "abandoned"
    shown = browser.get(url).content.decode()
    assert 'data-testid="review-state"' in shown
    assert 'data-testid="review-close"' not in shown
    expected = "Abandoned: none of its decisions" if language == "en" else "Verworfen"
    assert expected in shown
    assert _statuses(entries) == ["pending", "pending"]
