"""Idempotency-Key on the POSTs that add lines, issue and credit: a replay creates nothing."""

from __future__ import annotations

import pytest

from faktura.billing.inputs import InvoiceCreate, InvoiceLineAdd
from faktura.billing.models import Invoice, InvoiceLine, NumberSequence
from faktura.billing.services.invoices import invoice_create, invoice_line_add

LINE = {"title": "Travel Hamburg", "quantity": "1", "unit": "C62", "unit_price": "100",
        "vat_rate": "19"}  # fmt: skip


@pytest.fixture
def draft(world):
    invoice = invoice_create(world.ctx, data=InvoiceCreate(contact_id=world.contact().pk))
    invoice_line_add(world.ctx, invoice_id=invoice.pk, data=InvoiceLineAdd(**LINE))
    return invoice


def test_a_replayed_manual_line_is_added_once(api, draft):
    headers = {"HTTP_IDEMPOTENCY_KEY": "line-abc"}

    first = api.post(f"invoices/{draft.pk}/lines", LINE, **headers)
    again = api.post(f"invoices/{draft.pk}/lines", LINE, **headers)

    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert InvoiceLine.objects.filter(invoice=draft).count() == 2  # the fixture's and this one
    assert api.get(f"invoices/{draft.pk}").json()["totals"]["net"] == "200.00"


def test_the_same_key_for_another_request_is_refused(api, draft):
    headers = {"HTTP_IDEMPOTENCY_KEY": "line-abc"}
    api.post(f"invoices/{draft.pk}/lines", LINE, **headers)

    response = api.post(f"invoices/{draft.pk}/lines", {**LINE, "unit_price": "999"}, **headers)

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert InvoiceLine.objects.filter(invoice=draft).count() == 2


def test_a_replayed_issue_answers_the_issued_invoice(api, draft):
    headers = {"HTTP_IDEMPOTENCY_KEY": "issue-1"}
    body = {"issue_date": "2026-03-31"}

    first = api.post(f"invoices/{draft.pk}/issue", body, **headers)
    again = api.post(f"invoices/{draft.pk}/issue", body, **headers)
    without_key = api.post(f"invoices/{draft.pk}/issue", body)

    assert first.status_code == again.status_code == 200
    assert first.json()["number"] == again.json()["number"] == "2026-0001"
    assert without_key.status_code == 409  # a plain repeat still meets the state check
    assert NumberSequence.objects.get(kind="invoice").last_value == 1


def test_a_replayed_void_issues_one_credit_note(api, draft):
    api.post(f"invoices/{draft.pk}/issue", {"issue_date": "2026-03-31"})
    headers = {"HTTP_IDEMPOTENCY_KEY": "void-1"}
    body = {"release_entries": False, "issue_date": "2026-04-01"}

    first = api.post(f"invoices/{draft.pk}/void", body, **headers)
    again = api.post(f"invoices/{draft.pk}/void", body, **headers)

    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert Invoice.objects.filter(kind="credit_note").count() == 1
