"""Query counts of the billing pages: lists and the draft overlay stay bounded."""

from __future__ import annotations

import pytest
from billing_web import ISSUE_DAY, htmx
from django.urls import reverse

from faktura.billing.inputs import InvoiceIssue, InvoicesGenerate
from faktura.billing.models import BillableItem
from faktura.billing.services.generation import invoices_generate
from faktura.billing.services.issue import invoice_issue

# --- query counts -----------------------------------------------------------------------------

ROWS = 20


@pytest.fixture
def many_drafts(world):
    """20 drafts, one per ticket of 20 customers."""
    items = []
    for n in range(ROWS):
        contact = world.contact(name=f"Kunde {n:02d}")
        items.append(world.item(world.task(world.project(contact), title=f"Ticket {n:02d}")))
    return invoices_generate(
        world.ctx, data=InvoicesGenerate(billable_item_ids=[i.pk for i in items], grouping="task")
    )


@pytest.mark.parametrize(
    ("name", "issue"),
    [
        ("web:billing_review", False),
        ("web:invoice_list", True),
        ("web:receivables", True),
        ("web:billing_items", False),
    ],
)
def test_list_queries_are_bounded(
    browser, world, many_drafts, django_assert_max_num_queries, name, issue
):
    if issue:
        for draft in many_drafts:
            invoice_issue(world.ctx, invoice_id=draft.pk, data=InvoiceIssue(issue_date=ISSUE_DAY))
    browser.get(reverse(name))  # warm the session

    # 13: the billable items page also lists the tickets waiting to be closed (one query).
    with django_assert_max_num_queries(13):
        response = browser.get(reverse(name), {"status": "all"} if "items" in name else {})

    assert response.status_code == 200
    assert response.content.decode().count("data-i") >= ROWS


def test_draft_overlay_queries_do_not_grow_with_lines(
    browser, world, django_assert_max_num_queries
):
    task_items = [world.item(world.task(title=f"Ticket {n}")) for n in range(ROWS)]
    # one customer: all on one draft
    contact = task_items[0].contact
    BillableItem.objects.filter(pk__in=[i.pk for i in task_items]).update(contact=contact)
    [invoice] = invoices_generate(
        world.ctx,
        data=InvoicesGenerate(billable_item_ids=[i.pk for i in task_items], grouping="contact"),
    )
    url = reverse("web:invoice_detail", args=[invoice.pk])
    htmx(browser, url, method="get")

    with django_assert_max_num_queries(12):
        page = htmx(browser, url, method="get").content.decode()

    assert page.count("data-line=") == ROWS
