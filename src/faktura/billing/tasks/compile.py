"""The background job of `POST /billable-items/compile`: runs compile for its operation."""

from __future__ import annotations

from django_tasks import task

from faktura.common.context import CommandContext
from faktura.common.errors import PermissionDenied
from faktura.common.models import Operation
from faktura.common.services import operation_progress, operation_run
from faktura.tenancy.models import Membership


def _context(op: Operation) -> CommandContext:
    """Act as the member who started the operation (their role still applies when it runs);
    an operation nobody started (CLI, schedule) runs as the system."""
    membership = None
    if op.created_by_id is not None:
        membership = (
            Membership.objects.filter(
                tenant_id=op.tenant_id, user_id=op.created_by_id, is_active=True
            )
            .select_related("user", "tenant")
            .first()
        )
        if membership is None:
            raise PermissionDenied("The member who started this operation left the company.")
    return CommandContext(
        tenant=op.tenant, membership=membership, user=op.created_by, source="task",
        reason="compile billable items",
    )  # fmt: skip


def _compile(op: Operation) -> dict:
    from faktura.billing.services.compile import billable_items_compile

    last = [-1]

    def progress(done: int, total: int) -> None:
        percent = min(99, done * 100 // total) if total else 99
        if percent != last[0]:
            last[0] = percent
            operation_progress(op, percent)

    result = billable_items_compile(
        _context(op),
        entry_ids=op.params.get("entry_ids"),
        until=op.params.get("until"),
        progress=progress,
    )
    return result.as_dict()


@task()
def billable_items_compile_task(operation_id: str) -> None:
    operation_run(operation_id, _compile)
