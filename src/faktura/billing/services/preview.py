"""The PDF preview of a draft: what Settle would print, watermarked, without a number.

The draft is filled in memory exactly as issuing fills it (`fill_issue_fields`: today's date in
the company's time zone, the profile and customer as they are now, live totals), turned into a
snapshot by the same code and rendered by the same Typst renderer and template. The texts are
checked against the fonts first, like at issue, so the preview fails where issuing would and
names the same fields. Nothing is stored and nothing is written: the draft stays as it was.
"""

from __future__ import annotations

import datetime as dt

from faktura.billing.errors import InvoiceInvalid, InvoiceNotDraft
from faktura.billing.models import Invoice, InvoiceLine
from faktura.billing.selectors.invoices import cash_discount_terms
from faktura.billing.services.documents import _logo
from faktura.billing.services.issue import (
    fill_issue_fields,
    payment_terms,
    snapshot_text_problems,
)
from faktura.billing.snapshot import invoice_snapshot
from faktura.common.context import CommandContext
from faktura.common.errors import NotFound
from faktura.contacts.models import Contact
from faktura.documents.rendering import render_invoice_pdf
from faktura.tenancy.models import Tenant
from faktura.tenancy.selectors import tenant_today


def invoice_preview_pdf(ctx: CommandContext, *, invoice_id: int) -> tuple[str, bytes]:
    """The draft as a watermarked PDF ("Entwurf"/"Draft", no number) and its file name.

    Errors: 404 for a missing draft or one of another tenant, 409 `invoice_not_draft` for an
    issued invoice (its stored PDF is the document), 422 `invoice_invalid` naming each text
    the fonts cannot print.
    """
    ctx.require("view_invoices")
    invoice = (
        Invoice.objects.select_related("credit_note_of")
        .filter(tenant=ctx.tenant, pk=invoice_id)
        .first()
    )
    if invoice is None:
        raise NotFound("Invoice not found.")
    if not invoice.is_draft:
        raise InvoiceNotDraft("Only a draft has a preview; an issued invoice has its stored PDF.")
    tenant = Tenant.objects.get(pk=ctx.tenant.pk)
    contact = Contact.objects.get(pk=invoice.contact_id)
    lines = list(InvoiceLine.objects.filter(invoice=invoice).order_by("position", "id"))
    day = tenant_today(tenant)
    if not invoice.buyer_reference and contact.leitweg_id:
        invoice.buyer_reference = contact.leitweg_id
    fill_issue_fields(invoice, lines, tenant=tenant, contact=contact, issue_date=day)
    invoice.due_date = day + dt.timedelta(days=payment_terms(invoice, contact, tenant))
    discount = (
        cash_discount_terms(invoice, contact, tenant)
        if invoice.kind == Invoice.Kind.INVOICE
        else None
    )
    invoice.cash_discount_percent = discount.percent if discount else None
    invoice.cash_discount_days = discount.days if discount else None
    snapshot = invoice_snapshot(invoice, preview=True)
    problems = snapshot_text_problems(invoice, snapshot)
    if problems:
        raise InvoiceInvalid(problems)
    pdf = render_invoice_pdf(snapshot, timesheet=tenant.timesheet_appendix, logo=_logo(invoice))
    kind = "credit-note" if invoice.kind == Invoice.Kind.CREDIT_NOTE else "invoice"
    return f"draft-{kind}-{invoice.pk}.pdf", pdf
