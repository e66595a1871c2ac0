"""Background jobs of subscriptions: each fetches its operation and calls the service."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from faktura.common.context import operation_context
from faktura.common.models import Operation
from faktura.common.services import operation_run


def _due_run(op: Operation) -> dict:
    from faktura.subscriptions.inputs import DueRun
    from faktura.subscriptions.services.due import due_run

    until = op.params.get("until")
    data = DueRun(until=dt.date.fromisoformat(until) if until else None)
    return due_run(operation_context(op), data=data).as_dict()


@task()
def due_run_task(operation_id: str) -> None:
    operation_run(operation_id, _due_run)
