"""Read queries for invoices: the review list, the detail with live totals and warnings, and the
number sequences with their gap report. Every query is filtered by tenant.

Totals are computed by `core.invoice_math` only: a draft's come live from its lines (and are also
stored on every change, for lists and sorting); an issued document's are the frozen values.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db.models import Q, QuerySet

from faktura.billing.models import BillableItem, Invoice, InvoiceLine, NumberSequence
from faktura.billing.selectors.printable import text_problems
from faktura.common.errors import NotFound, ValidationFailed
from faktura.contacts.models import Contact, TaxTreatment
from faktura.core.invoice_math import LineInput, Totals, invoice_totals, validate_lines
from faktura.core.numbering import find_gaps, parse_number
from faktura.core.problems import Problem, error, warning
from faktura.core.tax import VatBreakdownRow

# Line kinds whose quantity is derived from logged time (hours).
TIME_KINDS = frozenset({"task_entry", "transport_time"})
SELLER_ADDRESS_FIELDS = ("name", "street", "postal_code", "city", "country")
ORDERINGS = {
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
    "contact": ("contact__name", "id"),
    "-contact": ("-contact__name", "-id"),
    "project": ("project__name", "id"),
    "-project": ("-project__name", "-id"),
    "net": ("net_total", "id"),
    "-net": ("-net_total", "-id"),
    "service_period": ("service_period_start", "id"),
    "-service_period": ("-service_period_start", "-id"),
    "issue_date": ("issue_date", "number", "id"),
    "-issue_date": ("-issue_date", "-number", "-id"),
}


# --- totals -----------------------------------------------------------------------------------


def line_inputs(lines: Sequence[InvoiceLine]) -> list[LineInput]:
    return [
        LineInput(
            quantity=line.quantity,
            unit_price=line.unit_price,
            vat_category=line.vat_category,
            vat_rate=line.vat_rate,
            do_not_bill=line.do_not_bill,
            exemption_reason=line.exemption_reason,
        )
        for line in lines
    ]


def invoice_live_totals(invoice: Invoice, lines: Sequence[InvoiceLine]) -> Totals:
    """EN 16931 totals of the lines as they are now (do-not-bill lines count in no total)."""
    return invoice_totals(line_inputs(lines), invoice.currency)


def breakdown_json(rows: Sequence[VatBreakdownRow]) -> list[dict[str, str]]:
    """The VAT breakdown as stored on an invoice: decimals as strings."""
    return [
        {
            "category": str(row.category.value),
            "rate": str(row.rate),
            "taxable_amount": str(row.taxable_amount),
            "vat_amount": str(row.vat_amount),
            "exemption_reason": row.exemption_reason,
            "exemption_reason_code": row.exemption_reason_code,
        }
        for row in rows
    ]


# --- warnings ---------------------------------------------------------------------------------


def invoice_problems(
    invoice: Invoice, lines: Sequence[InvoiceLine], *, tenant, contact: Contact
) -> list[Problem]:
    """Everything a reviewer should know before issuing. Errors block the issue, warnings do
    not. Paths: `lines[i]...` (i = index in position order), `seller.*`, `buyer.*`, header
    field names."""
    problems: list[Problem] = []
    billed = [line for line in lines if not line.do_not_bill]
    if not billed:
        problems.append(error("no_billable_line", "The invoice has no line to bill.", "lines"))

    missing = [name for name in SELLER_ADDRESS_FIELDS if not getattr(tenant, name)]
    if missing:
        problems.append(
            error(
                "seller_address_incomplete",
                f"The company profile lacks {', '.join(missing)}.",
                "seller.address",
            )
        )
    if not tenant.vat_id and not tenant.tax_number:
        problems.append(
            error(
                "seller_tax_id_missing",
                "The company profile needs a VAT ID or a tax number.",
                "seller.vat_id",
            )
        )
    if not tenant.iban:
        problems.append(
            warning(
                "seller_iban_missing",
                "The company profile has no IBAN; the invoice shows no bank account.",
                "seller.iban",
            )
        )

    contact_missing = [name for name in ("email", "phone") if not getattr(tenant, name)]
    if contact_missing:
        # XRechnung requires the seller contact group (BR-DE-2, BR-DE-6, BR-DE-7).
        problems.append(
            warning(
                "seller_contact_missing",
                f"The company profile lacks {' and '.join(contact_missing)}; XRechnung "
                "e-invoices need both as seller contact.",
                "seller.contact",
            )
        )

    if not contact.address_complete:
        problems.append(
            warning(
                "buyer_address_incomplete",
                "The customer's address is incomplete (street, postal code, city, country).",
                "buyer.address",
            )
        )
    reverse_charge = contact.tax_treatment == TaxTreatment.REVERSE_CHARGE or any(
        line.vat_category == "AE" for line in billed
    )
    if reverse_charge and not contact.vat_id:
        problems.append(
            error(
                "buyer_vat_id_missing",
                "Reverse charge needs the customer's VAT ID.",
                "buyer.vat_id",
            )
        )
    if contact.leitweg_id and not invoice.buyer_reference:
        problems.append(
            warning(
                "buyer_reference_missing",
                "The customer is public sector (Leitweg-ID); set the buyer reference.",
                "buyer_reference",
            )
        )

    for index, line in enumerate(lines):
        if not line.do_not_bill and line.unit_price == 0 and line.quantity != 0:
            problems.append(
                warning(
                    "no_price",
                    f"{line.title}: the unit price is 0.",
                    f"lines[{index}].unit_price",
                )
            )
    problems += validate_lines(line_inputs(lines), invoice.currency)
    problems += text_problems(invoice, lines, tenant=tenant, contact=contact)
    return problems


# --- lists and detail -------------------------------------------------------------------------


def invoice_list(
    *,
    tenant,
    status: str = "",
    contact_id: int | None = None,
    project_id: int | None = None,
    kind: str = "",
    grouping: str = "",
    search: str = "",
    service_period_from: dt.date | None = None,
    service_period_to: dt.date | None = None,
    ordering: str = "",
) -> QuerySet[Invoice]:
    """The review list: customer, project, kind, service period and net amount per row, in
    two queries at most (the contact and project come joined)."""
    qs = Invoice.objects.filter(tenant=tenant).select_related("contact", "project")
    if status:
        qs = qs.filter(status=status)
    if contact_id is not None:
        qs = qs.filter(contact_id=contact_id)
    if project_id is not None:
        qs = qs.filter(project_id=project_id)
    if kind:
        qs = qs.filter(kind=kind)
    if grouping:
        qs = qs.filter(grouping=grouping)
    search = search.replace("\x00", "").strip()
    if search:
        qs = qs.filter(
            Q(number__icontains=search)
            | Q(contact__name__icontains=search)
            | Q(project__name__icontains=search)
        )
    if service_period_from is not None:
        qs = qs.filter(service_period_end__gte=service_period_from)
    if service_period_to is not None:
        qs = qs.filter(service_period_start__lte=service_period_to)
    if ordering:
        if ordering not in ORDERINGS:
            raise ValidationFailed.field(
                "ordering", f"Must be one of {', '.join(sorted(ORDERINGS))}."
            )
        qs = qs.order_by(*ORDERINGS[ordering])
    return qs


def invoice_get(*, tenant, invoice_id: int) -> Invoice:
    invoice = (
        Invoice.objects.filter(tenant=tenant, pk=invoice_id)
        .select_related("contact", "project")
        .first()
    )
    if invoice is None:
        raise NotFound("Invoice not found.")
    return invoice


def invoice_lines(invoice: Invoice) -> list[InvoiceLine]:
    return list(
        InvoiceLine.objects.filter(invoice=invoice)
        .select_related("task")
        .order_by("position", "id")
    )


def _entry_ids_by_line(**item_filter: Any) -> dict[int, list[int]]:
    entries: dict[int, list[int]] = defaultdict(list)
    rows = (
        BillableItem.objects.filter(entry_id__isnull=False, **item_filter)
        .order_by("entry_id")
        .values_list("invoice_line_id", "entry_id")
    )
    for line_id, entry_id in rows:
        entries[line_id].append(entry_id)
    return entries


def invoice_line_get(*, tenant, invoice_id: int, line_id: int) -> InvoiceLine:
    """One line of the tenant's invoice, with its ticket and `entry_ids` (404 otherwise)."""
    line = (
        InvoiceLine.objects.filter(tenant=tenant, invoice_id=invoice_id, pk=line_id)
        .select_related("task")
        .first()
    )
    if line is None:
        raise NotFound("Invoice line not found.")
    line.entry_ids = _entry_ids_by_line(invoice_line=line).get(line.pk, [])
    return line


def invoice_detail(*, tenant, invoice_id: int) -> Invoice:
    """The invoice with `detail_lines`, `totals`, `breakdown` and `warnings` attached.

    Drafts: totals computed live from the lines, warnings from `invoice_problems`. Issued
    documents: the frozen totals and breakdown, no warnings.
    """
    invoice = invoice_get(tenant=tenant, invoice_id=invoice_id)
    lines = invoice_lines(invoice)
    entries = _entry_ids_by_line(invoice_line__invoice=invoice)
    for line in lines:
        line.entry_ids = entries.get(line.pk, [])
    invoice.detail_lines = lines
    if invoice.is_draft:
        totals = invoice_live_totals(invoice, lines)
        invoice.totals = {"net": totals.net, "vat": totals.vat, "gross": totals.gross}
        invoice.breakdown = breakdown_json(totals.breakdown)
        invoice.warnings = [
            problem.as_dict()
            for problem in invoice_problems(invoice, lines, tenant=tenant, contact=invoice.contact)
        ]
    else:
        invoice.totals = {
            "net": invoice.net_total,
            "vat": invoice.vat_total,
            "gross": invoice.gross_total,
        }
        invoice.breakdown = invoice.vat_breakdown
        invoice.warnings = []
    return invoice


# --- numbering --------------------------------------------------------------------------------


def number_sequence_list(*, tenant) -> QuerySet[NumberSequence]:
    return NumberSequence.objects.filter(tenant=tenant).order_by("kind", "period")


def numbering_report(*, tenant) -> list[dict[str, Any]]:
    """Per number series (kind) and counter period: first, last, count, missing, duplicates.

    Values are the counters stored on issued documents (numbers written by another tool are
    parsed with the tenant's current format). Missing values run from the series' first value
    (1, or the starting counter set for a migration) to the last value the counter handed out.
    A gapless series answers `missing: []`.
    """
    formats = {
        Invoice.Kind.INVOICE: tenant.invoice_number_format,
        Invoice.Kind.CREDIT_NOTE: tenant.credit_note_number_format,
    }
    values: dict[tuple[str, str], list[int]] = defaultdict(list)
    rows = Invoice.objects.filter(tenant=tenant, number__isnull=False).values_list(
        "kind", "sequence_period", "sequence_value", "number"
    )
    for kind, period, value, number in rows:
        if value is None:
            parsed = _parse(formats.get(kind, ""), number)
            if parsed is None:
                continue
            value = parsed
        values[(kind, period or "all")].append(value)
    sequences = {(s.kind, s.period): s for s in number_sequence_list(tenant=tenant)}
    report = []
    for key in sorted(set(values) | set(sequences)):
        kind, period = key
        sequence = sequences.get(key)
        first_value = sequence.first_value if sequence else 1
        gaps = find_gaps(values.get(key, []), expected_first=first_value)
        missing = list(gaps.missing)
        if sequence is not None:
            # Values the counter handed out beyond the last stored document are missing too.
            start = max(gaps.last or 0, first_value - 1) + 1
            missing += list(range(start, sequence.last_value + 1))
        report.append(
            {
                "kind": kind,
                "period": period,
                "first": gaps.first,
                "last": gaps.last,
                "count": gaps.count,
                "missing": missing,
                "duplicates": list(gaps.duplicates),
                "next_value": (sequence.last_value if sequence else 0) + 1,
            }
        )
    return report


def _parse(fmt: str, number: str) -> int | None:
    try:
        parsed = parse_number(fmt, number)
    except ValueError:
        return None
    return parsed.seq if parsed else None
