"""Render and store the documents of an issued invoice, once; serve the identical bytes later.

Every issued invoice and credit note gets, inside the issuing transaction (`issue.py`):

- `pdf`: the printable document as PDF/A-3b with its CII XML embedded (Factur-X, profile
  EN 16931) — one file that people read and machines parse;
- `xrechnung-ubl`, `xrechnung-cii`, `peppol`: the XML e-invoices, each only when it is valid
  for this invoice (its pre-check finds no error, see `selectors.invoices.invoice_formats`).
  A format that would not be valid is never rendered, stored or served: asking for it answers
  422 `einvoice_format_unavailable` with the reason. Issuing already refused an invoice whose
  Factur-X or preferred format would be invalid.

They are rendered from the frozen snapshot and stored with their SHA-256 (`documents` app). A
second render — a retried task, two workers at once, a download racing the task — stores
nothing new: the first stored file wins and is what every later download returns. There is
no way to re-render an issued invoice into different bytes.
"""

from __future__ import annotations

import logging

from django.core.files.storage import default_storage

from faktura.billing.errors import EInvoiceFormatUnavailable, InvoiceNotIssued
from faktura.billing.models import ISSUED, Invoice
from faktura.billing.selectors.invoices import format_availability, preferred_format
from faktura.billing.snapshot import invoice_snapshot
from faktura.common.context import CommandContext
from faktura.common.errors import NotFound, ValidationFailed
from faktura.documents.models import DocumentFormat, StoredDocument
from faktura.documents.rendering import render_facturx_pdf
from faktura.documents.services import document_read, document_store
from faktura.einvoice import formats as einvoice

log = logging.getLogger(__name__)

XML_FORMATS = (DocumentFormat.XRECHNUNG_UBL, DocumentFormat.XRECHNUNG_CII, DocumentFormat.PEPPOL)
FORMATS = (DocumentFormat.PDF, *XML_FORMATS)
# The query value of GET /invoices/{id}/einvoice?format=… -> the stored document's format.
EINVOICE_FORMATS = {
    "xrechnung-ubl": DocumentFormat.XRECHNUNG_UBL,
    "xrechnung-cii": DocumentFormat.XRECHNUNG_CII,
    "peppol": DocumentFormat.PEPPOL,
    "facturx": DocumentFormat.PDF,
}


def _unavailable(invoice: Invoice, snapshot) -> dict[str, dict]:
    """The `formats` rows that are not available, by stored format (its values are the keys
    of `formats`; `facturx` is stored as the `pdf`)."""
    rows = format_availability(snapshot, preferred_format(invoice))
    return {
        row["format"]: row
        for row in rows
        if not row["available"] and row["format"] in DocumentFormat.values
    }


def _logo(invoice: Invoice) -> bytes | None:
    """The bytes of the logo the invoice was issued with, read through the storage (so it works
    on S3 too). A logo file that is gone renders the PDF without it rather than never."""
    name = (invoice.seller or {}).get("logo", "")
    if not name:
        return None
    try:
        with default_storage.open(name, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        log.warning("logo %s of invoice %s is missing; rendering without it", name, invoice.pk)
        return None


def _pdf_filename(invoice: Invoice) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in invoice.number or "draft")
    return f"{safe}.pdf"


def invoice_documents_render(*, invoice_id: int) -> list[StoredDocument]:
    """Render and store every format of an issued invoice that is not stored yet."""
    invoice = Invoice.objects.select_related("tenant", "credit_note_of").get(pk=invoice_id)
    if invoice.status not in ISSUED:
        raise InvoiceNotIssued("Only issued documents are rendered.")
    have = set(StoredDocument.objects.filter(invoice=invoice).values_list("format", flat=True))
    missing = [f for f in FORMATS if f not in have]
    if missing:
        snapshot = invoice_snapshot(invoice)
        unavailable = _unavailable(invoice, snapshot)
        if DocumentFormat.PDF in unavailable:
            # Issuing refuses such an invoice. A credit note (never refused: a correction must
            # stay possible) or a document issued before that check can still get here; its
            # PDF is what was issued, so it is rendered rather than never, and `formats` and
            # the e-invoice download report its Factur-X as not available.
            log.warning(
                "invoice %s: the Factur-X XML of its PDF fails the pre-check: %s",
                invoice.pk,
                unavailable[DocumentFormat.PDF]["reason"],
            )
        for fmt in missing:
            if fmt != DocumentFormat.PDF and fmt in unavailable:
                continue
            if fmt == DocumentFormat.PDF:
                content = render_facturx_pdf(
                    snapshot,
                    einvoice.build(snapshot, "facturx"),
                    timesheet=invoice.tenant.timesheet_appendix,
                    logo=_logo(invoice),
                )
                filename, media_type = _pdf_filename(invoice), "application/pdf"
            else:
                content = einvoice.build(snapshot, fmt)
                filename = einvoice.file_name(snapshot, fmt).replace(".xml", f"-{fmt}.xml")
                media_type = einvoice.media_type(fmt)
            document_store(
                tenant=invoice.tenant,
                invoice_id=invoice.pk,
                format=fmt,
                content=content,
                filename=filename,
                media_type=media_type,
            )
    return list(StoredDocument.objects.filter(invoice=invoice))


def invoice_document(
    ctx: CommandContext, *, invoice_id: int, format: str
) -> tuple[StoredDocument, bytes]:
    """The stored document of an issued invoice (rendered now if the task has not run yet).

    ``format`` is a key of the invoice's `formats` (`pdf`, `facturx`, `xrechnung-ubl`,
    `xrechnung-cii`, `peppol`); `facturx` is the PDF that carries it. An e-invoice format that
    is not available for the invoice raises `EInvoiceFormatUnavailable` (422) with the reason.
    """
    ctx.require("view_invoices")
    stored = EINVOICE_FORMATS.get(format, format)
    if stored not in DocumentFormat.values:
        raise ValidationFailed.field("format", f"Must be one of {', '.join(EINVOICE_FORMATS)}.")
    invoice = Invoice.objects.filter(tenant=ctx.tenant, pk=invoice_id).first()
    if invoice is None:
        raise NotFound("Invoice not found.")
    if invoice.status not in ISSUED:
        raise InvoiceNotIssued("A draft has no documents yet; issue it first.")
    if format != DocumentFormat.PDF:
        snapshot = invoice_snapshot(invoice, with_timesheet=False)
        rows = format_availability(snapshot, preferred_format(invoice))
        row = next(row for row in rows if row["format"] == format)
        if not row["available"]:
            raise EInvoiceFormatUnavailable(
                f"{format} is not available for this invoice: {row['reason']}",
                fields=dict.fromkeys(row["fields"], row["reason"]),
            )
    document = StoredDocument.objects.filter(invoice=invoice, format=stored).first()
    if document is None:
        invoice_documents_render(invoice_id=invoice.pk)
        document = StoredDocument.objects.get(invoice=invoice, format=stored)
    return document, document_read(document)
