"""Subscriptions, the due run and project products (DESIGN.md section 6.1).

Reading needs `view_invoices`, every change `manage_invoices`. Prices and quantities are
decimal strings.
"""

import datetime as dt
from decimal import Decimal

from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field

from faktura.common.schemas import ERRORS, Id, OperationOut, PathId
from faktura.subscriptions import selectors, services
from faktura.subscriptions.inputs import (
    DueRun,
    ProjectProductCreate,
    SubscriptionCreate,
    SubscriptionUpdate,
)
from faktura.subscriptions.models import Subscription
from faktura.tenancy.auth import request_context

router = Router(tags=["subscriptions"])


def _reader(request):
    context = request_context(request)
    context.require("view_invoices")
    return context


class PriceChangeOut(Schema):
    effective_from: dt.date
    unit_price: Decimal


class SubscriptionOut(Schema):
    id: int
    contact_id: int
    contact_name: str
    product_id: int
    product_name: str
    project_id: int | None
    interval: str
    billing: str
    start_date: dt.date
    end_date: dt.date | None
    quantity: Decimal | None = Field(..., description="null: variable, entered per period")
    unit_price: Decimal | None = Field(..., description="null: from the product/price list")
    description: str
    status: str
    prices: list[PriceChangeOut]
    billed_through: dt.date | None = Field(..., description="the first period not billed yet")
    next_due: dt.date | None = Field(..., description="when the next period is due")

    @staticmethod
    def resolve_contact_name(obj) -> str:
        return obj.contact.name

    @staticmethod
    def resolve_product_name(obj) -> str:
        return obj.product.name

    @staticmethod
    def resolve_prices(obj) -> list:
        return list(obj.prices.all())


class SubscriptionFilter(Schema):
    contact_id: Id | None = None
    project_id: Id | None = None
    status: Subscription.Status | None = None


class ProjectProductOut(Schema):
    id: int
    project_id: int
    product_id: int
    product_name: str
    quantity: Decimal
    unit_price: Decimal | None
    description: str
    due: str
    billed: bool

    @staticmethod
    def resolve_product_name(obj) -> str:
        return obj.product.name

    @staticmethod
    def resolve_billed(obj) -> bool:
        return obj.billed_at is not None


@router.get("/subscriptions", response={200: list[SubscriptionOut], **ERRORS})
@paginate
def subscription_list(request, filters: Query[SubscriptionFilter]):
    context = _reader(request)
    return selectors.subscription_list(tenant=context.tenant, **filters.model_dump())


@router.post("/subscriptions", response={201: SubscriptionOut, **ERRORS})
def subscription_create(request, data: SubscriptionCreate):
    """Bill a product to a customer every month, quarter or year from `start_date`. Accepts an
    `Idempotency-Key` header: a replay answers the subscription the first request made."""
    context = request_context(request)
    sub = services.subscription_create(
        context, data=data, idempotency_key=request.headers.get("Idempotency-Key", "")
    )
    return Status(201, selectors.subscription_get(tenant=context.tenant, subscription_id=sub.pk))


@router.post("/subscriptions/due-run", response={202: OperationOut, **ERRORS})
def subscriptions_due_run(request, data: DueRun):
    """Create the billable items of every subscription period and project product due on or
    before `until` (default: today), in the background. At most one item per subscription and
    period: a second run creates nothing."""
    return Status(202, services.due_run_start(request_context(request), data=data))


@router.get("/subscriptions/{subscription_id}", response={200: SubscriptionOut, **ERRORS})
def subscription_detail(request, subscription_id: PathId):
    context = _reader(request)
    return selectors.subscription_get(tenant=context.tenant, subscription_id=subscription_id)


@router.patch("/subscriptions/{subscription_id}", response={200: SubscriptionOut, **ERRORS})
def subscription_update(request, subscription_id: PathId, data: SubscriptionUpdate):
    """Change the fields given. Start, interval and billing change only while no period was
    billed (409 `subscription_billed`); an ended subscription changes no more (409)."""
    context = request_context(request)
    services.subscription_update(context, subscription_id=subscription_id, data=data)
    return selectors.subscription_get(tenant=context.tenant, subscription_id=subscription_id)


@router.get("/projects/{project_id}/products", response={200: list[ProjectProductOut], **ERRORS})
def project_product_list(request, project_id: PathId):
    context = _reader(request)
    return list(selectors.project_product_list(tenant=context.tenant, project_id=project_id))


@router.post("/projects/{project_id}/products", response={201: ProjectProductOut, **ERRORS})
def project_product_create(request, project_id: PathId, data: ProjectProductCreate):
    """Attach a one-time product (a workshop, a setup fee) to the project: it becomes a
    billable item once when due (`next_run`: the next due run; `on_ready_to_bill`: once the
    project is ready to bill)."""
    row = services.project_product_create(
        request_context(request), project_id=project_id, data=data
    )
    return Status(201, row)
