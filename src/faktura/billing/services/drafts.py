"""Building blocks of the draft use cases: locks, VAT group, totals.

Every public use case (generation, billing run, review edits, issue, credit notes) is built from
these, so the rules live in one place:

- the contact's tax treatment overrides a line's VAT group (reverse charge AE, export G,
  exempt E, each at 0 %);
- a line's net amount is `core.invoice_math.line_net(quantity, unit_price)`, stored on the line;
  document totals are `core.invoice_math.invoice_totals` over the lines, never summed elsewhere;
- items move between statuses with conditional updates inside the caller's transaction, and
  the entries follow through `entry_states_sync`.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.db.models import Max

from faktura.billing.errors import InvoiceNotDraft
from faktura.billing.models import BillableItem, Invoice, InvoiceLine
from faktura.billing.selectors.invoices import (
    breakdown_json,
    invoice_live_totals,
)
from faktura.common.errors import NotFound
from faktura.contacts.models import Contact, TaxTreatment

Item = BillableItem.Status

# Contact tax treatment -> the VAT category every line of its invoices gets (rate 0).
TREATMENT_CATEGORY: dict[str, str] = {
    TaxTreatment.REVERSE_CHARGE: "AE",
    TaxTreatment.EXPORT: "G",
    TaxTreatment.EXEMPT: "E",
}
ZERO_RATE = Decimal("0.00")


# --- locks ------------------------------------------------------------------------------------


def invoice_locked(tenant, invoice_id: int) -> Invoice:
    """The invoice, row-locked for the caller's transaction (PostgreSQL; SQLite's IMMEDIATE
    transaction already holds the database write lock). Unknown or other tenant's: 404."""
    invoice = (
        Invoice.objects.select_for_update()
        .filter(tenant=tenant, pk=invoice_id)
        .select_related("contact")
        .first()
    )
    if invoice is None:
        raise NotFound("Invoice not found.")
    return invoice


def draft_locked(tenant, invoice_id: int) -> Invoice:
    invoice = invoice_locked(tenant, invoice_id)
    if not invoice.is_draft:
        raise InvoiceNotDraft(
            f"Invoice {invoice.number} is {invoice.status}; issued invoices never change. "
            "Correct it with a credit note."
        )
    return invoice


def line_of(invoice: Invoice, line_id: int) -> InvoiceLine:
    line = InvoiceLine.objects.filter(invoice=invoice, pk=line_id).select_related("task").first()
    if line is None:
        raise NotFound("Invoice line not found.")
    return line


# --- VAT group --------------------------------------------------------------------------------


def tax_group(
    contact: Contact, category: str, rate: Decimal, reason: str = ""
) -> tuple[str, Decimal, str]:
    """The (category, rate, exemption reason) a line gets on an invoice to `contact`.

    Domestic customers keep the product's group. Reverse charge, export and exempt customers
    get AE, G or E at 0 % whatever the product says; exempt lines carry the contact's
    exemption reason (AE and G get the standard reason in the VAT breakdown).
    """
    treatment_category = TREATMENT_CATEGORY.get(contact.tax_treatment)
    if treatment_category is None:
        return category, rate, reason
    if treatment_category == "E":
        return treatment_category, ZERO_RATE, contact.exemption_reason or reason
    return treatment_category, ZERO_RATE, ""


# --- lines and totals ---------------------------------------------------------------------------


def next_position(invoice: Invoice) -> int:
    top = InvoiceLine.objects.filter(invoice=invoice).aggregate(top=Max("position"))["top"]
    return (top or 0) + 1


def set_totals(invoice: Invoice, lines: Sequence[InvoiceLine]) -> None:
    """Put the totals of these (all) lines of the draft on it, unsaved."""
    totals = invoice_live_totals(invoice, sorted(lines, key=lambda line: line.position))
    invoice.net_total = totals.net
    invoice.vat_total = totals.vat
    invoice.gross_total = totals.gross
    invoice.vat_breakdown = breakdown_json(totals.breakdown)


def items_release_from_lines(line_ids: Sequence[int], *, to_status: str) -> list[int]:
    """Move the items of these draft lines to `to_status` (pending: detached from the line).
    Returns the entry ids to sync."""
    items = BillableItem.objects.filter(invoice_line_id__in=line_ids)
    entry_ids = list(items.exclude(entry_id=None).values_list("entry_id", flat=True))
    if to_status == Item.PENDING:
        items.update(status=Item.PENDING, invoice_line=None)
    else:
        items.update(status=to_status)
    return entry_ids


def totals_store(invoice: Invoice) -> None:
    """Recompute the draft's totals from its lines and store them (for lists and sorting).

    The detail answer recomputes them live from the same lines with the same function.
    """
    set_totals(invoice, list(InvoiceLine.objects.filter(invoice=invoice)))
    invoice.save()
