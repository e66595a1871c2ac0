"""Documents of issued invoices (PDF, e-invoices) and sending them."""

from datetime import datetime

from django.http import HttpResponse
from ninja import Query, Router, Schema
from pydantic import Field

from faktura.billing.inputs import InvoiceSend
from faktura.billing.selectors.invoices import invoice_get
from faktura.billing.selectors.issued import deliveries_of
from faktura.billing.services.documents import invoice_document
from faktura.billing.services.preview import invoice_preview_pdf
from faktura.billing.services.sending import invoice_send
from faktura.common.schemas import ERRORS, PathId
from faktura.documents.models import DocumentFormat
from faktura.tenancy.auth import request_context

router = Router(tags=["invoices"])


def _file(document, content: bytes) -> HttpResponse:
    response = HttpResponse(content, content_type=document.media_type)
    response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    response["X-Content-SHA256"] = document.sha256
    response["Cache-Control"] = "private, max-age=31536000, immutable"
    return response


@router.get(
    "/invoices/{invoice_id}/pdf",
    response={200: None, **ERRORS},
    summary="The invoice as PDF/A-3 with its Factur-X XML embedded; a draft's preview",
    description=(
        "An issued invoice or credit note: the PDF stored at issue, identical bytes on every "
        "download. A draft: a preview rendered now, watermarked Entwurf/Draft and without a "
        "number (nothing is stored; `X-Faktura-Preview: draft`). 422 `invoice_invalid` names "
        "each text the invoice fonts cannot print."
    ),
)
def invoice_pdf(request, invoice_id: PathId):
    ctx = request_context(request)
    ctx.require("view_invoices")
    if invoice_get(tenant=ctx.tenant, invoice_id=invoice_id).is_draft:
        filename, content = invoice_preview_pdf(ctx, invoice_id=invoice_id)
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{filename}"'
        response["Cache-Control"] = "no-store"
        response["X-Faktura-Preview"] = "draft"
        return response
    document, content = invoice_document(ctx, invoice_id=invoice_id, format=DocumentFormat.PDF)
    return _file(document, content)


class EinvoiceQuery(Schema):
    format: str = Field(
        "xrechnung-ubl", description="xrechnung-ubl | xrechnung-cii | facturx | peppol"
    )


@router.get(
    "/invoices/{invoice_id}/einvoice",
    response={200: None, **ERRORS},
    summary="The EN 16931 e-invoice in the asked format",
    description="Only formats that are valid for the invoice (its `formats` entry is "
    "`available`) are served; another answers 422 `einvoice_format_unavailable` with the "
    "reason and the missing fields.",
)
def invoice_einvoice(request, invoice_id: PathId, query: Query[EinvoiceQuery]):
    document, content = invoice_document(
        request_context(request), invoice_id=invoice_id, format=query.format
    )
    return _file(document, content)


class DeliveryOut(Schema):
    id: int
    invoice_id: int
    channel: str
    recipient: str
    subject: str
    attachments: list[str]
    status: str
    message_id: str
    error: str
    sent_at: datetime | None
    created_at: datetime


@router.post("/invoices/{invoice_id}/send", response={200: DeliveryOut, **ERRORS})
def invoice_send_endpoint(request, invoice_id: PathId, data: InvoiceSend | None = None):
    return invoice_send(request_context(request), invoice_id=invoice_id, data=data or InvoiceSend())


@router.get("/invoices/{invoice_id}/deliveries", response={200: list[DeliveryOut], **ERRORS})
def invoice_deliveries(request, invoice_id: PathId):
    ctx = request_context(request)
    ctx.require("view_invoices")
    invoice_get(tenant=ctx.tenant, invoice_id=invoice_id)
    return list(deliveries_of(tenant=ctx.tenant, invoice_id=invoice_id))
