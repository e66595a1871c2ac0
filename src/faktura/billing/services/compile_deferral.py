"""Carrying compiled items forward to a later period, and bringing them back.

A deferred item stays compiled (priced, with its warnings) but no draft takes it until it is
restored to pending: by hand, or by `billable_items_restore` with ``due`` once its
``deferred_until`` date has come. Its entry reads ``deferred`` meanwhile (`entry_states_sync`,
in the same transaction).
"""

from __future__ import annotations

from django.db import transaction

from faktura.billing.errors import ItemsNotInState
from faktura.billing.inputs import MAX_IDS as MAX_ITEMS
from faktura.billing.inputs import ItemsDefer, ItemsRestore
from faktura.billing.models import BillableItem
from faktura.billing.states import entry_states_sync
from faktura.common.context import CommandContext
from faktura.common.errors import ValidationFailed
from faktura.common.services import audit_record

Status = BillableItem.Status


def _move(
    ctx: CommandContext, ids: list[int], *, source: str, target: str, **fields: object
) -> int:
    """Move the items from `source` to `target` status, all or none, entries following."""
    items = list(
        BillableItem.objects.select_for_update()
        .filter(tenant=ctx.tenant, pk__in=ids)
        .order_by("pk")
        .values_list("pk", "status", "entry_id")
    )
    unknown = sorted(set(ids) - {pk for pk, _, _ in items})
    if unknown:
        raise ValidationFailed.field(
            "item_ids", f"No such billable items: {', '.join(map(str, unknown[:20]))}."
        )
    wrong = [pk for pk, status, _ in items if status != source]
    if wrong:
        raise ItemsNotInState(
            f"These billable items are not {source}: {', '.join(map(str, wrong[:20]))}.",
            fields={"item_ids": f"Not {source}: {', '.join(map(str, wrong[:20]))}."},
        )
    moved = BillableItem.objects.filter(tenant=ctx.tenant, pk__in=ids, status=source).update(
        status=target, **fields
    )
    entry_states_sync(entry_ids=[entry_id for _, _, entry_id in items])
    return moved


def billable_items_defer(ctx: CommandContext, *, data: ItemsDefer) -> int:
    """Pending items -> deferred until a date (after today's work, typically next month).
    All or nothing: an unknown id answers 400, an item that is not pending 409."""
    ctx.require("manage_invoices")
    ids, until = data.item_ids, data.until
    with transaction.atomic():
        moved = _move(ctx, ids, source=Status.PENDING, target=Status.DEFERRED, deferred_until=until)
        audit_record(
            ctx, action="billable_items_defer", object_type="billable_item",
            data={"items": moved, "until": until.isoformat(), "first_id": ids[0]},
        )  # fmt: skip
    return moved


def billable_items_restore(ctx: CommandContext, *, data: ItemsRestore) -> int:
    """Deferred items -> pending again: the named ones (all or nothing), or with ``due`` every
    deferred item whose date has come (``deferred_until <= due``)."""
    ctx.require("manage_invoices")
    due = data.due
    with transaction.atomic():
        if data.item_ids is not None:
            ids = data.item_ids
        else:
            ids = list(
                BillableItem.objects.filter(
                    tenant=ctx.tenant, status=Status.DEFERRED, deferred_until__lte=due
                ).values_list("pk", flat=True)
            )
        moved = 0
        for start in range(0, len(ids), MAX_ITEMS):
            chunk = ids[start : start + MAX_ITEMS]
            moved += _move(
                ctx, chunk, source=Status.DEFERRED, target=Status.PENDING, deferred_until=None
            )
        audit_record(
            ctx, action="billable_items_restore", object_type="billable_item",
            data={"items": moved, "due": due.isoformat() if due else None},
        )  # fmt: skip
    return moved
