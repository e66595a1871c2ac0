"""Frame orders (DESIGN.md section 6.1): a customer's pool of hours and/or money that issued
invoices draw down. Reading needs `view_invoices`, changes `manage_invoices`. Hours and amounts
are decimal strings; the balance and status are derived from the ledger."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field

from faktura.common.schemas import ERRORS, Id, PathId
from faktura.frameorders import retainers, selectors, services
from faktura.frameorders.inputs import (
    FrameOrderCreate,
    FrameOrderUpdate,
    RetainerCreate,
    RetainerUpdate,
)
from faktura.frameorders.models import FrameOrder
from faktura.tenancy.auth import request_context
from faktura.tenancy.selectors import tenant_today

router = Router(tags=["frame orders"])


class FrameOrderOut(Schema):
    id: int
    contact_id: int
    contact_name: str
    po_number: str
    hours: Decimal | None
    amount: Decimal | None
    currency: str
    valid_from: dt.date
    valid_to: dt.date | None
    project_ids: list[int] = Field(..., description="empty: all of the customer's projects")
    overage_policy: str
    low_threshold_percent: int
    closed: bool
    notes: str
    hours_billed: Decimal
    hours_remaining: Decimal | None
    amount_billed: Decimal
    amount_remaining: Decimal | None
    utilization_percent: Decimal
    status: str = Field(..., description="active, low, exhausted, expired or closed")
    created_at: dt.datetime

    @staticmethod
    def resolve_contact_name(obj) -> str:
        return obj.contact.name

    @staticmethod
    def resolve_project_ids(obj) -> list[int]:
        return sorted(project.pk for project in obj.projects.all())

    @staticmethod
    def resolve_hours_billed(obj) -> Decimal:
        return obj.balance.hours_billed

    @staticmethod
    def resolve_hours_remaining(obj) -> Decimal | None:
        return obj.balance.hours_remaining

    @staticmethod
    def resolve_amount_billed(obj) -> Decimal:
        return obj.balance.amount_billed

    @staticmethod
    def resolve_amount_remaining(obj) -> Decimal | None:
        return obj.balance.amount_remaining

    @staticmethod
    def resolve_utilization_percent(obj) -> Decimal:
        return obj.balance.utilization_percent


class LedgerRowOut(Schema):
    id: int
    invoice_id: int
    number: str | None
    kind: str = Field(..., description="draw or reversal")
    hours: Decimal = Field(..., description="negative for a reversal")
    amount: Decimal
    warning: str
    created_at: dt.datetime

    @staticmethod
    def resolve_number(obj) -> str | None:
        return obj.invoice.number


class FrameOrderFilter(Schema):
    contact_id: Id | None = None
    status: Literal["", "active", "low", "exhausted", "expired", "closed"] = ""


def _reader(request):
    context = request_context(request)
    context.require("view_invoices")
    return context


def _detail(context, frame_order_id: int) -> FrameOrder:
    return selectors.frame_order_get(
        tenant=context.tenant, frame_order_id=frame_order_id, on=tenant_today(context.tenant)
    )


@router.get("/frame-orders", response={200: list[FrameOrderOut], **ERRORS})
@paginate
def frame_order_list(request, filters: Query[FrameOrderFilter]):
    """The company's frame orders with their balance and status (today, the company's date)."""
    context = _reader(request)
    return selectors.frame_order_list(
        tenant=context.tenant, on=tenant_today(context.tenant), **filters.model_dump()
    )


@router.post("/frame-orders", response={201: FrameOrderOut, **ERRORS})
def frame_order_create(request, data: FrameOrderCreate):
    """A customer's frame order: `hours` and/or `amount`, validity, covered projects, overage
    policy. Accepts an `Idempotency-Key` header."""
    context = request_context(request)
    frame_order = services.frame_order_create(
        context, data=data, idempotency_key=request.headers.get("Idempotency-Key", "")
    )
    return Status(201, _detail(context, frame_order.pk))


@router.get("/frame-orders/{frame_order_id}", response={200: FrameOrderOut, **ERRORS})
def frame_order_detail(request, frame_order_id: PathId):
    return _detail(_reader(request), frame_order_id)


@router.patch("/frame-orders/{frame_order_id}", response={200: FrameOrderOut, **ERRORS})
def frame_order_update(request, frame_order_id: PathId, data: FrameOrderUpdate):
    context = request_context(request)
    services.frame_order_update(context, frame_order_id=frame_order_id, data=data)
    return _detail(context, frame_order_id)


@router.get("/frame-orders/{frame_order_id}/ledger", response={200: list[LedgerRowOut], **ERRORS})
def frame_order_ledger(request, frame_order_id: PathId):
    """The invoices that drew the frame order and the credit notes that gave hours back."""
    context = _reader(request)
    return selectors.frame_order_ledger(tenant=context.tenant, frame_order_id=frame_order_id)


# --- retainers --------------------------------------------------------------------------------


class RetainerMonthOut(Schema):
    month: dt.date = Field(..., description="the first day of the month")
    invoice_id: int | None
    used_hours: Decimal
    included_hours: Decimal
    rolled_in_hours: Decimal
    overage_hours: Decimal
    carried_hours: Decimal = Field(..., description="rolls over to the next month")
    expired_hours: Decimal
    state: str = Field(
        ...,
        description="billed; credited (a credit note reversed it for good); reopened (reversed, "
        "billed again on its own draft by the next billing run, of it or a later month); rebilled "
        "(reversed, billed again)",
    )
    credit_note_id: int | None = Field(..., description="the credit note that reversed it")


class RetainerOut(Schema):
    id: int
    project_id: int
    hours_per_month: Decimal
    monthly_fee: Decimal
    overage_rate: Decimal | None = Field(..., description="null: the normal price")
    rollover: str = Field(..., description="none or next_month")
    rollover_cap_hours: Decimal | None
    start_date: dt.date
    end_date: dt.date | None
    months: list[RetainerMonthOut] = Field(..., description="the usage ledger, month by month")
    created_at: dt.datetime

    @staticmethod
    def resolve_months(obj) -> list:
        return list(obj.months.all())


class RetainerFilter(Schema):
    project_id: Id | None = None


@router.get("/retainers", response={200: list[RetainerOut], **ERRORS})
@paginate
def retainer_list(request, filters: Query[RetainerFilter]):
    context = _reader(request)
    return selectors.retainer_list(tenant=context.tenant, project_id=filters.project_id)


@router.post("/retainers", response={201: RetainerOut, **ERRORS})
def retainer_create(request, data: RetainerCreate):
    """A retainer on an ongoing customer project. The billing run turns the month's time
    lines of that project's draft into one retainer line at the fee plus an overage line."""
    context = request_context(request)
    retainer = retainers.retainer_create(context, data=data)
    return Status(201, selectors.retainer_get(tenant=context.tenant, retainer_id=retainer.pk))


@router.get("/retainers/{retainer_id}", response={200: RetainerOut, **ERRORS})
def retainer_detail(request, retainer_id: PathId):
    context = _reader(request)
    return selectors.retainer_get(tenant=context.tenant, retainer_id=retainer_id)


@router.patch("/retainers/{retainer_id}", response={200: RetainerOut, **ERRORS})
def retainer_update(request, retainer_id: PathId, data: RetainerUpdate):
    """Change the terms from a month on (`effective_from`, default: the first month not billed
    yet, at the earliest the current month), or the end date. Billed months keep their terms:
    a change into one answers 422 `retainer_month_billed`. When the retainer has begun, the
    change starts a new version (a new `id`, answered here) and this one ends the day before;
    `GET /retainers?project_id=` lists the versions."""
    context = request_context(request)
    current = retainers.retainer_update(context, retainer_id=retainer_id, data=data)
    return selectors.retainer_get(tenant=context.tenant, retainer_id=current.pk)
