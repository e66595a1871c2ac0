"""Builders for work tests: customers, projects, tasks and entries through the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from faktura.common.context import CommandContext
from faktura.common.inputs import parse
from faktura.contacts.inputs import ContactCreate
from faktura.contacts.services import contact_create
from faktura.tenancy.models import Membership
from faktura.work import services
from faktura.work.inputs import EntryCreate, ProjectCreate, TaskCreate, TaskUpdate

UTC = dt.UTC


def at(day: int, hour: int, minute: int = 0, *, month: int = 3) -> dt.datetime:
    """A fixed instant in March 2026 (UTC)."""
    return dt.datetime(2026, month, day, hour, minute, tzinfo=UTC)


def ctx_for(membership: Membership) -> CommandContext:
    return CommandContext(
        tenant=membership.tenant, membership=membership, user=membership.user, source="api"
    )


def make_contact(ctx: CommandContext, name: str = "Müller Maschinenbau GmbH", **kw: Any):
    return contact_create(ctx, data=ContactCreate(name=name, **kw))


def make_project(ctx: CommandContext, *, contact=None, **kw: Any):
    data: dict[str, Any] = {"name": "Support 2026", "scope": "external"}
    data.update(kw)
    if data["scope"] == "external" and "contact_id" not in data:
        data["contact_id"] = (contact or make_contact(ctx)).pk
    return services.project_create(ctx, data=parse(ProjectCreate, dict(**data)))


def make_task(ctx: CommandContext, project=None, **kw: Any):
    """A task; `client_id=None` makes one without a customer (a new task takes the project's,
    so the customer is removed after creating it)."""
    project = project or make_project(ctx)
    no_client = "client_id" in kw and kw["client_id"] is None
    if no_client:
        del kw["client_id"]
    task = services.task_create(
        ctx,
        data=parse(TaskCreate, dict(project_id=project.pk, title=kw.pop("title", "Printer"), **kw)),
    )
    if no_client:
        task = services.task_update(
            ctx, task_id=task.pk, data=parse(TaskUpdate, {"client_id": None})
        )
    return task


def log_time(ctx: CommandContext, task, start: dt.datetime, minutes: int = 60, **kw: Any):
    return services.entry_create(
        ctx,
        data=parse(
            EntryCreate,
            dict(
                task_id=task.pk,
                kind="time",
                started_at=start,
                stopped_at=start + dt.timedelta(minutes=minutes),
                **kw,
            ),
        ),
    )
