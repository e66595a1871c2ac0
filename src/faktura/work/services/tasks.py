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
from faktura.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from faktura.common.services import audit_record
from faktura.contacts.selectors import contact_for_tenant
from faktura.tenancy.models import Tenant
from faktura.work.models import Project, Task
from faktura.work.selectors import membership_for_tenant, project_for_tenant
from faktura.work.services import _fields as f

PRICE_FIELDS = ("product_id", "price_list_id", "unit_price")
BILLING_FIELDS = ("billable", "client_id", "project_id")
_NUMBER_ATTEMPTS = 5


def _clean(ctx: CommandContext, data: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for name, value in data.items():
        if name == "project_id":
            if value is None:
                raise ValidationFailed.field(name, "This field is required.", code="required")
            clean["project"] = project_for_tenant(ctx.tenant, value)
        elif name == "title":
            clean[name] = f.required_text(name, value)
        elif name == "description":
            clean[name] = f.text(name, value, multiline=True)
        elif name == "task_type":
            clean[name] = f.choice(name, value, Task.TaskType.values)
        elif name == "status":
            clean[name] = f.choice(name, value, Task.Status.values)
        elif name == "billable":
            clean[name] = f.boolean(name, value)
        elif name == "client_id":
            clean["client"] = (
                None if value is None else contact_for_tenant(ctx.tenant, value, field=name)
            )
        elif name == "assignee_id":
            clean["assignee"] = (
                None if value is None else membership_for_tenant(ctx.tenant, value, field=name)
            )
        elif name == "product_id":
            clean["product"] = (
                None if value is None else product_for_tenant(ctx.tenant, value, field=name)
            )
        elif name == "price_list_id":
            clean["price_list"] = (
                None if value is None else price_list_for_tenant(ctx.tenant, value, field=name)
            )
        elif name == "unit":
            code = f.text(name, value).upper()
            clean[name] = unit_for_tenant(ctx.tenant, code=code, field=name) if code else None
        elif name == "unit_price":
            clean[name] = f.decimal(name, value, places=6, digits=18)
        elif name == "estimate_hours":
            clean[name] = f.decimal(name, value, places=2, digits=10)
        else:
            raise ValidationFailed.field(name, "Unknown field.")
    return clean


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
                raise Conflict(
                    "Could not assign a ticket number; try again.", code="number_conflict"
                ) from None


def task_create(ctx: CommandContext, **data: Any) -> Task:
    """Create a ticket. `billable` defaults to whether the project is billed at all, the client
    to the project's customer."""
    ctx.require("manage_tasks")
    for name in ("project_id", "title"):
        if data.get(name) is None:
            raise ValidationFailed.field(name, "This field is required.", code="required")
    if any(data.get(name) is not None for name in PRICE_FIELDS):
        ctx.require("set_task_prices")
    clean = _clean(ctx, data)
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


def task_update(ctx: CommandContext, *, task_id: int, **data: Any) -> Task:
    ctx.require("manage_tasks")
    with transaction.atomic():
        task = Task.objects.select_for_update().filter(tenant=ctx.tenant, pk=task_id).first()
        if task is None:
            raise NotFound("Task not found.")
        if any(name in data for name in PRICE_FIELDS):
            ctx.require("set_task_prices")
        current = {
            "billable": task.billable,
            "client_id": task.client_id,
            "project_id": task.project_id,
        }
        _require_billing_fields(
            ctx, [name for name in BILLING_FIELDS if name in data and data[name] != current[name]]
        )
        clean = _clean(ctx, data)
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
