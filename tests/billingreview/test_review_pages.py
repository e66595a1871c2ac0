"""The billing review pages: the four steps through the browser's forms (no JavaScript)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from faktura.billing.models import Invoice
from faktura.billingreview.models import BillingReview
from faktura.work.models import TaskEntry
from tests.web.web_helpers import signed_in


def test_four_steps_issue_an_invoice(owner, world):
    # given: a customer with two approved March entries
    contact = world.contact(name="Kunde Eins GmbH")
    task = world.task(world.project(contact, hourly_rate=Decimal("100")))
    first, second = (world.entry(task, minutes=60, day=dt.date(2026, 3, d)) for d in (2, 3))
    browser = signed_in(owner)

    # step 1: compile, then the customer list shows the work
    browser.post("/billing/month-end/compile/?period=2026-03")
    listing = browser.get("/billing/month-end/", {"period": "2026-03"})
    assert listing.status_code == 200
    assert "Kunde Eins GmbH" in listing.content.decode()
    started = browser.post(
        "/billing/month-end/start/",
        {"contact_id": contact.pk, "period_start": "2026-03-01", "period_end": "2026-03-31"},
    )
    review = BillingReview.objects.get(contact=contact)
    assert started.status_code == 302 and started.url == f"/billing/month-end/{review.pk}/"

    # step 2: defer the second entry
    entries = browser.get(started.url)
    assert f'name="d_{second.pk}"' in entries.content.decode()
    decided = browser.post(
        f"/billing/month-end/{review.pk}/decide/",
        {f"d_{first.pk}": "bill", f"d_{second.pk}": "defer", "next": "1"},
    )
    assert decided.url.endswith("?step=3")

    # step 3: no frame order
    assert "No frame order" in browser.get(decided.url).content.decode()
    framed = browser.post(f"/billing/month-end/{review.pk}/frame-order/", {"frame_order_id": ""})
    assert framed.url.endswith("?step=4")

    # step 4: details, preview, PDF, issue
    saved = browser.post(
        f"/billing/month-end/{review.pk}/details/",
        {"period_start": "2026-03-01", "period_end": "2026-03-31", "po_number": "PO-5"},
    )
    assert saved.status_code == 302
    preview = browser.get(saved.url).content.decode()
    assert "119.00" in preview  # 100.00 net + 19 % VAT
    pdf = browser.get(f"/billing/month-end/{review.pk}/preview.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    issued = browser.post(f"/billing/month-end/{review.pk}/generate/", {"mode": "issue"})
    invoice = Invoice.objects.get(tenant=world.tenant)
    assert issued.url == f"/billing/invoices/{invoice.pk}/"
    assert (invoice.status, invoice.po_number, invoice.net_total) == (
        "issued",
        "PO-5",
        Decimal("100.00"),
    )
    assert TaskEntry.objects.get(pk=second.pk).billing_state == "deferred"


def test_bad_details_answer_400_on_the_page(owner, world):
    contact = world.contact()
    task = world.task(world.project(contact, hourly_rate=Decimal("100")))
    world.entry(task, minutes=60, day=dt.date(2026, 3, 2))
    browser = signed_in(owner)
    browser.post(
        "/billing/month-end/start/",
        {"contact_id": contact.pk, "period_start": "2026-03-01", "period_end": "2026-03-31"},
    )
    review = BillingReview.objects.get(contact=contact)
    bad = browser.post(
        f"/billing/month-end/{review.pk}/details/",
        {"period_start": "2026-03-31", "period_end": "2026-03-01"},
    )
    assert bad.status_code == 400
    review.refresh_from_db()
    assert review.period_start == dt.date(2026, 3, 1)


def test_german_page(owner, world):
    contact = world.contact()
    task = world.task(world.project(contact, hourly_rate=Decimal("100")))
    world.entry(task, minutes=60, day=dt.date(2026, 3, 2))
    browser = signed_in(owner, language="de")
    listing = browser.get("/billing/month-end/", {"period": "2026-03"}).content.decode()
    assert "Neue Arbeit erfassen" in listing
    browser.post(
        "/billing/month-end/start/",
        {"contact_id": contact.pk, "period_start": "2026-03-01", "period_end": "2026-03-31"},
    )
    review = BillingReview.objects.get(contact=contact)
    page = browser.get(f"/billing/month-end/{review.pk}/").content.decode()
    assert "Alle abrechnen" in page and "Zurückstellen" in page
