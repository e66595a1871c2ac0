"""The invoice review: manual invoices, the billing run and the review list."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from faktura.billing.models import Invoice

# --- review: manual invoices and the billing run ---------------------------------------------


def test_manual_invoice_opens_in_the_overlay(browser, world):
    contact = world.contact(name="Kanzlei Weber")

    response = browser.post(reverse("web:billing_invoice_new"), {"contact_id": contact.pk})

    invoice = Invoice.objects.get(tenant=world.tenant, contact=contact)
    assert invoice.status == "draft" and invoice.grouping == "manual"
    assert response["Location"] == f"{reverse('web:billing_review')}?open={invoice.pk}"
    review = browser.get(response["Location"]).content.decode()
    detail = reverse("web:invoice_detail", args=[invoice.pk])
    assert f'hx-get="{detail}" hx-trigger="load"' in review


@pytest.mark.django_db(transaction=True)
def test_billing_run_puts_the_periods_items_on_open_drafts(browser, world, run_queued_tasks):
    task = world.task(title="Monthly support")
    world.item(task, minutes=60, day=dt.date(2026, 3, 3))
    world.item(task, minutes=30, day=dt.date(2026, 3, 20))
    world.item(task, minutes=30, day=dt.date(2026, 4, 2))  # next period

    started = browser.post(reverse("web:billing_run"), {"period": "2026-03"})
    assert "The billing run is queued" in browser.get(started["Location"]).content.decode()
    run_queued_tasks()
    response = browser.get(started["Location"])

    [draft] = Invoice.objects.filter(tenant=world.tenant, status="draft")
    assert (draft.service_period_start, draft.service_period_end) == (
        dt.date(2026, 3, 1),
        dt.date(2026, 3, 31),
    )
    assert draft.grouping == "run"
    assert "Billing run 2026-03: 1 drafts created, 0 updated, 2 items added." in (
        response.content.decode()
    )
    again = browser.post(reverse("web:billing_run"), {"period": "2026-03"})
    run_queued_tasks()
    assert "there were no pending items to add" in browser.get(again["Location"]).content.decode()
    bad = browser.post(reverse("web:billing_run"), {"period": "March"}, follow=True)
    assert "Use YYYY-MM" in bad.content.decode()
    assert Invoice.objects.filter(tenant=world.tenant).count() == 1


def test_review_list_shows_the_review_columns(browser, world, draft):
    page = browser.get(reverse("web:billing_review")).content.decode()

    row = re.search(rf'<tr data-invoice="{draft.pk}">(.*?)</tr>', page, re.S).group(1)
    assert "Müller Maschinenbau GmbH" in row
    assert "Support Müller Maschinenbau GmbH" in row  # the project
    assert "Invoice" in row and "Per customer" in row
    assert "03/02/2026 – 03/02/2026" in row  # the service period
    assert "€1,075.00" in row  # net
