"""Two people generate the same customer's review at the same moment, over real parallel
connections (PostgreSQL: row locks; SQLite: the IMMEDIATE write transaction): one invoice is
made, the other answers `review_entries_taken`, and no entry is billed twice."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connections

from faktura.billing.models import BillableItem, Invoice
from faktura.billingreview import services
from faktura.billingreview.errors import ReviewEntriesTaken
from faktura.billingreview.inputs import BillingReviewStart
from faktura.billingreview.models import BillingReview


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("issue", [True, False])
def test_two_reviews_generated_at_once_bill_each_entry_once(world, issue):
    # given: two open reviews of the same customer and month
    contact = world.contact()
    task = world.task(world.project(contact, hourly_rate=Decimal("100")))
    for day in (2, 3, 4, 5):
        world.entry(task, minutes=60, day=dt.date(2026, 3, day))
    data = BillingReviewStart(
        contact_id=contact.pk, period_start=dt.date(2026, 3, 1), period_end=dt.date(2026, 3, 31)
    )
    reviews = [services.billing_review_start(world.ctx, data=data).pk for _ in range(2)]

    # when: both generate at the same moment
    barrier = threading.Barrier(2)
    results: list[object] = []

    def run(review_id: int) -> None:
        try:
            barrier.wait()
            results.append(
                services.billing_review_generate(world.ctx, review_id=review_id, issue=issue)
            )
        except BaseException as exc:
            results.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(pk,)) for pk in reviews]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then: one invoice with all four hours, one clean refusal
    invoices = [r for r in results if isinstance(r, Invoice)]
    refused = [r for r in results if isinstance(r, ReviewEntriesTaken)]
    assert (len(invoices), len(refused)) == (1, 1), results
    assert Invoice.objects.filter(tenant=world.tenant).count() == 1
    assert invoices[0].net_total == Decimal("400.00")
    wanted = "invoiced" if issue else "on_draft"
    assert set(BillableItem.objects.filter(contact=contact).values_list("status", flat=True)) == {
        wanted
    }
    statuses = sorted(BillingReview.objects.filter(pk__in=reviews).values_list("status", flat=True))
    assert statuses == ["issued", "open"]
