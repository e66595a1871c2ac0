"""Background jobs of invoicing: each fetches its operation and calls the service."""

from __future__ import annotations

from django_tasks import task

from faktura.billing.services.generation import billing_run, invoices_generate
from faktura.common.context import operation_context
from faktura.common.models import Operation
from faktura.common.services import operation_run


def _generate(op: Operation) -> dict:
    item_ids = op.params.get("billable_item_ids")
    invoices = invoices_generate(
        operation_context(op), item_ids=item_ids, grouping=op.params.get("grouping")
    )
    return {
        "invoice_ids": [invoice.pk for invoice in invoices],
        "count": len(invoices),
        "items": len(item_ids or ()),
    }


@task()
def invoices_generate_task(operation_id: str) -> None:
    operation_run(operation_id, _generate)


def _billing_run(op: Operation) -> dict:
    return billing_run(operation_context(op), period=op.params.get("period")).as_dict()


@task()
def billing_run_task(operation_id: str) -> None:
    operation_run(operation_id, _billing_run)
