"""Receivables: issued invoices not yet paid, what credit notes took off them, and what is
overdue. Derived on every read, never stored; amounts are summed exactly (`core.money`)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from faktura.billing.models import Invoice
from faktura.core.money import amount_places, exact_sum, quantize_amount

OPEN_STATUSES = (Invoice.Status.ISSUED, Invoice.Status.SENT)


def is_overdue(invoice: Invoice, today: dt.date) -> bool:
    """An issued or sent invoice past its due date (``today`` is the company's date)."""
    return (
        invoice.kind == Invoice.Kind.INVOICE
        and invoice.status in OPEN_STATUSES
        and invoice.due_date is not None
        and invoice.due_date < today
    )


def receivables(*, tenant, today: dt.date) -> dict[str, Any]:
    """Issued, unpaid invoices (issued or sent) with what credit notes took off them, split
    into ``overdue`` (oldest due date first) and ``current`` (not yet due), and the open and
    overdue ``totals`` per currency.

    Each invoice gets ``credited`` (the credit notes' gross, negative), ``open_amount`` (gross +
    credited) and ``days_overdue``. Payments are not recorded, so an invoice is open until it
    is marked paid or voided.
    """
    invoices = list(
        Invoice.objects.filter(tenant=tenant, kind=Invoice.Kind.INVOICE, status__in=OPEN_STATUSES)
        .select_related("contact")
        .order_by("due_date", "issue_date", "id")
    )
    credits: dict[int, list[Decimal]] = defaultdict(list)
    rows = Invoice.objects.filter(
        tenant=tenant,
        kind=Invoice.Kind.CREDIT_NOTE,
        credit_note_of_id__in=[invoice.pk for invoice in invoices],
    ).values_list("credit_note_of_id", "gross_total")
    for invoice_id, gross in rows:
        credits[invoice_id].append(gross)
    overdue, current = [], []
    open_by_currency: dict[str, list[Decimal]] = defaultdict(list)
    overdue_by_currency: dict[str, list[Decimal]] = defaultdict(list)
    for invoice in invoices:
        # Nothing credited reads as 0.00 (in the currency's decimals), not as a bare 0.
        zero = quantize_amount(0, amount_places(invoice.currency))
        invoice.credited = exact_sum([zero, *credits.get(invoice.pk, [])])
        invoice.open_amount = exact_sum([invoice.gross_total, invoice.credited])
        invoice.days_overdue = (today - invoice.due_date).days if is_overdue(invoice, today) else 0
        open_by_currency[invoice.currency].append(invoice.open_amount)
        if invoice.days_overdue > 0:
            overdue.append(invoice)
            overdue_by_currency[invoice.currency].append(invoice.open_amount)
        else:
            current.append(invoice)
    return {
        "overdue": overdue,
        "current": current,
        "totals": [
            {
                "currency": currency,
                "open": exact_sum(amounts),
                "overdue": exact_sum(overdue_by_currency.get(currency, [])),
                "count": len(amounts),
            }
            for currency, amounts in sorted(open_by_currency.items())
        ],
    }
