"""Billing in a real browser: Chromium (Debian's /usr/bin/chromium) driven by Playwright.

Scenario: approved work is compiled (the page polls the operation while a worker runs it),
invoices are generated, a draft opens as an overlay, a line is billed one increment more with
"+", the draft is settled and its PDF downloaded; then the same screens in German.
Screenshots go to /tmp (or $FAKTURA_SCREENSHOTS).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from faktura.billing.models import BillableItem, Invoice
from faktura.catalog.services import units_ensure_defaults
from faktura.common.context import CommandContext
from faktura.common.inputs import parse
from faktura.contacts.inputs import ContactCreate
from faktura.contacts.services import contact_create
from faktura.tenancy.inputs import TenantCreate
from faktura.tenancy.services import tenant_create
from faktura.work import services as work
from faktura.work.inputs import EntryCreate, ProjectCreate, TaskCreate
from tests.e2e.browser import EMAIL, PASSWORD, shot, sign_in

pytestmark = pytest.mark.e2e

UTC = dt.UTC


def _approved_time(ctx, task, *, day: int, hour: int, minutes: int) -> None:
    start = dt.datetime(2026, 3, day, hour, 0, tzinfo=UTC)
    entry = work.entry_create(
        ctx,
        data=parse(
            EntryCreate,
            dict(
                task_id=task.pk,
                kind="time",
                started_at=start,
                stopped_at=start + dt.timedelta(minutes=minutes),
                description="On site",
            ),
        ),
    )
    work.entry_submit(ctx, entry_id=entry.pk)
    work.entry_approve(ctx, entry_id=entry.pk)


@pytest.fixture
def company(transactional_db):
    """A company with a complete invoicing profile, two customers and approved work."""
    tenant, owner = tenant_create(
        data=TenantCreate(
            name="Nordlicht IT-Service GmbH",
            owner_email=EMAIL,
            owner_password=PASSWORD,
            owner_name="Jana Petersen",
            street="Speicherstadt 4",
            postal_code="20457",
            city="Hamburg",
            country="DE",
            vat_id="DE136695976",
        )
    )
    tenant.iban = "DE89370400440532013000"
    tenant.save(update_fields=["iban"])
    units_ensure_defaults(tenant=tenant)
    ctx = CommandContext(tenant=tenant, membership=owner, user=owner.user, source="ui")
    address = {"street": "Am Sandtorkai 1", "postal_code": "20457", "city": "Hamburg"}
    hafen = contact_create(ctx, data=ContactCreate(name="Hafenlogistik Nord GmbH", **address))
    werft = contact_create(ctx, data=ContactCreate(name="Werft & Technik AG", **address))
    work_of = {
        hafen: ("Mail server rejects external mail", "New laptops"),
        werft: ("Firewall rules for the yard",),
    }
    for contact, titles in work_of.items():
        project = work.project_create(
            ctx,
            data=parse(
                ProjectCreate,
                dict(
                    name=f"Support {contact.name}", contact_id=contact.pk, hourly_rate=Decimal("95")
                ),
            ),
        )
        for n, title in enumerate(titles):
            task = work.task_create(
                ctx,
                data=parse(
                    TaskCreate,
                    dict(project_id=project.pk, title=title, estimate_hours=Decimal("3")),
                ),
            )
            _approved_time(ctx, task, day=2 + n, hour=8, minutes=107)  # 1:47 logged
            _approved_time(ctx, task, day=3 + n, hour=13, minutes=30)
    return tenant


def run_worker() -> None:
    call_command(
        "db_worker", batch=True, reload=False, startup_delay=False, interval=0, verbosity=0
    )


def test_compile_generate_review_settle_download(page, company):
    from playwright.sync_api import expect

    # given: signed in
    sign_in(page, start="/billing/")
    expect(page.locator("h1")).to_have_text("Ready to bill")

    # compile from "Ready to bill": the operation is queued, the page polls it while a worker
    # runs it, and when it ends the list reloads (no stale rows under "Compiled 6 entries")
    ready = page.locator("#ready-list")
    expect(ready).to_contain_text("Hafenlogistik Nord GmbH")
    page.click("[data-testid=compile]")
    expect(page.locator(".operation")).to_be_visible()
    run_worker()
    expect(page.locator(".operation[data-status=succeeded]")).to_contain_text(
        "Compiled 6 entries into billable items (6 created)."
    )
    expect(ready).to_contain_text("Nothing to bill right now")
    expect(ready).not_to_contain_text("Hafenlogistik Nord GmbH")
    shot(page, "billing-00-ready-compiled")
    page.click(".operation >> text=Show billable items")
    expect(page.locator("#item-list tbody tr")).to_have_count(6)
    shot(page, "billing-01-items")
    assert BillableItem.objects.filter(tenant=company, status="pending").count() == 6

    # generate one invoice per customer from all items
    page.check("[data-check-all=ids]")
    page.select_option("select[name=grouping]", "contact")
    page.click("[data-testid=generate]")
    expect(page.locator("h1")).to_have_text("Invoice review")
    expect(page.locator(".operation[data-kind=invoices_generate]")).to_be_visible()
    run_worker()
    expect(page.locator(".operation[data-status=succeeded]")).to_contain_text(
        "2 drafts generated from 6 items."
    )
    expect(page.locator("#review-list tbody tr")).to_have_count(2)  # the list reloaded itself
    shot(page, "billing-02-review")

    # the draft opens as an overlay over the list
    row = page.locator("#review-list tr", has_text="Hafenlogistik Nord GmbH")
    row.locator("[data-testid=review-open]").click()
    overlay = page.locator("dialog#overlay")
    expect(overlay).to_be_visible()
    expect(overlay.locator("h2")).to_contain_text("Hafenlogistik Nord GmbH")
    first = overlay.locator("tr[data-line]").first
    expect(first).to_contain_text("2:17")  # logged 1:47 + 0:30
    expect(first.locator("input[name=quantity]")).to_have_value("2:30")  # rounded up to 15 min
    expect(first.locator("[data-testid=correction]")).to_have_text("+0:13")
    net_before = overlay.locator("[data-testid=total-net]").inner_text()
    shot(page, "billing-03-overlay", full_page=False)

    # "+" bills one rounding increment more; totals and the list behind follow
    first.locator("[data-testid=step-up]").click()
    first = overlay.locator("tr[data-line]").first
    expect(first.locator("input[name=quantity]")).to_have_value("2:45")
    expect(first.locator("[data-testid=correction]")).to_have_text("+0:28")
    expect(overlay.locator("[data-testid=total-net]")).not_to_have_text(net_before)
    expect(overlay.locator("[data-testid=total-net]")).to_have_text("€498.75")  # 5.25 h x 95
    expect(page.locator("#review-list")).to_contain_text("€498.75")
    shot(page, "billing-04-overlay-plus", full_page=False)

    # settle: confirm, get the number, land on the invoice
    page.once("dialog", lambda dialog: dialog.accept())
    overlay.locator("[data-testid=settle]").click()
    # (the overlay shows the draft's own address already: wait for the issued page)
    expect(page.locator("[data-testid=gross]")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/billing/invoices/\d+/$"))
    invoice = Invoice.objects.get(tenant=company, contact__name="Hafenlogistik Nord GmbH")
    assert invoice.status == "issued" and invoice.number
    expect(page.locator("h1")).to_contain_text(invoice.number)
    expect(page.locator("#flash")).to_contain_text(f"Invoice {invoice.number} issued.")
    expect(page.locator("[data-testid=gross]")).to_have_text("€593.51")
    shot(page, "billing-05-invoice")

    # the PDF download is the stored document
    with page.expect_download() as download:
        page.click("[data-testid=download-pdf]")
    path = download.value.path()
    content = Path(path).read_bytes()
    assert content.startswith(b"%PDF")
    assert download.value.suggested_filename == f"{invoice.number}.pdf"

    # the same screens in German
    page.click("button.lang[value=de]")
    expect(page.locator("h1")).to_contain_text("Rechnung")
    expect(page.locator("[data-testid=gross]")).to_have_text("593,51\u00a0€")
    shot(page, "billing-06-invoice-de")
    page.click("nav .subnav >> text=Rechnungsprüfung")
    expect(page.locator("h1")).to_have_text("Rechnungsprüfung")
    expect(page.locator("#review-list tbody tr")).to_have_count(1)
    page.locator("[data-testid=review-open]").first.click()
    expect(overlay).to_be_visible()
    expect(overlay).to_contain_text("Nicht berechnen")
    expect(overlay.locator("[data-testid=settle]")).to_have_text("Abrechnen")
    shot(page, "billing-07-overlay-de", full_page=False)
    page.keyboard.press("Escape")
    expect(overlay).to_be_hidden()
    page.click("nav >> text=Forderungen")
    expect(page.locator("table.receivables-table")).to_contain_text(invoice.number)
    shot(page, "billing-08-receivables-de")
