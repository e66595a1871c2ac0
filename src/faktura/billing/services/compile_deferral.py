"""Carrying compiled items forward to a later period, and bringing them back.

A deferred item stays compiled (priced, with its warnings) but no draft takes it until it is
restored to pending: by hand, or by `billable_items_restore` with ``due`` once its
``deferred_until`` date has come. Its entry reads ``deferred`` meanwhile (`entry_states_sync`,
in the same transaction).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from faktura.billing.models import BillableItem
from faktura.billing.states import entry_states_sync
from faktura.common.context import CommandContext
from faktura.common.errors import Conflict, Required, ValidationFailed
from faktura.common.services import audit_record

Status = BillableItem.Status
MAX_ITEMS = 10_000


class ItemsNotInState(Conflict):
    """Some items are not in the state this action starts from."""

    code = "items_not_in_state"


def _clean_ids(value: Any) -> list[int]:
    if isinstance(value, str | bytes) or not isinstance(value, list | tuple | set):
        raise ValidationFailed.field("item_ids", "Must be a list of billable item ids.")
    ids = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int) or item < 1:
            raise ValidationFailed.field("item_ids", "Must be a list of billable item ids.")
        ids.append(item)
    ids = sorted(set(ids))
    if not ids:
        raise Required.field("item_ids", "Name at least one item.")
    if len(ids) > MAX_ITEMS:
        raise ValidationFailed.field("item_ids", f"At most {MAX_ITEMS} items at once.")
    return ids


def _clean_date(field: str, value: Any) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValidationFailed.field(field, "Must be a date (YYYY-MM-DD).")


def _move(ctx: CommandContext, ids: list[int], *, source: str, target: str, **fields) -> int:
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


def billable_items_defer(ctx: CommandContext, *, item_ids: Any, until: Any) -> int:
    """Pending items -> deferred until a date (after today's work, typically next month).
    All or nothing: an unknown id answers 400, an item that is not pending 409."""
    ctx.require("manage_invoices")
    ids = _clean_ids(item_ids)
    until = _clean_date("until", until)
    with transaction.atomic():
        moved = _move(ctx, ids, source=Status.PENDING, target=Status.DEFERRED, deferred_until=until)
        audit_record(
            ctx, action="billable_items_defer", object_type="billable_item",
            data={"items": moved, "until": until.isoformat(), "first_id": ids[0]},
        )  # fmt: skip
    return moved


def billable_items_restore(ctx: CommandContext, *, item_ids: Any = None, due: Any = None) -> int:
    """Deferred items -> pending again: the named ones (all or nothing), or with ``due`` every
    deferred item whose date has come (``deferred_until <= due``)."""
    ctx.require("manage_invoices")
    if (item_ids is None) == (due is None):
        raise ValidationFailed.field("item_ids", "Name the items, or give a due date instead.")
    with transaction.atomic():
        if item_ids is not None:
            ids = _clean_ids(item_ids)
        else:
            due = _clean_date("due", due)
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
