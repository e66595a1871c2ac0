"""The Content-Security-Policy in a real browser (issue 10, finding 4): the main pages, the
sign-in, invitation and password pages load and work in Chromium without a single CSP
violation (no inline script, handler or style is refused), htmx included."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from faktura.catalog.services import units_ensure_defaults
from faktura.common.context import CommandContext
from faktura.common.inputs import parse
from faktura.contacts.inputs import ContactCreate
from faktura.contacts.services import contact_create
from faktura.tenancy.inputs import TenantCreate, TenantUpdate
from faktura.tenancy.models import Membership
from faktura.tenancy.services import tenant_create, tenant_update
from faktura.work import services as work
from faktura.work.inputs import EntryCreate, ProjectCreate, TaskCreate
from tests.e2e.browser import EMAIL, PASSWORD, SHOTS, sign_in

pytestmark = pytest.mark.e2e

# Every violation the page reports, and every console error, is collected here.
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile
    + ":" + e.lineNumber);
});
"""


@pytest.fixture
def browser_page(new_page):
    page = new_page(init_script=WATCH, timeout=10_000)
    page.console_errors = []
    page.on(
        "console",
        lambda msg: page.console_errors.append(msg.text) if msg.type == "error" else None,
    )
    page.on(
        "response",
        lambda r: page.console_errors.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    return page


@pytest.fixture
def company(transactional_db):
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
    tenant = tenant_update(ctx, data=TenantUpdate(accent_color="#7a1f5c"))
    customer = contact_create(
        ctx, data=ContactCreate(name="Hafenlogistik Nord GmbH", city="Hamburg")
    )
    project = work.project_create(
        ctx,
        data=parse(
            ProjectCreate,
            dict(name="Service & support", contact_id=customer.pk, hourly_rate=Decimal("95")),
        ),
    )
    task = work.task_create(
        ctx,
        data=parse(
            TaskCreate, dict(project_id=project.pk, title="Mail server rejects external mail")
        ),
    )
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=1)
    entry = work.entry_create(
        ctx,
        data=parse(
            EntryCreate,
            dict(
                task_id=task.pk,
                kind="time",
                started_at=start,
                stopped_at=start + dt.timedelta(minutes=90),
                description="Checked the SPF record",
            ),
        ),
    )
    work.entry_submit(ctx, entry_id=entry.pk)
    work.entry_approve(ctx, entry_id=entry.pk)
    return task


def _clean(page, where: str) -> None:
    """No CSP violation and no console error on the page as it is now."""
    violations = page.evaluate("window.__csp || []")
    # A failed load is reported with its URL by the response listener; the console's own line
    # for it has no URL and also covers the browser's /favicon.ico guess on the admin page.
    errors = [e for e in page.console_errors if not e.startswith("Failed to load resource")]
    page.console_errors.clear()
    assert violations == [], f"{where}: {violations}"
    assert errors == [], f"{where}: {errors}"


def test_pages_work_under_the_content_security_policy(browser_page, company):
    from playwright.sync_api import expect

    page = browser_page
    page.goto("/password/reset/")
    expect(page.locator("h1")).to_have_text("Reset your password")
    _clean(page, "password reset")

    page.goto("/admin/login/")
    _clean(page, "admin login")

    # the API docs: Swagger UI from this server (no CDN, no inline script)
    page.goto("/api/v1/docs")
    # Swagger UI builds ~200 operations in the browser: give it time on a busy machine
    expect(page.locator(".opblock").first).to_be_visible(timeout=30_000)
    _clean(page, "API docs")

    page.goto("/login/")
    _clean(page, "login")
    page.fill("input[name=username]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Overview")  # the start page
    # the company's accent colour arrives by the theme style sheet, not an inline <style>
    page.wait_for_load_state("load")
    accent = page.evaluate(
        "getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()"
    )
    assert accent == "#7a1f5c"
    _clean(page, "tasks")

    for url, heading in [
        ("/work/tasks/", "Tasks"),
        ("/work/time/", "My time"),
        ("/work/approvals/", "Approvals"),
        ("/billing/", None),
        ("/billing/items/", None),
        ("/billing/review/", None),
        ("/billing/invoices/", "Invoices"),
        ("/receivables/", None),
        ("/reports/", None),
        ("/contacts/", "Customers"),
        ("/settings/", None),
        ("/settings/tokens/", "API tokens"),
        ("/password/change/", "Change password"),
    ]:
        page.goto(url)
        if heading:
            expect(page.locator("h1").first).to_have_text(heading)
        _clean(page, url)

    # htmx under the policy: the timer starts and stops without a page load
    page.goto(f"/work/tasks/{company.pk}/")
    page.fill("#timer-description", "Reading the logs")
    page.click("[data-testid=timer-start]")
    expect(page.locator("#timer")).to_have_class(re.compile("is-running"))
    page.click("[data-testid=timer-stop]")
    expect(page.locator("#timer")).to_contain_text("No timer running")
    # a flash message closes by its button (no inline onclick)
    page.locator("#flash .message-close").first.click()
    expect(page.locator("#flash .message")).to_have_count(0)
    _clean(page, "timer")

    # an invitation: the link is shown once, and it works for the new person
    page.goto("/settings/members/")
    page.fill("input[name=email]", "nina@nordlicht.test")
    page.click("button:has-text('Send invitation')")
    link = page.locator("#invitation-link").input_value()
    page.locator("#invitation-link").click()
    assert page.evaluate("document.activeElement.id") == "invitation-link"
    page.screenshot(path=str(SHOTS / "faktura-e2e-invitation-sent.png"), full_page=True)
    _clean(page, "members")
    page.click("button:has-text('Sign out')")

    page.goto(link)
    expect(page.locator("h1")).to_have_text("Invitation")
    _clean(page, "accept invitation")
    page.fill("input[name=name]", "Nina Neu")
    page.fill("input[name=password1]", "nina-chooses-9")
    page.fill("input[name=password2]", "nina-chooses-9")
    page.click("[data-testid=accept]")
    expect(page.locator("#flash")).to_contain_text("Welcome to Nordlicht IT-Service GmbH")
    _clean(page, "joined")
    assert Membership.objects.filter(user__email="nina@nordlicht.test", is_active=True).exists()


def test_a_confirm_question_guards_withdrawing_an_invitation(browser_page, company):
    from playwright.sync_api import expect

    page = browser_page
    sign_in(page)
    page.goto("/settings/members/")
    page.fill("input[name=email]", "ben@nordlicht.test")
    page.click("button:has-text('Send invitation')")
    page.goto("/settings/members/")

    # declined: nothing happens
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("button:has-text('Withdraw')")
    expect(page.locator("[data-testid=invitations]")).to_contain_text("ben@nordlicht.test")
    # accepted: withdrawn
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('Withdraw')")
    expect(page.locator("#flash")).to_contain_text("was withdrawn")
    _clean(page, "withdraw")
