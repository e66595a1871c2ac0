"""The month-end billing review (DESIGN.md section 6.1, "billing review (wizard)").

Reading needs `view_invoices`, every change `manage_invoices`. Hours and amounts are decimal
strings.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from ninja import Router, Schema, Status
from pydantic import Field

from faktura.billing import hooks
from faktura.billing.api.invoices import InvoiceOut
from faktura.billing.selectors import invoices as invoice_selectors
from faktura.billingreview import selectors, services
from faktura.billingreview.inputs import BillingReviewStart, BillingReviewUpdate
from faktura.common.schemas import ERRORS, PathId
from faktura.tenancy.auth import request_context

router = Router(tags=["billing review"])


class ReviewEntryOut(Schema):
    entry_id: int
    date: dt.date
    project: str
    task: str
    member: str
    hours: Decimal = Field(..., description="the billed hours of its time item")
    amount: Decimal
    currency: str
    decision: str
    defer_until: dt.date | None
    reason: str = Field(..., description="why it was written off (set when generated)")
    available: bool = Field(
        ..., description="false: billed, deferred or written off elsewhere since the review began"
    )


class ReviewTotalsOut(Schema):
    bill_hours: Decimal
    bill_amount: Decimal
    defer_hours: Decimal
    defer_amount: Decimal
    write_off_hours: Decimal
    write_off_amount: Decimal
    entries: int
    unavailable: int
    currency: str


class FrameOrderOptionOut(Schema):
    id: int
    po_number: str
    hours_remaining: Decimal | None
    hours_after: Decimal | None = Field(None, description="what this invoice would leave")


class ReviewOut(Schema):
    id: int
    contact_id: int
    contact_name: str
    period_start: dt.date
    period_end: dt.date
    status: str
    frame_order_id: int | None
    payment_terms_days: int | None
    po_number: str
    notes: str
    write_off_reason: str
    invoice_id: int | None
    entries: list[ReviewEntryOut]
    totals: ReviewTotalsOut
    frame_orders: list[FrameOrderOptionOut]


class VatGroupOut(Schema):
    category: str
    rate: Decimal
    taxable_amount: Decimal
    vat_amount: Decimal


class PreviewInvoiceOut(Schema):
    currency: str
    net: Decimal
    vat: Decimal
    gross: Decimal
    vat_breakdown: list[VatGroupOut]
    lines: int
    service_period_start: dt.date | None
    service_period_end: dt.date | None


class DrawDownOut(Schema):
    frame_order_id: int
    po_number: str
    hours_remaining: Decimal | None
    hours_drawn: Decimal
    hours_after: Decimal | None


class PreviewOut(Schema):
    review_id: int
    totals: ReviewTotalsOut
    invoice: PreviewInvoiceOut
    draw_down: DrawDownOut | None
    pdf: str = Field(..., description="the PDF preview of the would-be invoice")


def _out(review) -> dict[str, Any]:
    view = selectors.review_view(review)
    return {
        "id": review.pk,
        "contact_id": review.contact_id,
        "contact_name": review.contact.name,
        "period_start": review.period_start,
        "period_end": review.period_end,
        "status": review.status,
        "frame_order_id": review.frame_order_id,
        "payment_terms_days": review.payment_terms_days,
        "po_number": review.po_number,
        "notes": review.notes,
        "write_off_reason": review.write_off_reason,
        "invoice_id": review.invoice_id,
        "entries": view.entries,
        "totals": view.totals,
        "frame_orders": view.frame_orders,
    }


def _reload(request, review_id: int) -> dict[str, Any]:
    return _out(selectors.review_get(tenant=request.auth.tenant, review_id=review_id))


@router.post("/billing-reviews", response={201: ReviewOut, **ERRORS})
def billing_review_start(request, data: BillingReviewStart):
    """Start a review of the customer's approved, unbilled time-and-materials entries of the
    period (compiled first where needed); every entry starts as `bill`."""
    review = services.billing_review_start(request_context(request), data=data)
    return Status(201, _reload(request, review.pk))


@router.get("/billing-reviews/{review_id}", response={200: ReviewOut, **ERRORS})
def billing_review_detail(request, review_id: PathId):
    request_context(request).require("view_invoices")
    return _reload(request, review_id)


@router.patch("/billing-reviews/{review_id}", response={200: ReviewOut, **ERRORS})
def billing_review_update(request, review_id: PathId, data: BillingReviewUpdate):
    """Decisions (`decide_all`, then `decisions` per entry id), the write-off reason, the frame
    order, payment terms, PO number, notes, or a new period. A generated review answers 409
    `review_not_open`."""
    services.billing_review_update(request_context(request), review_id=review_id, data=data)
    return _reload(request, review_id)


@router.get("/billing-reviews/{review_id}/preview", response={200: PreviewOut, **ERRORS})
def billing_review_preview(request, review_id: PathId):
    """The invoice the review would generate: totals, VAT, frame-order draw-down and a link to
    its PDF preview. Nothing is stored."""
    found = services.billing_review_preview(request_context(request), review_id=review_id)
    return {
        "review_id": review_id,
        "totals": found["totals"],
        "invoice": found["invoice"],
        "draw_down": found["draw_down"],
        "pdf": f"/api/v1/billing-reviews/{review_id}/preview.pdf",
    }


@router.get("/billing-reviews/{review_id}/preview.pdf", response={200: None, **ERRORS})
def billing_review_preview_pdf(request, review_id: PathId):
    """The would-be invoice as PDF, watermarked Entwurf/Draft and without a number."""
    filename, content = services.billing_review_preview_pdf(
        request_context(request), review_id=review_id
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _invoice(request, invoice_id: int):
    invoice = invoice_selectors.invoice_detail(tenant=request.auth.tenant, invoice_id=invoice_id)
    hooks.invoices_read(request.auth.tenant, [invoice])
    return invoice


@router.post("/billing-reviews/{review_id}/issue", response={201: InvoiceOut, **ERRORS})
def billing_review_issue(request, review_id: PathId):
    """Generate & issue, in one transaction: the draft from the entries marked `bill`, issued
    with the next gapless number (frame order drawn, documents frozen); deferred and written-off
    entries move too. Entries billed elsewhere meanwhile answer 409 `review_entries_taken` and
    nothing changes. Accepts an `Idempotency-Key` header."""
    invoice = services.billing_review_generate(
        request_context(request),
        review_id=review_id,
        issue=True,
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    return Status(201, _invoice(request, invoice.pk))


@router.post("/billing-reviews/{review_id}/draft", response={201: InvoiceOut, **ERRORS})
def billing_review_draft(request, review_id: PathId):
    """Generate a draft instead: it waits in the invoice review to be issued later."""
    invoice = services.billing_review_generate(
        request_context(request),
        review_id=review_id,
        issue=False,
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    return Status(201, _invoice(request, invoice.pk))


@router.post("/billing-reviews/{review_id}/close", response={200: ReviewOut, **ERRORS})
def billing_review_close(request, review_id: PathId):
    """Close a review that bills nothing (every entry deferred or written off, or no entries):
    its deferrals and write-offs take effect, no invoice is made, `status` becomes `closed`.
    Entries still marked `bill` answer 422 `review_has_entries_to_bill`; a review that is not
    open answers 409 `review_not_open`."""
    services.billing_review_close(request_context(request), review_id=review_id)
    return _reload(request, review_id)


@router.post("/billing-reviews/{review_id}/abandon", response={200: ReviewOut, **ERRORS})
def billing_review_abandon(request, review_id: PathId):
    """Abandon an open review: none of its decisions take effect, its entries stay as they are
    (including what other reviews or billing runs did meanwhile); `status` becomes
    `abandoned`. A review that is not open answers 409 `review_not_open`."""
    services.billing_review_abandon(request_context(request), review_id=review_id)
    return _reload(request, review_id)
