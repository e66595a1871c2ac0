"""Background jobs of invoicing: each fetches its operation and calls the service."""

from __future__ import annotations

from django_tasks import task

from faktura.billing.inputs import BillingRun, InvoicesGenerate
from faktura.billing.services.generation import billing_run, invoices_generate
from faktura.common.context import operation_context
from faktura.common.models import Operation
from faktura.common.services import operation_run


def _generate(op: Operation) -> dict:
    data = InvoicesGenerate.model_validate(op.params)
    invoices = invoices_generate(operation_context(op), data=data)
    return {
        "invoice_ids": [invoice.pk for invoice in invoices],
        "count": len(invoices),
        "items": len(data.billable_item_ids),
    }


@task()
def invoices_generate_task(operation_id: str) -> None:
    operation_run(operation_id, _generate)


def _billing_run(op: Operation) -> dict:
    return billing_run(operation_context(op), data=BillingRun.model_validate(op.params)).as_dict()


@task()
def billing_run_task(operation_id: str) -> None:
    operation_run(operation_id, _billing_run)
