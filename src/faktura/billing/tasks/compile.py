"""The background job of `POST /billable-items/compile`: runs compile for its operation."""

from __future__ import annotations

from django_tasks import task

from faktura.billing.inputs import ItemsCompile
from faktura.billing.services.compile import billable_items_compile
from faktura.common.context import operation_context
from faktura.common.models import Operation
from faktura.common.services import operation_progress, operation_run


def _compile(op: Operation) -> dict:
    last = [-1]

    def progress(done: int, total: int) -> None:
        percent = min(99, done * 100 // total) if total else 99
        if percent != last[0]:
            last[0] = percent
            operation_progress(op, percent)

    result = billable_items_compile(
        operation_context(op, reason="compile billable items"),
        data=ItemsCompile.model_validate(op.params),
        progress=progress,
    )
    return result.as_dict()


@task()
def billable_items_compile_task(operation_id: str) -> None:
    operation_run(operation_id, _compile)
