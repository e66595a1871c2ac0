"""Reads over issued documents and open drafts: the list of issued invoices and credit notes,
what a credit note credits already, the deliveries of an invoice, the open drafts' totals.

Every query is filtered by tenant. Amounts are summed in Python with `core.money.exact_sum`
(never by SQL aggregates: SQLite stores decimals as floats).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from faktura.billing.models import Invoice, InvoiceLine
from faktura.core.invoice_math import credit_remaining
from faktura.core.money import exact_sum
from faktura.documents.models import Delivery


def issued_list(*, tenant) -> QuerySet[Invoice]:
    """Issued documents (invoices and credit notes), newest first."""
    return (
        Invoice.objects.filter(tenant=tenant)
        .exclude(status=Invoice.Status.DRAFT)
        .select_related("contact")
        .order_by("-issue_date", "-sequence_value", "-id")
    )


def credited_line_ids(invoice: Invoice) -> set[int]:
    """Lines of the invoice that a credit note credits already, in full or in part
    (`credit_open` says what is left of each)."""
    return set(
        InvoiceLine.objects.filter(
            tenant_id=invoice.tenant_id,
            credited_line__invoice=invoice,
            invoice__kind=Invoice.Kind.CREDIT_NOTE,
        ).values_list("credited_line_id", flat=True)
    )


def credited_quantities(invoice: Invoice) -> dict[int, list[Decimal]]:
    """Per line of the invoice that credit notes credit: the ledger quantities of those
    credit-note lines (opposite sign to the line's). `core.invoice_math.credit_remaining` gives
    what is left to credit; summed in Python, never by SQL (SQLite stores floats)."""
    found: dict[int, list[Decimal]] = defaultdict(list)
    rows = InvoiceLine.objects.filter(
        tenant_id=invoice.tenant_id,
        credited_line__invoice=invoice,
        invoice__kind=Invoice.Kind.CREDIT_NOTE,
    ).values_list("credited_line_id", "quantity")
    for line_id, quantity in rows:
        found[line_id].append(quantity)
    return dict(found)


def credit_open(invoice: Invoice, lines: list[InvoiceLine]) -> dict[int, Decimal]:
    """The given lines of the invoice that are not credited in full, each with the quantity
    left to credit (a line of quantity 0 stays open until a credit note names it)."""
    credited = credited_quantities(invoice)
    found: dict[int, Decimal] = {}
    for line in lines:
        rest = credit_remaining(line.quantity, credited.get(line.pk, ()))
        if line.pk not in credited or rest != 0:
            found[line.pk] = rest
    return found


def credit_notes_of(invoice: Invoice) -> list[Invoice]:
    """The credit notes that reference the invoice, oldest first."""
    return list(
        Invoice.objects.filter(
            tenant_id=invoice.tenant_id, credit_note_of=invoice, kind=Invoice.Kind.CREDIT_NOTE
        ).order_by("issue_date", "id")
    )


def deliveries_of(*, tenant, invoice_id: int) -> QuerySet[Delivery]:
    """The e-mail deliveries of an invoice."""
    return Delivery.objects.filter(tenant=tenant, invoice_id=invoice_id)


def draft_totals(*, tenant) -> list[dict[str, Any]]:
    """Open drafts per currency: how many and their net amount (the totals stored on every
    change of a draft), summed exactly."""
    nets: dict[str, list[Decimal]] = defaultdict(list)
    rows = Invoice.objects.filter(tenant=tenant, status=Invoice.Status.DRAFT).values_list(
        "currency", "net_total"
    )
    for currency, net in rows:
        nets[currency].append(net)
    return [
        {"currency": currency, "count": len(values), "net": exact_sum(values)}
        for currency, values in sorted(nets.items())
    ]
