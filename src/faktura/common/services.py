"""Cross-cutting services: the audit row every use case writes, and operations."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import traceback
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from faktura.common.context import CommandContext
from faktura.common.errors import FakturaError
from faktura.common.models import AuditEvent, Operation

log = logging.getLogger(__name__)


def _audit_event(
    ctx: CommandContext, *, action: str, object_type: str, object_id: str, data: dict | None
) -> AuditEvent:
    return AuditEvent(
        tenant=ctx.tenant,
        actor=ctx.user,
        action=action,
        object_type=object_type,
        object_id=object_id,
        source=ctx.source,
        reason=ctx.reason,
        data=data or {},
    )


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
    event = _audit_event(
        ctx, action=action, object_type=object_type, object_id=object_id, data=data
    )
    event.save(force_insert=True)
    return event


def audit_records(
    ctx: CommandContext, *, action: str, rows: Iterable[tuple[Any, dict]], batch_size: int = 500
) -> None:
    """The bulk variant of `audit_record`: one audit row per (object, data), written in as few
    statements as `batch_size` allows (runs touch many drafts). Call it inside the change's
    transaction."""
    AuditEvent.objects.bulk_create(
        [
            _audit_event(
                ctx,
                action=action,
                object_type=obj._meta.model_name,
                object_id=str(obj.pk),
                data=data,
            )
            for obj, data in rows
        ],
        batch_size=batch_size,
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
    no-op. While the work runs, a heartbeat renews the operation's lease, so a worker that
    dies mid-way leaves an operation whose lease runs out (see `operations_expire`). A
    FakturaError is a business outcome and is stored as the operation's error; any other
    exception is stored too (with a generic message) and logged.
    """
    now = timezone.now()
    claimed = Operation.objects.filter(pk=operation_id, status=Operation.Status.QUEUED).update(
        status=Operation.Status.RUNNING,
        started_at=now,
        heartbeat_at=now,
        lease_until=now + _lease(),
    )
    if not claimed:
        log.info("operation %s is not queued any more; skipping", operation_id)
        return None
    op = Operation.objects.get(pk=operation_id)
    heartbeat = _Heartbeat(op.pk) if not connection.in_atomic_block else None
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
    finally:
        if heartbeat is not None:
            heartbeat.stop()
    _finish(op, result=result or {})
    return result


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.FAKTURA_OPERATION_LEASE_SECONDS)


def _renew(operation_id: Any) -> None:
    now = timezone.now()
    Operation.objects.filter(pk=operation_id, status=Operation.Status.RUNNING).update(
        heartbeat_at=now, lease_until=now + _lease()
    )


class _Heartbeat:
    """Renews an operation's lease from a thread of its own (with its own database
    connection) every sixth of the lease, so a missed beat or two (a busy SQLite writer)
    does not let it run out while the worker is alive.

    Not started when the work runs inside an outer transaction (the immediate backend in a
    request or a test): the claimed row is not visible to another connection then, and the
    work ends with the call anyway."""

    def __init__(self, operation_id: Any):
        self.operation_id = operation_id
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"lease-{operation_id}", daemon=True)
        self.thread.start()

    def _beat(self) -> None:
        from django.db import connections

        interval = max(0.2, settings.FAKTURA_OPERATION_LEASE_SECONDS / 6)
        try:
            while not self.stopped.wait(interval):
                try:
                    _renew(self.operation_id)
                except DatabaseError:
                    log.warning("could not renew the lease of operation %s", self.operation_id)
        finally:
            connections.close_all()

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=30)


INTERRUPTED = {
    "code": "interrupted",
    "message": (
        "The worker running this operation stopped (a crash or restart) before it finished. "
        "What it had completed is kept and nothing is done twice: start it again."
    ),
}


def operations_expire(*, tenant: Any = None, operation_id: Any = None) -> int:
    """Mark running operations whose lease ran out as failed with the `interrupted` error,
    each with an audit row; answers how many. All tenants unless `tenant` is given, one
    operation when `operation_id` is.

    Failing them (rather than running them again) is deliberate: every operation's work is
    idempotent (compile, generation and billing runs bill nothing twice), so the person who
    started it restarts it knowingly, while a resumed run could surprise them hours later.
    Reading first keeps the common case (nothing expired) free of a write lock."""
    now = timezone.now()
    stale = Operation.objects.filter(status=Operation.Status.RUNNING, lease_until__lt=now)
    if tenant is not None:
        stale = stale.filter(tenant=tenant)
    if operation_id is not None:
        stale = stale.filter(pk=operation_id)
    ids = list(stale.values_list("pk", flat=True)[:500])
    expired = 0
    for pk in ids:
        with transaction.atomic():
            done = Operation.objects.filter(
                pk=pk, status=Operation.Status.RUNNING, lease_until__lt=now
            ).update(status=Operation.Status.FAILED, error=INTERRUPTED, finished_at=now)
            if not done:
                continue  # renewed or finished meanwhile
            op = Operation.objects.select_related("tenant").get(pk=pk)
            ctx = CommandContext(tenant=op.tenant, source="system", reason="lease expired")
            audit_record(ctx, action="operation_expire", obj=op, data={"kind": op.kind})
            expired += 1
    if expired:
        log.warning("marked %d interrupted operation(s) failed", expired)
    return expired


def operation_progress(op: Operation, percent: int) -> None:
    """Record progress; it is a sign of life too, so it renews the lease."""
    now = timezone.now()
    Operation.objects.filter(pk=op.pk).update(
        progress=max(0, min(100, percent)), heartbeat_at=now, lease_until=now + _lease()
    )


def _finish(op: Operation, *, result: dict | None = None, error: dict | None = None) -> None:
    # Unconditional: a worker that outlived its lease (marked interrupted meanwhile) and
    # still finished records what really happened.
    Operation.objects.filter(pk=op.pk).update(
        status=Operation.Status.FAILED if error else Operation.Status.SUCCEEDED,
        progress=100 if error is None else op.progress,
        result=result,
        error=error,
        finished_at=timezone.now(),
    )
