"""Issuing ("Settle") a draft: validate, number, date, snapshot, freeze — in one transaction.

Validation comes first and raises `InvoiceInvalid` (422, every problem in `fields`) before the
counter is touched; anything that fails later rolls the counter back with the rest, so a number
is consumed only by an invoice that was actually issued. The documents (PDF with Factur-X and
every XML format) are rendered and stored in the same transaction, after the number: an
invoice is issued with its documents or not at all (issue 9).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

from django.db import transaction
from django.utils import timezone

from faktura.billing import hooks
from faktura.billing.errors import DocumentsUnrenderable, InvoiceInvalid
from faktura.billing.inputs import InvoiceIssue
from faktura.billing.models import BillableItem, Invoice, InvoiceLine
from faktura.billing.selectors.invoices import (
    breakdown_json,
    cash_discount_terms,
    invoice_live_totals,
    invoice_problems,
)
from faktura.billing.selectors.printable import unprintable_problem
from faktura.billing.services.documents import invoice_documents_render
from faktura.billing.services.drafts import (
    TREATMENT_CATEGORY,
    draft_locked,
    tax_group,
)
from faktura.billing.services.idempotency import idempotent
from faktura.billing.services.numbering import number_allocate
from faktura.billing.snapshot import invoice_snapshot
from faktura.billing.states import entry_states_sync
from faktura.common.context import CommandContext
from faktura.common.errors import FakturaError
from faktura.common.services import audit_record
from faktura.contacts.models import Contact
from faktura.core.problems import Problem, errors
from faktura.documents.rendering import RenderError
from faktura.documents.rendering.coverage import check_texts, snapshot_texts
from faktura.einvoice.snapshot import InvoiceSnapshot
from faktura.tenancy.models import Tenant
from faktura.tenancy.selectors import tenant_today

log = logging.getLogger(__name__)
Item = BillableItem.Status

SELLER_FIELDS = (
    "name", "street", "postal_code", "city", "country", "vat_id", "tax_number", "iban", "bic",
    "bank_name", "email", "phone", "website", "managing_directors", "register_court",
    "register_number", "invoice_footer", "invoice_footer_en", "accent_color", "peppol_id",
)  # fmt: skip
BUYER_FIELDS = (
    "customer_number", "name", "street", "postal_code", "city", "country", "vat_id",
    "leitweg_id", "email", "phone", "contact_person", "language", "tax_treatment",
    "exemption_reason", "peppol_id", "einvoice_format",
)  # fmt: skip


def seller_snapshot(tenant: Tenant, *, language: str = "de") -> dict[str, Any]:
    """The seller as printed on the document, frozen at issue (the profile may change later).

    `invoice_footer` is the footer in the document's language (the other language's when that
    one is empty); both originals stay beside it as `invoice_footer_de`/`invoice_footer_en`.
    `logo` names the logo file, which is stored by content hash and never replaced.
    """
    snapshot = {name: getattr(tenant, name) for name in SELLER_FIELDS}
    footers = {"de": tenant.invoice_footer, "en": tenant.invoice_footer_en}
    snapshot["invoice_footer_de"] = snapshot.pop("invoice_footer")
    own, other = ("en", "de") if language == "en" else ("de", "en")
    snapshot["invoice_footer"] = footers[own] or footers[other]
    snapshot["logo"] = tenant.logo.name if tenant.logo else ""
    return snapshot


def buyer_snapshot(contact: Contact) -> dict[str, Any]:
    """The buyer as printed on the document, frozen at issue."""
    return {"contact_id": contact.pk, **{name: getattr(contact, name) for name in BUYER_FIELDS}}


def payment_terms(invoice: Invoice, contact: Contact, tenant: Tenant) -> int:
    """The draft's own terms, else the customer's, else the company's."""
    for days in (invoice.payment_terms_days, contact.payment_terms_days):
        if days is not None:
            return days
    return tenant.payment_terms_days


def _apply_tax_treatment(lines: list[InvoiceLine], contact: Contact) -> None:
    """A customer whose tax treatment changed while the draft was open gets its VAT group now
    (reverse charge, export and exempt override every line)."""
    if contact.tax_treatment not in TREATMENT_CATEGORY:
        return
    for line in lines:
        category, rate, reason = tax_group(
            contact, line.vat_category, line.vat_rate, line.exemption_reason
        )
        if (category, rate, reason) != (line.vat_category, line.vat_rate, line.exemption_reason):
            line.vat_category, line.vat_rate, line.exemption_reason = category, rate, reason
            line.save(update_fields=["vat_category", "vat_rate", "exemption_reason", "updated_at"])


def fill_issue_fields(
    invoice: Invoice,
    lines: list[InvoiceLine],
    *,
    tenant: Tenant,
    contact: Contact,
    issue_date: dt.date,
) -> None:
    """Set, in memory, everything issuing freezes except the number: date, language, seller
    and buyer snapshots, totals, VAT breakdown, service period. Shared by issuing and the
    draft's PDF preview, so the preview shows what issuing would print."""
    totals = invoice_live_totals(invoice, lines)
    invoice.issue_date = issue_date
    invoice.language = contact.language
    invoice.seller = seller_snapshot(tenant, language=contact.language)
    invoice.buyer = buyer_snapshot(contact)
    invoice.net_total, invoice.vat_total, invoice.gross_total = (
        totals.net,
        totals.vat,
        totals.gross,
    )
    invoice.vat_breakdown = breakdown_json(totals.breakdown)
    billed = [line for line in lines if not line.do_not_bill]
    if invoice.service_period_start is None or invoice.service_period_end is None:
        starts = [line.period_start for line in billed if line.period_start]
        ends = [line.period_end for line in billed if line.period_end]
        # Manual-only invoices without a stated period: the supply date is the issue date.
        invoice.service_period_start = invoice.service_period_start or (
            min(starts) if starts else issue_date
        )
        invoice.service_period_end = invoice.service_period_end or (
            max(ends) if ends else issue_date
        )


def freeze(
    ctx: CommandContext,
    invoice: Invoice,
    lines: list[InvoiceLine],
    *,
    tenant: Tenant,
    contact: Contact,
    issue_date: dt.date,
    now: dt.datetime | None = None,
) -> None:
    """Number the document and freeze everything printed on it. Shared by invoices and
    credit notes; the caller validated it, holds the transaction and renders the documents
    (`documents_render_at_issue`) before it commits."""
    allocated = number_allocate(tenant=tenant, kind=invoice.kind, issue_date=issue_date, now=now)
    invoice.number = allocated.number
    invoice.sequence_value = allocated.value
    invoice.sequence_period = allocated.period
    invoice.status = Invoice.Status.ISSUED
    fill_issue_fields(invoice, lines, tenant=tenant, contact=contact, issue_date=issue_date)
    invoice.draft_key = ""
    invoice.issued_at = timezone.now()
    invoice.issued_by = ctx.user
    invoice.save()


def snapshot_text_problems(invoice: Invoice, snapshot: InvoiceSnapshot) -> list[Problem]:
    """Every text of the snapshot the documents cannot print (a character no shipped font has,
    or that no XML can hold), as problems naming the field and the text (issue 9).

    The draft's own texts were checked before the number (`invoice_problems`); this covers
    all that the snapshot adds (the timesheet rows, product numbers) with the same check, on
    exactly what is rendered. Line paths count from 0 over the draft's lines in position
    order, like the draft's other problems.
    """
    billed = [
        index
        for index, skipped in enumerate(
            InvoiceLine.objects.filter(invoice=invoice)
            .order_by("position", "id")
            .values_list("do_not_bill", flat=True)
        )
        if not skipped
    ]

    def draft_path(path: str) -> str:
        match = _LINE_PATH.match(path)
        if match is None:
            return path
        position = int(match.group(1))  # the snapshot's line id: 1, 2, ... over billed lines
        index = billed[position - 1] if 0 < position <= len(billed) else position - 1
        return f"lines[{index}]{match.group(2)}"

    texts = [(path, text) for path, text in snapshot_texts(snapshot) if path != "note"]
    texts += [("intro_text", invoice.intro_text), ("closing_text", invoice.closing_text)]
    return [unprintable_problem(found, draft_path(found.path)) for found in check_texts(texts)]


_LINE_PATH = re.compile(r"lines\[(\d+)\](.*)", re.S)


def documents_render_at_issue(invoice: Invoice) -> None:
    """Render and store every document of a just-numbered invoice inside the issuing
    transaction (DESIGN.md section 4, invariant 6).

    The texts are checked against the fonts first, so a character no font prints is refused
    as `invoice_invalid` naming the field and the text; any other failure of the renderer or
    the XML builders is `documents_unrenderable` (422). Either way the caller's transaction
    rolls back: the number is not taken, the series keeps no gap. The stored files are named
    by their SHA-256, so a rollback leaves at most an unreferenced file behind.
    """
    snapshot = invoice_snapshot(invoice)
    problems = snapshot_text_problems(invoice, snapshot)
    if problems:
        raise InvoiceInvalid(problems)
    try:
        invoice_documents_render(invoice_id=invoice.pk)
    except FakturaError:
        raise
    except Exception as exc:
        log.exception("documents of invoice %s could not be rendered", invoice.pk)
        reason = exc.reason if isinstance(exc, RenderError) else str(exc).split("\n", 1)[0]
        raise DocumentsUnrenderable(
            f"The documents could not be rendered, so the invoice is not issued: {reason}",
            fields={"documents": reason},
        ) from exc


_TODAY = InvoiceIssue()  # issued today


def invoice_issue(
    ctx: CommandContext,
    *,
    invoice_id: int,
    data: InvoiceIssue = _TODAY,
    now: dt.datetime | None = None,
    idempotency_key: str = "",
) -> Invoice:
    """`_invoice_issue`; with an `idempotency_key` a replay of the same request answers with
    the issued invoice instead of 409 `invoice_not_draft`."""
    return idempotent(
        ctx,
        scope="invoice_issue",
        key=idempotency_key,
        request={"invoice_id": invoice_id, **data.model_dump(mode="json")},
        run=lambda: _invoice_issue(ctx, invoice_id=invoice_id, data=data, now=now),
        model=Invoice,
    )


def _invoice_issue(
    ctx: CommandContext, *, invoice_id: int, data: InvoiceIssue, now: dt.datetime | None = None
) -> Invoice:
    """Issue a draft: the next gapless number, issue date (today in the company's time zone
    unless given), due date (issue date + payment terms), service period (from the lines when
    unset), seller and buyer snapshots, frozen totals and VAT breakdown. The items become
    invoiced and their entries follow. Errors: 409 `invoice_not_draft`, 422 `invoice_invalid`.
    """
    ctx.require("manage_invoices")
    issue_date = data.issue_date
    with transaction.atomic():
        invoice = draft_locked(ctx.tenant, invoice_id)
        for issuing in hooks.invoice_issuing:
            issuing(ctx, invoice)
        tenant = Tenant.objects.get(pk=ctx.tenant.pk)  # the profile as it is now
        contact = Contact.objects.get(pk=invoice.contact_id)
        lines = list(
            InvoiceLine.objects.filter(invoice=invoice)
            .select_related("task")
            .order_by("position", "id")
        )
        _apply_tax_treatment(lines, contact)
        if not invoice.buyer_reference and contact.leitweg_id:
            invoice.buyer_reference = contact.leitweg_id
        problems = errors(invoice_problems(invoice, lines, tenant=tenant, contact=contact))
        if problems:
            raise InvoiceInvalid(problems)

        day = issue_date or tenant_today(tenant, now)
        invoice.due_date = day + dt.timedelta(days=payment_terms(invoice, contact, tenant))
        invoice.payment_terms_days = payment_terms(invoice, contact, tenant)
        discount = (
            cash_discount_terms(invoice, contact, tenant)
            if invoice.kind == Invoice.Kind.INVOICE
            else None
        )
        invoice.cash_discount_percent = discount.percent if discount else None
        invoice.cash_discount_days = discount.days if discount else None
        freeze(ctx, invoice, lines, tenant=tenant, contact=contact, issue_date=day, now=now)

        billed_ids = [line.pk for line in lines if not line.do_not_bill]
        items = BillableItem.objects.filter(invoice_line_id__in=billed_ids, status=Item.ON_DRAFT)
        entry_ids = list(items.exclude(entry_id=None).values_list("entry_id", flat=True))
        items.update(status=Item.INVOICED)
        entry_states_sync(entry_ids=entry_ids)
        for issued in hooks.invoice_issued:
            issued(ctx, invoice)
        audit_record(
            ctx,
            action="invoice_issue",
            obj=invoice,
            data={"number": invoice.number, "gross": str(invoice.gross_total)},
        )
        documents_render_at_issue(invoice)
    return invoice
