"""The billing pages: they render, the navigation lists them, roles and tenants see only
what they may."""

from __future__ import annotations

import pytest
from billing_web import BILLING_PAGES, ISSUE_DAY, edit_url, htmx, line_of
from django.urls import reverse

from faktura.billing.inputs import InvoiceIssue, InvoicesGenerate
from faktura.billing.models import Invoice
from faktura.billing.services.generation import invoices_generate
from faktura.billing.services.issue import invoice_issue
from faktura.common.models import Operation

# --- pages and access -------------------------------------------------------------------------


@pytest.mark.parametrize("name", BILLING_PAGES)
def test_billing_pages_render_on_an_empty_tenant(browser, name):
    response = browser.get(reverse(name))

    assert response.status_code == 200
    assert b'class="empty' in response.content or b"<table" in response.content


def test_billing_pages_render_with_data(browser, world, issued):
    # given: an issued invoice, a second draft and a pending item
    task = world.task(title="Mail server")
    world.item(task, minutes=90)
    other = world.item(task, minutes=30)
    invoices_generate(
        world.ctx, data=InvoicesGenerate(billable_item_ids=[other.pk], grouping="task")
    )

    pages = {name: browser.get(reverse(name)).content.decode() for name in BILLING_PAGES}

    assert "Mail server" in pages["web:billing_items"]
    assert "Müller Maschinenbau GmbH" in pages["web:billing_review"]
    assert issued.number in pages["web:invoice_list"]
    assert issued.number in pages["web:receivables"]
    assert "none" in pages["web:numbering"]  # the gap report: nothing missing
    detail = browser.get(reverse("web:invoice_detail", args=[issued.pk]))
    assert detail.status_code == 200
    assert issued.number in detail.content.decode()


def test_navigation_lists_the_billing_pages(browser):
    page = browser.get(reverse("web:billing_review")).content.decode()

    for label in ("Ready to bill", "Billable items", "Invoice review", "Invoices"):
        assert f">{label}</a>" in page
    settings_page = browser.get(reverse("web:numbering")).content.decode()
    assert ">Numbering</a>" in settings_page


@pytest.mark.parametrize("role", ["member", "approver"])
def test_roles_without_invoices_get_403(browser_as, world, draft, issued, role):
    client, _ = browser_as(role)
    urls = [reverse(name) for name in BILLING_PAGES] + [
        reverse("web:invoice_detail", args=[issued.pk]),
        reverse("web:invoice_download", args=[issued.pk, "pdf"]),
    ]
    for url in urls:
        assert client.get(url).status_code == 403, url
    line = line_of(world, issued.pk)
    for url, data in [
        (reverse("web:billing_compile"), {}),
        (reverse("web:billing_generate"), {"grouping": "contact"}),
        (reverse("web:billing_run"), {"period": "2026-03"}),
        (reverse("web:draft_settle", args=[issued.pk]), {}),
        (edit_url(issued.pk, line.pk), {"title": "x"}),
        (reverse("web:invoice_credit", args=[issued.pk]), {"scope": "all"}),
    ]:
        assert client.post(url, data).status_code == 403, url
    assert Invoice.objects.get(pk=issued.pk).status == "issued"


def test_billing_role_reviews_and_settles(browser_as, world):
    client, _ = browser_as("billing")
    task = world.task(title="Backup")
    item = world.item(task, minutes=60)
    [invoice] = invoices_generate(
        world.ctx, data=InvoicesGenerate(billable_item_ids=[item.pk], grouping="contact")
    )

    response = client.post(reverse("web:draft_settle", args=[invoice.pk]))

    assert response.status_code == 302
    assert Invoice.objects.get(pk=invoice.pk).number is not None


def test_other_tenants_invoices_are_404(browser, other_world):
    task = other_world.task(title="Foreign")
    item = other_world.item(task, minutes=60)
    [foreign] = invoices_generate(
        other_world.ctx, data=InvoicesGenerate(billable_item_ids=[item.pk], grouping="contact")
    )
    line = line_of(other_world, foreign.pk)
    foreign_issued_line = line

    assert browser.get(reverse("web:invoice_detail", args=[foreign.pk])).status_code == 404
    fragment = htmx(browser, reverse("web:invoice_detail", args=[foreign.pk]), method="get")
    assert fragment.status_code == 404
    for url, data in [
        (edit_url(foreign.pk, line.pk), {"title": "Mine now"}),
        (edit_url(foreign.pk, line.pk), {"step": "up"}),
        (reverse("web:draft_line_remove", args=[foreign.pk, line.pk]), {}),
        (
            reverse("web:draft_line_add", args=[foreign.pk]),
            {"title": "x", "quantity": "1", "unit": "C62", "unit_price": "1", "vat_rate": "19"},
        ),
        (reverse("web:draft_header", args=[foreign.pk]), {"po_number": "X"}),
        (reverse("web:draft_settle", args=[foreign.pk]), {}),
        (reverse("web:draft_delete", args=[foreign.pk]), {}),
    ]:
        assert browser.post(url, data).status_code == 404, url
    invoice_issue(other_world.ctx, invoice_id=foreign.pk, data=InvoiceIssue(issue_date=ISSUE_DAY))
    for url in (
        reverse("web:invoice_download", args=[foreign.pk, "pdf"]),
        reverse("web:invoice_detail", args=[foreign.pk]),
    ):
        assert browser.get(url).status_code == 404, url
    for url, data in [
        (reverse("web:invoice_send", args=[foreign.pk]), {"to": "x@example.test"}),
        (reverse("web:invoice_credit", args=[foreign.pk]), {"scope": "all", "entries": "release"}),
    ]:
        assert browser.post(url, data).status_code == 404, url
    foreign.refresh_from_db()
    assert foreign.status == "issued"
    assert line_of(other_world, foreign.pk).title == foreign_issued_line.title
    op = Operation.objects.create(tenant=other_world.tenant, kind="billable_items_compile")
    assert browser.get(reverse("web:billing_operation", args=[op.pk])).status_code == 404
