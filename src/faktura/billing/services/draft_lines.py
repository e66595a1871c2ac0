"""Lines from billable items, and putting items on drafts in bulk.

Items of one ticket with the same kind, product, unit, price and VAT group become one line
(keeping the link down to every item and so every entry); items without a ticket get a line
each. `drafts_fill` is set-based so a month-end run over thousands of customers stays a handful
of statements per thousand lines.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils import timezone

from faktura.billing.errors import ItemsNotPending
from faktura.billing.models import BillableItem, Invoice, InvoiceLine
from faktura.billing.selectors.invoices import TIME_KINDS
from faktura.billing.services.drafts import set_totals, tax_group
from faktura.catalog.models import LineKind
from faktura.common.sql import id_batches, id_in, pair_batches, pairs_source
from faktura.contacts.models import Contact
from faktura.core.invoice_math import line_net
from faktura.core.money import amount_places, exact_sum
from faktura.core.time_rounding import seconds_to_hours

Item = BillableItem.Status

# The order of a ticket's lines: the work first, then travel, then what was delivered.
KIND_ORDER = {
    kind: index
    for index, kind in enumerate(
        ("task_entry", "transport_time", "transport_distance", "goods", "expense", "product",
         "subscription", "manual")
    )
}  # fmt: skip

# What a draft needs of a billable item (not its warnings, amount or timestamps).
ITEM_FIELDS = (
    "id", "kind", "status", "entry_id", "task_id", "project_id", "contact_id", "product_id",
    "product_name", "description", "unit", "logged_seconds", "quantity", "unit_price",
    "currency", "price_source", "vat_category", "vat_rate", "service_date",
    "service_period_start", "service_period_end", "needs_quantity",
)  # fmt: skip


class ItemRow:
    """A billable item as read for drafting: a plain row, not a model instance, because a
    month-end run reads every item of the month and model instances cost ten times more.
    `task`, `contact` and `project` are attached by the caller."""

    __slots__ = (*ITEM_FIELDS, "pk", "task", "contact", "project")

    def __init__(self, values: Sequence[Any]):
        for name, value in zip(ITEM_FIELDS, values, strict=True):
            setattr(self, name, value)
        self.pk = self.id
        self.task = self.contact = self.project = None

    @classmethod
    def rows(cls, queryset) -> list[ItemRow]:
        return [cls(values) for values in queryset.values_list(*ITEM_FIELDS)]


@dataclass
class LinePlan:
    """The line a group of items becomes (before it is stored)."""

    kind: str
    title: str
    task: Any
    product_id: int | None
    unit: str
    unit_price: Decimal
    vat_category: str
    vat_rate: Decimal
    exemption_reason: str
    price_source: str
    items: list[Any] = field(default_factory=list)  # ItemRow or BillableItem

    @property
    def merge_key(self) -> tuple | None:
        """Lines of one ticket with the same kind, product, unit, price and VAT group merge;
        items without a ticket always get a line of their own."""
        if self.task is None:
            return None
        return line_key(
            self.task.pk, self.kind, self.product_id, self.unit, self.unit_price,
            self.vat_category, self.vat_rate,
        )  # fmt: skip


def line_key(task_id, kind, product_id, unit, unit_price, vat_category, vat_rate) -> tuple:
    return (
        task_id, kind, product_id, unit, Decimal(unit_price).normalize(), vat_category,
        Decimal(vat_rate).normalize(),
    )  # fmt: skip


def stored_line_key(line: InvoiceLine) -> tuple | None:
    """The merge key of a stored line; None for lines new items never join (manual lines,
    lines without a ticket, and lines the reviewer marked "do not bill")."""
    if line.task_id is None or line.do_not_bill or line.kind == "manual":
        return None
    return line_key(
        line.task_id, line.kind, line.product_id, line.unit, line.unit_price,
        line.vat_category, line.vat_rate,
    )  # fmt: skip


_KIND_LABELS = {kind: str(label) for kind, label in LineKind.choices}


def _title(item: Any) -> str:
    label = item.product_name or _KIND_LABELS.get(item.kind, item.kind)
    if item.task is None:
        return (item.description.splitlines()[0] if item.description else label)[:300]
    ticket = f"#{item.task.number} {item.task.title}"
    if item.kind == "task_entry":
        return ticket[:300]
    return f"{ticket}: {label}"[:300]


def plan_lines(items: Sequence[Any], contact: Contact) -> list[LinePlan]:
    """Group items into lines: one line per ticket and kind/product/unit/price/VAT group, one
    line per item without a ticket. Lines come ordered by ticket number, then kind; items
    without a ticket follow by service date."""
    merged: dict[tuple, LinePlan] = {}
    single: list[LinePlan] = []
    for item in items:
        category, rate, reason = tax_group(contact, item.vat_category, item.vat_rate)
        key = None
        if item.task_id is not None:
            key = line_key(item.task_id, item.kind, item.product_id, item.unit,
                           item.unit_price, category, rate)  # fmt: skip
            if key in merged:
                merged[key].items.append(item)
                continue
        plan = LinePlan(
            kind=item.kind,
            title=_title(item),
            task=item.task,
            product_id=item.product_id,
            unit=item.unit,
            unit_price=item.unit_price,
            vat_category=category,
            vat_rate=rate,
            exemption_reason=reason,
            price_source=item.price_source,
            items=[item],
        )
        if key is None:
            single.append(plan)
        else:
            merged[key] = plan
    ticket_lines = sorted(
        merged.values(),
        key=lambda p: (p.task.number, KIND_ORDER.get(p.kind, len(KIND_ORDER)), p.unit_price),
    )
    single.sort(key=lambda p: (p.items[0].service_date, p.items[0].pk))
    return ticket_lines + single


def billed_quantity(items: Iterable[Any]) -> Decimal:
    return exact_sum(item.quantity for item in items)


def logged_quantity(kind: str, items: Sequence[Any]) -> Decimal:
    """What was logged, in the line's unit: for time kinds the exact logged seconds in hours
    (HALF_UP to 4 decimals, summed before rounding), else the items' quantities."""
    if kind in TIME_KINDS and items and all(i.logged_seconds is not None for i in items):
        return seconds_to_hours(sum(int(i.logged_seconds or 0) for i in items))
    return billed_quantity(items)


@dataclass
class DraftFill:
    """Pending items to put on one draft; `fresh` drafts were just created (no lines yet)."""

    invoice: Invoice
    items: Sequence[ItemRow]
    contact: Contact
    fresh: bool = False
    # The first day of the month a billing run fills this draft for: a line of items served
    # before it is flagged `caught_up` (None: no month, nothing is flagged).
    month_start: dt.date | None = None


def _new_line(
    invoice: Invoice, plan: LinePlan, position: int, places: int, month_start: dt.date | None
) -> InvoiceLine:
    quantity = billed_quantity(plan.items)
    return InvoiceLine(
        tenant_id=invoice.tenant_id,
        invoice=invoice,
        position=position,
        kind=plan.kind,
        title=plan.title,
        task=plan.task,
        product_id=plan.product_id,
        unit=plan.unit,
        logged_quantity=logged_quantity(plan.kind, plan.items),
        quantity=quantity,
        unit_price=plan.unit_price,
        net_amount=line_net(quantity, plan.unit_price, places),
        vat_category=plan.vat_category,
        vat_rate=plan.vat_rate,
        exemption_reason=plan.exemption_reason,
        price_source=plan.price_source,
        period_start=min(_served_from(i) for i in plan.items),
        period_end=max(_served_to(i) for i in plan.items),
        quantity_needed=any(i.needs_quantity for i in plan.items),
        caught_up=month_start is not None and any(i.service_date < month_start for i in plan.items),
    )


def _served_from(item: Any):
    """The first day an item serves: its service period's (a subscription), else its date."""
    return item.service_period_start or item.service_date


def _served_to(item: Any):
    return item.service_period_end or item.service_date


def _merge(line: InvoiceLine, plan: LinePlan, places: int) -> None:
    """New items join an existing line. A reviewer's correction (billed minus logged) is kept:
    the new work adds to both the billed and the logged quantity."""
    all_items = [*line.items.all(), *plan.items]
    line.quantity = exact_sum([line.quantity, billed_quantity(plan.items)])
    line.logged_quantity = logged_quantity(line.kind, all_items)
    line.net_amount = line_net(line.quantity, line.unit_price, places)
    line.period_start = min(_served_from(item) for item in all_items)
    line.period_end = max(_served_to(item) for item in all_items)


MERGED_LINE_FIELDS = ["quantity", "logged_quantity", "net_amount", "period_start", "period_end",
                      "updated_at"]  # fmt: skip
DRAFT_TOTAL_FIELDS = ["net_total", "vat_total", "gross_total", "vat_breakdown",
                      "service_period_start", "service_period_end", "updated_at"]  # fmt: skip


def drafts_fill(fills: Sequence[DraftFill]) -> int:
    """Put pending items on drafts: each joins a matching line of its draft or gets a new one;
    then the drafts' service periods and totals are updated. Returns the lines created. The
    caller holds the transaction and syncs the entries.

    Set-based so a month-end run over thousands of customers takes a handful of statements per
    thousand lines: new lines in bulk INSERTs, items moved by conditional UPDATEs
    (pending -> on_draft) in chunks. If any item is no longer pending (a concurrent caller took
    it), `ItemsNotPending` rolls everything back.
    """
    existing: dict[int, list[InvoiceLine]] = defaultdict(list)
    reused = [fill.invoice.pk for fill in fills if not fill.fresh]
    for batch in id_batches(reused):
        lines = InvoiceLine.objects.filter(id_in("invoice_id", batch)).order_by("position", "id")
        for line in lines:
            existing[line.invoice_id].append(line)

    now = timezone.now()
    new_lines: list[InvoiceLine] = []
    merged: list[InvoiceLine] = []
    moves: list[tuple[list[int], InvoiceLine]] = []
    for fill in fills:
        invoice = fill.invoice
        places = amount_places(invoice.currency)
        lines = existing[invoice.pk]
        # plan_lines merged this call's items per key already, so only stored lines match here
        by_key = {key: line for line in lines if (key := stored_line_key(line)) is not None}
        position = max((line.position for line in lines), default=0) + 1
        for plan in plan_lines(fill.items, fill.contact):
            key = plan.merge_key
            line = by_key.get(key) if key is not None else None
            if line is None:
                line = _new_line(invoice, plan, position, places, fill.month_start)
                position += 1
                new_lines.append(line)
                lines.append(line)
            else:
                _merge(line, plan, places)
                line.updated_at = now
                merged.append(line)
            moves.append(([item.pk for item in plan.items], line))
        if fill.items:
            first = min(_served_from(item) for item in fill.items)
            last = max(_served_to(item) for item in fill.items)
            starts = [d for d in (invoice.service_period_start, first) if d is not None]
            ends = [d for d in (invoice.service_period_end, last) if d is not None]
            invoice.service_period_start, invoice.service_period_end = min(starts), max(ends)
        set_totals(invoice, lines)
        invoice.updated_at = now

    InvoiceLine.objects.bulk_create(new_lines, batch_size=500)
    if merged:
        InvoiceLine.objects.bulk_update(merged, MERGED_LINE_FIELDS, batch_size=200)
    _move_items(moves)
    _update_rows(Invoice, [fill.invoice for fill in fills], DRAFT_TOTAL_FIELDS)
    return len(new_lines)


def _move_items(moves: list[tuple[list[int], InvoiceLine]]) -> None:
    """pending -> on_draft with each item's line: one ``UPDATE ... FROM`` per batch of
    (item, line) pairs (`common.sql.pairs_source`: an array pair on PostgreSQL, a VALUES list
    on SQLite >= 3.33).

    Plain SQL: the ORM would need a CASE branch per item, which costs more to build and to run
    than the update itself, and a month-end run moves every item of the month.
    """
    if connection.vendor == "sqlite" and connection.Database.sqlite_version_info < (3, 33):
        for item_ids, line in moves:  # no UPDATE ... FROM before SQLite 3.33
            moved = BillableItem.objects.filter(pk__in=item_ids, status=Item.PENDING).update(
                status=Item.ON_DRAFT, invoice_line=line
            )
            _check_moved(moved, len(item_ids))
        return
    pairs = [(item_id, line.pk) for item_ids, line in moves for item_id in item_ids]
    table = connection.ops.quote_name(BillableItem._meta.db_table)
    for batch in pair_batches(pairs):
        source, source_params = pairs_source(batch)
        # Only the quoted table name and placeholders are interpolated.
        sql = (
            f"UPDATE {table} SET status = %s, invoice_line_id = v.val FROM {source} "  # noqa: S608
            f"WHERE {table}.id = v.k AND {table}.status = %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [Item.ON_DRAFT, *source_params, Item.PENDING])
            _check_moved(cursor.rowcount, len(batch))


def _check_moved(moved: int, expected: int) -> None:
    if moved != expected:
        raise ItemsNotPending(
            "Some billable items were taken by another draft meanwhile; nothing was changed.",
            fields={"billable_item_ids": "Not pending any more."},
        )


def _update_rows(model, objects: Sequence[Any], fields: Sequence[str]) -> None:
    """UPDATE these fields of these rows, one parameterised statement run for all of them
    (executemany; values prepared by each field, as the ORM would). Much cheaper than
    `bulk_update`'s CASE per field for a thousand drafts."""
    if not objects:
        return
    model_fields = [model._meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in model_fields)
    table = quote(model._meta.db_table)
    sql = f"UPDATE {table} SET {assignments} WHERE id = %s"  # noqa: S608 - identifiers only
    rows = [
        [field.get_db_prep_save(getattr(obj, field.attname), connection) for field in model_fields]
        + [obj.pk]
        for obj in objects
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
