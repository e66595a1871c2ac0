"""The week grid, the searching task picker and sortable lists in Chromium (issue 15), at 1280 px
and at phone width (one day of the grid at a time), in English and German.

On every page: nothing scrolls sideways, and the server answers each page in at most 300 ms
(Server-Timing, as in the flow test)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from faktura.catalog.services import units_ensure_defaults
from faktura.common.context import CommandContext
from faktura.common.inputs import parse
from faktura.contacts.inputs import ContactCreate
from faktura.contacts.services import contact_create
from faktura.tenancy.inputs import TenantCreate
from faktura.tenancy.services import tenant_create
from faktura.work import services as work
from faktura.work.inputs import ProjectCreate, TaskCreate
from faktura.work.models import TaskEntry
from tests.e2e.browser import DESKTOP, EMAIL, PASSWORD, PHONE, shot, sign_in
from tests.e2e.test_browser_flow import BUDGET_MS, Watch

pytestmark = pytest.mark.e2e

TEXTS = {
    "en": {"saved": "2 days saved.", "bad": "Enter a duration like 1:30.", "name": "Name"},
    "de": {
        "saved": "2 Tage gespeichert.",
        "bad": "Bitte eine Dauer wie 1:30 eingeben.",
        "name": "Name",
    },
}


@pytest.fixture
def tasks(transactional_db):
    tenant, owner = tenant_create(
        data=parse(
            TenantCreate,
            dict(
                name="Nordlicht IT-Service GmbH",
                owner_email=EMAIL,
                owner_password=PASSWORD,
                owner_name="Jana Petersen",
                country="DE",
            ),
        )
    )
    units_ensure_defaults(tenant=tenant)
    ctx = CommandContext(tenant=tenant, membership=owner, user=owner.user, source="ui")
    harbour = contact_create(ctx, data=ContactCreate(name="Hafenlogistik Nord GmbH"))
    contact_create(ctx, data=ContactCreate(name="Alster Apotheke"))
    contact_create(ctx, data=ContactCreate(name="Zollamt Beratung"))
    project = work.project_create(
        ctx,
        data=parse(
            ProjectCreate,
            dict(name="Service & support", contact_id=harbour.pk, hourly_rate=Decimal("95")),
        ),
    )
    mail = work.task_create(
        ctx,
        data=parse(
            TaskCreate, dict(project_id=project.pk, title="Mail server rejects external mail")
        ),
    )
    # long unbroken words must wrap, not push the grid sideways
    firewall = work.task_create(
        ctx,
        data=parse(
            TaskCreate,
            dict(project_id=project.pk, title="Firewall-Regelwerk-Überarbeitung-Standort-Nord"),
        ),
    )
    for i in range(30):
        work.task_create(
            ctx, data=parse(TaskCreate, dict(project_id=project.pk, title=f"Other ticket {i}"))
        )
    return owner, mail, firewall


@pytest.mark.parametrize(
    ("viewport", "language"),
    [(DESKTOP, "en"), (DESKTOP, "de"), (PHONE, "en"), (PHONE, "de")],
    ids=["1280-en", "1280-de", "390-en", "390-de"],
)
def test_week_grid_task_picker_and_sorting(new_page, tasks, viewport, language):
    from playwright.sync_api import expect

    owner, mail, firewall = tasks
    text = TEXTS[language]
    phone = viewport is PHONE
    page = new_page(viewport=viewport, locale="de-DE" if language == "de" else "en-US")
    name = f"week-{viewport['width']}-{language}"
    sign_in(page)
    page.click(f"button.lang[value={language}]")
    expect(page.locator("html")).to_have_attribute("lang", language)
    watch = Watch(page)

    # the week grid: add a row with the searching picker (type, arrow down, Enter)
    page.goto("/work/time/week/")
    watch.check("week grid")
    picker = page.locator(".week-add [role=combobox]")
    expect(picker).to_have_attribute("aria-expanded", "false")
    picker.click()
    picker.fill("rejects")
    listbox = page.locator(".week-add [role=listbox]")
    expect(listbox.locator("[role=option][data-value]")).to_have_count(1)
    expect(picker).to_have_attribute("aria-expanded", "true")
    picker.press("ArrowDown")
    expect(listbox.locator("[aria-selected=true]")).to_contain_text("Mail server rejects")
    picker.press("Enter")
    expect(page.locator("#week-add-task")).to_have_value(str(mail.pk))
    page.locator(".week-add button[type=submit]").click()
    row = page.locator(f"tr[data-task='{mail.pk}']")
    expect(row).to_be_visible()
    watch.check("week grid, row added")

    # type hours for two days; a phone shows one day and switches with the day tabs
    grid = page.locator("table.week-grid")
    first_day = grid.get_attribute("data-selected-day")
    first = row.locator(f"input[name='c-{mail.pk}-{first_day}']")
    expect(first).to_be_visible()
    first.fill("1:30")
    other_tab = page.locator(".week-day-tab:not(.is-active)").first
    other_day = other_tab.get_attribute("data-day")
    second = row.locator(f"input[name='c-{mail.pk}-{other_day}']")
    if phone:
        expect(page.locator(".week-days")).to_be_visible()
        expect(second).to_be_hidden()
        other_tab.click()
        expect(first).to_be_hidden()
    expect(second).to_be_visible()
    second.fill("2,5")
    shot(page, f"{name}-1-grid-typed")
    page.locator("[data-testid=week-save]").click()
    expect(page.locator("#flash")).to_contain_text(text["saved"])
    expect(page.locator("[data-testid=week-total]")).to_have_text("4:00")
    watch.check("week grid, saved")
    saved = TaskEntry.objects.filter(task=mail, membership=owner).order_by("date")
    assert sorted(e.duration_seconds for e in saved) == [90 * 60, 150 * 60]
    assert all(e.started_at is None for e in saved)

    # an unreadable value: nothing saved, the cell says why in the page's language
    cell = row.locator(f"input[name='c-{mail.pk}-{other_day}']")
    expect(cell).to_be_visible()  # the day shown stays the one typed into
    cell.fill("viel")
    page.locator("[data-testid=week-save]").click()
    error = page.locator(".week-cell.has-error .field-error")
    expect(error).to_have_text(text["bad"])
    expect(page.locator(f"input[name='c-{mail.pk}-{other_day}']")).to_have_attribute(
        "aria-invalid", "true"
    )
    watch.check("week grid, error")
    shot(page, f"{name}-2-grid-error")
    assert TaskEntry.objects.filter(task=mail, membership=owner).count() == 2

    # the picker on My time's entry form: a ticket number, then keyboard only
    page.goto("/work/time/")
    watch.check("my time")
    entry_form = page.locator("form.entry-form")
    combo = entry_form.locator("[role=combobox]")
    label_for = entry_form.locator("label", has_text=re.compile("Task|Aufgabe")).first
    assert label_for.get_attribute("for") == combo.get_attribute("id")
    combo.fill(f"#{firewall.number}")
    options = entry_form.locator("[role=option][data-value]")
    expect(options).to_have_count(1)
    combo.press("ArrowDown")
    combo.press("Enter")
    expect(entry_form.locator("select[name=task_id]")).to_have_value(str(firewall.pk))
    expect(combo).to_have_value(re.compile(f"#{firewall.number} Firewall"))
    entry_form.locator("input[name=duration]").fill("0:45")
    entry_form.locator("button[type=submit]").click()
    expect(page.locator("#week")).to_contain_text("Firewall-Regelwerk")
    watch.check("my time, logged with the picker")
    shot(page, f"{name}-3-my-time-picker")
    assert TaskEntry.objects.filter(task=firewall, duration_seconds=45 * 60).count() == 1

    # sort the customers by name, both ways; the sort stays in the address
    page.goto("/contacts/")
    watch.check("contacts")
    header = page.locator("th.sortable", has_text=text["name"]).first
    header.locator("a").click()
    expect(page).to_have_url(re.compile(r"[?&]sort=name\b"))
    expect(page.locator("th[aria-sort=ascending]")).to_have_count(1)
    names = page.locator("table.table tbody tr td:nth-child(2) a").all_inner_texts()
    assert names == sorted(names, key=str.casefold)
    page.locator("th[aria-sort=ascending] a").click()
    expect(page).to_have_url(re.compile(r"[?&]sort=-name\b"))
    names_desc = page.locator("table.table tbody tr td:nth-child(2) a").all_inner_texts()
    assert names_desc == list(reversed(names))
    watch.check("contacts, sorted")
    shot(page, f"{name}-4-contacts-sorted")
    page.goto("/work/projects/?sort=-open_tasks")
    expect(page.locator("th[aria-sort=descending]")).to_have_count(1)
    watch.check("projects, sorted")
    page.goto("/billing/invoices/?sort=-gross")
    watch.check("invoices, sorted")
    page.goto("/work/approvals/?sort=bogus")
    expect(page.locator("th[aria-sort]")).to_have_count(0)
    watch.check("approvals, bad sort")

    assert watch.wide == {}, f"pages scrolling sideways (pixels): {watch.wide}"
    assert len(watch.times) >= 10
    watch.settle_slow()
    assert watch.slow == {}, f"pages over {BUDGET_MS} ms of server time: {watch.slow}"
