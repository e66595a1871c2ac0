"""Offers and subscriptions in a real browser (Chromium via Playwright): an offer is written,
sent, accepted (a fixed-price project) and billed 30 % as a partial invoice; a subscription is
created, its due period billed by the due run and put on the customer's month draft by the
billing run. Screenshots go to /tmp (or $FAKTURA_SCREENSHOTS)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from faktura.billing.models import BillableItem, Invoice
from faktura.catalog.models import Product, Unit
from faktura.offers.models import Offer
from faktura.subscriptions.models import Subscription
from faktura.work.models import Project
from tests.e2e.browser import DESKTOP, PHONE, shot, sign_in
from tests.e2e.test_browser_billing import company, run_worker  # noqa: F401

pytestmark = pytest.mark.e2e


def _fits(browser_page) -> bool:
    return browser_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_offer_accepted_then_partially_invoiced(page, company, settings):  # noqa: F811
    from playwright.sync_api import expect

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    page.set_viewport_size(DESKTOP)
    sign_in(page, start="/billing/offers/new/")

    # write the offer: customer, title, one position of 2 days at 960.00
    page.select_option("select[name=contact_id]", label="Hafenlogistik Nord GmbH")
    page.fill("input[name=title]", "Mail server migration")
    page.click("text=Create offer")
    expect(page).to_have_url(re.compile(r"/billing/offers/\d+/$"))
    page.fill("input[name=title]", "Migration workshop")
    page.fill("input[name=quantity]", "2")
    page.select_option("select[name=unit]", "DAY")
    page.fill("input[name=unit_price]", "960.00")
    page.fill("input[name=vat_rate]", "19")
    page.click("text=Add position")
    expect(page.locator("table").first).to_contain_text("Migration workshop")
    offer = Offer.objects.get(tenant=company)
    assert offer.net_total == Decimal("1920.00")

    # send it: it takes the first number of the offers' series
    page.fill("input[name=to]", "einkauf@hafen.test")
    page.click("button:has-text('Send offer')")
    offer.refresh_from_db()
    assert offer.status == "sent" and re.fullmatch(r"A-\d{4}-0001", offer.number)
    expect(page.locator("main")).to_contain_text(offer.number)
    assert _fits(page)
    shot(page, "offer-01-sent")

    # accepted: a fixed-price project, and the project page offers the partial invoice
    page.click("button:has-text('Accepted')")
    expect(page).to_have_url(re.compile(r"/work/projects/\d+/$"))
    offer.refresh_from_db()
    project = Project.objects.get(pk=offer.project_id)
    assert project.billing_model == "fixed_price"
    page.fill("input[name=percent]", "30")
    page.click("button:has-text('Partial invoice')")

    # then: a draft of 30 % of the net price
    expect(page).to_have_url(re.compile(r"/billing/invoices/\d+/$|/billing/review/"))
    draft = Invoice.objects.get(tenant=company, project=project)
    assert (draft.status, draft.net_total) == ("draft", Decimal("576.00"))
    assert offer.number in draft.lines.get().title  # "... zu Angebot A-2026-0001"
    expect(page.locator("main")).to_contain_text("576.00")
    page.set_viewport_size(PHONE)
    assert _fits(page)
    shot(page, "offer-02-partial-invoice-phone")


def test_subscription_due_run_to_draft(page, company):  # noqa: F811
    from playwright.sync_api import expect

    Product.objects.create(
        tenant=company,
        name="Managed hosting",
        unit=Unit.objects.get(tenant=company, code="MON"),
        default_unit_price=Decimal("49.00"),
    )
    page.set_viewport_size(DESKTOP)
    sign_in(page, start="/billing/subscriptions/")
    expect(page.locator("h1")).to_have_text("Subscriptions")

    # a monthly subscription without a project, from March
    form = page.locator("[data-testid=subscription-form]")
    form.locator("select[name=contact_id]").select_option(label="Hafenlogistik Nord GmbH")
    form.locator("select[name=product_id]").select_option(label="Managed hosting")
    form.locator("select[name=interval]").select_option("monthly")
    form.locator("input[name=start_date]").fill("2026-03-01")
    form.locator("input[name=quantity]").fill("1")
    page.click("button:has-text('Create subscription')")
    expect(page.locator("[data-testid=subscriptions]")).to_contain_text("Managed hosting")
    subscription = Subscription.objects.get(tenant=company)

    # the due run bills March (in advance: due on 1 March)
    page.fill("input[name=until]", "2026-03-31")
    page.click("[data-testid=due-run]")
    run_worker()
    [item] = BillableItem.objects.filter(tenant=company, kind="subscription")
    assert (item.status, item.amount, item.service_period_start.isoformat()) == (
        "pending", Decimal("49.00"), "2026-03-01",
    )  # fmt: skip
    assert item.source_key == f"subscription:{subscription.pk}:2026-03-01"

    # the billing run of March puts it on the customer's own month draft
    page.goto("/billing/review/")
    page.fill("input[name=period]", "2026-03")
    page.click("[data-testid=billing-run]")
    run_worker()
    page.goto("/billing/review/")
    row = page.locator("#review-list tr", has_text="Hafenlogistik Nord GmbH")
    expect(row).to_be_visible()
    draft = Invoice.objects.get(tenant=company, status="draft")
    assert draft.project_id is None
    assert [line.title for line in draft.lines.all()] == ["Managed hosting"]
    assert draft.net_total == Decimal("49.00")
    assert _fits(page)
    shot(page, "subscription-01-draft")
    page.set_viewport_size(PHONE)
    assert _fits(page)
