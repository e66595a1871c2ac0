"""The use cases that run in the background: each checks its input now (so a bad request answers
400 at once) and queues its task as an operation (the API answers 202 with it).

They live apart from the services they run so that the services never import their tasks (the
tasks call the services).
"""

from __future__ import annotations

from faktura.billing.inputs import BillingRun, InvoicesGenerate, ItemsCompile
from faktura.billing.services.compile import COMPILE_OPERATION, compile_params
from faktura.billing.services.generation import generate_check
from faktura.billing.tasks.compile import billable_items_compile_task
from faktura.billing.tasks.invoices import billing_run_task, invoices_generate_task
from faktura.common.context import CommandContext
from faktura.common.models import Operation
from faktura.common.services import operation_start


def billable_items_compile_start(ctx: CommandContext, *, data: ItemsCompile) -> Operation:
    """Queue a compile run as an operation. The input is checked now, so a bad id answers 400
    instead of failing in the background."""
    params = compile_params(ctx, data=data)
    return operation_start(
        ctx, kind=COMPILE_OPERATION, task=billable_items_compile_task, params=params
    )


def invoices_generate_start(ctx: CommandContext, *, data: InvoicesGenerate) -> Operation:
    """Check the request now (400/409 at once) and generate in the background; the operation's
    result lists the new invoice ids."""
    ids = generate_check(ctx, data=data)
    return operation_start(
        ctx,
        kind="invoices_generate",
        task=invoices_generate_task,
        params={"billable_item_ids": ids, "grouping": data.grouping},
    )


def billing_run_start(ctx: CommandContext, *, data: BillingRun) -> Operation:
    """Run the billing run in the background (the input's period was checked already); the
    operation's result is the run's summary (``BillingRunResult.as_dict``)."""
    ctx.require("manage_invoices")
    return operation_start(
        ctx, kind="billing_run", task=billing_run_task, params=data.model_dump(mode="json")
    )
