"""Read queries for invoices: the review list, the detail with live totals and warnings, and the
number sequences with their gap report. Every query is filtered by tenant.

Totals are computed by `core.invoice_math` only: a draft's come live from its lines (and are also
stored on every change, for lists and sorting); an issued document's are the frozen values.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet

from faktura.billing.models import BillableItem, Invoice, InvoiceLine, NumberSequence
from faktura.billing.selectors.printable import text_problems
from faktura.billing.snapshot import (
    BUYER_PARTY_FIELDS,
    SELLER_PARTY_FIELDS,
    buyer_party,
    invoice_snapshot,
    seller_party,
)
from faktura.common.errors import NotFound, ValidationFailed
from faktura.contacts.models import Contact, EInvoiceFormat, TaxTreatment
from faktura.core import cash_discount
from faktura.core.invoice_math import (
    SANITY_FACTOR,
    SANITY_MAX_AMOUNT,
    LineInput,
    Totals,
    invoice_totals,
    quantity_problems,
    validate_lines,
)
from faktura.core.numbering import find_gaps, parse_number
from faktura.core.problems import Problem, error, errors, warning
from faktura.core.tax import VatBreakdownRow
from faktura.core.translation import gettext_lazy as _
from faktura.einvoice import formats as einvoice
from faktura.einvoice.snapshot import InvoiceSnapshot, Line, Payment, VatRow
from faktura.tenancy.selectors import tenant_today

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


# --- validation -------------------------------------------------------------------------------

NO_BILLABLE_LINE = _("The invoice has no line to bill.")


def sanity_limits() -> tuple[Decimal, Decimal]:
    """The draft's plausibility check (`core.invoice_math.quantity_problems`): the factor
    between billed and logged quantity and the largest plausible line amount, from the settings
    FAKTURA_SANITY_FACTOR and FAKTURA_SANITY_MAX_AMOUNT (0 switches a check off)."""
    return (
        Decimal(str(getattr(settings, "FAKTURA_SANITY_FACTOR", SANITY_FACTOR))),
        Decimal(str(getattr(settings, "FAKTURA_SANITY_MAX_AMOUNT", SANITY_MAX_AMOUNT))),
    )


def invoice_problems(
    invoice: Invoice, lines: Sequence[InvoiceLine], *, tenant, contact: Contact
) -> list[Problem]:
    """The one validation of an invoice before it is issued: what the draft review shows, the
    API answers (`warnings`, and `invoice_invalid` on issue) and issuing refuses. Errors block
    the issue, warnings do not.

    It runs the draft's own checks, the line checks of `core.invoice_math`, the e-invoice
    pre-check of every format the invoice must be valid in (`einvoice_problems`: the same
    checks the builders are guarded by, see `format_availability`) and the text check of the
    documents. Each problem is data (code, path, severity, params) with its message defined,
    translatable, where it is found; a line's problems are about its title. Paths: `lines[i]...`
    (i = index in position order), `seller.*`, `buyer.*`, header field names."""
    problems = _draft_problems(invoice, lines, tenant=tenant, contact=contact)
    billed = [index for index, line in enumerate(lines) if not line.do_not_bill]
    if billed:
        known = {problem.code for problem in problems}
        snapshot = draft_snapshot(invoice, lines, tenant=tenant, contact=contact)
        problems += [
            _at_draft_line(problem, billed)
            for problem in einvoice_problems(snapshot, contact.einvoice_format)
            if problem.code not in known
        ]
    problems += text_problems(invoice, lines, tenant=tenant, contact=contact)
    return [_about_line(problem, lines) for problem in problems]


def _draft_problems(
    invoice: Invoice, lines: Sequence[InvoiceLine], *, tenant, contact: Contact
) -> list[Problem]:
    """The checks of the draft itself: lines to bill, the company profile and the customer as
    far as every document needs them, quantities and prices."""
    problems: list[Problem] = []
    billed = [line for line in lines if not line.do_not_bill]
    if not billed:
        problems.append(error("no_billable_line", NO_BILLABLE_LINE, "lines"))

    missing = [name for name in SELLER_ADDRESS_FIELDS if not getattr(tenant, name)]
    if missing:
        problems.append(
            error(
                "seller_address_incomplete",
                _("The company profile lacks a complete address (%(fields)s)."),
                "seller.address",
                fields=", ".join(missing),
            )
        )
    if not tenant.vat_id and not tenant.tax_number:
        problems.append(
            error(
                "seller_tax_id_missing",
                _("The company profile needs a VAT ID or a tax number."),
                "seller.vat_id",
            )
        )
    if not tenant.iban:
        problems.append(
            warning(
                "seller_iban_missing",
                _("The company profile has no IBAN; the invoice shows no bank account."),
                "seller.iban",
            )
        )

    contact_missing = [name for name in ("email", "phone") if not getattr(tenant, name)]
    if contact_missing:
        # XRechnung requires the seller contact group (BR-DE-2, BR-DE-6, BR-DE-7).
        problems.append(
            warning(
                "seller_contact_missing",
                _(
                    "The company profile lacks an e-mail address or a phone number; "
                    "XRechnung e-invoices need both as seller contact."
                ),
                "seller.contact",
                fields=", ".join(contact_missing),
            )
        )

    if not contact.address_complete:
        problems.append(
            warning(
                "buyer_address_incomplete",
                _("The customer's address is incomplete (street, postal code, city, country)."),
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
                _("Reverse charge needs the customer's VAT ID."),
                "buyer.vat_id",
            )
        )
    if contact.leitweg_id and not invoice.buyer_reference:
        problems.append(
            warning(
                "buyer_reference_missing",
                _("The customer is public sector (Leitweg-ID); set the buyer reference."),
                "buyer_reference",
            )
        )

    for index, line in enumerate(lines):
        if not line.do_not_bill and line.quantity_needed:
            problems.append(
                error(
                    "quantity_needed",
                    _("The quantity is variable; enter this period's quantity."),
                    f"lines[{index}].quantity",
                )
            )
        if not line.do_not_bill and line.caught_up:
            problems.append(
                warning(
                    "caught_up",
                    _(
                        "An earlier period (%(start)s to %(end)s) that was still pending: check "
                        "that it belongs on this invoice."
                    ),
                    f"lines[{index}].period_start",
                    start=line.period_start.isoformat() if line.period_start else "",
                    end=line.period_end.isoformat() if line.period_end else "",
                )
            )
        if not line.do_not_bill and line.unit_price == 0 and line.quantity != 0:
            problems.append(
                warning("no_price", _("The unit price is 0."), f"lines[{index}].unit_price")
            )
    factor, max_amount = sanity_limits()
    for index, line in enumerate(lines):
        if not line.do_not_bill:
            problems += quantity_problems(
                f"lines[{index}]",
                quantity=line.quantity,
                logged=line.logged_quantity,
                net_amount=line.net_amount,
                factor=factor,
                max_amount=max_amount,
            )
    problems += validate_lines(line_inputs(lines), invoice.currency)
    return problems


_LINE_PATH = re.compile(r"lines\[(\d+)\](.*)", re.S)


def _at_draft_line(problem: Problem, billed: Sequence[int]) -> Problem:
    """A problem of the draft's snapshot (whose lines are the billed ones) at the draft's line
    index."""
    match = _LINE_PATH.fullmatch(problem.path)
    if match is None or int(match.group(1)) >= len(billed):
        return problem
    return problem.with_path(f"lines[{billed[int(match.group(1))]}]{match.group(2)}")


def _about_line(problem: Problem, lines: Sequence[InvoiceLine]) -> Problem:
    """A problem of a line is about the line's title."""
    match = _LINE_PATH.fullmatch(problem.path)
    if match is None or int(match.group(1)) >= len(lines):
        return problem
    return problem.about(lines[int(match.group(1))].title)


# --- e-invoice formats ------------------------------------------------------------------------

# The documents an invoice exposes in `formats` (DESIGN.md 6.1); `pdf` is the PDF/A-3 that
# carries the Factur-X XML, so it stands or falls with `facturx`.
DOCUMENT_FORMATS = ("pdf", "facturx", "xrechnung-ubl", "xrechnung-cii", "peppol")
# Pre-check codes the draft's own checks above report already in other words.
_DRAFT_ONLY_CODES = frozenset({"number_missing", "lines_missing"})


def required_formats(preferred: str) -> tuple[str, ...]:
    """The e-invoice formats an invoice must be valid in to be issued: Factur-X (every PDF
    carries it) and the customer's preferred format."""
    return ("facturx",) if preferred == "facturx" else ("facturx", preferred)


def preferred_format(invoice: Invoice) -> str:
    """The format the customer asked for. A draft: the contact's current choice. An issued
    document: the choice frozen at issue; one issued before customers had a choice gets what
    was sent then: XRechnung (UBL) for a public customer, else Factur-X."""
    frozen = (invoice.buyer or {}).get("einvoice_format") if not invoice.is_draft else None
    if frozen:
        return frozen
    if invoice.is_draft:
        return invoice.contact.einvoice_format
    if (invoice.buyer or {}).get("leitweg_id"):
        return EInvoiceFormat.XRECHNUNG_UBL
    return EInvoiceFormat.FACTURX


def einvoice_problems(snapshot: InvoiceSnapshot, preferred: str) -> list[Problem]:
    """The errors that would make a required format (``required_formats``) invalid, each
    message naming its format; a problem shared by several formats is reported once."""
    found: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for key in required_formats(preferred):
        label = einvoice.get_format(key).label
        for problem in errors(einvoice.problems(snapshot, key)):
            if problem.code in _DRAFT_ONLY_CODES or (problem.code, problem.path) in seen:
                continue
            seen.add((problem.code, problem.path))
            found.append(problem.about(label))
    return found


def cash_discount_terms(invoice: Invoice, contact: Contact, tenant) -> cash_discount.Terms | None:
    """The draft's own cash discount, else the customer's, else the company's (a percent of 0
    on a level means none); None when there is none."""
    return cash_discount.resolve(
        (invoice.cash_discount_percent, invoice.cash_discount_days),
        (contact.cash_discount_percent, contact.cash_discount_days),
        (tenant.cash_discount_percent, tenant.cash_discount_days),
    )


def _discount_fields(terms: cash_discount.Terms | None) -> dict[str, Any]:
    if terms is None:
        return {}
    return {"cash_discount_percent": terms.percent, "cash_discount_days": terms.days}


def draft_snapshot(
    invoice: Invoice, lines: Sequence[InvoiceLine], *, tenant, contact: Contact
) -> InvoiceSnapshot:
    """The document a draft would become if it were issued now, for the e-invoice pre-check:
    the company profile and the customer as they are, the live totals, today's date. It has no
    number (a placeholder) and no timesheet; nothing is rendered from it."""
    totals = invoice_live_totals(invoice, lines)
    day = invoice.issue_date or tenant_today(tenant)
    terms = next(
        (
            days
            for days in (invoice.payment_terms_days, contact.payment_terms_days)
            if days is not None
        ),
        tenant.payment_terms_days,
    )
    billed = [
        (line, net)
        for line, net in zip(lines, totals.line_nets, strict=True)
        if not line.do_not_bill
    ]
    buyer = buyer_party({name: getattr(contact, name) for name in BUYER_PARTY_FIELDS})
    return InvoiceSnapshot(
        kind=invoice.kind,
        number=invoice.number or "DRAFT",
        issue_date=day,
        due_date=day + dt.timedelta(days=terms),
        currency=invoice.currency,
        language=contact.language or "de",
        seller=seller_party({name: getattr(tenant, name) for name in SELLER_PARTY_FIELDS}),
        buyer=buyer,
        payment=Payment(
            iban=tenant.iban,
            bic=tenant.bic,
            bank_name=tenant.bank_name,
            account_holder=tenant.name,
            terms_days=terms,
            reference=invoice.number or "DRAFT",
            **_discount_fields(cash_discount_terms(invoice, contact, tenant)),
        ),
        lines=tuple(
            Line(
                id=str(index),
                title=line.title,
                quantity=line.quantity,
                unit=line.unit,
                unit_price=line.unit_price,
                net_amount=net,
                vat_category=line.vat_category,
                vat_rate=line.vat_rate,
                description=line.description,
                period_start=line.period_start,
                period_end=line.period_end,
            )
            for index, (line, net) in enumerate(billed, start=1)
        ),
        vat_breakdown=tuple(
            VatRow(
                category=str(row.category.value),
                rate=row.rate,
                taxable_amount=row.taxable_amount,
                vat_amount=row.vat_amount,
                exemption_reason=row.exemption_reason,
                exemption_reason_code=row.exemption_reason_code,
            )
            for row in totals.breakdown
        ),
        net_total=totals.net,
        vat_total=totals.vat,
        gross_total=totals.gross,
        line_total=totals.line_total,
        service_period_start=invoice.service_period_start,
        service_period_end=invoice.service_period_end,
        buyer_reference=invoice.buyer_reference
        or contact.leitweg_id
        or invoice.po_number
        or contact.customer_number,
        po_number=invoice.po_number,
    )


def format_availability(snapshot: InvoiceSnapshot, preferred: str) -> list[dict[str, Any]]:
    """`formats` of an invoice: for each document, whether it is (or, on a draft, would be at
    issue) produced, and if not why (`reason`, the problem messages; `fields`, their paths).
    A format is available when its pre-check finds no error."""
    # The checks depend only on the rule sets a format applies (XRechnung, Peppol): the two
    # XRechnung syntaxes share one run (a draft page computes this on every load).
    by_rules: dict[tuple[bool, bool], list[Problem]] = {}
    found = {}
    for key in einvoice.FORMAT_KEYS:
        fmt = einvoice.get_format(key)
        rules = (fmt.is_xrechnung, fmt.is_peppol)
        if rules not in by_rules:
            by_rules[rules] = errors(einvoice.problems(snapshot, key))
        found[key] = by_rules[rules]
    rows = []
    for key in DOCUMENT_FORMATS:
        problems = found["facturx" if key == "pdf" else key]
        rows.append(
            {
                "format": key,
                "available": not problems,
                "reason": " ".join(problem.message for problem in problems),
                "fields": sorted({problem.path for problem in problems if problem.path}),
                "preferred": key == preferred,
            }
        )
    return rows


def invoice_formats(
    invoice: Invoice, lines: Sequence[InvoiceLine] | None = None, *, tenant=None
) -> list[dict]:
    """`format_availability` of a draft (from its lines as they are) or an issued document
    (from its frozen snapshot)."""
    preferred = preferred_format(invoice)
    if invoice.is_draft:
        lines = invoice_lines(invoice) if lines is None else lines
        if not any(not line.do_not_bill for line in lines):
            return [
                {
                    "format": key,
                    "available": False,
                    "reason": str(NO_BILLABLE_LINE),
                    "fields": ["lines"],
                    "preferred": key == preferred,
                }
                for key in DOCUMENT_FORMATS
            ]
        snapshot = draft_snapshot(
            invoice, lines, tenant=tenant or invoice.tenant, contact=invoice.contact
        )
    else:
        snapshot = invoice_snapshot(invoice, with_timesheet=False)
    return format_availability(snapshot, preferred)


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
    """The invoice with `detail_lines`, `totals`, `breakdown`, `problems` (see
    `invoice_problems`), `warnings` (the problems as data) and `formats` (see
    `invoice_formats`) attached.

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
        invoice.problems = invoice_problems(invoice, lines, tenant=tenant, contact=invoice.contact)
        invoice.warnings = [problem.as_dict() for problem in invoice.problems]
    else:
        invoice.totals = {
            "net": invoice.net_total,
            "vat": invoice.vat_total,
            "gross": invoice.gross_total,
        }
        invoice.breakdown = invoice.vat_breakdown
        invoice.problems = []
        invoice.warnings = []
    invoice.formats = invoice_formats(invoice, lines, tenant=tenant)
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
