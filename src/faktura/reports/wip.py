"""Unbilled work (WIP, DESIGN.md section 6.2): what has been done and not billed yet, by
customer and age, with its value; and the hours deferred or written off in the period.

- Pending billable items (compiled, not on an invoice): their stored ``amount`` (what the
  invoice will say), aged by their service date.
- Approved, unbilled entries that billing may compile (`entries_billable_candidates` with
  approval required): valued at the unit price billing would use (`billing.services.pricing`,
  the same resolution as compile) x the logged hours, or their own quantity x price for goods
  and expenses. Time rounding rules apply only when compiled, so this is the value before
  rounding. Mileage is counted, not valued (its product and distance rules are billing's).
- Age: days from the service date (entries: their day) to the report's last day, in buckets
  0-30, 31-60, 61-90, over 90. Only work up to that day counts.
- Deferred and written-off: time entries of the period in those billing states.

Amounts are exact decimal sums per currency, rounded once at the end (2 decimals).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.db.models import Case, CharField, Sum, Value, When

from faktura.billing.models import BillableItem
from faktura.billing.selectors.items import compile_tasks
from faktura.billing.services.pricing import Pricing
from faktura.catalog.models import LineKind
from faktura.contacts.models import Contact
from faktura.core.money import quantize_fraction
from faktura.reports.period import Period
from faktura.tenancy.models import Tenant
from faktura.work.models import TaskEntry
from faktura.work.selectors import entries_billable_candidates

BUCKETS = ("0-30", "31-60", "61-90", "90+")
SECONDS_PER_HOUR = 3600


def _bucket_case(field_name: str, as_of: dt.date) -> Case:
    return Case(
        When(**{f"{field_name}__gte": as_of - dt.timedelta(days=30)}, then=Value("0-30")),
        When(**{f"{field_name}__gte": as_of - dt.timedelta(days=60)}, then=Value("31-60")),
        When(**{f"{field_name}__gte": as_of - dt.timedelta(days=90)}, then=Value("61-90")),
        default=Value("90+"),
        output_field=CharField(),
    )


@dataclass
class WipRow:
    """One customer and currency."""

    contact_id: int
    name: str
    currency: str
    value: dict[str, Fraction] = field(default_factory=lambda: dict.fromkeys(BUCKETS, Fraction(0)))
    item_value: Fraction = Fraction(0)
    entry_value: Fraction = Fraction(0)
    entry_seconds: int = 0  # approved, uncompiled time
    items: int = 0
    entries: int = 0
    deferred_seconds: int = 0
    written_off_seconds: int = 0

    @property
    def total(self) -> Fraction:
        return sum(self.value.values(), Fraction(0))


def money(value: Fraction) -> Decimal:
    return quantize_fraction(value, 2)


def wip(*, tenant: Tenant, period: Period) -> list[WipRow]:
    """Unbilled work per customer and currency as of ``period.last`` (see the module)."""
    as_of = period.last
    rows: dict[tuple[int, str], WipRow] = {}

    def row(contact_id: int, name: str, currency: str) -> WipRow:
        found = rows.get((contact_id, currency))
        if found is None:
            found = rows[(contact_id, currency)] = WipRow(contact_id, name, currency)
        return found

    items = (
        BillableItem.objects.filter(
            tenant=tenant, status=BillableItem.Status.PENDING, service_date__lte=as_of
        )
        .annotate(bucket=_bucket_case("service_date", as_of))
        .values("contact_id", "contact__name", "currency", "bucket")
        .annotate(amount=Sum("amount"), count=Sum(Value(1)))
        .order_by()
    )
    for found in items:
        r = row(found["contact_id"], found["contact__name"], found["currency"])
        amount = Fraction(found["amount"] or 0)
        r.value[found["bucket"]] += amount
        r.item_value += amount
        r.items += found["count"] or 0

    # The entries' own columns only, summed per ticket, member, kind, age bucket and entry
    # price: the ticket conditions are a subquery and nothing is joined per entry. Customer,
    # currency and price come from the tickets (a few thousand rows), not from each entry.
    entries = list(
        entries_billable_candidates(tenant=tenant, require_approval=True, tickets_as_subquery=True)
        .filter(date__lte=as_of)
        .annotate(bucket=_bucket_case("date", as_of))
        .values_list("task_id", "membership_id", "kind", "bucket", "unit_price", "product_id")
        .annotate(seconds=Sum("duration_seconds"), quantity=Sum("quantity"), count=Sum(Value(1)))
        .order_by()
    )
    # Deferred and written-off time of the period per state and ticket (its customer and
    # currency below), read from the report index alone.
    gone = list(
        TaskEntry.objects.filter(
            tenant=tenant,
            kind=TaskEntry.Kind.TIME,
            date__gte=period.first,
            date__lte=period.last,
            billing_state__in=[
                TaskEntry.BillingState.DEFERRED,
                TaskEntry.BillingState.WRITTEN_OFF,
            ],
        )
        .values("billing_state", "task_id")
        .annotate(seconds=Sum("duration_seconds"))
        .order_by()
    )
    tasks = compile_tasks(
        tenant=tenant, task_ids={e[0] for e in entries} | {g["task_id"] for g in gone}
    )
    names = dict(
        Contact.objects.filter(
            tenant=tenant, pk__in={t.client_id for t in tasks.values() if t.client_id}
        ).values_list("pk", "name")
    )
    pricing = Pricing(tenant)
    pricing.start_batch()
    pricing.prepare(
        [tasks[task_id] for task_id in {e[0] for e in entries}],
        {e[1] for e in entries},
        {e[5] for e in entries if e[5]},
    )
    # Time: seconds per row, age bucket and unit price, multiplied once per distinct price.
    # The price of a ticket's time is shared by the tickets pricing cannot tell apart.
    timed: dict[tuple[tuple[int, str], str, Decimal], int] = defaultdict(int)
    time_price: dict[tuple[int, int], tuple[WipRow, Decimal]] = {}
    for (
        task_id,
        membership_id,
        kind,
        bucket,
        unit_price,
        product_id,
        seconds,
        quantity,
        count,
    ) in entries:
        if kind == TaskEntry.Kind.TIME:
            found = time_price.get((task_id, membership_id))
            if found is None:
                task = tasks[task_id]
                r = row(task.client_id, names[task.client_id], task.currency)
                found = time_price[(task_id, membership_id)] = (
                    r,
                    pricing.time_terms(task, membership_id).unit_price,
                )
            r, price = found
            r.entries += count or 0
            seconds = seconds or 0
            r.entry_seconds += seconds
            timed[((r.contact_id, r.currency), bucket, price)] += seconds
            continue
        task = tasks[task_id]
        r = row(task.client_id, names[task.client_id], task.currency)
        r.entries += count or 0
        if kind in (TaskEntry.Kind.GOODS, TaskEntry.Kind.EXPENSE):
            line_kind = LineKind.GOODS if kind == TaskEntry.Kind.GOODS else LineKind.EXPENSE
            price = unit_price
            if price is None:
                price = pricing.terms(task, membership_id, line_kind, product_id).unit_price
            value = Fraction(price) * Fraction(quantity or 0)
            r.value[bucket] += value
            r.entry_value += value
    for (key, bucket, price), seconds in timed.items():
        value = Fraction(price) * seconds / SECONDS_PER_HOUR
        rows[key].value[bucket] += value
        rows[key].entry_value += value

    for g in gone:
        task = tasks[g["task_id"]]
        if task.client_id is None:
            continue
        r = row(task.client_id, names[task.client_id], task.currency)
        if g["billing_state"] == TaskEntry.BillingState.DEFERRED:
            r.deferred_seconds += g["seconds"] or 0
        else:
            r.written_off_seconds += g["seconds"] or 0
    return sorted(rows.values(), key=lambda r: (-r.total, r.name.lower(), r.currency))


def wip_totals(rows: list[WipRow]) -> dict[str, dict[str, Fraction]]:
    """Per currency: the value per age bucket and in all."""
    totals: dict[str, dict[str, Fraction]] = defaultdict(
        lambda: dict.fromkeys((*BUCKETS, "total"), Fraction(0))
    )
    for r in rows:
        for bucket, value in r.value.items():
            totals[r.currency][bucket] += value
        totals[r.currency]["total"] += r.total
    return dict(totals)
