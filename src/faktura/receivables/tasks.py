"""Background jobs of receivables: each fetches its operation and calls the service."""

from __future__ import annotations

from django_tasks import task

from faktura.common.context import operation_context
from faktura.common.models import Operation
from faktura.common.services import operation_run


def _import(op: Operation) -> dict:
    from faktura.receivables.services.bank import bank_statement_import

    statement = bank_statement_import(
        operation_context(op), statement_id=op.params.get("statement_id")
    )
    return {
        "statement_id": statement.pk,
        "format": statement.format,
        "account": statement.account,
        "transactions": statement.transactions,
        "matched": statement.matched,
        "suggested": statement.suggested,
        "unmatched": statement.unmatched,
        "duplicates": statement.duplicates,
    }


@task()
def bank_statement_import_task(operation_id: str) -> None:
    operation_run(operation_id, _import)


def _dunning_run(op: Operation) -> dict:
    from faktura.receivables.inputs import DunningRunStart
    from faktura.receivables.services.dunning import dunning_run

    reminders = dunning_run(
        operation_context(op), data=DunningRunStart(invoice_ids=op.params.get("invoice_ids"))
    )
    return {
        "reminders": len(reminders),
        "reminder_ids": [r.pk for r in reminders],
        "invoice_ids": [r.invoice_id for r in reminders],
    }


@task()
def dunning_run_task(operation_id: str) -> None:
    operation_run(operation_id, _dunning_run)
