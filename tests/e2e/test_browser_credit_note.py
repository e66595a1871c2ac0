"""Issue 15, the credit-note form in the browser at 1280 px and at phone width, German and
English: a part of a line with a reason; a wrong quantity is shown next to its field, where
the form is; nothing scrolls sideways."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from faktura.billing.inputs import InvoiceIssue, InvoicesGenerate, ItemsCompile
from faktura.billing.models import BillableItem, Invoice
from faktura.billing.services.compile import billable_items_compile
from faktura.billing.services.generation import invoices_generate
from faktura.billing.services.issue import invoice_issue
from faktura.common.context import CommandContext
from faktura.common.inputs import parse
from faktura.work import services as work
from faktura.work.inputs import EntryCreate
from faktura.work.services.approval import entry_approve, entry_submit
from tests.e2e.browser import DESKTOP, PHONE, shot, sign_in
from tests.e2e.test_browser_flow import task  # noqa: F401 - the fixture

pytestmark = pytest.mark.e2e


def _issued(tenant, task_id: int) -> Invoice:
    """10 h on the task, approved, compiled and issued on 1 April 2026."""
    owner = tenant.memberships.get()
    ctx = CommandContext(tenant=tenant, membership=owner, user=owner.user, source="ui")
    entry = work.entry_create(
        ctx,
        data=parse(
            EntryCreate,
            dict(
                task_id=task_id,
                started_at=dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC),
                stopped_at=dt.datetime(2026, 3, 2, 18, tzinfo=dt.UTC),
                description="Mail relay rebuilt after the outage",
            ),
        ),
    )
    entry_submit(ctx, entry_id=entry.pk)
    entry_approve(ctx, entry_id=entry.pk)
    billable_items_compile(ctx, data=parse(ItemsCompile, {}))
    items = list(BillableItem.objects.filter(tenant=tenant).values_list("pk", flat=True))
    [draft] = invoices_generate(
        ctx, data=InvoicesGenerate(billable_item_ids=items, grouping="contact")
    )
    return invoice_issue(
        ctx, invoice_id=draft.pk, data=InvoiceIssue(issue_date=dt.date(2026, 4, 1))
    )


@pytest.mark.parametrize(
    ("viewport", "language"),
    [(DESKTOP, "de"), (PHONE, "en")],
    ids=["1280-de", "390-en"],
)
def test_a_part_of_a_line_with_a_reason(new_page, task, viewport, language):  # noqa: F811
    from playwright.sync_api import expect

    invoice = _issued(task.tenant, task.pk)
    line = invoice.lines.get()

    page = new_page(viewport=viewport, locale="de-DE" if language == "de" else "en-US")
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page)
    page.click(f"button.lang[value={language}]")
    page.goto(f"/billing/invoices/{invoice.pk}/")
    form = page.locator("#credit-note")
    quantity = form.locator(f"[name=quantity_{line.pk}]")
    expect(quantity).to_have_value("10")

    # too much: the error is next to the field, the page opens at the form
    form.locator("[name=scope][value=lines]").check()
    form.locator(f"[name=line_ids][value='{line.pk}']").check()
    form.locator("[name=entries][value=write_off]").check()
    quantity.fill("11")
    form.locator("[data-testid=credit]").click()
    error = page.locator(
        f"#credit-note .credit-quantity:has([name=quantity_{line.pk}]) .field-error"
    )
    expect(error).to_contain_text("10")
    assert page.evaluate("document.scrollingElement.scrollWidth - innerWidth") <= 0
    box = error.bounding_box()
    assert box is not None and 0 <= box["y"] < viewport["height"], box
    shot(page, f"credit-part-{viewport['width']}-{language}-error", full_page=False)

    # a part with a reason
    form = page.locator("#credit-note")
    form.locator("[name=scope][value=lines]").check()
    form.locator(f"[name=line_ids][value='{line.pk}']").check()
    form.locator("[name=entries][value=write_off]").check()
    form.locator(f"[name=quantity_{line.pk}]").fill("2,5" if language == "de" else "2.5")
    form.locator("[name=reason]").fill("Outage on 3 March: 2.5 h not charged")
    form.locator("[data-testid=credit]").click()
    expect(page.locator("[data-testid=credit-reason]")).to_have_text(
        "Outage on 3 March: 2.5 h not charged"
    )
    assert page.evaluate("document.scrollingElement.scrollWidth - innerWidth") <= 0
    shot(page, f"credit-part-{viewport['width']}-{language}-note")
    note = Invoice.objects.get(tenant=task.tenant, kind="credit_note")
    assert note.lines.get().quantity == Decimal("-2.5000")
