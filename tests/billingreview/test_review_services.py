"""The month-end billing review (issue 14): decisions, reload, generation, concurrency."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from faktura.billing.models import BillableItem, Invoice
from faktura.billingreview import selectors, services
from faktura.billingreview.errors import NothingToBill, ReviewEntriesTaken, ReviewNotOpen
from faktura.billingreview.inputs import BillingReviewStart, BillingReviewUpdate
from faktura.billingreview.models import BillingReview
from faktura.common.errors import ValidationFailed
from faktura.work.models import Project, TaskEntry

MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
APRIL = (dt.date(2026, 4, 1), dt.date(2026, 4, 30))


def _start(world, contact, period=MARCH) -> BillingReview:
    return services.billing_review_start(
        world.ctx,
        data=BillingReviewStart(
            contact_id=contact.pk, period_start=period[0], period_end=period[1]
        ),
    )


def _customer(world):
    contact = world.contact()
    project = world.project(contact, hourly_rate=Decimal("100"))
    return contact, world.task(project)


def test_start_compiles_and_lists_only_approved_time_and_materials_work(world):
    # given: approved entries (two in March, one in April), a submitted entry, fixed-price work
    contact, task = _customer(world)
    march = [world.entry(task, minutes=90, day=dt.date(2026, 3, d)) for d in (3, 17)]
    world.entry(task, minutes=60, day=dt.date(2026, 4, 2))
    submitted = world.entry(task, minutes=30, day=dt.date(2026, 3, 5))
    TaskEntry.objects.filter(pk=submitted.pk).update(approval_status="submitted")
    fixed = world.project(contact, billing_model=Project.BillingModel.FIXED_PRICE)
    world.entry(world.task(fixed), minutes=120, day=dt.date(2026, 3, 4))

    # when
    review = _start(world, contact)

    # then: the two March entries, compiled and priced at the project's rate, all "bill"
    view = selectors.review_view(review)
    assert [row.entry_id for row in view.entries] == [e.pk for e in march]
    assert {row.decision for row in view.entries} == {"bill"}
    assert view.totals["bill_hours"] == Decimal("3.0000")
    assert view.totals["bill_amount"] == Decimal("300.00")
    assert view.totals["defer_hours"] == view.totals["write_off_hours"] == 0
    assert view.frame_orders == []  # no frame-order app registered: "No frame order"


def test_decisions_are_stored_and_survive_a_reload(world):
    contact, task = _customer(world)
    a, b, c = (world.entry(task, minutes=60, day=dt.date(2026, 3, d)) for d in (2, 3, 4))
    review = _start(world, contact)

    services.billing_review_update(
        world.ctx,
        review_id=review.pk,
        data=BillingReviewUpdate(
            decisions={b.pk: "defer", c.pk: "write_off"},
            write_off_reason="Warranty work",
            po_number="PO-77",
            payment_terms_days=30,
        ),
    )

    # a fresh read (another request, another person) sees the same state
    again = selectors.review_get(tenant=world.tenant, review_id=review.pk)
    view = selectors.review_view(again)
    assert {r.entry_id: r.decision for r in view.entries} == {
        a.pk: "bill",
        b.pk: "defer",
        c.pk: "write_off",
    }
    assert (again.po_number, again.payment_terms_days, again.write_off_reason) == (
        "PO-77",
        30,
        "Warranty work",
    )
    assert view.totals["bill_hours"] == view.totals["defer_hours"] == Decimal("1.0000")
    assert view.totals["write_off_hours"] == Decimal("1.0000")


def test_decide_all_then_single_decisions(world):
    contact, task = _customer(world)
    a, b = (world.entry(task, minutes=60, day=dt.date(2026, 3, d)) for d in (2, 3))
    review = _start(world, contact)
    services.billing_review_update(
        world.ctx,
        review_id=review.pk,
        data=BillingReviewUpdate(decide_all="defer", decisions={a.pk: "bill"}),
    )
    view = selectors.review_view(review)
    assert {r.entry_id: r.decision for r in view.entries} == {a.pk: "bill", b.pk: "defer"}


def test_unknown_entry_in_decisions_answers_400_and_changes_nothing(world):
    contact, task = _customer(world)
    a = world.entry(task, minutes=60, day=dt.date(2026, 3, 2))
    review = _start(world, contact)
    with pytest.raises(ValidationFailed) as raised:
        services.billing_review_update(
            world.ctx,
            review_id=review.pk,
            data=BillingReviewUpdate(decisions={a.pk: "defer", 999_999: "bill"}),
        )
    assert "decisions" in raised.value.fields
    assert selectors.review_view(review).entries[0].decision == "bill"


def test_issue_bills_defers_and_writes_off_in_one_go(world):
    # given
    contact, task = _customer(world)
    a, b, c = (world.entry(task, minutes=60, day=dt.date(2026, 3, d)) for d in (2, 3, 4))
    review = _start(world, contact)
    services.billing_review_update(
        world.ctx,
        review_id=review.pk,
        data=BillingReviewUpdate(
            decisions={b.pk: "defer", c.pk: "write_off"},
            write_off_reason="Goodwill",
            po_number="PO-1",
            notes="March support",
        ),
    )

    # when
    invoice = services.billing_review_generate(world.ctx, review_id=review.pk, issue=True)

    # then: one issued invoice with the billed hour, numbered and frozen
    assert invoice.status == Invoice.Status.ISSUED and invoice.number == "2026-0001"
    assert invoice.net_total == Decimal("100.00") and invoice.po_number == "PO-1"
    assert invoice.intro_text == "March support"
    states = dict(
        TaskEntry.objects.filter(pk__in=[a.pk, b.pk, c.pk]).values_list("pk", "billing_state")
    )
    assert states == {a.pk: "invoiced", b.pk: "deferred", c.pk: "written_off"}
    written = BillableItem.objects.get(entry=c)
    assert written.status == "written_off" and written.quantity == Decimal("1.0000")
    [row] = [r for r in selectors.review_entries(review) if r.entry_id == c.pk]
    assert (row.decision, row.reason, row.hours) == ("write_off", "Goodwill", Decimal("1.0000"))
    deferred = BillableItem.objects.get(entry=b)
    assert deferred.deferred_until == dt.date(2026, 4, 1)
    review.refresh_from_db()
    assert review.status == "issued" and review.invoice_id == invoice.pk
    # a generated review changes no more
    with pytest.raises(ReviewNotOpen):
        services.billing_review_generate(world.ctx, review_id=review.pk, issue=True)


def test_deferred_entries_come_back_next_month(world):
    contact, task = _customer(world)
    _a, b = (world.entry(task, minutes=60, day=dt.date(2026, 3, d)) for d in (2, 3))
    review = _start(world, contact)
    services.billing_review_update(
        world.ctx, review_id=review.pk, data=BillingReviewUpdate(decisions={b.pk: "defer"})
    )
    services.billing_review_generate(world.ctx, review_id=review.pk, issue=True)
    april_entry = world.entry(task, minutes=30, day=dt.date(2026, 4, 7))

    # when: April's review
    april = _start(world, contact, APRIL)

    # then: the deferred March entry is back beside April's work, and is billed with it
    view = selectors.review_view(april)
    assert [r.entry_id for r in view.entries] == [b.pk, april_entry.pk]
    invoice = services.billing_review_generate(world.ctx, review_id=april.pk, issue=True)
    assert invoice.net_total == Decimal("150.00")
    assert invoice.service_period_start == dt.date(2026, 3, 3)
    assert TaskEntry.objects.get(pk=b.pk).billing_state == "invoiced"


def test_deferral_until_a_date_waits_for_it(world):
    contact, task = _customer(world)
    _a, b = (world.entry(task, minutes=60, day=dt.date(2026, 3, d)) for d in (2, 3))
    review = _start(world, contact)
    services.billing_review_update(
        world.ctx,
        review_id=review.pk,
        data=BillingReviewUpdate(decisions={b.pk: "defer"}, defer_until=dt.date(2026, 5, 15)),
    )
    services.billing_review_generate(world.ctx, review_id=review.pk, issue=False)
    april = _start(world, contact, APRIL)
    assert selectors.review_view(april).entries == []
    may = _start(world, contact, (dt.date(2026, 5, 1), dt.date(2026, 5, 31)))
    assert [r.entry_id for r in selectors.review_view(may).entries] == [b.pk]


def test_draft_leaves_an_unnumbered_draft(world):
    contact, task = _customer(world)
    entry = world.entry(task, minutes=60, day=dt.date(2026, 3, 2))
    review = _start(world, contact)
    invoice = services.billing_review_generate(world.ctx, review_id=review.pk, issue=False)
    assert invoice.status == "draft" and invoice.number is None
    assert TaskEntry.objects.get(pk=entry.pk).billing_state == "on_draft"


def test_two_reviews_of_one_customer_bill_each_entry_once(world):
    # given: two people open a review of the same customer and month
    contact, task = _customer(world)
    entries = [world.entry(task, minutes=60, day=dt.date(2026, 3, d)) for d in (2, 3)]
    first, second = _start(world, contact), _start(world, contact)

    # when: the first issues, then the second tries
    issued = services.billing_review_generate(world.ctx, review_id=first.pk, issue=True)
    with pytest.raises(ReviewEntriesTaken):
        services.billing_review_generate(world.ctx, review_id=second.pk, issue=True)

    # then: one invoice, the second review stays open, its entries show as taken
    assert Invoice.objects.filter(tenant=world.tenant).count() == 1
    assert issued.net_total == Decimal("200.00")
    second.refresh_from_db()
    assert second.status == "open"
    view = selectors.review_view(second)
    assert [r.available for r in view.entries] == [False, False]
    assert {e.billing_state for e in TaskEntry.objects.filter(pk__in=[e.pk for e in entries])} == {
        "invoiced"
    }


def test_write_off_needs_a_reason_and_nothing_to_bill_is_refused(world):
    contact, task = _customer(world)
    a, b = (world.entry(task, minutes=60, day=dt.date(2026, 3, d)) for d in (2, 3))
    review = _start(world, contact)
    services.billing_review_update(
        world.ctx, review_id=review.pk, data=BillingReviewUpdate(decisions={b.pk: "write_off"})
    )
    with pytest.raises(ValidationFailed) as raised:
        services.billing_review_generate(world.ctx, review_id=review.pk, issue=True)
    assert "write_off_reason" in raised.value.fields
    services.billing_review_update(
        world.ctx, review_id=review.pk, data=BillingReviewUpdate(decide_all="defer")
    )
    with pytest.raises(NothingToBill):
        services.billing_review_generate(world.ctx, review_id=review.pk, issue=True)
    # nothing changed
    assert set(BillableItem.objects.filter(entry__in=[a, b]).values_list("status", flat=True)) == {
        "pending"
    }


def test_preview_shows_the_would_be_invoice_and_leaves_nothing(world):
    contact, task = _customer(world)
    world.entry(task, minutes=90, day=dt.date(2026, 3, 2))
    review = _start(world, contact)
    preview = services.billing_review_preview(world.ctx, review_id=review.pk)
    assert preview["invoice"]["net"] == Decimal("150.00")
    assert preview["invoice"]["vat"] == Decimal("28.50")
    assert preview["invoice"]["gross"] == Decimal("178.50")
    assert preview["draw_down"] is None
    assert Invoice.objects.filter(tenant=world.tenant).count() == 0
    assert set(BillableItem.objects.filter(contact=contact).values_list("status", flat=True)) == {
        "pending"
    }


def test_a_registered_frame_order_is_offered_chosen_and_prefills_the_po(world, monkeypatch):
    # given: an app above billing offers (issuing against a real one:
    # test_review_frame_order.py) one frame order of 100 h for this customer
    from faktura.billing import hooks

    contact, task = _customer(world)
    world.entry(task, minutes=120, day=dt.date(2026, 3, 2))

    def options(tenant, contact_id, on_date):
        if contact_id != contact.pk:
            return []
        return [{"id": 7, "po_number": "PO-FRAME", "hours_remaining": Decimal("100")}]

    monkeypatch.setattr(hooks, "frame_order_options", [options])
    review = _start(world, contact)

    # then: the review shows its impact, and choosing it prefills the PO number
    view = selectors.review_view(review)
    assert view.frame_orders == [
        {
            "id": 7,
            "po_number": "PO-FRAME",
            "hours_remaining": Decimal("100"),
            "hours_after": Decimal("98.0000"),
        }
    ]
    services.billing_review_update(
        world.ctx, review_id=review.pk, data=BillingReviewUpdate(frame_order_id=7)
    )
    review.refresh_from_db()
    assert (review.frame_order_id, review.po_number) == (7, "PO-FRAME")
    preview = services.billing_review_preview(world.ctx, review_id=review.pk)
    assert preview["draw_down"]["hours_after"] == Decimal("98.0000")


def test_a_new_period_recollects_the_entries_and_keeps_decisions(world):
    contact, task = _customer(world)
    march = world.entry(task, minutes=60, day=dt.date(2026, 3, 30))
    april = world.entry(task, minutes=60, day=dt.date(2026, 4, 2))
    review = _start(world, contact)
    services.billing_review_update(
        world.ctx, review_id=review.pk, data=BillingReviewUpdate(decisions={march.pk: "defer"})
    )
    services.billing_review_update(
        world.ctx,
        review_id=review.pk,
        data=BillingReviewUpdate(
            period_start=dt.date(2026, 3, 15), period_end=dt.date(2026, 4, 15)
        ),
    )
    rows = {r.entry_id: r.decision for r in selectors.review_view(review).entries}
    assert rows == {march.pk: "defer", april.pk: "bill"}
