"""Background jobs of invoicing: each fetches its operation and calls the service."""

from __future__ import annotations

from django_tasks import task

from faktura.common.context import CommandContext
from faktura.common.errors import PermissionDenied
from faktura.common.models import Operation
from faktura.common.services import operation_run
from faktura.tenancy.models import Membership


def operation_context(op: Operation) -> CommandContext:
    """Act as the member who started the operation: their role still applies. A member who
    left the tenant meanwhile may not act any more; operations without a starter (CLI) run as
    the system."""
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
        tenant=op.tenant, membership=membership, user=op.created_by, source="task"
    )


def _generate(op: Operation) -> dict:
    from faktura.billing.services.generation import invoices_generate

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
    from faktura.billing.services.generation import billing_run

    return billing_run(operation_context(op), period=op.params.get("period")).as_dict()


@task()
def billing_run_task(operation_id: str) -> None:
    operation_run(operation_id, _billing_run)
