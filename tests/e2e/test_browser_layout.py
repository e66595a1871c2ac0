"""No page scrolls sideways (issue 15): every main page at 1280 px and at phone width (390 px),
in English and German, with a draft of 40 lines with long titles and a customer whose name is
one long unbroken word. At phone width the navigation folds behind a menu button."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from faktura.billing.inputs import InvoicesGenerate
from faktura.billing.models import BillableItem, Invoice
from faktura.billing.services.compile import billable_items_compile
from faktura.billing.services.generation import invoices_generate
from faktura.catalog.services import units_ensure_defaults
from faktura.common.context import CommandContext
from faktura.common.inputs import parse
from faktura.contacts.inputs import ContactCreate
from faktura.contacts.services import contact_create
from faktura.tenancy.inputs import TenantCreate
from faktura.tenancy.services import tenant_create
from faktura.work import services as work
from faktura.work.inputs import EntryCreate, ProjectCreate, TaskCreate
from tests.e2e.browser import DESKTOP, EMAIL, PASSWORD, PHONE, shot, sign_in

pytestmark = pytest.mark.e2e
LONG_NAME = "Donaudampfschifffahrtselektrizitätenhauptbetriebswerkbauunterbeamtengesellschaft"


@pytest.fixture
def company(transactional_db):
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
    customer = contact_create(ctx, data=ContactCreate(name=LONG_NAME, **address))
    project = work.project_create(
        ctx,
        data=parse(
            ProjectCreate,
            dict(name=f"Support {LONG_NAME}", contact_id=customer.pk, hourly_rate=Decimal("95")),
        ),
    )
    task = None
    for n in range(40):
        task = work.task_create(
            ctx,
            data=parse(
                TaskCreate,
                dict(
                    project_id=project.pk,
                    title=f"Mail server rejects external mail from the branch office number {n} "
                    f"after the certificate renewal {LONG_NAME}",
                    estimate_hours=Decimal("3"),
                ),
            ),
        )
        start = dt.datetime(2026, 3, 2 + n % 20, 8, 0, tzinfo=dt.UTC)
        entry = work.entry_create(
            ctx,
            data=parse(
                EntryCreate,
                dict(
                    task_id=task.pk,
                    kind="time",
                    started_at=start,
                    stopped_at=start + dt.timedelta(minutes=47 + n),
                    description=f"On site {LONG_NAME}",
                ),
            ),
        )
        work.entry_submit(ctx, entry_id=entry.pk)
        work.entry_approve(ctx, entry_id=entry.pk)
    billable_items_compile(ctx)
    items = list(BillableItem.objects.filter(tenant=tenant).values_list("pk", flat=True))
    [draft] = invoices_generate(
        ctx, data=InvoicesGenerate(billable_item_ids=items, grouping="contact")
    )
    return {"draft": draft, "task": task, "project": project, "customer": customer}


def _pages(company) -> list[str]:
    return [
        "/",
        "/work/tasks/",
        f"/work/tasks/{company['task'].pk}/",
        "/work/projects/",
        f"/work/projects/{company['project'].pk}/",
        "/work/time/",
        "/work/approvals/",
        "/billing/",
        "/billing/items/",
        "/billing/review/",
        f"/billing/invoices/{company['draft'].pk}/",
        "/billing/invoices/",
        "/receivables/",
        "/receivables/bank/",
        "/receivables/dunning/",
        "/reports/",
        "/catalog/products/",
        "/catalog/price-lists/",
        "/catalog/units/",
        "/contacts/",
        f"/contacts/{company['customer'].pk}/",
        "/settings/",
        "/settings/members/",
        "/settings/tokens/",
        "/settings/numbering/",
    ]


def _sideways(page) -> int:
    """How many pixels the page scrolls sideways (0: none)."""
    return page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize(
    ("viewport", "language"),
    [(DESKTOP, "en"), (DESKTOP, "de"), (PHONE, "en"), (PHONE, "de")],
    ids=["1280-en", "1280-de", "390-en", "390-de"],
)
def test_no_page_scrolls_sideways(new_page, company, viewport, language):
    from playwright.sync_api import expect

    page = new_page(viewport=viewport, locale="de-DE" if language == "de" else "en-US")
    sign_in(page)
    page.click(f"button.lang[value={language}]")
    expect(page.locator("html")).to_have_attribute("lang", language)
    wide = {}
    for url in _pages(company):
        page.goto(url)
        overflow = _sideways(page)
        if overflow > 0:
            wide[url] = overflow
            shot(page, f"layout-{viewport['width']}-{language}-{url.strip('/').replace('/', '-')}")
    assert wide == {}, f"pages scrolling sideways (pixels): {wide}"

    # the draft of 40 lines: every line's "Do not bill" button and remove button can be reached
    page.goto(f"/billing/invoices/{company['draft'].pk}/")
    lines = page.locator("tr[data-line]")
    expect(lines).to_have_count(40)
    last = lines.last
    last.locator("[data-testid=do-not-bill]").scroll_into_view_if_needed()
    expect(last.locator("[data-testid=do-not-bill]")).to_be_in_viewport()
    last.locator("[data-testid=remove-line]").scroll_into_view_if_needed()
    expect(last.locator("[data-testid=remove-line]")).to_be_in_viewport()
    assert _sideways(page) == 0
    shot(page, f"layout-{viewport['width']}-{language}-draft", full_page=False)
    # the long unbroken name wraps inside the heading instead of widening the page
    heading = page.locator("#draft-title")
    box = heading.bounding_box()
    assert box is not None and box["x"] + box["width"] <= viewport["width"]
    assert Invoice.objects.get(pk=company["draft"].pk).status == "draft"


def test_phone_navigation_sits_behind_a_menu_button(new_page, company):
    from playwright.sync_api import expect

    page = new_page(viewport=PHONE)
    sign_in(page)
    nav = page.locator("nav.nav")
    toggle = page.locator("[data-testid=menu-toggle]")
    expect(toggle).to_be_visible()
    expect(nav).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    shot(page, "layout-phone-menu-closed", full_page=False)
    toggle.click()
    expect(nav).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    shot(page, "layout-phone-menu-open", full_page=False)
    nav.get_by_role("link", name="Contacts").click()
    expect(page.locator("h1")).to_have_text("Customers")
    expect(nav).to_be_hidden()  # a new page starts with the menu closed

    # the timer works at phone width: start it on a task, see it in the header, stop it
    page.goto(f"/work/tasks/{company['task'].pk}/")
    page.fill("#timer-description", "Checking the SPF record")
    page.click("[data-testid=timer-start]")
    expect(page.locator("#timer")).to_have_class(re.compile("is-running"))
    assert _sideways(page) == 0
    page.click("[data-testid=timer-stop]")
    expect(page.locator("#timer")).to_contain_text("No timer running")
    page.goto("/work/time/")
    expect(page.locator("#week")).to_contain_text("Checking the SPF record")
    assert _sideways(page) == 0

    # on a desktop the menu button is not shown and the navigation is
    desktop = new_page(viewport=DESKTOP)
    sign_in(desktop)
    expect(desktop.locator("[data-testid=menu-toggle]")).to_be_hidden()
    expect(desktop.locator("nav.nav")).to_be_visible()


def test_favicon_is_served(client):
    response = client.get("/static/web/favicon.svg")
    assert response.status_code == 200
    assert b"<svg" in b"".join(response.streaming_content)
