"""Use cases for tasks (tickets).

Every role may create and edit tasks; the price fields (`product_id`, `price_list_id`,
`unit_price`) decide what a customer pays and need `set_task_prices`; the billing fields
(`billable`, `client_id`, `project_id`) decide what is billed and to whom, and changing them
needs `set_task_billing` (a member creates a task in a project, with the project's defaults).
A task's number is the ticket number customers see: per tenant, the next after the highest,
assigned on creation.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from faktura.catalog.selectors import price_list_for_tenant, product_for_tenant, unit_for_tenant
from faktura.common.context import CommandContext
from faktura.common.errors import NotFound, PermissionDenied, ValidationFailed
from faktura.common.services import audit_record
from faktura.contacts.selectors import contact_for_tenant
from faktura.tenancy.models import Tenant
from faktura.work.errors import NumberConflict
from faktura.work.inputs import TaskCreate, TaskUpdate
from faktura.work.models import Project, Task
from faktura.work.selectors import membership_for_tenant, project_for_tenant

PRICE_FIELDS = ("product_id", "price_list_id", "unit_price")
BILLING_FIELDS = ("billable", "client_id", "project_id")
_NUMBER_ATTEMPTS = 5


def _given(data: TaskCreate | TaskUpdate) -> dict[str, Any]:
    """The fields the input sets: the non-null ones of a new task (the others take their
    defaults), the sent ones of a change."""
    if isinstance(data, TaskCreate):
        return {name: value for name, value in data if value is not None}
    return {name: getattr(data, name) for name in data.model_fields_set}


def _values(ctx: CommandContext, given: dict[str, Any]) -> dict[str, Any]:
    """The model fields of the given input fields, references looked up in this company."""
    values: dict[str, Any] = {}
    for name, value in given.items():
        if name == "project_id":
            values["project"] = project_for_tenant(ctx.tenant, value)
        elif name == "client_id":
            values["client"] = (
                None if value is None else contact_for_tenant(ctx.tenant, value, field=name)
            )
        elif name == "assignee_id":
            values["assignee"] = (
                None if value is None else membership_for_tenant(ctx.tenant, value, field=name)
            )
        elif name == "product_id":
            values["product"] = (
                None if value is None else product_for_tenant(ctx.tenant, value, field=name)
            )
        elif name == "price_list_id":
            values["price_list"] = (
                None if value is None else price_list_for_tenant(ctx.tenant, value, field=name)
            )
        elif name == "unit":
            values[name] = unit_for_tenant(ctx.tenant, code=value, field=name) if value else None
        else:
            values[name] = value
    return values


def _require_billing_fields(ctx: CommandContext, changed: list[str]) -> None:
    """403 naming the billing fields a role without `set_task_billing` tried to change."""
    if not changed or ctx.can("set_task_billing"):
        return
    message = "Changing it decides what is billed and to whom: it needs set_task_billing."
    raise PermissionDenied(
        f"Your role ({ctx.role}) does not allow set_task_billing: {', '.join(changed)}.",
        fields=dict.fromkeys(changed, message),
    )


def _check_rules(task: Task) -> None:
    if task.price_list is not None and task.price_list.currency != task.project.currency:
        raise ValidationFailed.field(
            "price_list_id",
            f"The price list is in {task.price_list.currency}, the project in "
            f"{task.project.currency}.",
        )


def _set_closed_at(task: Task, previous_status: str | None) -> None:
    """Closing records when; reopening (any other status) clears it."""
    if task.status == Task.Status.CLOSED and previous_status != Task.Status.CLOSED:
        task.closed_at = timezone.now()
    elif task.status != Task.Status.CLOSED:
        task.closed_at = None


def _insert_numbered(task: Task) -> None:
    """Insert with the tenant's next ticket number (highest + 1); call inside a transaction.

    The tenant row is locked first, so concurrent creations in one tenant take their numbers
    one after the other (SQLite serialises writers anyway). Should two still read the same
    highest number, the unique constraint rejects the second insert, which retries in its
    savepoint with a fresh read.
    """
    list(Tenant.objects.select_for_update().filter(pk=task.tenant_id).values_list("pk"))
    for attempt in range(_NUMBER_ATTEMPTS):
        try:
            with transaction.atomic():
                highest = Task.objects.filter(tenant=task.tenant).aggregate(n=Max("number"))["n"]
                task.number = (highest or 0) + 1
                task.save(force_insert=True)
                return
        except IntegrityError:
            task.pk = None
            if attempt == _NUMBER_ATTEMPTS - 1:
                raise NumberConflict("Could not assign a ticket number; try again.") from None


def task_create(ctx: CommandContext, *, data: TaskCreate) -> Task:
    """Create a ticket. `billable` defaults to whether the project is billed at all, the client
    to the project's customer."""
    ctx.require("manage_tasks")
    given = _given(data)
    if any(given.get(name) is not None for name in PRICE_FIELDS):
        ctx.require("set_task_prices")
    clean = _values(ctx, given)
    task = Task(tenant=ctx.tenant, **clean)
    project: Project = clean["project"]
    default_billable = project.billing_model != Project.BillingModel.NON_BILLABLE
    _require_billing_fields(
        ctx,
        [
            name
            for name, given, default in (
                ("billable", clean.get("billable", default_billable), default_billable),
                ("client_id", clean.get("client", project.contact), project.contact),
            )
            if given != default
        ],
    )
    if "billable" not in clean:
        task.billable = default_billable
    if "client" not in clean:
        task.client = project.contact
    _set_closed_at(task, previous_status=None)
    _check_rules(task)
    with transaction.atomic():
        _insert_numbered(task)
        audit_record(ctx, action="task_create", obj=task, data={"number": task.number})
    return task


def task_update(ctx: CommandContext, *, task_id: int, data: TaskUpdate) -> Task:
    ctx.require("manage_tasks")
    with transaction.atomic():
        task = Task.objects.select_for_update().filter(tenant=ctx.tenant, pk=task_id).first()
        if task is None:
            raise NotFound("Task not found.")
        given = _given(data)
        if any(name in given for name in PRICE_FIELDS):
            ctx.require("set_task_prices")
        current = {
            "billable": task.billable,
            "client_id": task.client_id,
            "project_id": task.project_id,
        }
        _require_billing_fields(
            ctx,
            [name for name in BILLING_FIELDS if name in given and given[name] != current[name]],
        )
        clean = _values(ctx, given)
        previous_status = task.status
        for key, value in clean.items():
            setattr(task, key, value)
        _set_closed_at(task, previous_status=previous_status)
        _check_rules(task)
        task.save()
        audit_record(
            ctx,
            action="task_update",
            obj=task,
            data={"fields": list(clean), "status": task.status},
        )
    return task
