"""Use cases for task entries: logging, the timer, and the billing-state hand-over.

Kinds and their fields:

- `time`: `started_at` and `stopped_at` (timezone-aware); without `stopped_at` the entry is a
  running timer (at most one per member); `duration_seconds` is the whole seconds between them.
  Or a bare `duration` (whole minutes, or text such as "1:30", "1,5", "90m", "1h 30m"; see
  `faktura.core.durations`) with neither end: finished work of that length, never a timer;
- `mileage`: `distance_km` (required, >= 0) and optionally `transport_minutes`;
- `expense` and `goods`: `quantity` (required, > 0), optionally `unit_price` and a description.

`date` is the day of the work in the tenant's time zone: by default the day the time entry
started, for other kinds the tenant's today.

Only draft and rejected entries can be edited, stopped or deleted (by their author, or by anyone
who sees all entries; see `approval` for the states). Once billing took an entry (billing state
other than `unbilled`) it cannot be edited or deleted any more.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from faktura.catalog.selectors import product_for_tenant
from faktura.common.context import CommandContext
from faktura.common.errors import Conflict, NotFound, ValidationFailed
from faktura.common.services import audit_record
from faktura.core.durations import MAX_MINUTES
from faktura.tenancy.selectors import tenant_today
from faktura.work.errors import (
    EntryBilled,
    EntryLocked,
    ProjectClosed,
    Required,
    TimerNotRunning,
    TimerRunning,
)
from faktura.work.inputs import DURATION_HINT, EntryCreate, EntryStop, EntryUpdate
from faktura.work.models import Project, TaskEntry
from faktura.work.selectors import (
    entries_visible,
    membership_for_tenant,
    running_timer,
    task_for_tenant,
)

Kind = TaskEntry.Kind
Approval = TaskEntry.Approval
BillingState = TaskEntry.BillingState

# The fields each kind uses; a value for another kind's field is refused, not silently kept.
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    Kind.TIME: ("started_at", "stopped_at"),
    Kind.MILEAGE: ("distance_km", "transport_minutes"),
    # Goods and expenses name their product (what the invoice line says); without one,
    # billing finds it through the task and the product assignments.
    Kind.EXPENSE: ("quantity", "unit_price", "product_id"),
    Kind.GOODS: ("quantity", "unit_price", "product_id"),
}
_ALL_KIND_FIELDS = ("started_at", "stopped_at", "distance_km", "transport_minutes", "quantity",
                    "unit_price", "product_id")  # fmt: skip
# A longer span is almost always a forgotten timer; the real stop time must be given.
MAX_DURATION = dt.timedelta(hours=24)
_UPDATE_CHUNK = 5000
CLOCK_SKEW = dt.timedelta(minutes=5)  # a client's clock may run this far ahead
# Projects in these states take no new work.
CLOSED_PROJECT_STATES = (Project.Status.ON_HOLD, Project.Status.ARCHIVED)


def _values(ctx: CommandContext, data: EntryCreate | EntryUpdate) -> dict[str, Any]:
    """The model fields the input sets (the sent ones of a change), with the task, member
    and product looked up in this company; `duration` stays in whole minutes."""
    if isinstance(data, EntryCreate):
        given = {name: value for name, value in data if value is not None}
    else:
        given = {name: getattr(data, name) for name in data.model_fields_set}
    values: dict[str, Any] = {}
    for name, value in given.items():
        if name == "task_id":
            values["task"] = task_for_tenant(ctx.tenant, value)
        elif name == "membership_id":
            values["membership"] = membership_for_tenant(ctx.tenant, value)
        elif name == "product_id":
            values["product"] = None if value is None else product_for_tenant(ctx.tenant, value)
        elif name == "description":
            values[name] = value or ""
        else:
            values[name] = value
    return values


def _take_duration(entry: TaskEntry, minutes: int | None) -> None:
    """Make the entry a bare duration when one is given: it has neither end then (the input
    refuses a duration together with either end)."""
    if minutes is None:
        return
    if entry.kind != Kind.TIME:
        raise ValidationFailed.field("duration", f"Not used by {entry.kind} entries.")
    entry.started_at = entry.stopped_at = None
    entry.duration_seconds = minutes * 60


def _apply_rules(
    ctx: CommandContext, entry: TaskEntry, *, derive_date: bool, now: dt.datetime
) -> None:
    """Check the kind's fields and derive `duration_seconds` and (when asked) `date`."""
    for name in _ALL_KIND_FIELDS:
        if name not in KIND_FIELDS[entry.kind] and getattr(entry, name) is not None:
            raise ValidationFailed.field(name, f"Not used by {entry.kind} entries.")
    if entry.kind == Kind.TIME and entry.started_at is None and entry.stopped_at is None:
        # A bare duration: finished work without a clock time.
        if not 0 < entry.duration_seconds <= MAX_MINUTES * 60:
            raise Required.field("duration", gettext(DURATION_HINT))
    elif entry.kind == Kind.TIME:
        if entry.started_at is None:
            raise Required.field("started_at", "A stopped time entry needs its start.")
        entry.duration_seconds = 0
        if entry.stopped_at is None and entry.started_at > now + CLOCK_SKEW:
            # It could never be stopped: a stop before its start is refused.
            raise ValidationFailed.field(
                "started_at", "A running timer cannot start in the future."
            )
        if entry.stopped_at is not None:
            span = entry.stopped_at - entry.started_at
            if span < dt.timedelta(0):
                message = gettext("The end must not be before the start.")
                raise ValidationFailed.field("stopped_at", message)
            if span > MAX_DURATION:
                raise ValidationFailed.field(
                    "stopped_at",
                    "An entry spans at most 24 hours; give the real stop time or split the "
                    "work into one entry per day.",
                )
            entry.duration_seconds = span // dt.timedelta(seconds=1)
    elif entry.kind == Kind.MILEAGE:
        if entry.distance_km is None:
            raise Required.field("distance_km", "This field is required.")
    elif entry.quantity is None:
        raise Required.field("quantity", "This field is required.")
    if derive_date:
        if entry.kind == Kind.TIME and entry.started_at is not None:
            zone = zoneinfo.ZoneInfo(ctx.tenant.timezone)
            entry.date = entry.started_at.astimezone(zone).date()
        else:
            entry.date = tenant_today(ctx.tenant, now)


def _check_project_open(entry: TaskEntry) -> None:
    project = entry.task.project
    if project.status in CLOSED_PROJECT_STATES:
        raise ProjectClosed(
            f"The project {project.name!r} is {project.status}; it takes no new entries."
        )


def _timer_conflict(running: TaskEntry) -> TimerRunning:
    return TimerRunning(
        f"A timer is already running (entry {running.pk}); stop it first.",
        fields={"entry_id": str(running.pk)},
    )


def _check_single_timer(entry: TaskEntry) -> None:
    if not entry.is_running:
        return
    running = running_timer(membership=entry.membership)
    if running is not None and running.pk != entry.pk:
        raise _timer_conflict(running)


def _save(entry: TaskEntry) -> None:
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError as exc:
        # A concurrent request started a timer between our check and this insert.
        running = running_timer(membership=entry.membership) if entry.is_running else None
        if running is not None:
            raise _timer_conflict(running) from exc
        raise Conflict("The entry conflicts with a concurrent change; try again.") from exc


def _locked(ctx: CommandContext, entry_id: int) -> TaskEntry:
    """The entry, locked for this transaction, if the actor may see it; 404 otherwise."""
    entry = (
        entries_visible(tenant=ctx.tenant, viewer=ctx.membership)
        .select_for_update()
        .filter(pk=entry_id)
        .first()
    )
    if entry is None:
        raise NotFound("Entry not found.")
    return entry


def _check_unbilled(entry: TaskEntry) -> None:
    if entry.billing_state != BillingState.UNBILLED:
        raise EntryBilled(f"The entry is {entry.billing_state} by billing and cannot be changed.")


def _check_editable(entry: TaskEntry) -> None:
    """Refuse a change to an entry that `TaskEntry.is_editable` says is locked: 409
    `entry_billed` once billing has taken it, else `entry_locked`."""
    if entry.is_editable:
        return
    _check_unbilled(entry)
    raise EntryLocked(f"The entry is {entry.approval_status}; an approver must reopen it first.")


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


# --- logging ----------------------------------------------------------------------------------


def entry_create(
    ctx: CommandContext, *, data: EntryCreate, now: dt.datetime | None = None
) -> TaskEntry:
    """Log an entry. A time entry with neither `started_at`, `stopped_at` nor `duration`
    starts a timer now; `membership_id` defaults to the actor, and logging for someone else
    needs `view_all_entries`."""
    ctx.require("log_time")
    now = _now(now)
    values = _values(ctx, data)
    minutes = values.pop("duration", None)
    membership = values.pop("membership", None) or ctx.membership
    if membership is None:
        raise Required.field("membership_id", "Whose entry is it?")
    if ctx.membership is not None and membership.pk != ctx.membership.pk:
        ctx.require("view_all_entries")
    entry = TaskEntry(tenant=ctx.tenant, membership=membership, **values)
    _take_duration(entry, minutes)
    if (
        entry.kind == Kind.TIME
        and minutes is None
        and entry.started_at is None
        and entry.stopped_at is None
    ):
        entry.started_at = now.replace(microsecond=0).astimezone(dt.UTC)
    _check_project_open(entry)
    _apply_rules(ctx, entry, derive_date=data.date is None, now=now)
    with transaction.atomic():
        _check_single_timer(entry)
        _save(entry)
        audit_record(ctx, action="entry_create", obj=entry, data={"kind": entry.kind})
    return entry


def entry_update(
    ctx: CommandContext, *, entry_id: int, data: EntryUpdate, now: dt.datetime | None = None
) -> TaskEntry:
    """Edit a draft or rejected entry. A new `started_at` moves `date` with it unless a date
    is given as well. The kind of an entry cannot change."""
    ctx.require("log_time")
    now = _now(now)
    with transaction.atomic():
        entry = _locked(ctx, entry_id)
        _check_editable(entry)
        values = _values(ctx, data)
        if values.get("kind", entry.kind) != entry.kind:
            raise ValidationFailed.field(
                "kind", "The kind of an entry cannot change; delete it and log a new one."
            )
        membership = values.get("membership")
        if (
            membership is not None
            and membership.pk != entry.membership_id
            and ctx.membership is not None
        ):
            ctx.require("view_all_entries")
        task_changed = "task" in values and values["task"].pk != entry.task_id
        _take_duration(entry, values.pop("duration", None))
        if "date" in values and values["date"] is None:
            del values["date"]  # a cleared date is derived again
            derive_date = True
        else:
            # a new start moves the day; a cleared one (a bare duration now) keeps it
            derive_date = "date" not in values and values.get("started_at") is not None
        for key, value in values.items():
            setattr(entry, key, value)
        if task_changed:
            _check_project_open(entry)
        _apply_rules(ctx, entry, derive_date=derive_date, now=now)
        _check_single_timer(entry)
        _save(entry)
        audit_record(
            ctx,
            action="entry_update",
            obj=entry,
            data={"fields": [n for n in EntryUpdate.model_fields if n in data.model_fields_set]},
        )
    return entry


def entry_delete(ctx: CommandContext, *, entry_id: int) -> None:
    ctx.require("log_time")
    with transaction.atomic():
        entry = _locked(ctx, entry_id)
        _check_editable(entry)
        audit_record(
            ctx,
            action="entry_delete",
            obj=entry,
            data={
                "kind": entry.kind,
                "task_id": entry.task_id,
                "membership_id": entry.membership_id,
                "date": entry.date.isoformat(),
                "duration_seconds": entry.duration_seconds,
            },
        )
        entry.delete()


def entry_stop(
    ctx: CommandContext,
    *,
    entry_id: int,
    data: EntryStop | None = None,
    now: dt.datetime | None = None,
) -> TaskEntry:
    """Stop a running timer, now or at the given `stopped_at`."""
    ctx.require("log_time")
    now = _now(now)
    with transaction.atomic():
        entry = _locked(ctx, entry_id)
        if not entry.is_running:
            raise TimerNotRunning("The entry is not a running timer.")
        _check_editable(entry)
        stop = data.stopped_at if data is not None else None
        if stop is None:
            stop = now.replace(microsecond=0).astimezone(dt.UTC)
            if entry.started_at is not None and stop < entry.started_at <= now:
                stop = now  # started within this very second
        entry.stopped_at = stop
        _apply_rules(ctx, entry, derive_date=False, now=now)
        _save(entry)
        audit_record(
            ctx, action="entry_stop", obj=entry, data={"duration_seconds": entry.duration_seconds}
        )
    return entry


# --- billing hand-over ------------------------------------------------------------------------


def entry_set_billing_state(
    ctx: CommandContext, *, entry_ids: Iterable[int], from_states: Iterable[str], to_state: str
) -> int:
    """Move entries currently in one of `from_states` to `to_state`; returns how many moved.

    A conditional UPDATE (one per 5,000 ids, as SQLite limits the parameters of a statement), so
    concurrent callers cannot move an entry twice, and nothing but `billing_state` changes on
    the work row (not even `updated_at`). Billing calls this.
    """
    ctx.require("manage_invoices")
    ids = sorted({int(i) for i in entry_ids})
    sources = sorted(set(from_states))
    for state in (*sources, to_state):
        if state not in BillingState.values:
            raise ValidationFailed.field("billing_state", f"Unknown billing state {state!r}.")
    if not ids or not sources:
        return 0
    moved = 0
    with transaction.atomic():
        for start in range(0, len(ids), _UPDATE_CHUNK):
            moved += TaskEntry.objects.filter(
                tenant=ctx.tenant,
                pk__in=ids[start : start + _UPDATE_CHUNK],
                billing_state__in=sources,
            ).update(billing_state=to_state)
        listed = {"ids": ids} if len(ids) <= 1000 else {"first_id": ids[0], "last_id": ids[-1]}
        audit_record(
            ctx,
            action="entry_set_billing_state",
            object_type="taskentry",
            data={
                **listed,
                "requested": len(ids),
                "from": sources,
                "to": to_state,
                "moved": moved,
            },
        )
    return moved
