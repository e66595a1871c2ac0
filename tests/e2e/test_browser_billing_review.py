"""The month-end billing review in a real browser (Chromium via Playwright): the four steps,
a deferral saved by htmx as the radio changes, the page fitting 1280 px and 390 px, and the
issued invoice at the end. Screenshots go to /tmp (or $FAKTURA_SCREENSHOTS)."""

from __future__ import annotations

import re

import pytest

from faktura.billing.models import Invoice
from faktura.billingreview.models import BillingReview
from faktura.work.models import TaskEntry
from tests.e2e.browser import EMAIL, PASSWORD, SHOTS
from tests.e2e.test_browser_billing import company  # noqa: F401

pytestmark = pytest.mark.e2e


def _fits(browser_page) -> bool:
    return browser_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_four_steps_to_an_issued_invoice(page, company):  # noqa: F811
    from playwright.sync_api import expect

    # step 1: sign in, compile the month's work, pick the customer
    page.goto("/billing/month-end/?period=2026-03")
    page.fill("input[name=username]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Billing review")
    # approved time not compiled yet is listed before anyone compiles, in its own column
    waiting = page.locator("table.review-customers tr", has_text="Hafenlogistik Nord GmbH")
    expect(waiting.locator("[data-testid=uncompiled-hours]")).to_contain_text("not compiled yet")
    page.set_viewport_size({"width": 390, "height": 844})
    assert _fits(page)
    page.screenshot(path=str(SHOTS / "faktura-e2e-review-01-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.click("text=Compile new work")
    row = page.locator("table.review-customers tr", has_text="Hafenlogistik Nord GmbH")
    expect(row).to_be_visible()
    assert _fits(page)
    row.locator("[data-testid=review-start]").click()

    # step 2: every entry is "Bill"; deferring one updates the tiles without a reload
    expect(page).to_have_url(re.compile(r"/billing/month-end/\d+/$"))
    review = BillingReview.objects.get(tenant=company)
    rows = page.locator("table.review-entries tbody tr")
    expect(rows).to_have_count(4)
    expect(page.locator("[data-testid=tile-defer-hours]")).to_have_text("0:00")
    rows.last.locator("input[value=defer]").check()
    expect(page.locator("[data-testid=tile-defer-hours]")).not_to_have_text("0:00")
    assert _fits(page)
    page.screenshot(path=str(SHOTS / "faktura-e2e-review-02-entries.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    assert _fits(page)
    page.screenshot(path=str(SHOTS / "faktura-e2e-review-02-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    # the decision is stored: a reload shows it
    page.reload()
    expect(
        page.locator("table.review-entries tbody tr").last.locator("input[value=defer]")
    ).to_be_checked()
    page.click("[data-testid=to-step-3]")

    # step 3: no frame order for this customer
    expect(page.locator("[data-testid=no-frame-order]")).to_be_visible()
    page.click("[data-testid=to-step-4]")

    # step 4: the preview's totals, then Generate & issue
    expect(page.locator("[data-testid=preview-total]")).to_contain_text("€")
    assert _fits(page)
    page.set_viewport_size({"width": 390, "height": 844})
    assert _fits(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(SHOTS / "faktura-e2e-review-04-preview.png"), full_page=True)
    page.click("[data-testid=generate-issue]")
    expect(page).to_have_url(re.compile(r"/billing/invoices/\d+/$"))
    invoice = Invoice.objects.get(tenant=company)
    assert invoice.status == "issued" and invoice.number
    review.refresh_from_db()
    assert review.status == "issued" and review.invoice_id == invoice.pk
    states = TaskEntry.objects.filter(tenant=company, task__client__name__startswith="Hafen")
    assert sorted(states.values_list("billing_state", flat=True)) == [
        "deferred",
        "invoiced",
        "invoiced",
        "invoiced",
    ]
