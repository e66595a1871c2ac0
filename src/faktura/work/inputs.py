"""The typed input of each work use case (DESIGN.md section 2, "Typed inputs").

The API takes them as its body, the project, task and time forms build them
(`web.forms.work`), the services receive them as `data`. What needs the database (a task,
member, customer or product of this company, the entry's kind and state, a closed project,
a running timer) is the services' to check.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any

from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints, WithJsonSchema

from faktura.common.inputs import (
    Currency,
    Day,
    Input,
    Instant,
    LongText,
    Text,
    TimeRounding,
    UnitPrice,
    lines,
    problem,
)
from faktura.common.schemas import Id
from faktura.core.durations import MAX_MINUTES, DurationError, parse_duration_minutes
from faktura.tenancy.models import BillingTrigger
from faktura.work.models import Project, Task, TaskEntry

# At most this many entries are submitted or approved in one request.
MAX_BULK = 500
MAX_TRANSPORT_MINUTES = 7 * 24 * 60
MAX_BUDGET_WARNING_PERCENT = 1000
DURATION_HINT = gettext_noop("Enter a duration like 1:30.")


def _minutes(value: Any) -> Any:
    """Whole minutes (1 to 1440) or a typed duration ("1:30", "1,5", "90m", "1h 30m"; see
    `faktura.core.durations`), as whole minutes."""
    if isinstance(value, bool):
        minutes = None
    elif isinstance(value, int):
        minutes = value if 0 < value <= MAX_MINUTES else None
    elif isinstance(value, str):
        try:
            minutes = parse_duration_minutes(value)
        except DurationError:
            minutes = None
    else:
        minutes = None
    if minutes is None:
        raise problem("invalid", gettext(DURATION_HINT))
    return minutes


def _upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


# A duration in whole minutes; typed as minutes (90) or text ("1:30").
Duration = Annotated[
    int,
    BeforeValidator(_minutes),
    WithJsonSchema({"anyOf": [{"type": "integer"}, {"type": "string"}]}),
]
# A text of several lines that must not be empty (a rejection reason).
Reason = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=2000),
    AfterValidator(lines),
]
Distance = Annotated[Decimal, Field(ge=0, max_digits=10, decimal_places=2)]
TransportMinutes = Annotated[int, Field(ge=0, le=MAX_TRANSPORT_MINUTES)]
Quantity = Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=4)]
Amount = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=2)]
BudgetHours = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]
EstimateHours = Annotated[Decimal, Field(ge=0, max_digits=10, decimal_places=2)]
WarningPercent = Annotated[int, Field(ge=1, le=MAX_BUDGET_WARNING_PERCENT)]
ValueGroup = Annotated[Project.ValueGroup, BeforeValidator(_upper)]
# A unit of this company by its Rec 20 code (e.g. HUR); empty: none. The service looks it up.
UnitCode = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, max_length=3)]


# --- projects ---------------------------------------------------------------------------------


class ProjectCreate(Input):
    """A project. Without a value group, external projects are in A and internal ones in C;
    internal projects are not billed; the currency is the customer's, else the company's."""

    name: Annotated[str, Text(200, required=True)]
    number: Annotated[str, Text(30)] = Field("", description='blank: "P-" and the id')
    description: LongText = ""
    contact_id: Id | None = None
    kind: Project.Kind = Project.Kind.ONGOING
    scope: Project.Scope = Project.Scope.EXTERNAL
    value_group: ValueGroup | None = Field(None, description="A for external; B, C (default) or D")
    billing_model: Project.BillingModel | None = Field(
        None, description="time_and_materials (default) or fixed_price; internal: non_billable"
    )
    hourly_rate: UnitPrice | None = None
    fixed_price: Amount | None = None
    budget_hours: BudgetHours | None = None
    budget_warning_percent: WarningPercent | None = Field(
        None, description="warn at this share of the budget hours (default 80)"
    )
    currency: Currency | None = Field(None, description="default: the customer's")
    status: Project.Status | None = None
    start_date: Day | None = None
    end_date: Day | None = None
    po_number: Annotated[str, Text(60)] = ""
    time_rounding: TimeRounding | None = None
    billing_trigger: BillingTrigger | None = Field(
        None, description="continuous or on_close; null: the company's"
    )


class ProjectUpdate(Input):
    """A change of a project: the fields sent (null clears the nullable ones)."""

    partial = True
    nullable = frozenset(
        {
            "contact_id", "hourly_rate", "fixed_price", "budget_hours",
            "budget_warning_percent", "start_date", "end_date", "time_rounding",
            "billing_trigger",
        }
    )  # fmt: skip

    name: Annotated[str, Text(200, required=True)] | None = None
    number: Annotated[str, Text(30, required=True)] | None = None
    description: LongText | None = None
    contact_id: Id | None = None
    kind: Project.Kind | None = None
    scope: Project.Scope | None = None
    value_group: ValueGroup | None = None
    billing_model: Project.BillingModel | None = None
    hourly_rate: UnitPrice | None = None
    fixed_price: Amount | None = None
    budget_hours: BudgetHours | None = None
    budget_warning_percent: WarningPercent | None = Field(
        None, description="null: the default (80)"
    )
    currency: Currency | None = None
    status: Project.Status | None = None
    start_date: Day | None = None
    end_date: Day | None = None
    po_number: Annotated[str, Text(60)] | None = None
    time_rounding: TimeRounding | None = None
    billing_trigger: BillingTrigger | None = None


class ProjectMemberRate(Input):
    """A member's hourly rate on a project; null keeps them listed without a rate."""

    hourly_rate: UnitPrice | None


# --- tasks ------------------------------------------------------------------------------------


class TaskCreate(Input):
    """A ticket. `billable` defaults to whether the project is billed at all, the client to
    the project's customer."""

    project_id: Id
    title: Annotated[str, Text(300, required=True)]
    description: LongText = ""
    task_type: Task.TaskType | None = None
    status: Task.Status | None = None
    billable: bool | None = Field(None, description="default: false on non-billable projects")
    client_id: Id | None = Field(None, description="default: the project's customer")
    assignee_id: Id | None = None
    product_id: Id | None = None
    price_list_id: Id | None = None
    unit: UnitCode | None = Field(None, description="UN/ECE Rec 20 code, e.g. HUR")
    unit_price: UnitPrice | None = None
    estimate_hours: EstimateHours | None = None


class TaskUpdate(Input):
    """A change of a ticket: the fields sent (null clears the nullable ones)."""

    partial = True
    nullable = frozenset(
        {"client_id", "assignee_id", "product_id", "price_list_id", "unit", "unit_price",
         "estimate_hours"}
    )  # fmt: skip

    project_id: Id | None = None
    title: Annotated[str, Text(300, required=True)] | None = None
    description: LongText | None = None
    task_type: Task.TaskType | None = None
    status: Task.Status | None = None
    billable: bool | None = None
    client_id: Id | None = None
    assignee_id: Id | None = None
    product_id: Id | None = None
    price_list_id: Id | None = None
    unit: UnitCode | None = None
    unit_price: UnitPrice | None = None
    estimate_hours: EstimateHours | None = None


# --- task entries -----------------------------------------------------------------------------


def _duration_or_times(known: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """A bare duration has neither end: finished work without a clock time."""
    if known.get("duration") is not None and (
        known.get("started_at") is not None or known.get("stopped_at") is not None
    ):
        message = gettext("Give either a duration or From and To, not both.")
        return {"duration": ("invalid", message)}
    return {}


class EntryCreate(Input):
    """An entry. A time entry with neither `started_at`, `stopped_at` nor `duration` starts a
    timer now; which fields each kind uses is in `work.services.entries`."""

    rules = (_duration_or_times,)

    task_id: Id
    kind: TaskEntry.Kind = TaskEntry.Kind.TIME
    membership_id: Id | None = Field(None, description="default: the caller")
    date: Day | None = Field(None, description="default: the day in the tenant's time zone")
    started_at: Instant | None = Field(
        None, description="with time zone; without started_at and stopped_at a timer starts now"
    )
    stopped_at: Instant | None = Field(None, description="empty: a running timer")
    duration: Duration | None = Field(
        None, description='time without started_at and stopped_at: minutes (90) or "H:MM" ("1:30")'
    )
    distance_km: Distance | None = None
    transport_minutes: TransportMinutes | None = None
    quantity: Quantity | None = None
    unit_price: UnitPrice | None = None
    product_id: Id | None = Field(None, description="goods and expenses: the product sold")
    description: LongText = ""


class EntryUpdate(Input):
    """A change of a draft or rejected entry: the fields sent. A null `date` is derived again,
    a null `stopped_at` makes a running timer; the kind cannot change."""

    partial = True
    rules = (_duration_or_times,)
    nullable = frozenset(
        {"date", "started_at", "stopped_at", "duration", "distance_km", "transport_minutes",
         "quantity", "unit_price", "product_id"}
    )  # fmt: skip

    task_id: Id | None = None
    kind: TaskEntry.Kind | None = None
    membership_id: Id | None = None
    date: Day | None = None
    started_at: Instant | None = None
    stopped_at: Instant | None = None
    duration: Duration | None = Field(
        None, description="makes the entry a bare duration (see create)"
    )
    distance_km: Distance | None = None
    transport_minutes: TransportMinutes | None = None
    quantity: Quantity | None = None
    unit_price: UnitPrice | None = None
    product_id: Id | None = None
    description: LongText | None = None


class EntryStop(Input):
    """Stop a running timer, now or at `stopped_at`."""

    stopped_at: Instant | None = Field(None, description="default: now")


class EntryReject(Input):
    """Send a submitted entry back to its author with a reason."""

    reason: Reason


class EntryIds(Input):
    """Several entries to submit or approve at once (all or none)."""

    ids: list[Id] = Field(..., min_length=1, max_length=MAX_BULK)


def local_span(
    day: dt.date, start: dt.time | None, end: dt.time | None, tz: dt.tzinfo
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """`started_at` and `stopped_at` of work typed as a day and two clock times in `tz`.

    A To before the From ends the next day: 22:00 to 01:30 is 3:30 hours."""
    end_day = day
    if start is not None and end is not None and end < start:
        end_day += dt.timedelta(days=1)
    return _aware(day, start, tz), _aware(end_day, end, tz)


def _aware(day: dt.date, time: dt.time | None, tz: dt.tzinfo) -> dt.datetime | None:
    if time is None:
        return None
    return timezone.make_aware(dt.datetime.combine(day, time), tz)


__all__ = [
    "MAX_BULK",
    "EntryCreate",
    "EntryIds",
    "EntryReject",
    "EntryStop",
    "EntryUpdate",
    "ProjectCreate",
    "ProjectMemberRate",
    "ProjectUpdate",
    "TaskCreate",
    "TaskUpdate",
    "local_span",
]
