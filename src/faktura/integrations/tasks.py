"""Background jobs of integrations: a sync operation works the records it queued."""

from __future__ import annotations

from django_tasks import task

from faktura.common.models import Operation
from faktura.common.services import operation_run


def _sync(op: Operation) -> dict:
    from faktura.integrations.models import SyncRecord
    from faktura.integrations.worker import records_sync

    record_ids = list(op.params.get("record_ids", []))
    worked = records_sync(record_ids)
    outcomes: dict[str, int] = {}
    for record_id in record_ids:
        status = worked.get(record_id) or "skipped"
        outcomes[status] = outcomes.get(status, 0) + 1
    statuses = dict(
        SyncRecord.objects.filter(pk__in=op.params.get("record_ids", [])).values_list(
            "pk", "status"
        )
    )
    return {"outcomes": outcomes, "records": {str(k): v for k, v in statuses.items()}}


@task()
def sync_records_task(operation_id: str) -> None:
    operation_run(operation_id, _sync)
