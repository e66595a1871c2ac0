"""PostgreSQL refuses, by trigger, any change of an issued invoice's frozen content, its lines
and its stored documents (issue 10, "Guards and proof"): raw SQL, past every service."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from faktura.billing.inputs import InvoiceCreate, InvoiceIssue, InvoiceLineAdd
from faktura.billing.models import Invoice, InvoiceLine
from faktura.billing.services.invoices import invoice_create, invoice_line_add
from faktura.billing.services.issue import invoice_issue
from faktura.documents.models import StoredDocument
from faktura.documents.services import document_store

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("the triggers exist on PostgreSQL; SQLite relies on the services")


def _draft(world) -> Invoice:
    invoice = invoice_create(world.ctx, data=InvoiceCreate(contact_id=world.contact().pk))
    invoice_line_add(
        world.ctx,
        invoice_id=invoice.pk,
        data=InvoiceLineAdd(
            title="Consulting", quantity="2", unit="HUR", unit_price="100", vat_rate="19"
        ),
    )
    return invoice


@pytest.fixture
def issued(world) -> Invoice:
    invoice = invoice_issue(
        world.ctx, invoice_id=_draft(world).pk, data=InvoiceIssue(issue_date=dt.date(2026, 3, 31))
    )
    document_store(
        tenant=world.tenant,
        invoice_id=invoice.pk,
        format="pdf",
        content=b"%PDF-1.7 frozen",
        filename=f"{invoice.number}.pdf",
        media_type="application/pdf",
    )
    return invoice


def _sql(statement: str, *params) -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def _refused(statement: str, *params) -> None:
    with pytest.raises(IntegrityError, match=r"issued|written once|status"):
        _sql(statement, *params)


@pytest.mark.parametrize(
    "assignment",
    [
        "number = 'RE-9999'",
        "gross_total = gross_total + 1",
        "net_total = 0",
        "issue_date = issue_date + 1",
        "due_date = due_date + 30",
        "contact_id = contact_id",  # unchanged: allowed, see below
        "buyer = '{}'::jsonb",
        "vat_breakdown = '[]'::jsonb",
        "currency = 'USD'",
        "closing_text = 'changed'",
        "status = 'draft', number = NULL",
        "cash_discount_percent = 3",  # issue 12: the cash discount is frozen too
        "cash_discount_days = 30",
        "credit_reason = 'changed'",  # issue 15: a credit note's reason is printed on it
    ],
)
def test_frozen_columns_of_an_issued_invoice_cannot_change(issued, assignment):
    statement = f"UPDATE billing_invoice SET {assignment} WHERE id = %s"
    if assignment == "contact_id = contact_id":
        assert _sql(statement, issued.pk) == 1  # writing the same value changes nothing
        return
    _refused(statement, issued.pk)
    after = Invoice.objects.get(pk=issued.pk)
    assert (after.number, after.gross_total, after.status) == (
        issued.number,
        issued.gross_total,
        "issued",
    )


def test_an_issued_invoice_moves_along_its_life_only(issued):
    assert _sql("UPDATE billing_invoice SET status = 'sent' WHERE id = %s", issued.pk) == 1
    assert _sql("UPDATE billing_invoice SET sync_status = 'synced' WHERE id = %s", issued.pk) == 1
    assert _sql("UPDATE billing_invoice SET status = 'paid' WHERE id = %s", issued.pk) == 1
    assert _sql("UPDATE billing_invoice SET status = 'void' WHERE id = %s", issued.pk) == 1
    _refused("UPDATE billing_invoice SET status = 'sent' WHERE id = %s", issued.pk)
    _refused("UPDATE billing_invoice SET status = 'draft' WHERE id = %s", issued.pk)


def test_an_issued_invoice_cannot_be_deleted(issued):
    _refused("DELETE FROM billing_invoice WHERE id = %s", issued.pk)
    assert Invoice.objects.filter(pk=issued.pk).exists()


def test_lines_of_an_issued_invoice_cannot_change(issued):
    line = InvoiceLine.objects.filter(invoice=issued).first()

    _refused("UPDATE billing_invoiceline SET quantity = 3 WHERE id = %s", line.pk)
    _refused("UPDATE billing_invoiceline SET title = 'Other' WHERE id = %s", line.pk)
    _refused("DELETE FROM billing_invoiceline WHERE id = %s", line.pk)
    _refused(
        "INSERT INTO billing_invoiceline (tenant_id, invoice_id, position, kind, title,"
        " description, unit, quantity, unit_price, net_amount, vat_category, vat_rate,"
        " exemption_reason, do_not_bill, price_source, created_at, updated_at)"
        " SELECT tenant_id, invoice_id, 99, kind, title, description, unit, quantity,"
        " unit_price, net_amount, vat_category, vat_rate, exemption_reason, do_not_bill,"
        " price_source, now(), now() FROM billing_invoiceline WHERE id = %s",
        line.pk,
    )
    assert InvoiceLine.objects.get(pk=line.pk).quantity == line.quantity


def test_stored_documents_cannot_change(issued):
    document = StoredDocument.objects.get(invoice=issued)

    _refused("UPDATE documents_storeddocument SET sha256 = 'x' WHERE id = %s", document.pk)
    _refused("DELETE FROM documents_storeddocument WHERE id = %s", document.pk)
    assert StoredDocument.objects.get(pk=document.pk).sha256 == document.sha256


def test_drafts_stay_free_to_change(world):
    draft = _draft(world)
    line = InvoiceLine.objects.filter(invoice=draft).first()

    assert _sql("UPDATE billing_invoiceline SET quantity = 3 WHERE id = %s", line.pk) == 1
    assert _sql("UPDATE billing_invoice SET closing_text = 'x' WHERE id = %s", draft.pk) == 1
    assert _sql("DELETE FROM billing_invoiceline WHERE id = %s", line.pk) == 1
    assert _sql("DELETE FROM billing_invoice WHERE id = %s", draft.pk) == 1
