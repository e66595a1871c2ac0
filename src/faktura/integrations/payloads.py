"""The documents providers receive: an invoice or credit note (lines, totals, VAT breakdown,
customer, links to its PDF and e-invoice) and a payment (with its invoice), as JSON-ready
dicts. Amounts are decimal strings. Issued documents are frozen, so a payload built twice is
the same."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from faktura.billing.models import Invoice, InvoiceLine
from faktura.receivables.models import Payment


def _link(path: str) -> str:
    return f"{settings.FAKTURA_BASE_URL.rstrip('/')}{path}"


def invoice_payload(invoice: Invoice, *, lines: list[InvoiceLine] | None = None) -> dict[str, Any]:
    """The invoice or credit note as providers receive it; `lines` (in position order) when
    the caller read them already (the worker reads a batch's lines in one query)."""
    if lines is None:
        lines = list(InvoiceLine.objects.filter(invoice=invoice).order_by("position", "id"))
    buyer = invoice.buyer or {}
    return {
        "id": invoice.pk,
        "object": invoice.kind,
        "number": invoice.number,
        "status": invoice.status,
        "issue_date": invoice.issue_date.isoformat() if invoice.issue_date else None,
        "due_date": invoice.due_date.isoformat() if invoice.due_date else None,
        "service_period_start": _date(invoice.service_period_start),
        "service_period_end": _date(invoice.service_period_end),
        "currency": invoice.currency,
        "credit_note_of": invoice.credit_note_of_id,
        "credit_note_of_number": (
            invoice.credit_note_of.number if invoice.credit_note_of is not None else None
        ),
        "customer": {
            "id": invoice.contact_id,
            "name": buyer.get("name", ""),
            "street": buyer.get("street", ""),
            "postal_code": buyer.get("postal_code", ""),
            "city": buyer.get("city", ""),
            "country": buyer.get("country", ""),
            "vat_id": buyer.get("vat_id", ""),
        },
        "lines": [
            {
                "position": line.position,
                "title": line.title,
                "quantity": str(line.quantity),
                "unit": line.unit,
                "unit_price": str(line.unit_price),
                "net_amount": str(line.net_amount),
                "vat_category": line.vat_category,
                "vat_rate": str(line.vat_rate),
            }
            for line in lines
            if not line.do_not_bill
        ],
        "totals": {
            "net": str(invoice.net_total),
            "vat": str(invoice.vat_total),
            "gross": str(invoice.gross_total),
        },
        "vat_breakdown": invoice.vat_breakdown,
        "links": {
            "pdf": _link(f"/api/v1/invoices/{invoice.pk}/pdf"),
            "einvoice": _link(f"/api/v1/invoices/{invoice.pk}/einvoice"),
        },
    }


def payment_payload(payment: Payment, *, reversed_: bool = False) -> dict[str, Any]:
    invoice = payment.invoice
    return {
        "id": payment.pk,
        "object": "payment",
        "invoice_id": payment.invoice_id,
        "invoice_number": invoice.number,
        "customer_id": payment.contact_id,
        "amount": str(payment.amount),
        "currency": payment.currency,
        "date": payment.date.isoformat(),
        "method": payment.method,
        "reference": payment.reference,
        "reversed": reversed_,
    }


def _date(value) -> str | None:
    return value.isoformat() if value else None
