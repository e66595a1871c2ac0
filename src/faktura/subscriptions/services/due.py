"""The due run: subscription periods and project products that are due become billable items.

Set-based. Only subscriptions whose `next_due` has come are read (an index), in pages of
`BATCH_SIZE`; each page is one transaction: price changes and prices come in a handful of
queries, the items go in with one bulk INSERT, the subscriptions move on with one
parameterised UPDATE. A second run finds no subscription due and creates nothing.

Exactly one item per subscription and period: its `source_key`
(``subscription:<id>:<period start>``) is unique per company (a partial unique index on
billable items), and the INSERT skips rows that hit it (``ON CONFLICT DO NOTHING`` on
PostgreSQL, ``INSERT OR IGNORE`` on SQLite). So two runs at once, or a run after a crash,
bill no period twice. `billed_through` only ever moves forward (a conditional UPDATE), so a
slower concurrent run cannot move it back. Missed periods are caught up oldest first; a period
due before the month of the run's `until` is flagged `caught_up`: the next billing run puts it
on its customer's draft of that run's month, where its line is flagged for the reviewer.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from faktura.billing.models import BillableItem
from faktura.catalog.models import LineKind
from faktura.common.context import CommandContext
from faktura.common.models import Operation
from faktura.common.services import audit_record, operation_start
from faktura.core import subscriptions as periods
from faktura.core.invoice_math import line_net
from faktura.subscriptions.inputs import DueRun
from faktura.subscriptions.models import ProjectProduct, Subscription, SubscriptionPrice
from faktura.subscriptions.services.pricing import ItemPricing
from faktura.tenancy.selectors import tenant_today
from faktura.work.models import Project

BATCH_SIZE = 2_000
DUE_RUN_OPERATION = "subscriptions_due_run"

_FIELDS = (
    "id", "contact_id", "product_id", "project_id", "interval", "billing", "start_date",
    "end_date", "quantity", "unit_price", "description", "billed_through",
)  # fmt: skip


@dataclass
class DueRunResult:
    until: dt.date
    subscriptions: int = 0  # subscriptions that had a period due
    items: int = 0  # billable items created
    needs_quantity: int = 0  # of those, waiting for a quantity
    project_products: int = 0  # project products billed

    def as_dict(self) -> dict[str, Any]:
        return {
            "until": self.until.isoformat(),
            "subscriptions": self.subscriptions,
            "items": self.items,
            "needs_quantity": self.needs_quantity,
            "project_products": self.project_products,
        }


def subscription_source_key(subscription_id: int, start: dt.date) -> str:
    return f"subscription:{subscription_id}:{start.isoformat()}"


def due_run(ctx: CommandContext, *, data: DueRun, batch_size: int = BATCH_SIZE) -> DueRunResult:
    """Bill every subscription period due on or before `until` (default: the company's today)
    and every project product that is due (see the module docstring); one audit row records
    the run."""
    ctx.require("manage_invoices")
    until = data.until or tenant_today(ctx.tenant)
    result = DueRunResult(until=until)
    after = 0
    while True:
        rows = list(
            Subscription.objects.filter(
                tenant=ctx.tenant,
                status=Subscription.Status.ACTIVE,
                next_due__lte=until,
                pk__gt=after,
            )
            .order_by("pk")
            .values_list(*_FIELDS)[:batch_size]
        )
        if not rows:
            break
        after = rows[-1][0]
        with transaction.atomic():
            _subscription_batch(ctx, rows, until, result)
        if len(rows) < batch_size:
            break
    with transaction.atomic():
        _project_products(ctx, until, result)
        audit_record(
            ctx, action="subscriptions_due_run", object_type="subscription", data=result.as_dict()
        )
    return result


def due_run_start(ctx: CommandContext, *, data: DueRun) -> Operation:
    """Run `due_run` in the background (202); the operation's result is the run's summary."""
    from faktura.subscriptions.tasks import due_run_task

    ctx.require("manage_invoices")
    params = {"until": data.until.isoformat() if data.until else None}
    return operation_start(ctx, kind=DUE_RUN_OPERATION, task=due_run_task, params=params)


def _subscription_batch(ctx: CommandContext, rows: list[tuple], until: dt.date, result) -> None:
    subs = [dict(zip(_FIELDS, row, strict=True)) for row in rows]
    pricing = ItemPricing(
        ctx.tenant,
        contact_ids=(s["contact_id"] for s in subs),
        product_ids=(s["product_id"] for s in subs),
        project_ids=(s["project_id"] for s in subs),
    )
    changes: dict[int, list[tuple[dt.date, Decimal]]] = defaultdict(list)
    for sub_id, day, price in (
        SubscriptionPrice.objects.filter(subscription_id__in=[s["id"] for s in subs])
        .order_by("subscription_id", "effective_from")
        .values_list("subscription_id", "effective_from", "unit_price")
    ):
        changes[sub_id].append((day, price))

    now = timezone.now()
    items: list[dict] = []
    moves: list[tuple] = []
    for sub in subs:
        due = periods.due_periods(
            interval=sub["interval"],
            billing=sub["billing"],
            start_date=sub["start_date"],
            end_date=sub["end_date"],
            billed_through=sub["billed_through"],
            until=until,
        )
        if not due:
            continue
        result.subscriptions += 1
        for period in due:
            item = _item(ctx, sub, period, pricing, changes.get(sub["id"], ()), now)
            if period.due < until.replace(day=1):
                item["warnings"].append(caught_up_warning(period))
            items.append(item)
        through = periods.next_period_start(due[-1].start, sub["interval"])
        next_due = periods.next_due(
            interval=sub["interval"],
            billing=sub["billing"],
            start_date=sub["start_date"],
            end_date=sub["end_date"],
            billed_through=through,
        )
        moves.append((through, next_due, now, sub["id"], through))
    existing = set(
        BillableItem.objects.filter(
            tenant=ctx.tenant, source_key__in=[item["source_key"] for item in items]
        )
        .exclude(status=BillableItem.Status.RELEASED)
        .values_list("source_key", flat=True)
    )
    new = [item for item in items if item["source_key"] not in existing]
    insert_items(new)
    result.items += len(new)
    result.needs_quantity += sum(item["needs_quantity"] for item in new)
    _move_forward(moves)


CAUGHT_UP = "caught_up"


def caught_up_warning(period: periods.Period) -> dict[str, str]:
    """The flag of a period caught up after its month: its item waits in the pending items
    (and the invoice review counts it) until the next billing run puts it on the customer's
    draft of that run's month (or a person bills it earlier)."""
    return {
        "code": CAUGHT_UP,
        "message": (
            f"Caught up: the period {period.service_start.isoformat()} to "
            f"{period.service_end.isoformat()} was due on {period.due.isoformat()}, before the "
            "month of this due run."
        ),
        "path": "service_date",
        "severity": "warning",
    }


def _item(ctx, sub: dict, period: periods.Period, pricing: ItemPricing, changes, now):
    change = None
    for day, price in changes:
        if day <= period.service_start:
            change = price
    terms = pricing.terms(
        contact_id=sub["contact_id"],
        product_id=sub["product_id"],
        project_id=sub["project_id"],
        own_price=("subscription", sub["unit_price"]),
        change=change,
    )
    variable = sub["quantity"] is None
    quantity = Decimal("0") if variable else periods.prorated_quantity(sub["quantity"], period)
    return dict(
        tenant_id=ctx.tenant.pk,
        kind=LineKind.SUBSCRIPTION,
        status=BillableItem.Status.PENDING,
        project_id=sub["project_id"],
        contact_id=sub["contact_id"],
        product_id=sub["product_id"],
        product_name=terms.product_name,
        description=sub["description"],
        unit=terms.unit,
        quantity=quantity,
        unit_price=terms.unit_price,
        amount=line_net(quantity, terms.unit_price, terms.places),
        currency=terms.currency,
        price_source=terms.price_source,
        warnings=list(terms.warnings),
        vat_category=terms.vat_category,
        vat_rate=terms.vat_rate,
        service_date=period.due,
        service_period_start=period.service_start,
        service_period_end=period.service_end,
        needs_quantity=variable,
        source_key=subscription_source_key(sub["id"], period.start),
        created_at=now,
        updated_at=now,
    )


def insert_items(items: list[dict]) -> None:
    """INSERT item rows (dicts of attribute names; the rest get their field default), skipping
    any whose source key is taken: ``ON CONFLICT DO NOTHING`` on both databases. Plain rows:
    model instances and the ORM's per-value preparation cost several times the INSERT itself
    for thousands of items."""
    if not items:
        return
    fields = [f for f in BillableItem._meta.concrete_fields if not f.primary_key]
    defaults = {}
    for model_field in fields:
        value = model_field.get_default()
        defaults[model_field.attname] = value
    ops = connection.ops
    table = ops.quote_name(BillableItem._meta.db_table)
    columns = ", ".join(ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks}) ON CONFLICT DO NOTHING"  # noqa: S608
    json_fields = {f.attname for f in fields if f.get_internal_type() == "JSONField"}
    stamps = {f.attname for f in fields if f.get_internal_type() == "DateTimeField"}
    rows = []
    for item in items:
        row = []
        for model_field in fields:
            name = model_field.attname
            value = item.get(name, defaults[name])
            if name in json_fields:
                value = json.dumps(value, separators=(",", ":"))
            elif name in stamps and value is not None:
                value = ops.adapt_datetimefield_value(value)
            row.append(value)
        rows.append(row)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 1000):
            cursor.executemany(sql, rows[start : start + 1000])


def _move_forward(moves: list[tuple]) -> None:
    """Set each subscription's `billed_through` and `next_due`, but only forward: a concurrent
    run that billed further already keeps its value."""
    if not moves:
        return
    table = connection.ops.quote_name(Subscription._meta.db_table)
    sql = (
        f"UPDATE {table} SET billed_through = %s, next_due = %s, updated_at = %s "  # noqa: S608
        "WHERE id = %s AND (billed_through IS NULL OR billed_through < %s)"
    )
    ops = connection.ops
    rows = [
        (
            ops.adapt_datefield_value(through),
            ops.adapt_datefield_value(next_due),
            ops.adapt_datetimefield_value(now),
            pk,
            ops.adapt_datefield_value(bound),
        )
        for through, next_due, now, pk, bound in moves
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


# --- project products -------------------------------------------------------------------------


def project_product_source_key(product_id: int) -> str:
    return f"project_product:{product_id}"


def _project_products(ctx: CommandContext, until: dt.date, result: DueRunResult) -> None:
    """Project products that are due (`next_run`: now; `on_ready_to_bill`: once the project is
    ready to bill) become one billable item each (source key ``project_product:<id>``)."""
    due = Q(due=ProjectProduct.Due.NEXT_RUN) | Q(
        due=ProjectProduct.Due.ON_READY_TO_BILL, project__status=Project.Status.READY_TO_BILL
    )
    rows = list(
        ProjectProduct.objects.select_for_update(of=("self",))
        .filter(due, tenant=ctx.tenant, billed_at__isnull=True)
        .select_related("project")
        .order_by("pk")
    )
    rows = [row for row in rows if row.project.contact_id is not None]
    if not rows:
        return
    pricing = ItemPricing(
        ctx.tenant,
        contact_ids=(row.project.contact_id for row in rows),
        product_ids=(row.product_id for row in rows),
        project_ids=(row.project_id for row in rows),
    )
    now = timezone.now()
    items = []
    for row in rows:
        terms = pricing.terms(
            contact_id=row.project.contact_id,
            product_id=row.product_id,
            project_id=row.project_id,
            own_price=("manual", row.unit_price),
        )
        items.append(
            dict(
                tenant_id=ctx.tenant.pk,
                kind=LineKind.PRODUCT,
                status=BillableItem.Status.PENDING,
                project_id=row.project_id,
                contact_id=row.project.contact_id,
                product_id=row.product_id,
                product_name=terms.product_name,
                description=row.description,
                unit=terms.unit,
                quantity=row.quantity,
                unit_price=terms.unit_price,
                amount=line_net(row.quantity, terms.unit_price, terms.places),
                currency=terms.currency,
                price_source=terms.price_source,
                warnings=list(terms.warnings),
                vat_category=terms.vat_category,
                vat_rate=terms.vat_rate,
                service_date=until,
                source_key=project_product_source_key(row.pk),
                created_at=now,
                updated_at=now,
            )
        )
    insert_items(items)
    result.project_products += ProjectProduct.objects.filter(
        pk__in=[row.pk for row in rows], billed_at__isnull=True
    ).update(billed_at=now)
