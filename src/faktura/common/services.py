"""Cross-cutting services: the audit row every use case writes, and operations."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from faktura.common.context import CommandContext
from faktura.common.errors import FakturaError
from faktura.common.models import AuditEvent, Operation

log = logging.getLogger(__name__)


def audit_record(
    ctx: CommandContext,
    *,
    action: str,
    obj: Any = None,
    object_type: str = "",
    object_id: str = "",
    data: dict | None = None,
) -> AuditEvent:
    """Write the audit row for a state change; call it inside the change's transaction."""
    if obj is not None:
        object_type = object_type or obj._meta.model_name
        object_id = object_id or str(obj.pk)
    return AuditEvent.objects.create(
        tenant=ctx.tenant,
        actor=ctx.user,
        action=action,
        object_type=object_type,
        object_id=object_id,
        source=ctx.source,
        reason=ctx.reason,
        data=data or {},
    )


def operation_start(ctx: CommandContext, *, kind: str, task: Any, params: dict) -> Operation:
    """Create an Operation and enqueue `task(operation_id)` once the transaction commits.

    `task` is a django-tasks Task whose only argument is the operation id; it calls
    `operation_run` with the function that does the work.
    """
    with transaction.atomic():
        op = Operation.objects.create(
            tenant=ctx.tenant, kind=kind, params=params, created_by=ctx.user
        )
        audit_record(ctx, action="operation_start", obj=op, data={"kind": kind})

        def enqueue() -> None:
            result = task.enqueue(str(op.pk))
            Operation.objects.filter(pk=op.pk, task_id="").update(task_id=str(result.id))

        transaction.on_commit(enqueue)
    op.refresh_from_db()
    return op


def operation_run(operation_id: str, work: Callable[[Operation], dict | None]) -> dict | None:
    """Run `work(op)` for a queued operation and record the outcome on it.

    Claiming the row with a conditional update makes a duplicate delivery of the same task a
    no-op. A FakturaError is a business outcome and is stored as the operation's error; any
    other exception is stored too (with a generic message) and logged.
    """
    claimed = Operation.objects.filter(pk=operation_id, status=Operation.Status.QUEUED).update(
        status=Operation.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        log.info("operation %s is not queued any more; skipping", operation_id)
        return None
    op = Operation.objects.get(pk=operation_id)
    try:
        result = work(op)
    except FakturaError as exc:
        _finish(op, error={"code": exc.code, "message": exc.message, "fields": exc.fields})
        return None
    except Exception as exc:
        log.exception("operation %s failed", operation_id)
        _finish(
            op,
            error={
                "code": "internal_error",
                "message": f"{type(exc).__name__}: {exc}",
                "detail": traceback.format_exc(limit=5),
            },
        )
        return None
    _finish(op, result=result or {})
    return result


def operation_progress(op: Operation, percent: int) -> None:
    Operation.objects.filter(pk=op.pk).update(progress=max(0, min(100, percent)))


def _finish(op: Operation, *, result: dict | None = None, error: dict | None = None) -> None:
    Operation.objects.filter(pk=op.pk).update(
        status=Operation.Status.FAILED if error else Operation.Status.SUCCEEDED,
        progress=100 if error is None else op.progress,
        result=result,
        error=error,
        finished_at=timezone.now(),
    )
