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


def test_customer_list_shows_approved_time_not_compiled_yet(owner, world):
    # given: one customer with a compiled hour and 90 uncompiled minutes, another with
    # only uncompiled time, and a third with a draft entry (not approved: not listed)
    from faktura.billing.inputs import ItemsCompile
    from faktura.billing.services.compile import billable_items_compile
    from faktura.billingreview.selectors import customers_unbilled

    compiled = world.contact(name="Alpha GmbH")
    waiting = world.contact(name="Beta AG")
    drafted = world.contact(name="Gamma KG")
    alpha = world.task(world.project(compiled, hourly_rate=Decimal("100")))
    world.entry(alpha, minutes=60, day=dt.date(2026, 3, 2))
    billable_items_compile(world.ctx, data=ItemsCompile())
    world.entry(alpha, minutes=90, day=dt.date(2026, 3, 3))
    world.entry(world.task(world.project(waiting)), minutes=45, day=dt.date(2026, 3, 4))
    draft = world.entry(world.task(world.project(drafted)), minutes=30, day=dt.date(2026, 3, 5))
    TaskEntry.objects.filter(pk=draft.pk).update(approval_status="draft")
    # and: uncompiled time of April is not March's
    world.entry(world.task(world.project(waiting)), minutes=30, day=dt.date(2026, 4, 1))

    rows = customers_unbilled(
        tenant=world.tenant, start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31)
    )

    assert [(r["name"], r["hours"], r["amount"], r["uncompiled_hours"]) for r in rows] == [
        ("Alpha GmbH", Decimal("1.00"), Decimal("100.00"), Decimal("1.50")),
        ("Beta AG", Decimal("0.00"), None, Decimal("0.75")),
    ]
    page = signed_in(owner).get("/billing/month-end/", {"period": "2026-03"}).content.decode()
    assert "Beta AG" in page and "Gamma KG" not in page
    assert page.count('data-testid="uncompiled-hours"') == 2
    assert "+ 1:30 not compiled yet" in page
