"""Credit notes from the invoice page: selected lines, full credit, the line choice."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from billing_web import ISSUE_DAY, line_of
from django.urls import reverse

from faktura.billing.inputs import InvoiceIssue, InvoicesGenerate
from faktura.billing.models import BillableItem, Invoice
from faktura.billing.services.generation import invoices_generate
from faktura.billing.services.issue import invoice_issue
from faktura.work.models import TaskEntry


def test_credit_note_for_selected_lines_releases_the_entries(browser, world):
    task = world.task(title="Printer")
    second = world.task(task.project, title="Scanner")
    items = [world.item(task, minutes=60), world.item(second, minutes=30)]
    [draft] = invoices_generate(
        world.ctx,
        data=InvoicesGenerate(billable_item_ids=[i.pk for i in items], grouping="contact"),
    )
    invoice = invoice_issue(world.ctx, invoice_id=draft.pk, data=InvoiceIssue(issue_date=ISSUE_DAY))
    first_line = line_of(world, invoice.pk, 0)

    response = browser.post(
        reverse("web:invoice_credit", args=[invoice.pk]),
        {"scope": "lines", "line_ids": [str(first_line.pk)], "entries": "release"},
    )

    note = Invoice.objects.get(tenant=world.tenant, kind="credit_note")
    assert response["Location"] == reverse("web:invoice_detail", args=[note.pk])
    assert note.credit_note_of_id == invoice.pk
    assert note.gross_total == Decimal("-119.00")
    invoice.refresh_from_db()
    assert invoice.status == "issued"  # partly credited
    assert TaskEntry.objects.get(pk=items[0].entry_id).billing_state == "unbilled"
    assert TaskEntry.objects.get(pk=items[1].entry_id).billing_state == "invoiced"
    note_page = browser.get(response["Location"]).content.decode()
    assert 'data-testid="original-invoice"' in note_page and invoice.number in note_page
    page = browser.get(reverse("web:invoice_detail", args=[invoice.pk])).content.decode()
    assert note.number in page and "credited" in page
    # the credited line cannot be chosen again
    assert f'value="{first_line.pk}"' not in page


def test_full_credit_note_writes_off_and_voids(browser, world, issued):
    response = browser.post(
        reverse("web:invoice_credit", args=[issued.pk]), {"scope": "all", "entries": "write_off"}
    )

    issued.refresh_from_db()
    assert issued.status == "void"
    assert response.status_code == 302
    assert set(BillableItem.objects.values_list("status", flat=True)) == {"written_off"}
    page = browser.get(reverse("web:invoice_detail", args=[issued.pk])).content.decode()
    assert 'data-testid="credit"' not in page  # nothing left to credit
    assert "invoice-status-void" in page


def test_credit_note_needs_lines_when_lines_are_chosen(browser, issued):
    response = browser.post(
        reverse("web:invoice_credit", args=[issued.pk]), {"scope": "lines", "entries": "release"}
    )

    assert response.status_code == 200
    assert "Select the lines to credit." in response.content.decode()
    assert not Invoice.objects.filter(kind="credit_note").exists()


def test_credit_lines_can_be_told_apart_and_errors_show_where_the_form_is(browser, world):
    task = world.task(title="Printer")
    items = [
        world.item(task, minutes=60, day=dt.date(2026, 3, 2)),
        world.item(task, minutes=30, unit_price="80", day=dt.date(2026, 3, 5)),
    ]
    [draft] = invoices_generate(
        world.ctx, data=InvoicesGenerate(billable_item_ids=[i.pk for i in items], grouping="task")
    )
    invoice = invoice_issue(world.ctx, invoice_id=draft.pk, data=InvoiceIssue(issue_date=ISSUE_DAY))
    url = reverse("web:invoice_detail", args=[invoice.pk])

    page = browser.get(url).content.decode()
    form = page[page.index('id="credit-note"') :]
    # two lines titled "#n Printer": position, period, quantity and amount tell them apart
    assert "1. #" in form and "2. #" in form
    assert "03/02/2026" in form and "03/05/2026" in form
    assert "€100.00" in form and "€40.00" in form
    assert "data-scroll-here" not in page
    # an invalid submit: the page opens at the form (not 2,500 px above it), nothing issued;
    # the form asks no confirmation unless the whole invoice or a line is chosen
    assert 'data-confirm-when="[name=scope][value=all]:checked, [name=line_ids]:checked"' in form
    response = browser.post(
        reverse("web:invoice_credit", args=[invoice.pk]), {"scope": "lines", "entries": "release"}
    )
    answer = response.content.decode()
    assert '<section class="card" id="credit-note" data-scroll-here>' in answer
    assert "Select the lines to credit." in answer
    assert not Invoice.objects.filter(tenant=world.tenant, kind="credit_note").exists()
