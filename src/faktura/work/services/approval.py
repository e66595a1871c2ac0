"""Approval of task entries: draft -> submitted -> approved | rejected, and reopening.

- submit: draft or rejected -> submitted, by the author or an approver; a running timer is
  stopped first;
- approve: submitted -> approved, by an approver; approvers do not approve their own entries,
  owners and admins may (in small companies they are the only approvers);
- reject: submitted -> rejected with a reason; the author edits the entry and submits again;
- reopen: submitted, approved or rejected -> draft, by an approver, while billing has not
  taken the entry (billing state `unbilled`).

Submitted and approved entries are locked (`TaskEntry.is_editable`). The bulk actions
apply to every given entry or to none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import transaction

from faktura.common.context import CommandContext
from faktura.common.errors import FakturaError, NotFound, PermissionDenied
from faktura.common.services import audit_record
from faktura.tenancy.roles import Role
from faktura.work.errors import EntryRunning, InvalidTransition, OwnEntry
from faktura.work.inputs import EntryIds, EntryReject
from faktura.work.models import TaskEntry
from faktura.work.selectors import entries_visible
from faktura.work.services.entries import _check_unbilled, _locked, _now

Approval = TaskEntry.Approval

# Roles that may approve their own entries (everyone else needs a second person).
SELF_APPROVING_ROLES = frozenset({Role.OWNER, Role.ADMIN})


def _is_author(ctx: CommandContext, entry: TaskEntry) -> bool:
    return ctx.membership is not None and entry.membership_id == ctx.membership.pk


def _transition_conflict(entry: TaskEntry, action: str) -> InvalidTransition:
    return InvalidTransition(f"The entry is {entry.approval_status}; it cannot be {action}.")


def _submit(ctx: CommandContext, entry: TaskEntry, now: dt.datetime) -> None:
    if not _is_author(ctx, entry) and not ctx.can("approve_entries"):
        raise PermissionDenied("Only the author or an approver may submit this entry.")
    if not entry.is_submittable:
        raise _transition_conflict(entry, "submitted")
    if entry.is_running:
        raise EntryRunning("Stop the timer before submitting the entry.")
    entry.approval_status = Approval.SUBMITTED
    entry.save(update_fields=["approval_status", "updated_at"])
    audit_record(ctx, action="entry_submit", obj=entry)


def _approve(ctx: CommandContext, entry: TaskEntry, now: dt.datetime) -> None:
    ctx.require("approve_entries")
    if _is_author(ctx, entry) and ctx.role not in SELF_APPROVING_ROLES:
        raise OwnEntry("Approvers do not approve their own entries; ask another approver.")
    if entry.approval_status != Approval.SUBMITTED:
        raise _transition_conflict(entry, "approved")
    entry.approval_status = Approval.APPROVED
    entry.approved_by = ctx.membership
    entry.approved_at = now
    entry.rejection_reason = ""
    entry.save(
        update_fields=[
            "approval_status", "approved_by", "approved_at", "rejection_reason", "updated_at",
        ]
    )  # fmt: skip
    audit_record(ctx, action="entry_approve", obj=entry)


def entry_submit(
    ctx: CommandContext, *, entry_id: int, now: dt.datetime | None = None
) -> TaskEntry:
    """Draft or rejected -> submitted, by the author or an approver."""
    ctx.require("log_time")
    with transaction.atomic():
        entry = _locked(ctx, entry_id)
        _submit(ctx, entry, _now(now))
    return entry


def entry_approve(
    ctx: CommandContext, *, entry_id: int, now: dt.datetime | None = None
) -> TaskEntry:
    """Submitted -> approved, by an approver (see the module docstring on own entries)."""
    ctx.require("approve_entries")
    with transaction.atomic():
        entry = _locked(ctx, entry_id)
        _approve(ctx, entry, _now(now))
    return entry


def entry_reject(ctx: CommandContext, *, entry_id: int, data: EntryReject) -> TaskEntry:
    """Submitted -> rejected with a reason the author reads; they edit and submit again."""
    ctx.require("approve_entries")
    reason = data.reason
    with transaction.atomic():
        entry = _locked(ctx, entry_id)
        if entry.approval_status != Approval.SUBMITTED:
            raise _transition_conflict(entry, "rejected")
        _check_unbilled(entry)
        entry.approval_status = Approval.REJECTED
        entry.rejection_reason = reason
        entry.approved_by = None
        entry.approved_at = None
        entry.save(
            update_fields=[
                "approval_status", "rejection_reason", "approved_by", "approved_at", "updated_at",
            ]
        )  # fmt: skip
        audit_record(ctx, action="entry_reject", obj=entry, data={"reason": reason})
    return entry


def entry_reopen(ctx: CommandContext, *, entry_id: int) -> TaskEntry:
    """Submitted, approved or rejected -> draft, by an approver, while billing has not taken
    the entry; its author can edit it again."""
    ctx.require("approve_entries")
    with transaction.atomic():
        entry = _locked(ctx, entry_id)
        if entry.approval_status == Approval.DRAFT:
            raise _transition_conflict(entry, "reopened")
        _check_unbilled(entry)
        previous = entry.approval_status
        entry.approval_status = Approval.DRAFT
        entry.approved_by = None
        entry.approved_at = None
        entry.save(update_fields=["approval_status", "approved_by", "approved_at", "updated_at"])
        audit_record(ctx, action="entry_reopen", obj=entry, data={"from": previous})
    return entry


def _bulk(
    ctx: CommandContext,
    data: EntryIds,
    action: Callable[[CommandContext, TaskEntry, dt.datetime], None],
    now: dt.datetime,
) -> list[TaskEntry]:
    """Apply `action` to every entry or to none: the first failure names its entry id."""
    ids = sorted(set(data.ids))
    with transaction.atomic():
        entries = {
            e.pk: e
            for e in entries_visible(tenant=ctx.tenant, viewer=ctx.membership)
            .select_for_update()
            .filter(pk__in=ids)
            .order_by("pk")
        }
        for pk in ids:
            entry = entries.get(pk)
            if entry is None:
                raise NotFound(f"Entry {pk} not found.", fields={"ids": str(pk)})
            try:
                action(ctx, entry, now)
            except FakturaError as exc:
                raise type(exc)(
                    f"Entry {pk}: {exc.message}", code=exc.code, fields={"ids": str(pk)}
                ) from exc
    return [entries[pk] for pk in ids]


def entries_submit(
    ctx: CommandContext, *, data: EntryIds, now: dt.datetime | None = None
) -> list[TaskEntry]:
    """Submit several entries at once, all or none."""
    ctx.require("log_time")
    return _bulk(ctx, data, _submit, _now(now))


def entries_approve(
    ctx: CommandContext, *, data: EntryIds, now: dt.datetime | None = None
) -> list[TaskEntry]:
    """Approve several submitted entries at once, all or none."""
    ctx.require("approve_entries")
    return _bulk(ctx, data, _approve, _now(now))
