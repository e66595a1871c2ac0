"""Offers and the partial and final invoices of fixed-price projects (DESIGN.md section 6.1).

Reading needs `view_invoices`, every change `manage_invoices`. Amounts and quantities are
decimal strings.
"""

import datetime as dt
from decimal import Decimal

from django.http import HttpResponse
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field

from faktura.common.errors import NotFound
from faktura.common.schemas import ERRORS, Id, PathId
from faktura.offers import selectors, services
from faktura.offers.inputs import (
    OfferAccept,
    OfferCreate,
    OfferSend,
    OfferUpdate,
    PartialInvoiceCreate,
)
from faktura.offers.models import Offer
from faktura.tenancy.auth import request_context

router = Router(tags=["offers"])


def _reader(request):
    context = request_context(request)
    context.require("view_invoices")
    return context


class OfferLineOut(Schema):
    id: int
    position: int
    title: str
    description: str
    product_id: int | None
    quantity: Decimal
    unit: str
    unit_price: Decimal
    net_amount: Decimal
    vat_category: str
    vat_rate: Decimal


class OfferTotalsOut(Schema):
    net: Decimal
    vat: Decimal
    gross: Decimal


class OfferVatRowOut(Schema):
    category: str
    rate: Decimal
    taxable_amount: Decimal
    vat_amount: Decimal


class OfferOut(Schema):
    id: int
    number: str | None
    status: str
    contact_id: int
    contact_name: str
    project_id: int | None
    title: str
    intro_text: str
    currency: str
    language: str
    offer_date: dt.date | None
    valid_until: dt.date | None
    lines: list[OfferLineOut]
    totals: OfferTotalsOut
    vat_breakdown: list[OfferVatRowOut]
    sent_at: dt.datetime | None
    sent_to: str
    created_at: dt.datetime

    @staticmethod
    def resolve_contact_name(obj) -> str:
        return obj.contact.name

    @staticmethod
    def resolve_lines(obj) -> list:
        return list(obj.lines.all())

    @staticmethod
    def resolve_totals(obj) -> dict:
        return {"net": obj.net_total, "vat": obj.vat_total, "gross": obj.gross_total}


class OfferFilter(Schema):
    status: Offer.Status | None = None
    contact_id: Id | None = None
    project_id: Id | None = None


class ProjectInvoiceOut(Schema):
    invoice_id: int
    number: str | None
    status: str
    kind: str
    sequence: int
    percent: Decimal
    net_amount: Decimal

    @staticmethod
    def resolve_number(obj) -> str | None:
        return obj.invoice.number

    @staticmethod
    def resolve_status(obj) -> str:
        return obj.invoice.status


class BudgetOut(Schema):
    budget_hours: Decimal | None
    actual_hours: Decimal = Field(..., description="hours logged on the project (time entries)")
    percent: Decimal | None = Field(..., description="actual of budget, in percent")
    warning_percent: int
    warning: bool
    over_budget: bool


class ProjectBillingOut(Schema):
    project_id: int
    offer_id: int
    price: Decimal = Field(..., description="the agreed net price (the offer's net total)")
    currency: str
    billed: Decimal = Field(..., description="net billed by partial and final invoices")
    remaining: Decimal
    final: bool
    invoices: list[ProjectInvoiceOut]
    budget: BudgetOut


class InvoiceRef(Schema):
    id: int
    status: str
    contact_id: int
    project_id: int | None
    currency: str
    totals: OfferTotalsOut

    @staticmethod
    def resolve_totals(obj) -> dict:
        return {"net": obj.net_total, "vat": obj.vat_total, "gross": obj.gross_total}


def _out(request, offer_id: int):
    return selectors.offer_get(tenant=request.auth.tenant, offer_id=offer_id)


@router.get("/offers", response={200: list[OfferOut], **ERRORS})
@paginate
def offer_list(request, filters: Query[OfferFilter]):
    context = _reader(request)
    return selectors.offer_list(tenant=context.tenant, **filters.model_dump())


@router.post("/offers", response={201: OfferOut, **ERRORS})
def offer_create(request, data: OfferCreate):
    """A draft offer with its positions; totals as on an invoice (EN 16931 rounding)."""
    offer = services.offer_create(request_context(request), data=data)
    return Status(201, _out(request, offer.pk))


@router.get("/offers/{offer_id}", response={200: OfferOut, **ERRORS})
def offer_detail(request, offer_id: PathId):
    context = _reader(request)
    return selectors.offer_get(tenant=context.tenant, offer_id=offer_id)


@router.patch("/offers/{offer_id}", response={200: OfferOut, **ERRORS})
def offer_update(request, offer_id: PathId, data: OfferUpdate):
    """Change a draft; `lines` replace all positions. Others answer 409 `offer_not_draft`."""
    offer = services.offer_update(request_context(request), offer_id=offer_id, data=data)
    return _out(request, offer.pk)


@router.delete("/offers/{offer_id}", response={204: None, **ERRORS})
def offer_delete(request, offer_id: PathId):
    """Delete a draft offer."""
    services.offer_delete(request_context(request), offer_id=offer_id)
    return Status(204, None)


@router.post("/offers/{offer_id}/send", response={200: OfferOut, **ERRORS})
def offer_send(request, offer_id: PathId, data: OfferSend):
    """E-mail the offer with its PDF; a draft takes its number (A-YYYY-NNNN) first."""
    offer = services.offer_send(request_context(request), offer_id=offer_id, data=data)
    return _out(request, offer.pk)


@router.post("/offers/{offer_id}/accept", response={200: OfferOut, **ERRORS})
def offer_accept(request, offer_id: PathId, data: OfferAccept):
    """The customer accepted: a fixed-price single project (new, or `project_id`) bills it."""
    offer = services.offer_accept(request_context(request), offer_id=offer_id, data=data)
    return _out(request, offer.pk)


@router.post("/offers/{offer_id}/decline", response={200: OfferOut, **ERRORS})
def offer_decline(request, offer_id: PathId):
    """The customer declined the sent offer."""
    offer = services.offer_decline(request_context(request), offer_id=offer_id)
    return _out(request, offer.pk)


@router.get(
    "/offers/{offer_id}/pdf",
    response={200: None, **ERRORS},
    openapi_extra={
        "responses": {200: {"content": {"application/pdf": {"schema": {"type": "string"}}}}}
    },
)
def offer_pdf(request, offer_id: PathId):
    """The offer as PDF in the customer's language; a draft is watermarked, without number."""
    filename, content = services.offer_pdf(request_context(request), offer_id=offer_id)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@router.get("/projects/{project_id}/billing", response={200: ProjectBillingOut, **ERRORS})
def project_billing(request, project_id: PathId):
    """A fixed-price project's price, its partial and final invoices and what remains."""
    context = _reader(request)
    billing = selectors.project_billing(tenant=context.tenant, project_id=project_id)
    if billing is None:
        raise NotFound("The project has no accepted offer.")
    return {**billing, "project_id": project_id, "offer_id": billing["offer"].pk}


@router.post("/projects/{project_id}/partial-invoice", response={201: InvoiceRef, **ERRORS})
def project_partial_invoice(request, project_id: PathId, data: PartialInvoiceCreate):
    """A draft partial invoice: `percent` of the agreed net price or a net `amount`."""
    invoice = services.project_partial_invoice(
        request_context(request), project_id=project_id, data=data
    )
    return Status(201, invoice)


@router.post("/projects/{project_id}/final-invoice", response={201: InvoiceRef, **ERRORS})
def project_final_invoice(request, project_id: PathId):
    """The draft final invoice: the offer's positions less each issued partial invoice."""
    invoice = services.project_final_invoice(request_context(request), project_id=project_id)
    return Status(201, invoice)
