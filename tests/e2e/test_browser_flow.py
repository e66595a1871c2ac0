"""The whole way from logged time to a credit note, as a person clicks it (issue 15), at 1280 px
and at phone width, in English and German: log time with the timer and the entry form, submit,
approve, compile, generate, review the draft in the overlay (its address follows), settle, credit.

On every page: nothing scrolls sideways, and the server answers each page in at most 300 ms
(its own time, read from the Server-Timing header of every document it serves)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.management import call_command

from faktura.billing.models import Invoice
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

pytestmark = pytest.mark.e2e
BUDGET_MS = 300.0


@pytest.fixture
def task(transactional_db):
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
    customer = contact_create(
        ctx,
        data=ContactCreate(
            name="Hafenlogistik Nord GmbH", street="Am Sandtorkai 1", postal_code="20457",
            city="Hamburg",
        ),
    )  # fmt: skip
    project = work.project_create(
        ctx,
        data=parse(
            ProjectCreate,
            dict(name="Service & support", contact_id=customer.pk, hourly_rate=Decimal("95")),
        ),
    )
    return work.task_create(
        ctx,
        data=parse(
            TaskCreate, dict(project_id=project.pk, title="Mail server rejects external mail")
        ),
    )


class Watch:
    """Every document the server serves: its server time; and the sideways scroll of pages."""

    def __init__(self, page) -> None:
        self.page = page
        self.slow: dict[str, float] = {}
        self.times: list[float] = []
        self.wide: dict[str, int] = {}
        page.on("response", self._response)

    def _response(self, response) -> None:
        # Pages, not actions: a POST that issues a document renders its PDF on the way.
        if response.request.resource_type != "document" or response.request.method != "GET":
            return
        timing = response.headers.get("server-timing", "")
        match = re.search(r"dur=([\d.]+)", timing)
        assert match, f"no Server-Timing on {response.url}"
        ms = float(match.group(1))
        self.times.append(ms)
        if ms > BUDGET_MS:
            self.slow[response.url] = ms

    def settle_slow(self) -> None:
        """A page over budget is asked for once more: on a busy shared machine one slow answer
        is noise, a page that is slow twice is slow (the repeat load is what people wait for)."""
        for url in list(self.slow):
            again = self.page.request.get(url)
            match = re.search(r"dur=([\d.]+)", again.headers.get("server-timing", ""))
            if match and float(match.group(1)) <= BUDGET_MS:
                del self.slow[url]

    def check(self, where: str) -> None:
        self.page.wait_for_load_state("load")
        overflow = self.page.evaluate("document.scrollingElement.scrollWidth - innerWidth")
        if overflow > 0:
            self.wide[where] = overflow


def run_worker() -> None:
    call_command(
        "db_worker", batch=True, reload=False, startup_delay=False, interval=0, verbosity=0
    )


@pytest.mark.parametrize(
    ("viewport", "language"),
    [(DESKTOP, "en"), (DESKTOP, "de"), (PHONE, "en"), (PHONE, "de")],
    ids=["1280-en", "1280-de", "390-en", "390-de"],
)
def test_time_to_credit_note(new_page, task, viewport, language):
    from playwright.sync_api import expect

    page = new_page(viewport=viewport, locale="de-DE" if language == "de" else "en-US")
    page.on("dialog", lambda dialog: dialog.accept())  # the confirm questions: yes
    name = f"flow-{viewport['width']}-{language}"
    sign_in(page)
    page.click(f"button.lang[value={language}]")
    expect(page.locator("html")).to_have_attribute("lang", language)
    watch = Watch(page)

    # the timer on the task
    page.goto(f"/work/tasks/{task.pk}/")
    watch.check("task")
    page.fill("#timer-description", "Checking the SPF record")
    page.click("[data-testid=timer-start]")
    expect(page.locator("#timer")).to_have_class(re.compile("is-running"))
    running = TaskEntry.objects.get(task=task, stopped_at__isnull=True)
    TaskEntry.objects.filter(pk=running.pk).update(
        started_at=running.started_at - dt.timedelta(minutes=25)
    )
    page.click("[data-testid=timer-stop]")
    expect(page.locator("#timer")).not_to_have_class(re.compile("is-running"))

    # an entry with From and To on My time, then submit the week's entries
    page.goto("/work/time/")
    watch.check("my time")
    form = page.locator("form.entry-form")
    form.locator("select[name=task_id]").select_option(str(task.pk))
    form.locator("input[name=start_time]").fill("09:00")
    form.locator("input[name=end_time]").fill("10:30")
    form.locator("input[name=description]").fill("Rebuilt the mail relay")
    form.locator("button[type=submit]").click()
    expect(page.locator("#week")).to_contain_text("Rebuilt the mail relay")
    watch.check("my time, logged")
    shot(page, f"{name}-1-my-time")
    page.locator("form[action$='/work/time/submit/'] button[type=submit]").click()
    watch.check("my time, submitted")
    assert TaskEntry.objects.filter(task=task, approval_status="submitted").count() == 2

    # approve both
    page.goto("/work/approvals/")
    watch.check("approvals")
    page.check("[data-check-all=ids]")
    page.click("button[form=bulk-form]")
    watch.check("approvals, approved")
    assert TaskEntry.objects.filter(task=task, approval_status="approved").count() == 2

    # compile on Ready to bill; the list follows when the worker is done
    page.goto("/billing/")
    watch.check("ready to bill")
    page.click("[data-testid=compile]")
    expect(page.locator(".operation")).to_be_visible()
    run_worker()
    expect(page.locator(".operation[data-status=succeeded]")).to_be_visible()
    expect(page.locator("#ready-list .empty")).to_be_visible()

    # generate the draft from all items
    page.goto("/billing/items/")
    watch.check("billable items")
    expect(page.locator("#item-list tbody tr")).to_have_count(2)
    page.check("[data-check-all=ids]")
    page.click("[data-testid=generate]")
    expect(page.locator(".operation[data-kind=invoices_generate]")).to_be_visible()
    run_worker()
    expect(page.locator("#review-list tbody tr")).to_have_count(1)
    watch.check("review")
    shot(page, f"{name}-2-review")

    # the draft in the overlay: its own address while open, the list's again when closed
    draft = Invoice.objects.get(tenant=task.tenant, status="draft")
    page.click("[data-testid=review-open]")
    overlay = page.locator("dialog#overlay")
    expect(overlay).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/billing/invoices/{draft.pk}/$"))
    watch.check("overlay")
    shot(page, f"{name}-3-overlay", full_page=False)
    page.keyboard.press("Escape")
    expect(overlay).to_be_hidden()
    expect(page).to_have_url(re.compile(r"/billing/review/(\?operation=[-0-9a-f]+)?$"))
    # the draft's address is one page of its own, under "Invoice review" in the menu
    page.goto(f"/billing/invoices/{draft.pk}/")
    watch.check("draft page")
    expect(page.locator(".subnav a.is-active")).to_have_attribute("href", "/billing/review/")
    expect(page.locator("tr[data-line]")).to_have_count(1)
    page.click("[data-testid=settle]")
    expect(page.locator("[data-testid=gross]")).to_be_visible()
    watch.check("invoice")
    invoice = Invoice.objects.get(pk=draft.pk)
    assert invoice.status == "issued" and invoice.number
    shot(page, f"{name}-4-invoice")

    # credit the whole invoice
    page.locator("#credit-note [data-testid=credit]").click()
    expect(page.locator("[data-testid=original-invoice]")).to_have_text(invoice.number)
    watch.check("credit note")
    shot(page, f"{name}-5-credit-note")
    note = Invoice.objects.get(tenant=task.tenant, kind="credit_note")
    assert note.credit_note_of_id == invoice.pk and note.gross_total == -invoice.gross_total

    assert watch.wide == {}, f"pages scrolling sideways (pixels): {watch.wide}"
    assert len(watch.times) >= 12
    watch.settle_slow()
    assert watch.slow == {}, f"pages over {BUDGET_MS} ms of server time: {watch.slow}"
