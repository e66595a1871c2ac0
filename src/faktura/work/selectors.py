"""Read queries for projects, tasks and task entries; every query is filtered by tenant.

Billing reads work rows only through the functions here (`entries_billable_candidates`,
`running_timer`), never by querying the models itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import F, IntegerField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from faktura.common.errors import NotFound
from faktura.core.money import quantize_ratio
from faktura.tenancy.models import BillingTrigger, Membership
from faktura.tenancy.roles import has_capability
from faktura.work.errors import ReferenceNotFound
from faktura.work.models import RUNNING_TIMER, Project, ProjectMember, Task, TaskEntry


def _text(value: str) -> str:
    # PostgreSQL refuses NUL characters in a query; they can never match anything stored.
    return (value or "").replace("\x00", "").strip()


# --- projects ---------------------------------------------------------------------------------


def project_list(
    *,
    tenant,
    search: str = "",
    contact_id: int | None = None,
    status: str = "",
    kind: str = "",
    scope: str = "",
    value_group: str = "",
    billing_model: str = "",
) -> QuerySet[Project]:
    qs = Project.objects.filter(tenant=tenant).select_related("contact")
    search = _text(search)
    if search:
        qs = qs.filter(
            Q(name__icontains=search)
            | Q(number__icontains=search)
            | Q(po_number__icontains=search)
            | Q(contact__name__icontains=search)
        )
    if contact_id is not None:
        qs = qs.filter(contact_id=contact_id)
    for field, value in (
        ("status", status),
        ("kind", kind),
        ("scope", scope),
        ("value_group", value_group.upper() if value_group else ""),
        ("billing_model", billing_model),
    ):
        if value:
            qs = qs.filter(**{field: _text(value)})
    return qs


def project_get(*, tenant, project_id: int) -> Project:
    project = Project.objects.select_related("contact").filter(tenant=tenant, pk=project_id).first()
    if project is None:
        raise NotFound("Project not found.")
    return project


def project_for_tenant(tenant, project_id: int, *, field: str = "project_id") -> Project:
    """A project referenced from another object's input: unknown ids name the field."""
    project = Project.objects.select_related("contact").filter(tenant=tenant, pk=project_id).first()
    if project is None:
        raise ReferenceNotFound.field(field, "No such project.")
    return project


def project_member_list(*, tenant, project_id: int) -> QuerySet[ProjectMember]:
    project = project_get(tenant=tenant, project_id=project_id)
    return (
        ProjectMember.objects.filter(tenant=tenant, project=project)
        .select_related("membership__user")
        .order_by("membership__user__first_name", "membership__user__last_name", "id")
    )


def project_member_get(*, tenant, member_id: int) -> ProjectMember:
    row = (
        ProjectMember.objects.filter(tenant=tenant, pk=member_id)
        .select_related("membership__user")
        .first()
    )
    if row is None:
        raise NotFound("Project member not found.")
    return row


def membership_for_tenant(tenant, membership_id: int, *, field: str = "membership_id"):
    membership = Membership.objects.filter(tenant=tenant, pk=membership_id).first()
    if membership is None:
        raise ReferenceNotFound.field(field, "No such member.")
    return membership


# --- tasks ------------------------------------------------------------------------------------


def _with_logged_seconds(qs: QuerySet[Task]) -> QuerySet[Task]:
    """Annotate `logged_seconds`: the recorded seconds of the task's time entries.

    Running timers count 0 until they are stopped; mileage, expenses and goods count nothing.
    """
    return qs.annotate(
        logged_seconds=Coalesce(
            Sum("entries__duration_seconds", filter=Q(entries__kind=TaskEntry.Kind.TIME)),
            Value(0),
            output_field=IntegerField(),
        )
    )


def task_list(
    *,
    tenant,
    search: str = "",
    project_id: int | None = None,
    client_id: int | None = None,
    status: str = "",
    billable: bool | None = None,
    assignee_id: int | None = None,
) -> QuerySet[Task]:
    qs = Task.objects.filter(tenant=tenant).select_related("project", "client", "unit")
    search = _text(search)
    if search:
        condition = Q(title__icontains=search) | Q(project__name__icontains=search)
        number = search.removeprefix("#")
        if number.isdigit() and len(number) <= 9:
            condition |= Q(number=int(number))
        qs = qs.filter(condition)
    if project_id is not None:
        qs = qs.filter(project_id=project_id)
    if client_id is not None:
        qs = qs.filter(client_id=client_id)
    if status:
        qs = qs.filter(status=_text(status))
    if billable is not None:
        qs = qs.filter(billable=billable)
    if assignee_id is not None:
        qs = qs.filter(assignee_id=assignee_id)
    return _with_logged_seconds(qs).order_by("-number")


def task_get(*, tenant, task_id: int) -> Task:
    qs = Task.objects.filter(tenant=tenant, pk=task_id).select_related("project", "client", "unit")
    task = _with_logged_seconds(qs).first()
    if task is None:
        raise NotFound("Task not found.")
    return task


def task_for_tenant(tenant, task_id: int, *, field: str = "task_id") -> Task:
    task = Task.objects.select_related("project").filter(tenant=tenant, pk=task_id).first()
    if task is None:
        raise ReferenceNotFound.field(field, "No such task.")
    return task


# --- task entries -----------------------------------------------------------------------------


def sees_all_entries(viewer: Membership | None) -> bool:
    """Members see their own entries only; approvers, billing, admins and owners see all.

    `viewer=None` is a system context (CLI, background task), which sees everything.
    """
    return viewer is None or has_capability(viewer.role, "view_all_entries")


def entries_visible(*, tenant, viewer: Membership | None) -> QuerySet[TaskEntry]:
    qs = TaskEntry.objects.filter(tenant=tenant)
    if not sees_all_entries(viewer):
        qs = qs.filter(membership=viewer)
    return qs


def entry_list(
    *,
    tenant,
    viewer: Membership | None,
    task_id: int | None = None,
    project_id: int | None = None,
    membership_id: int | None = None,
    kind: str = "",
    approval_status: str = "",
    billing_state: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    running: bool | None = None,
) -> QuerySet[TaskEntry]:
    """The entries the viewer may see, newest first."""
    qs = entries_visible(tenant=tenant, viewer=viewer).select_related("task")
    if task_id is not None:
        qs = qs.filter(task_id=task_id)
    if project_id is not None:
        qs = qs.filter(task__project_id=project_id)
    if membership_id is not None:
        qs = qs.filter(membership_id=membership_id)
    if kind:
        qs = qs.filter(kind=_text(kind))
    if approval_status:
        qs = qs.filter(approval_status=_text(approval_status))
    if billing_state:
        qs = qs.filter(billing_state=_text(billing_state))
    if date_from is not None:
        qs = qs.filter(date__gte=date_from)
    if date_to is not None:
        qs = qs.filter(date__lte=date_to)
    running_q = RUNNING_TIMER
    if running is True:
        qs = qs.filter(running_q)
    elif running is False:
        qs = qs.exclude(running_q)
    return qs.order_by("-date", F("started_at").desc(nulls_last=True), "-id")


def entry_get(*, tenant, viewer: Membership | None, entry_id: int) -> TaskEntry:
    """An entry the viewer may see; other members' entries answer 404 to a member."""
    entry = (
        entries_visible(tenant=tenant, viewer=viewer)
        .select_related("task")
        .filter(pk=entry_id)
        .first()
    )
    if entry is None:
        raise NotFound("Entry not found.")
    return entry


def running_timer(*, membership: Membership) -> TaskEntry | None:
    """The member's running timer, if any (there is at most one)."""
    return (
        TaskEntry.objects.filter(
            RUNNING_TIMER,
            tenant_id=membership.tenant_id,
            membership=membership,
        )
        .select_related("task")
        .first()
    )


# The ticket side of what billing may compile: billable, with a client, in a
# time-and-materials project (the billing trigger aside, `billing_trigger_allows`).
BILLABLE_TICKET = {
    "billable": True,
    "client__isnull": False,
    "project__billing_model": Project.BillingModel.TIME_AND_MATERIALS,
}


def tasks_billable_now(*, tenant) -> QuerySet[Task]:
    """The tickets whose work billing may compile now: the ticket side of
    `entries_billable_candidates` (`BILLABLE_TICKET` and the billing trigger)."""
    return Task.objects.filter(tenant=tenant, **BILLABLE_TICKET).filter(
        billing_trigger_allows(prefix="")
    )


def entries_billable_candidates(
    *, tenant, require_approval: bool, tickets_as_subquery: bool = False
) -> QuerySet[TaskEntry]:
    """Entries billing may compile now.

    Included: unbilled entries that are stopped time entries or mileage/expense/goods entries,
    on billable tasks that have a client, in time-and-materials projects; when
    `require_approval` is set, only approved entries. Excluded: running timers, entries in any
    other billing state, non-billable tasks, tasks without a client, fixed-price and
    non-billable projects, and (with approval required) drafts, submitted and rejected entries.

    ``tickets_as_subquery``: the same entries, the ticket conditions as ``task IN
    (tasks_billable_now)`` and nothing joined, for aggregates that read only the entries'
    own columns (the reports): the database then need not join ticket and project per entry.
    """
    qs: QuerySet[TaskEntry]
    if tickets_as_subquery:
        # The ticket compared as an expression (+ 0): SQLite's planner would otherwise walk
        # the ticket index through every entry of the billable tickets, billed or not, instead
        # of the index of the unbilled ones. The same rows either way.
        qs = (
            TaskEntry.objects.filter(tenant=tenant, billing_state=TaskEntry.BillingState.UNBILLED)
            .alias(ticket=F("task_id") + 0)
            .filter(ticket__in=tasks_billable_now(tenant=tenant).values("pk"))
            .exclude(RUNNING_TIMER)
        )
    else:
        qs = (
            TaskEntry.objects.filter(
                tenant=tenant,
                billing_state=TaskEntry.BillingState.UNBILLED,
                **{f"task__{key}": value for key, value in BILLABLE_TICKET.items()},
            )
            .exclude(RUNNING_TIMER)
            .select_related("task__project", "task__client", "membership")
        )
        qs = qs.filter(billing_trigger_allows())
    if require_approval:
        qs = qs.filter(approval_status=TaskEntry.Approval.APPROVED)
    return qs.order_by("pk")


@dataclass(frozen=True)
class ProjectBudget:
    """Budget hours against the hours logged on a project (all time entries, stopped ones,
    billable or not: a fixed price is not billed by the hour, the hours are tracked).

    `percent` is actual / budget in percent (2 decimals, HALF_UP), None without a budget;
    `warning` is set once it reaches the project's `budget_warning_percent`."""

    budget_hours: Decimal | None
    actual_hours: Decimal
    percent: Decimal | None
    warning_percent: int
    warning: bool
    over_budget: bool


def project_budget(*, tenant, project: Project) -> ProjectBudget:
    seconds = (
        TaskEntry.objects.filter(
            tenant=tenant, task__project=project, kind=TaskEntry.Kind.TIME,
        ).exclude(RUNNING_TIMER).aggregate(total=Sum("duration_seconds"))["total"]
        or 0
    )  # fmt: skip
    actual = quantize_ratio(seconds, 3600, 2)
    budget = project.budget_hours
    percent = None
    if budget:
        percent = quantize_ratio(seconds * 100 * 100, int(budget * 100) * 3600, 2)
    warning = percent is not None and percent >= project.budget_warning_percent
    return ProjectBudget(
        budget_hours=budget,
        actual_hours=actual,
        percent=percent,
        warning_percent=project.budget_warning_percent,
        warning=warning,
        over_budget=percent is not None and percent > 100,
    )


def billing_trigger_allows(prefix: str = "task__") -> Q:
    """Entries whose ticket's billing trigger lets them be billed now: the project's trigger,
    else the company's; ``continuous`` always, ``on_close`` once the ticket is closed (a
    single project's once the project is ready to bill)."""
    project = f"{prefix}project__"
    continuous = Q(**{f"{project}billing_trigger": BillingTrigger.CONTINUOUS}) | Q(
        **{f"{project}billing_trigger__isnull": True, "tenant__billing_trigger": "continuous"}
    )
    closed = Q(
        **{f"{project}kind": Project.Kind.SINGLE, f"{project}status": Project.Status.READY_TO_BILL}
    ) | Q(**{f"{project}kind": Project.Kind.ONGOING, f"{prefix}status": Task.Status.CLOSED})
    return continuous | closed


def tasks_waiting_to_close(*, tenant, require_approval: bool) -> QuerySet[Task]:
    """Billable tickets with finished, unbilled work that waits for the ticket to be closed
    (or its single project to be ready to bill): their billing trigger is ``on_close``. Each
    with `waiting_entries`, oldest work first."""
    entries = TaskEntry.objects.filter(
        task=models.OuterRef("pk"), billing_state=TaskEntry.BillingState.UNBILLED
    ).exclude(RUNNING_TIMER)
    if require_approval:
        entries = entries.filter(approval_status=TaskEntry.Approval.APPROVED)
    count = entries.order_by().values("task").annotate(n=models.Count("pk")).values("n")
    return (
        Task.objects.filter(
            tenant=tenant,
            billable=True,
            client__isnull=False,
            project__billing_model=Project.BillingModel.TIME_AND_MATERIALS,
        )
        .exclude(billing_trigger_allows(prefix=""))
        .annotate(waiting_entries=models.Subquery(count, output_field=IntegerField()))
        .filter(waiting_entries__gt=0)
        .select_related("project", "client")
        .order_by("project__name", "number")
    )


# --- task picker ------------------------------------------------------------------------------

TASK_SEARCH_LIMIT = 20
_SEARCH_WORDS = 6


def task_search(
    *,
    tenant,
    query: str = "",
    membership: Membership | None = None,
    limit: int = TASK_SEARCH_LIMIT,
) -> list[Task]:
    """Open tasks (open or in progress, on a project that takes work) for a task picker.

    Every word of `query` must match one of: the task's title or number ("#123" or "123"),
    its project's name or number, or its customer's name (the task's own customer, else the
    project's). With a `membership`, the tasks that member logged on most recently come first;
    then the newest tasks. At most `limit` tasks, with project and customers loaded.
    """
    qs = (
        Task.objects.filter(tenant=tenant, status__in=(Task.Status.OPEN, Task.Status.IN_PROGRESS))
        .exclude(project__status__in=(Project.Status.ON_HOLD, Project.Status.ARCHIVED))
        .select_related("project", "project__contact", "client")
    )
    for word in _text(query).split()[:_SEARCH_WORDS]:
        condition = (
            Q(title__icontains=word)
            | Q(project__name__icontains=word)
            | Q(project__number__icontains=word)
            | Q(client__name__icontains=word)
            | Q(project__contact__name__icontains=word)
        )
        number = word.removeprefix("#")
        if number.isdigit() and len(number) <= 9:
            condition |= Q(number=int(number))
        qs = qs.filter(condition)
    order: list[Any] = ["-number"]
    if membership is not None:
        qs = qs.annotate(
            last_logged=models.Max("entries__created_at", filter=Q(entries__membership=membership))
        )
        order.insert(0, F("last_logged").desc(nulls_last=True))
    return list(qs.order_by(*order)[: max(1, min(limit, 100))])


def tasks_by_ids(*, tenant, task_ids: list[int]) -> dict[int, Task]:
    """The tenant's tasks with these ids (project loaded), by id; unknown ids are left out."""
    tasks = Task.objects.filter(tenant=tenant, pk__in=task_ids).select_related("project")
    return {task.pk: task for task in tasks}
