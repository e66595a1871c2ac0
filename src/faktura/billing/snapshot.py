"""Build the frozen `InvoiceSnapshot` every document of an issued invoice is rendered from.

Reads only what issuing froze (seller and buyer snapshots, totals, VAT breakdown, lines), so a
later change of the company profile or the customer never changes a document. Lines marked
"do not bill" are not on the document. The timesheet rows come from the time entries behind
each line, in the order they were worked, with the time logged (not the billed quantity, which
is the line's). Mileage, goods and expenses have no timesheet rows: their quantity and unit are
on the invoice line, and an "hours" appendix would misread them.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import F, Q

from faktura.billing.errors import InvoiceNotIssued
from faktura.billing.models import ISSUED, BillableItem, Invoice, InvoiceLine
from faktura.core.time_rounding import seconds_to_hours
from faktura.einvoice.snapshot import (
    InvoiceSnapshot,
    Line,
    Party,
    Payment,
    TimesheetRow,
    VatRow,
)
from faktura.tenancy.models import Membership

# The company-profile and customer fields the parties are built from (issuing freezes them,
# and a draft's e-invoice pre-check reads them live from the tenant and the contact).
SELLER_PARTY_FIELDS = (
    "name", "street", "postal_code", "city", "country", "vat_id", "tax_number", "email",
    "phone", "managing_directors", "register_court", "register_number", "website", "peppol_id",
)  # fmt: skip
BUYER_PARTY_FIELDS = (
    "name", "street", "postal_code", "city", "country", "vat_id", "email", "phone",
    "contact_person", "customer_number", "leitweg_id", "peppol_id",
)  # fmt: skip


def seller_party(data: dict) -> Party:
    register = " ".join(x for x in (data.get("register_court"), data.get("register_number")) if x)
    return Party(
        name=data.get("name", ""),
        street=data.get("street", ""),
        postal_code=data.get("postal_code", ""),
        city=data.get("city", ""),
        country=data.get("country", "DE"),
        vat_id=data.get("vat_id", ""),
        tax_number=data.get("tax_number", ""),
        email=data.get("email", ""),
        phone=data.get("phone", ""),
        contact_name=data.get("managing_directors", ""),
        register=register,
        managing_directors=data.get("managing_directors", ""),
        website=data.get("website", ""),
        peppol_id=data.get("peppol_id", ""),
    )


def buyer_party(data: dict) -> Party:
    return Party(
        name=data.get("name", ""),
        street=data.get("street", ""),
        postal_code=data.get("postal_code", ""),
        city=data.get("city", ""),
        country=data.get("country", "DE"),
        vat_id=data.get("vat_id", ""),
        email=data.get("email", ""),
        phone=data.get("phone", ""),
        contact_name=data.get("contact_person", ""),
        customer_number=data.get("customer_number", ""),
        leitweg_id=data.get("leitweg_id", ""),
        peppol_id=data.get("peppol_id", ""),
    )


def _timesheets(line_ids: list[int]) -> dict[int, list[TimesheetRow]]:
    """The logged time behind each line, per entry: exact seconds in hours (4 decimals, so
    the renderer gets the seconds back). Items without logged time count only on an hours
    line (a time item entered as a quantity).

    Read as plain rows, the people's names once each: an invoice of a busy month has
    thousands of entries, and model instances with their entry, membership and user would
    cost seconds at every issue."""
    rows: dict[int, list[TimesheetRow]] = defaultdict(list)
    items = list(
        BillableItem.objects.filter(invoice_line_id__in=line_ids, entry__isnull=False)
        .filter(Q(logged_seconds__isnull=False) | Q(unit="HUR"))
        # a day's entries logged as a bare duration (no start) first, on every database
        .order_by("entry__date", F("entry__started_at").asc(nulls_first=True), "entry_id")
        .values_list(
            "invoice_line_id", "logged_seconds", "quantity", "entry__date",
            "entry__description", "entry__membership_id",
        )
    )  # fmt: skip
    names = {
        member.pk: member.display_name
        for member in Membership.objects.select_related("user").filter(
            pk__in={item[5] for item in items}
        )
    }
    for line_id, seconds, quantity, day, description, member_id in items:
        hours = seconds_to_hours(seconds) if seconds is not None else quantity
        rows[line_id].append(
            TimesheetRow(
                date=day,
                person=names.get(member_id, ""),
                description=description,
                hours=hours,
            )
        )
    return rows


def invoice_snapshot(
    invoice: Invoice, *, with_timesheet: bool = True, preview: bool = False
) -> InvoiceSnapshot:
    """The snapshot of an issued invoice; with ``preview`` also of a draft whose issue fields
    were filled in memory (`billing.services.preview`): it has no number."""
    if invoice.status not in ISSUED and not preview:
        raise InvoiceNotIssued("Only issued documents are rendered.")
    lines = list(
        InvoiceLine.objects.filter(invoice=invoice, do_not_bill=False)
        .select_related("product")
        .order_by("position", "id")
    )
    sheets = _timesheets([line.pk for line in lines]) if with_timesheet else {}
    seller, buyer = invoice.seller or {}, invoice.buyer or {}
    preceding = invoice.credit_note_of
    buyer_reference = (
        invoice.buyer_reference
        or buyer.get("leitweg_id", "")
        or invoice.po_number
        or buyer.get("customer_number", "")
    )
    return InvoiceSnapshot(
        kind=invoice.kind,
        number=invoice.number or "",
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        currency=invoice.currency,
        language=invoice.language or "de",
        seller=seller_party(seller),
        buyer=buyer_party(buyer),
        payment=Payment(
            iban=seller.get("iban", ""),
            bic=seller.get("bic", ""),
            bank_name=seller.get("bank_name", ""),
            account_holder=seller.get("name", ""),
            terms_days=(invoice.due_date - invoice.issue_date).days
            if invoice.due_date and invoice.issue_date
            else 0,
            reference=invoice.number or "",
            cash_discount_percent=invoice.cash_discount_percent
            if invoice.cash_discount_percent and invoice.cash_discount_days
            else None,
            cash_discount_days=invoice.cash_discount_days or 0,
        ),
        lines=tuple(
            Line(
                id=str(index),
                title=line.title,
                quantity=line.quantity,
                unit=line.unit,
                unit_price=line.unit_price,
                net_amount=line.net_amount,
                vat_category=line.vat_category,
                vat_rate=Decimal(line.vat_rate),
                description=line.description,
                period_start=line.period_start,
                period_end=line.period_end,
                seller_item_id=line.product.sku if line.product else "",
                timesheet=tuple(sheets.get(line.pk, ())),
            )
            for index, line in enumerate(lines, start=1)
        ),
        vat_breakdown=tuple(
            VatRow(
                category=row["category"],
                rate=Decimal(row["rate"]),
                taxable_amount=Decimal(row["taxable_amount"]),
                vat_amount=Decimal(row["vat_amount"]),
                exemption_reason=row.get("exemption_reason", ""),
                exemption_reason_code=row.get("exemption_reason_code", ""),
            )
            for row in invoice.vat_breakdown
        ),
        net_total=invoice.net_total,
        vat_total=invoice.vat_total,
        gross_total=invoice.gross_total,
        line_total=sum((line.net_amount for line in lines), Decimal("0.00")),
        service_period_start=invoice.service_period_start,
        service_period_end=invoice.service_period_end,
        buyer_reference=buyer_reference,
        po_number=invoice.po_number,
        preceding_invoice_number=preceding.number if preceding else "",
        preceding_invoice_date=preceding.issue_date if preceding else None,
        note="\n\n".join(t for t in (invoice.intro_text, invoice.closing_text) if t),
        credit_reason=invoice.credit_reason,
        footer=seller.get("invoice_footer", ""),
        accent_color=seller.get("accent_color", "#1f4e79"),
    )
