"""The billing state of a work entry, derived from its billable items.

An entry may have more than one live item (a mileage entry bills distance and travel time).
Its `billing_state` is a function of those items, recomputed in the same transaction whenever
an item changes status, so entry and items can never disagree:

    any item invoiced          -> invoiced
    else any item on a draft   -> on_draft
    else any item pending      -> compiled
    else any item deferred     -> deferred
    else any not billable      -> not_billable
    else any written off       -> written_off
    no live item               -> unbilled   (never compiled, or released by a credit note)

"Released" items are history: the entry may be compiled again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from faktura.billing.models import BillableItem
from faktura.common.sql import id_batches, id_in
from faktura.work.models import TaskEntry

Item = BillableItem.Status
Entry = TaskEntry.BillingState

# item status -> entry billing state, in precedence order
PRECEDENCE: tuple[tuple[str, str], ...] = (
    (Item.INVOICED, Entry.INVOICED),
    (Item.ON_DRAFT, Entry.ON_DRAFT),
    (Item.PENDING, Entry.COMPILED),
    (Item.DEFERRED, Entry.DEFERRED),
    (Item.NOT_BILLABLE, Entry.NOT_BILLABLE),
    (Item.WRITTEN_OFF, Entry.WRITTEN_OFF),
)


def derive_entry_state(item_statuses: Iterable[str]) -> str:
    """The entry's billing state for the statuses of all its items (released ones ignored)."""
    present = set(item_statuses)
    for item_status, entry_state in PRECEDENCE:
        if item_status in present:
            return entry_state
    return Entry.UNBILLED


def entry_states_sync(*, entry_ids: Iterable[int]) -> int:
    """Recompute and store the billing state of these entries; returns how many changed.

    Call inside the transaction that changed their items. Per batch of ids (`id_batches`) one
    query reads the items and one UPDATE per resulting state writes the entries that differ.
    """
    ids = sorted({i for i in entry_ids if i is not None})
    changed = 0
    for batch in id_batches(ids):
        statuses: dict[int, list[str]] = defaultdict(list)
        items = BillableItem.objects.filter(id_in("entry_id", batch)).order_by()
        for entry_id, status in items.values_list("entry_id", "status"):
            statuses[entry_id].append(status)
        wanted: dict[str, list[int]] = defaultdict(list)
        for entry_id in batch:
            wanted[derive_entry_state(statuses.get(entry_id, ()))].append(entry_id)
        for state, state_ids in wanted.items():
            changed += (
                TaskEntry.objects.filter(id_in("pk", state_ids))
                .exclude(billing_state=state)
                .order_by()
                .update(billing_state=state)
            )
    return changed
