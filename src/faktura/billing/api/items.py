"""Billable items: the compiled, priced work waiting for an invoice, and compile itself.

Reading needs `view_invoices`, compiling `manage_invoices` (members get 403 for both).
"""

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field

from faktura.billing.inputs import ItemsCompile, ItemsDefer, ItemsRestore, ManualItemCreate
from faktura.billing.selectors import items as selectors
from faktura.billing.services.compile_deferral import billable_items_defer, billable_items_restore
from faktura.billing.services.manual_items import manual_item_create
from faktura.billing.services.operations import billable_items_compile_start
from faktura.common.schemas import ERRORS, Id, OperationOut, PathId
from faktura.tenancy.auth import request_context

router = Router(tags=["billable items"])

ItemStatus = Literal[
    "pending", "on_draft", "invoiced", "deferred", "not_billable", "written_off", "released"
]
ItemKind = Literal[
    "task_entry", "goods", "expense", "transport_distance", "transport_time", "product",
    "subscription", "manual",
]  # fmt: skip


class ItemWarning(Schema):
    code: str
    message: str
    path: str = ""
    severity: str = "warning"


class BillableItemOut(Schema):
    id: int
    kind: str
    status: str
    product_id: int | None
    product_name: str
    unit: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    currency: str
    price_source: str
    warnings: list[ItemWarning]
    source: str
    entry_id: int | None
    task_id: int | None
    project_id: int | None
    contact_id: int
    membership_id: int | None
    service_date: dt.date
    service_period_start: dt.date | None
    service_period_end: dt.date | None
    needs_quantity: bool = Field(..., description="a variable quantity waiting to be entered")
    description: str
    vat_category: str
    vat_rate: Decimal
    logged_seconds: int | None
    deferred_until: dt.date | None
    invoice_line_id: int | None
    created_at: dt.datetime

    @staticmethod
    def resolve_source(obj) -> str:
        """Where the item comes from: ``entry:<id>``, or its source key (subscription, ...)."""
        return f"entry:{obj.entry_id}" if obj.entry_id else (obj.source_key or "manual")


class BillableItemFilter(Schema):
    status: ItemStatus | None = None
    contact_id: Id | None = None
    project_id: Id | None = None
    task_id: Id | None = None
    entry_id: Id | None = None
    kind: ItemKind | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


class MovedOut(Schema):
    moved: int


def _tenant_for_reading(request):
    request_context(request).require("view_invoices")
    return request.auth.tenant


@router.get("/billable-items", response=list[BillableItemOut])
@paginate
def billable_item_list(request, filters: Query[BillableItemFilter]):
    tenant = _tenant_for_reading(request)
    return selectors.billable_item_list(tenant=tenant, **filters.model_dump())


@router.post("/billable-items", response={201: BillableItemOut, **ERRORS})
def billable_item_create(request, data: ManualItemCreate):
    """Queue a manual billable item (third-party costs, a special agreement) for a customer
    (`contact_id`) or a project (`project_id`): it joins the customer's next draft."""
    item = manual_item_create(request_context(request), data=data)
    return Status(201, selectors.billable_item_get(tenant=request.auth.tenant, item_id=item.pk))


@router.post("/billable-items/compile", response={202: OperationOut, **ERRORS})
def billable_items_compile(request, data: ItemsCompile | None = None):
    operation = billable_items_compile_start(request_context(request), data=data or ItemsCompile())
    return Status(202, operation)


@router.post("/billable-items/defer", response={200: MovedOut, **ERRORS})
def billable_items_defer_(request, data: ItemsDefer):
    """Carry pending items forward to a later period (they become `deferred`)."""
    moved = billable_items_defer(request_context(request), data=data)
    return {"moved": moved}


@router.post("/billable-items/restore", response={200: MovedOut, **ERRORS})
def billable_items_restore_(request, data: ItemsRestore):
    """Deferred items back to pending: the named ones, or all whose date is `due`."""
    moved = billable_items_restore(request_context(request), data=data)
    return {"moved": moved}


@router.get("/billable-items/{item_id}", response={200: BillableItemOut, **ERRORS})
def billable_item_detail(request, item_id: PathId):
    tenant = _tenant_for_reading(request)
    return selectors.billable_item_get(tenant=tenant, item_id=item_id)
