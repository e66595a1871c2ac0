"""The main screens in a real browser: Chromium (Debian's /usr/bin/chromium) driven by Playwright.

Scenario: sign in, create a customer, open a task, start the timer, see it running in the
header, stop it, see the entry with its duration, switch to German. Screenshots go to /tmp.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from faktura.catalog.services import units_ensure_defaults
from faktura.common.context import CommandContext
from faktura.common.inputs import parse
from faktura.contacts.inputs import ContactCreate
from faktura.contacts.models import Contact
from faktura.contacts.services import contact_create
from faktura.tenancy.inputs import TenantCreate
from faktura.tenancy.services import tenant_create
from faktura.work import services as work
from faktura.work.inputs import ProjectCreate, TaskCreate
from faktura.work.models import TaskEntry
from tests.e2e.browser import EMAIL, PASSWORD, shot

pytestmark = pytest.mark.e2e


@pytest.fixture
def task(transactional_db):
    tenant, owner = tenant_create(
        data=TenantCreate(
            name="Nordlicht IT-Service GmbH",
            owner_email=EMAIL,
            owner_password=PASSWORD,
            owner_name="Jana Petersen",
            city="Hamburg",
            country="DE",
        )
    )
    units_ensure_defaults(tenant=tenant)
    ctx = CommandContext(tenant=tenant, membership=owner, user=owner.user, source="ui")
    customer = contact_create(
        ctx, data=ContactCreate(name="Hafenlogistik Nord GmbH", city="Hamburg")
    )
    project = work.project_create(
        ctx, data=parse(ProjectCreate, dict(name="Service & support", contact_id=customer.pk))
    )
    return work.task_create(
        ctx,
        data=parse(
            TaskCreate, dict(project_id=project.pk, title="Mail server rejects external mail")
        ),
    )


def test_main_screens(page, task):
    from playwright.sync_api import expect

    # given: signed in
    page.goto("/work/tasks/")
    expect(page).to_have_url(re.compile(r"/login/\?next="))
    shot(page, "01-login")
    page.fill("input[name=username]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Tasks")

    # contacts: the list, then a new customer
    page.click("nav >> text=Contacts")
    expect(page.locator("h1")).to_have_text("Customers")
    expect(page.locator("table")).to_contain_text("Hafenlogistik Nord GmbH")
    shot(page, "02-contacts")
    page.click("text=New customer")
    page.fill("input[name=name]", "Werft & Technik AG")
    page.fill("input[name=vat_id]", "DE136695977")  # a wrong check digit first
    page.fill("input[name=street]", "Am Kai 3")
    page.fill("input[name=postal_code]", "27568")
    page.fill("input[name=city]", "Bremerhaven")
    page.click("button:has-text('Save')")
    expect(page.locator("[data-field=vat_id] .field-error")).to_contain_text("Invalid VAT ID")
    shot(page, "03-contact-error")
    page.fill("input[name=vat_id]", "DE136695976")
    page.click("button:has-text('Save')")
    expect(page.locator("h1")).to_contain_text("Werft & Technik AG")
    assert Contact.objects.filter(name="Werft & Technik AG", vat_id="DE136695976").exists()

    # the task, and its timer
    page.click("nav >> text=Work")
    page.click("a:has-text('Mail server rejects external mail')")
    expect(page.locator("h1")).to_contain_text("Mail server rejects external mail")
    expect(page.locator("#timer")).to_contain_text("No timer running")
    page.fill("#timer-description", "Checking the SPF record")
    page.click("[data-testid=timer-start]")
    header = page.locator("#timer")
    expect(header).to_have_class(re.compile("is-running"))
    expect(header).to_contain_text(f"#{task.number}")
    expect(page.locator("#timer-panel")).to_contain_text("Stop timer")
    shot(page, "04-timer-running")

    # twelve minutes of work pass
    entry = TaskEntry.objects.get(task=task, stopped_at__isnull=True)
    TaskEntry.objects.filter(pk=entry.pk).update(
        started_at=entry.started_at - dt.timedelta(minutes=12)
    )
    page.click("[data-testid=timer-stop]")
    expect(header).to_contain_text("No timer running")
    row = page.locator(f"#entries tr[data-entry='{entry.pk}']")
    expect(row).to_contain_text("0:12")
    expect(row).to_contain_text("Checking the SPF record")
    expect(page.locator("#flash")).to_contain_text("Timer stopped")
    shot(page, "05-timer-stopped")
    entry.refresh_from_db()
    assert entry.duration_seconds >= 12 * 60

    # My time shows the entry of the week
    page.click("text=My time")
    expect(page.locator("#week")).to_contain_text("Checking the SPF record")
    shot(page, "06-my-time")

    # German
    page.click("button.lang[value=de]")
    nav = page.locator("nav.nav")
    expect(nav).to_contain_text("Arbeit")
    expect(nav).to_contain_text("Abrechnung")
    expect(nav).to_contain_text("Forderungen")
    expect(nav).to_contain_text("Einstellungen")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    page.click("nav >> text=Aufgaben")
    expect(page.locator("h1")).to_have_text("Aufgaben")
    shot(page, "07-german-tasks")
