"""Read queries of dunning charges (fees and default interest written with reminders): each
charge with what is still open of it, derived from its allocation rows. Every query is
filtered by tenant or by ids the caller read for its tenant.

Amounts are summed in Python (`core.money.exact_sum`), never by SQL: SQLite stores decimals
as floats.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from faktura.common.errors import NotFound
from faktura.common.sql import id_batches
from faktura.core.money import exact_sum, negate
from faktura.receivables.models import ChargeAllocation, ReceivableCharge


@dataclass(frozen=True)
class ChargeOpen:
    """A charge and its standing: `paid` (payments less reversals), `waived`, `open`."""

    id: int
    invoice_id: int
    reminder_id: int
    kind: str
    amount: Decimal
    currency: str
    date: dt.date
    paid: Decimal
    waived: Decimal
    open: Decimal


def _standing(charges: list[ReceivableCharge]) -> list[ChargeOpen]:
    rows: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
    for batch in id_batches(sorted(c.pk for c in charges)):
        query = ChargeAllocation.objects.filter(charge_id__in=batch).order_by()
        for charge_id, kind, amount in query.values_list("charge_id", "kind", "amount"):
            rows[charge_id].append((kind, amount))
    return [_open_of(charge, rows.get(charge.pk, [])) for charge in charges]


def _open_of(charge: ReceivableCharge, own: list[tuple[str, Decimal]]) -> ChargeOpen:
    zero = charge.amount * 0
    waived = exact_sum([zero, *(a for k, a in own if k == ChargeAllocation.Kind.WAIVER)])
    paid = exact_sum([zero, *(a for k, a in own if k != ChargeAllocation.Kind.WAIVER)])
    return ChargeOpen(
        id=charge.pk, invoice_id=charge.invoice_id, reminder_id=charge.reminder_id,
        kind=charge.kind, amount=charge.amount, currency=charge.currency, date=charge.date,
        paid=paid, waived=waived, open=exact_sum([charge.amount, negate(paid), negate(waived)]),
    )  # fmt: skip


def charges_of(invoice_ids: Iterable[int]) -> dict[int, list[ChargeOpen]]:
    """Every charge of these invoices with its standing, oldest first (each reminder's fee
    before its interest), by invoice id. Two queries per 500 invoices."""
    charges: list[ReceivableCharge] = []
    for batch in id_batches(sorted(set(invoice_ids))):
        charges.extend(ReceivableCharge.objects.filter(invoice_id__in=batch).order_by())
    charges.sort(key=lambda c: (c.date, c.reminder_id, c.pk))
    by_invoice: dict[int, list[ChargeOpen]] = defaultdict(list)
    for charge in _standing(charges):
        by_invoice[charge.invoice_id].append(charge)
    return by_invoice


def open_charges(invoice_id: int) -> list[ChargeOpen]:
    """The invoice's charges with something open, in the order payments settle them."""
    return [c for c in charges_of([invoice_id]).get(invoice_id, []) if c.open > 0]


def charges_open(invoice_ids: Iterable[int]) -> dict[int, Decimal]:
    """What is open of each invoice's charges (only invoices that have charges)."""
    return {
        invoice_id: exact_sum([c.open for c in charges])
        for invoice_id, charges in charges_of(invoice_ids).items()
    }


def charge_list(
    *, tenant, invoice_id: int | None = None, open_only: bool = False
) -> list[ChargeOpen]:
    """The company's charges (of one invoice), oldest first; `open_only`: something open."""
    query = ReceivableCharge.objects.filter(tenant=tenant)
    if invoice_id is not None:
        query = query.filter(invoice_id=invoice_id)
    charges = list(query.order_by("date", "reminder_id", "id"))
    found = _standing(charges)
    return [c for c in found if c.open > 0] if open_only else found


def open_charges_of_tenant(*, tenant) -> list[ChargeOpen]:
    """Every charge with something open, oldest first (the receivables view)."""
    return charge_list(tenant=tenant, open_only=True)


def standing_of_reminder(reminder) -> list[ChargeOpen]:
    """The charges a reminder wrote, with their standing: from the rows `reminder_list`
    prefetched (no query per reminder), else read."""
    cache = getattr(reminder, "_prefetched_objects_cache", {})
    if "charges" not in cache:
        return _standing(list(reminder.charges.order_by("id")))
    found = []
    for charge in reminder.charges.all():
        rows = [(a.kind, a.amount) for a in charge.allocations.all()]
        found.append(_open_of(charge, rows))
    return found


def charge_get(*, tenant, charge_id: int) -> ChargeOpen:
    charge = ReceivableCharge.objects.filter(tenant=tenant, pk=charge_id).first()
    if charge is None:
        raise NotFound("Charge not found.")
    return _standing([charge])[0]


def charges_open_where(**related) -> dict[int, Decimal]:
    """What is open of the dunning charges of the invoices that `related` (filters on
    `invoice__...`) selects, by invoice id (only those with something open); two queries
    whatever their number."""
    charges = {
        pk: (invoice_id, amount)
        for pk, invoice_id, amount in ReceivableCharge.objects.filter(**related)
        .order_by()
        .values_list("id", "invoice_id", "amount")
    }
    if not charges:
        return {}
    open_by: dict[int, list[Decimal]] = defaultdict(list)
    for invoice_id, amount in charges.values():
        open_by[invoice_id].append(amount)
    charge_related = {f"charge__{key}": value for key, value in related.items()}
    for charge_id, amount in (
        ChargeAllocation.objects.filter(**charge_related)
        .order_by()
        .values_list("charge_id", "amount")
    ):
        open_by[charges[charge_id][0]].append(negate(amount))
    totals = {invoice_id: exact_sum(amounts) for invoice_id, amounts in open_by.items()}
    return {invoice_id: total for invoice_id, total in totals.items() if total > 0}
