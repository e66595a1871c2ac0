"""Receivables and numbering screens."""

from __future__ import annotations

import datetime as dt
import re

from billing_web import ISSUE_DAY
from django.urls import reverse

from faktura.billing.inputs import InvoiceIssue, InvoicesGenerate
from faktura.billing.models import NumberSequence
from faktura.billing.services.generation import invoices_generate
from faktura.billing.services.issue import invoice_issue
from faktura.tenancy.selectors import tenant_today

# --- receivables and numbering ----------------------------------------------------------------


def test_receivables_list_overdue_first_with_totals(browser, world):
    def invoice(title: str, minutes: int, day: dt.date):
        task = world.task(title=title)
        item = world.item(task, minutes=minutes)
        [draft] = invoices_generate(
            world.ctx, data=InvoicesGenerate(billable_item_ids=[item.pk], grouping="contact")
        )
        return invoice_issue(world.ctx, invoice_id=draft.pk, data=InvoiceIssue(issue_date=day))

    today = tenant_today(world.tenant)  # the company's date, as the page counts
    late = invoice("Late", 60, today - dt.timedelta(days=30))  # 14 days terms: 16 days overdue
    current = invoice("Current", 30, today)

    page = browser.get(reverse("web:receivables")).content.decode()

    assert page.index(late.number) < page.index(current.number)
    assert page.index("Overdue") < page.index("Not yet due")
    assert "16 days" in page
    assert "€178.50" in page  # 119.00 + 59.50 open in EUR
    assert "€119.00" in page  # of which overdue


def test_numbering_sets_a_starting_counter_and_reports_no_gaps(browser, world, draft):
    response = browser.post(
        reverse("web:numbering"), {"kind": "invoice", "next_value": "1042", "period": ""}
    )
    assert response.status_code == 302

    invoice = invoice_issue(world.ctx, invoice_id=draft.pk, data=InvoiceIssue(issue_date=ISSUE_DAY))

    assert invoice.number.endswith("-1042")
    sequence = NumberSequence.objects.get(tenant=world.tenant, kind="invoice")
    assert (sequence.first_value, sequence.last_value) == (1042, 1042)
    page = browser.get(reverse("web:numbering")).content.decode()
    row = re.search(r"<table class=\"table gap-report\">(.*?)</table>", page, re.S).group(1)
    assert ">1042<" in row and ">none<" in row
    backwards = browser.post(
        reverse("web:numbering"), {"kind": "invoice", "next_value": "5", "period": ""}
    )
    assert "Must be at least 1043." in backwards.content.decode()
