"""Projects, project member rates, tasks (tickets) and task entries.

Rates and prices (`hourly_rate`, `fixed_price`, `unit_price`) are null for roles that may not see
rates. Members see only their own entries; other entries answer 404 to them.
"""

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field
from pydantic import ValidationError as PydanticValidationError

from faktura.common.errors import ValidationFailed
from faktura.common.schemas import ERRORS, Id, PathId
from faktura.common.text import MultiLine, SingleLine
from faktura.tenancy.auth import request_context
from faktura.tenancy.inputs import TimeRounding
from faktura.tenancy.roles import has_capability
from faktura.work import absence, selectors, services

router = Router(tags=["work"])


def _sees_rates(context) -> bool:
    return has_capability(context["request"].auth.role, "view_rates")


# --- projects ---------------------------------------------------------------------------------


class ProjectOut(Schema):
    id: int
    number: str
    name: str
    description: str
    contact_id: int | None
    kind: str
    scope: str
    value_group: str
    is_absence: bool = Field(False, description="internal project whose time is absence")
    billing_model: str
    hourly_rate: Decimal | None
    fixed_price: Decimal | None
    budget_hours: Decimal | None
    budget_warning_percent: int
    currency: str
    status: str
    start_date: dt.date | None
    end_date: dt.date | None
    po_number: str
    time_rounding: dict[str, Any] | None
    billing_trigger: str | None = Field(
        None, description="continuous or on_close; null: the company's"
    )
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_hourly_rate(obj, context) -> Decimal | None:
        return obj.hourly_rate if _sees_rates(context) else None

    @staticmethod
    def resolve_fixed_price(obj, context) -> Decimal | None:
        return obj.fixed_price if _sees_rates(context) else None


class ProjectIn(Schema):
    name: str = Field(..., max_length=200)
    number: str = Field("", max_length=30)
    description: str = ""
    contact_id: Id | None = None
    kind: str = "ongoing"
    scope: str = "external"
    value_group: str | None = Field(None, description="A for external; B, C (default) or D")
    billing_model: str | None = Field(
        None, description="time_and_materials (default) or fixed_price; internal: non_billable"
    )
    hourly_rate: Decimal | None = None
    fixed_price: Decimal | None = None
    budget_hours: Decimal | None = None
    budget_warning_percent: int | None = Field(
        None, ge=1, le=1000, description="warn at this share of the budget hours (default 80)"
    )
    currency: str | None = Field(None, max_length=3, description="default: the customer's")
    status: str | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    po_number: str = Field("", max_length=60)
    time_rounding: TimeRounding | None = None
    billing_trigger: Literal["continuous", "on_close"] | None = None


class ProjectPatch(Schema):
    name: str | None = Field(None, max_length=200)
    number: str | None = Field(None, max_length=30)
    description: str | None = None
    contact_id: Id | None = None
    kind: str | None = None
    scope: str | None = None
    value_group: str | None = None
    billing_model: str | None = None
    hourly_rate: Decimal | None = None
    fixed_price: Decimal | None = None
    budget_hours: Decimal | None = None
    budget_warning_percent: int | None = Field(None, ge=1, le=1000)
    currency: str | None = Field(None, max_length=3)
    status: str | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    po_number: str | None = Field(None, max_length=60)
    time_rounding: TimeRounding | None = None
    billing_trigger: Literal["continuous", "on_close"] | None = None


class ProjectFilter(Schema):
    search: str = ""
    contact_id: Id | None = None
    status: str = ""
    kind: str = ""
    scope: str = ""
    value_group: str = ""
    billing_model: str = ""


@router.get("/projects", response=list[ProjectOut])
@paginate
def project_list(request, filters: Query[ProjectFilter]):
    return selectors.project_list(tenant=request.auth.tenant, **filters.model_dump())


@router.post("/projects", response={201: ProjectOut, **ERRORS})
def project_create(request, payload: ProjectIn):
    data = payload.model_dump(exclude_none=True)
    project = services.project_create(request_context(request), **data)
    return Status(201, selectors.project_get(tenant=request.auth.tenant, project_id=project.pk))


@router.get("/projects/{project_id}", response={200: ProjectOut, **ERRORS})
def project_detail(request, project_id: PathId):
    return selectors.project_get(tenant=request.auth.tenant, project_id=project_id)


@router.patch("/projects/{project_id}", response={200: ProjectOut, **ERRORS})
def project_patch(request, project_id: PathId, payload: ProjectPatch):
    data = payload.model_dump(exclude_unset=True)
    project = services.project_update(request_context(request), project_id=project_id, **data)
    return selectors.project_get(tenant=request.auth.tenant, project_id=project.pk)


class ProjectAbsenceIn(Schema):
    is_absence: bool


@router.put("/projects/{project_id}/absence", response={200: ProjectOut, **ERRORS})
def project_absence_put(request, project_id: PathId, payload: ProjectAbsenceIn):
    """Mark an internal project as absence (holiday, sickness): its time lowers the hours a
    member is available in the utilization report."""
    project = absence.project_absence_set(
        request_context(request), project_id=project_id, is_absence=payload.is_absence
    )
    return selectors.project_get(tenant=request.auth.tenant, project_id=project.pk)


# --- project member rates ---------------------------------------------------------------------


class ProjectMemberOut(Schema):
    membership_id: int
    name: str
    hourly_rate: Decimal | None

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.membership.display_name


class ProjectMemberIn(Schema):
    hourly_rate: Decimal | None


@router.get("/projects/{project_id}/members", response={200: list[ProjectMemberOut], **ERRORS})
@paginate
def project_member_list(request, project_id: PathId):
    request_context(request).require("view_rates")
    return selectors.project_member_list(tenant=request.auth.tenant, project_id=project_id)


@router.put(
    "/projects/{project_id}/members/{membership_id}", response={200: ProjectMemberOut, **ERRORS}
)
def project_member_put(
    request, project_id: PathId, membership_id: PathId, payload: ProjectMemberIn
):
    row = services.project_member_set_rate(
        request_context(request),
        project_id=project_id,
        membership_id=membership_id,
        hourly_rate=payload.hourly_rate,
    )
    return selectors.project_member_get(tenant=request.auth.tenant, member_id=row.pk)


@router.delete("/projects/{project_id}/members/{membership_id}", response={204: None, **ERRORS})
def project_member_delete(request, project_id: PathId, membership_id: PathId):
    services.project_member_remove(
        request_context(request), project_id=project_id, membership_id=membership_id
    )
    return Status(204, None)


# --- tasks ------------------------------------------------------------------------------------


class TaskOut(Schema):
    id: int
    number: int
    project_id: int
    title: str
    description: str
    task_type: str
    status: str
    billable: bool
    client_id: int | None
    assignee_id: int | None
    product_id: int | None
    price_list_id: int | None
    unit: str | None
    unit_price: Decimal | None
    estimate_hours: Decimal | None
    logged_seconds: int
    closed_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_unit(obj) -> str | None:
        return obj.unit.code if obj.unit_id else None

    @staticmethod
    def resolve_unit_price(obj, context) -> Decimal | None:
        return obj.unit_price if _sees_rates(context) else None

    @staticmethod
    def resolve_price_list_id(obj, context) -> int | None:
        return obj.price_list_id if _sees_rates(context) else None


class TaskIn(Schema):
    project_id: Id
    title: SingleLine = Field(..., max_length=300)
    description: MultiLine = ""
    task_type: str | None = None
    status: str | None = None
    billable: bool | None = Field(None, description="default: false on non-billable projects")
    client_id: Id | None = Field(None, description="default: the project's customer")
    assignee_id: Id | None = None
    product_id: Id | None = None
    price_list_id: Id | None = None
    unit: str | None = Field(None, max_length=3, description="UN/ECE Rec 20 code, e.g. HUR")
    unit_price: Decimal | None = None
    estimate_hours: Decimal | None = None


class TaskPatch(Schema):
    project_id: Id | None = None
    title: SingleLine | None = Field(None, max_length=300)
    description: MultiLine | None = None
    task_type: str | None = None
    status: str | None = None
    billable: bool | None = None
    client_id: Id | None = None
    assignee_id: Id | None = None
    product_id: Id | None = None
    price_list_id: Id | None = None
    unit: str | None = Field(None, max_length=3)
    unit_price: Decimal | None = None
    estimate_hours: Decimal | None = None


class TaskFilter(Schema):
    search: str = ""
    project_id: Id | None = None
    client_id: Id | None = None
    status: str = ""
    billable: bool | None = None
    assignee_id: Id | None = None


@router.get("/tasks", response=list[TaskOut])
@paginate
def task_list(request, filters: Query[TaskFilter]):
    return selectors.task_list(tenant=request.auth.tenant, **filters.model_dump())


@router.post("/tasks", response={201: TaskOut, **ERRORS})
def task_create(request, payload: TaskIn):
    data = payload.model_dump(exclude_none=True)
    task = services.task_create(request_context(request), **data)
    return Status(201, selectors.task_get(tenant=request.auth.tenant, task_id=task.pk))


@router.get("/tasks/{task_id}", response={200: TaskOut, **ERRORS})
def task_detail(request, task_id: PathId):
    return selectors.task_get(tenant=request.auth.tenant, task_id=task_id)


@router.patch("/tasks/{task_id}", response={200: TaskOut, **ERRORS})
def task_patch(request, task_id: PathId, payload: TaskPatch):
    data = payload.model_dump(exclude_unset=True)
    task = services.task_update(request_context(request), task_id=task_id, **data)
    return selectors.task_get(tenant=request.auth.tenant, task_id=task.pk)


# --- task entries -----------------------------------------------------------------------------


class EntryOut(Schema):
    id: int
    task_id: int
    project_id: int
    membership_id: int
    kind: str
    date: dt.date
    started_at: dt.datetime | None
    stopped_at: dt.datetime | None
    running: bool
    duration_seconds: int
    distance_km: Decimal | None
    transport_minutes: int | None
    quantity: Decimal | None
    unit_price: Decimal | None
    product_id: int | None
    description: str
    approval_status: str
    approved_by_id: int | None
    approved_at: dt.datetime | None
    rejection_reason: str
    billing_state: str
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_project_id(obj) -> int:
        return obj.task.project_id

    @staticmethod
    def resolve_running(obj) -> bool:
        return obj.is_running

    @staticmethod
    def resolve_unit_price(obj, context) -> Decimal | None:
        return obj.unit_price if _sees_rates(context) else None


# Whole minutes (1 to 1440), or a typed duration such as "1:30" (faktura.core.durations); the
# service checks either and names the field `duration`.
DurationValue = int | str


class EntryIn(Schema):
    task_id: Id
    kind: str = "time"
    membership_id: Id | None = Field(None, description="default: the caller")
    date: dt.date | None = Field(None, description="default: the day in the tenant's time zone")
    started_at: dt.datetime | None = Field(
        None, description="with time zone; without started_at and stopped_at a timer starts now"
    )
    stopped_at: dt.datetime | None = Field(None, description="empty: a running timer")
    duration: DurationValue | None = Field(
        None, description='time without started_at and stopped_at: minutes (90) or "H:MM" ("1:30")'
    )
    distance_km: Decimal | None = None
    transport_minutes: int | None = None
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    product_id: Id | None = Field(None, description="goods and expenses: the product sold")
    description: str = ""


class EntryPatch(Schema):
    task_id: Id | None = None
    kind: str | None = None
    membership_id: Id | None = None
    date: dt.date | None = None
    started_at: dt.datetime | None = None
    stopped_at: dt.datetime | None = None
    duration: DurationValue | None = Field(
        None, description="makes the entry a bare duration (see create)"
    )
    distance_km: Decimal | None = None
    transport_minutes: int | None = None
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    product_id: Id | None = None
    description: str | None = None


class EntryStopIn(Schema):
    stopped_at: dt.datetime | None = Field(None, description="default: now")


class EntryRejectIn(Schema):
    reason: str = Field(..., max_length=2000)


class EntryIdsIn(Schema):
    ids: list[Id] = Field(..., min_length=1, max_length=500)


class EntryFilter(Schema):
    task_id: Id | None = None
    project_id: Id | None = None
    membership_id: Id | None = None
    kind: str = ""
    approval_status: str = ""
    billing_state: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    running: bool | None = None


def _entry(request, entry) -> Any:
    """The entry as the caller sees it (with its task loaded for `project_id`)."""
    return selectors.entry_get(tenant=request.auth.tenant, viewer=request.auth, entry_id=entry.pk)


def _entries(request, entries) -> Any:
    """Several entries as the caller sees them, in one query, ordered by id."""
    visible = selectors.entries_visible(tenant=request.auth.tenant, viewer=request.auth)
    return visible.select_related("task").filter(pk__in=[e.pk for e in entries]).order_by("pk")


@router.get("/entries", response=list[EntryOut])
@paginate
def entry_list(request, filters: Query[EntryFilter]):
    return selectors.entry_list(
        tenant=request.auth.tenant, viewer=request.auth, **filters.model_dump()
    )


@router.post("/entries", response={201: EntryOut, **ERRORS})
def entry_create(request, payload: EntryIn):
    data = payload.model_dump(exclude_none=True)
    entry = services.entry_create(request_context(request), **data)
    return Status(201, _entry(request, entry))


@router.post("/entries/submit", response={200: list[EntryOut], **ERRORS})
def entries_submit(request, payload: EntryIdsIn):
    entries = services.entries_submit(request_context(request), entry_ids=payload.ids)
    return _entries(request, entries)


@router.post("/entries/approve", response={200: list[EntryOut], **ERRORS})
def entries_approve(request, payload: EntryIdsIn):
    entries = services.entries_approve(request_context(request), entry_ids=payload.ids)
    return _entries(request, entries)


@router.get("/entries/{entry_id}", response={200: EntryOut, **ERRORS})
def entry_detail(request, entry_id: PathId):
    return selectors.entry_get(tenant=request.auth.tenant, viewer=request.auth, entry_id=entry_id)


@router.patch("/entries/{entry_id}", response={200: EntryOut, **ERRORS})
def entry_patch(request, entry_id: PathId, payload: EntryPatch):
    data = payload.model_dump(exclude_unset=True)
    entry = services.entry_update(request_context(request), entry_id=entry_id, **data)
    return _entry(request, entry)


@router.delete("/entries/{entry_id}", response={204: None, **ERRORS})
def entry_delete(request, entry_id: PathId):
    services.entry_delete(request_context(request), entry_id=entry_id)
    return Status(204, None)


def _optional_stop_body(request) -> EntryStopIn:
    """The optional `{"stopped_at": ...}` body of /stop. Only a JSON body is read, so a client
    that posts nothing (or an empty form) stops the timer now."""
    if request.content_type != "application/json" or not request.body.strip():
        return EntryStopIn()
    try:
        return EntryStopIn.model_validate_json(request.body)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(part) for part in first["loc"]) or "body"
        if first["type"] == "json_invalid" or name not in EntryStopIn.model_fields:
            name = "body"
        raise ValidationFailed.field(name, first["msg"]) from None


@router.post(
    "/entries/{entry_id}/stop",
    response={200: EntryOut, **ERRORS},
    openapi_extra={
        "requestBody": {
            "required": False,
            "content": {"application/json": {"schema": EntryStopIn.model_json_schema()}},
        }
    },
)
def entry_stop(request, entry_id: PathId):
    payload = _optional_stop_body(request)
    entry = services.entry_stop(
        request_context(request), entry_id=entry_id, stopped_at=payload.stopped_at
    )
    return _entry(request, entry)


@router.post("/entries/{entry_id}/submit", response={200: EntryOut, **ERRORS})
def entry_submit(request, entry_id: PathId):
    return _entry(request, services.entry_submit(request_context(request), entry_id=entry_id))


@router.post("/entries/{entry_id}/approve", response={200: EntryOut, **ERRORS})
def entry_approve(request, entry_id: PathId):
    return _entry(request, services.entry_approve(request_context(request), entry_id=entry_id))


@router.post("/entries/{entry_id}/reject", response={200: EntryOut, **ERRORS})
def entry_reject(request, entry_id: PathId, payload: EntryRejectIn):
    entry = services.entry_reject(
        request_context(request), entry_id=entry_id, reason=payload.reason
    )
    return _entry(request, entry)


@router.post("/entries/{entry_id}/reopen", response={200: EntryOut, **ERRORS})
def entry_reopen(request, entry_id: PathId):
    return _entry(request, services.entry_reopen(request_context(request), entry_id=entry_id))
