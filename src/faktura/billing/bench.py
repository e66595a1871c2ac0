"""The month-end benchmark: compile and draft generation against a raw-SQL floor.

`faktura bench month-end --entries N` builds a synthetic company in the configured database
(default 100,000 entries for about 1,000 customers; deterministic for a seed), then measures in
one run:

1. ``floor_s``: one set-based ``INSERT INTO billing_billableitem ... SELECT ... FROM
   work_taskentry JOIN ...`` that produces the same items from the same rows (line kinds,
   quantities rounded to the company's 15 minutes, price precedence, VAT by tax treatment),
   and ``floor_mark_s``: the ``UPDATE`` that marks those entries compiled. The floor is what
   the database alone needs; it knows nothing of task-day rounding, assignments below the
   company level or warnings, so it is a lower bound, not the same work;
2. the floor's items are deleted and the entries reset (not timed; PostgreSQL is vacuumed);
3. ``compile_s``: `billable_items_compile` over the same entries;
4. ``generate_s``: drafts for every customer (`invoices_generate` with grouping ``contact``,
   at most 10,000 items per call, each customer whole in one call), if that service exists;
5. the synthetic company is deleted (``--keep`` keeps it).

``ratio = compile_s / floor_s``; ``ratio_with_mark`` compares with floor and marking together,
which is the same end state compile reaches. ``peak_rss_mb`` is the process's peak resident
memory (``getrusage``); the data is built in chunks so the peak is compile's (or generation's).
"""

from __future__ import annotations

import datetime as dt
import gc
import random
import resource
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import connection, transaction

from faktura.catalog.models import PriceList, PriceListItem, Product, ProductAssignment, Unit
from faktura.catalog.services import units_ensure_defaults
from faktura.common.context import CommandContext
from faktura.contacts.models import Contact
from faktura.tenancy.models import Membership, Team, Tenant
from faktura.tenancy.services import tenant_create
from faktura.work.models import Project, ProjectMember, Task

MONTH = (2026, 10)
CHUNK = 20_000
MEMBERS = 25
TASK_ENTRIES = 20  # entries per task on average
USER_DOMAIN = "bench.invalid"
SLUG_PREFIX = "bench-month-end-"

# The company's standard rule; the floor rounds every time entry with it.
POLICY = {"increment_minutes": 15, "direction": "up", "minimum_minutes": 0, "level": "entry"}
TASK_DAY_SHARE = 0.1  # projects that round a ticket's day together (compile only)


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MB (Linux reports KB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


@dataclass
class Synthetic:
    tenant: Tenant
    owner: Membership
    entries: int
    customers: int
    tasks: int
    product_id: int
    default_list_id: int
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ctx(self) -> CommandContext:
        return CommandContext(
            tenant=self.tenant, membership=self.owner, user=self.owner.user, source="cli",
            reason="benchmark month-end",
        )  # fmt: skip


# --- building the synthetic company -----------------------------------------------------------


def _adapt(value: Any) -> Any:
    ops = connection.ops
    if isinstance(value, dt.datetime):
        return ops.adapt_datetimefield_value(value)
    if isinstance(value, dt.date):
        return ops.adapt_datefield_value(value)
    if isinstance(value, Decimal) and connection.vendor == "sqlite":
        return str(value)
    return value


def _insert(table: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> int:
    """Insert rows fast: COPY on PostgreSQL, executemany on SQLite, in chunks."""
    count = 0
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN"
            with cursor.cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        marks = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) VALUES ({marks})"  # noqa: S608
        chunk: list[tuple] = []
        for row in rows:
            chunk.append(tuple(_adapt(v) for v in row))
            if len(chunk) >= CHUNK:
                cursor.executemany(sql, chunk)
                count += len(chunk)
                chunk = []
        if chunk:
            cursor.executemany(sql, chunk)
            count += len(chunk)
    return count


def _days() -> list[dt.date]:
    year, month = MONTH
    first = dt.date(year, month, 1)
    days = [first + dt.timedelta(days=n) for n in range(31)]
    return [d for d in days if d.month == month and d.weekday() < 5]


def build(
    *, entries: int, customers: int, seed: int = 1, log: Callable[[str], None] = print
) -> Synthetic:
    """A company with `customers` customers and `entries` approved entries in one month."""
    started = time.perf_counter()
    rng = random.Random(seed)
    slug = f"{SLUG_PREFIX}{uuid.uuid4().hex[:8]}"
    tenant, owner = tenant_create(
        name="Benchmark Month-End GmbH", slug=slug, owner_email=f"owner@{slug}.{USER_DOMAIN}",
        owner_password=uuid.uuid4().hex, street="Benchweg 1", postal_code="10115",
        city="Berlin", country="DE", vat_id="DE136695976",
    )  # fmt: skip
    tenant.time_rounding = POLICY
    tenant.save(update_fields=["time_rounding"])
    units_ensure_defaults(tenant=tenant)
    hour = Unit.objects.get(tenant=tenant, code="HUR")

    with transaction.atomic():
        teams = Team.objects.bulk_create([Team(tenant=tenant, name=f"Team {n}") for n in range(3)])
        users = User.objects.bulk_create(
            [
                User(
                    username=f"m{n}@{slug}.{USER_DOMAIN}",
                    email=f"m{n}@{slug}.{USER_DOMAIN}",
                    first_name="Member",
                    last_name=str(n),
                )
                for n in range(MEMBERS)
            ]
        )
        members = Membership.objects.bulk_create(
            [
                Membership(
                    tenant=tenant,
                    user=user,
                    role="member",
                    team=teams[n % 3] if n % 4 else None,
                    default_billing_rate=Decimal(80 + n) if n % 2 else None,
                )
                for n, user in enumerate(users)
            ]
        )
        consulting = Product.objects.create(
            tenant=tenant, name="Consulting", unit=hour, default_unit_price=Decimal("95")
        )
        senior = Product.objects.create(
            tenant=tenant, name="Senior consulting", unit=hour, default_unit_price=Decimal("140")
        )
        standard = PriceList.objects.create(
            tenant=tenant, name="Standard", currency="EUR", is_tenant_default=True
        )
        PriceListItem.objects.bulk_create(
            [
                PriceListItem(tenant=tenant, price_list=standard, product=consulting,
                              unit_price=Decimal("98")),
                PriceListItem(tenant=tenant, price_list=standard, product=senior,
                              unit_price=Decimal("145")),
            ]
        )  # fmt: skip
        treatments = ["domestic"] * 18 + ["reverse_charge", "export"]
        contacts = Contact.objects.bulk_create(
            [
                Contact(
                    tenant=tenant,
                    name=f"Customer {n:05d} GmbH",
                    customer_number=f"K{n:05d}",
                    street="Kundenstraße 1",
                    postal_code="20095",
                    city="Hamburg",
                    country="DE",
                    tax_treatment=(treatment := rng.choice(treatments)),
                    vat_id="ATU13585627" if treatment == "reverse_charge" else "",
                )
                for n in range(customers)
            ]
        )
        ProductAssignment.objects.create(
            tenant=tenant, scope="tenant", line_kind="task_entry", product=consulting
        )
        ProductAssignment.objects.bulk_create(
            [
                ProductAssignment(
                    tenant=tenant,
                    scope="contact",
                    contact=contact,
                    line_kind="task_entry",
                    product=senior,
                )
                for contact in contacts[::10]
            ]
        )
        projects = Project.objects.bulk_create(
            [
                Project(
                    tenant=tenant,
                    name=f"Support {contact.name}",
                    number=f"P{n:05d}",
                    contact=contact,
                    hourly_rate=Decimal(rng.choice((90, 100, 110))) if n % 3 == 0 else None,
                    time_rounding=(
                        {**POLICY, "level": "task_day"} if rng.random() < TASK_DAY_SHARE else None
                    ),
                )
                for n, contact in enumerate(contacts)
            ]
        )
        ProjectMember.objects.bulk_create(
            [
                ProjectMember(
                    tenant=tenant, project=project, membership=member, hourly_rate=Decimal("125")
                )
                for project in projects[::5]
                for member in members[:3]
            ]
        )
        n_tasks = max(customers, entries // TASK_ENTRIES)
        tasks = Task.objects.bulk_create(
            [
                Task(
                    tenant=tenant,
                    number=n + 1,
                    project=(project := projects[n % len(projects)]),
                    title=f"Ticket {n + 1}",
                    client_id=project.contact_id,
                    status="closed",
                    unit_price=Decimal("120") if n % 5 == 0 else None,
                )
                for n in range(n_tasks)
            ],
            batch_size=5_000,
        )
        task_ids = [task.pk for task in tasks]
        member_ids = [member.pk for member in members]
        del tasks
    log(f"built {customers} customers, {len(task_ids)} tasks")

    count = _insert(
        "work_taskentry",
        ENTRY_COLUMNS,
        _entries(rng, tenant.pk, owner.pk, task_ids, member_ids, entries),
    )
    log(f"built {count} entries")
    _analyze()
    return Synthetic(
        tenant=tenant, owner=owner, entries=count, customers=customers, tasks=len(task_ids),
        product_id=consulting.pk, default_list_id=standard.pk,
        seconds=round(time.perf_counter() - started, 2),
    )  # fmt: skip


ENTRY_COLUMNS = (
    "created_at", "updated_at", "tenant_id", "task_id", "membership_id", "kind", "date",
    "started_at", "stopped_at", "duration_seconds", "distance_km", "transport_minutes",
    "quantity", "unit_price", "description", "approval_status", "approved_by_id",
    "approved_at", "rejection_reason", "billing_state",
)  # fmt: skip


def _entries(rng, tenant_id, approver_id, task_ids, member_ids, count) -> Iterator[tuple]:
    """`count` approved entries: 85 % time, 10 % mileage, 5 % expenses, spread over the
    month's working days; each task's entries by a few members."""
    now = dt.datetime(2026, 11, 1, 6, 0, tzinfo=dt.UTC)
    days = _days()
    for n in range(count):
        task_id = task_ids[n % len(task_ids)]
        member_id = member_ids[(n * 7 + task_id) % len(member_ids)]
        day = days[rng.randrange(len(days))]
        roll = rng.random()
        start = stop = distance = minutes = quantity = price = None
        seconds = 0
        if roll < 0.85:
            kind = "time"
            start = dt.datetime(day.year, day.month, day.day, 7, tzinfo=dt.UTC)
            start += dt.timedelta(minutes=rng.randrange(0, 600))
            seconds = rng.randrange(5, 240) * 60 + rng.randrange(60)
            stop = start + dt.timedelta(seconds=seconds)
        elif roll < 0.95:
            kind = "mileage"
            distance = Decimal(rng.randrange(10, 3000)) / 10
            minutes = rng.choice((None, 0, 30, 45, 90))
        else:
            kind = "expense"
            quantity = Decimal(rng.randrange(1, 5))
            price = Decimal(rng.randrange(100, 20000)) / 100
        yield (
            now, now, tenant_id, task_id, member_id, kind, day, start, stop, seconds, distance,
            minutes, quantity, price, "", "approved", approver_id, now, "", "unbilled",
        )  # fmt: skip


def _analyze() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in ("work_taskentry", "work_task", "billing_billableitem"):
                cursor.execute(f"VACUUM ANALYZE {table}")
            cursor.execute("ANALYZE")
        else:
            cursor.execute("ANALYZE")


# --- the floor --------------------------------------------------------------------------------

ITEM_COLUMNS = (
    "created_at", "updated_at", "tenant_id", "kind", "status", "entry_id", "task_id",
    "project_id", "contact_id", "membership_id", "product_id", "product_name", "description",
    "unit", "logged_seconds", "quantity", "unit_price", "amount", "currency", "price_source",
    "warnings", "vat_category", "vat_rate", "service_date", "source_key",
)  # fmt: skip

# One SELECT per line kind over the candidate entries, glued with UNION ALL. Placeholders:
# now, product, list; the transport defaults are the (5.00/km, 1000.00/h).
_CANDIDATES = """
    FROM work_taskentry e
    JOIN work_task t ON t.id = e.task_id
    JOIN work_project p ON p.id = t.project_id
    JOIN contacts_contact c ON c.id = t.client_id
    JOIN tenancy_membership m ON m.id = e.membership_id
    LEFT JOIN work_projectmember pm
        ON pm.project_id = t.project_id AND pm.membership_id = e.membership_id
    LEFT JOIN catalog_pricelistitem pli
        ON pli.price_list_id = {list} AND pli.product_id = {product}
    WHERE e.tenant_id = {tenant} AND e.billing_state = 'unbilled'
      AND e.approval_status = 'approved' AND t.billable AND t.client_id IS NOT NULL
      AND p.billing_model = 'time_and_materials'
"""
_VAT = """
    CASE c.tax_treatment WHEN 'reverse_charge' THEN 'AE' WHEN 'export' THEN 'G'
        WHEN 'exempt' THEN 'E' ELSE 'S' END,
    CASE WHEN c.tax_treatment = 'domestic' THEN 19 ELSE 0 END
"""
_TIME_PRICE = (
    "COALESCE(t.unit_price, pli.unit_price, pm.hourly_rate, p.hourly_rate, "
    "m.default_billing_rate, 95)"
)
_TIME_SOURCE = """CASE WHEN t.unit_price IS NOT NULL THEN 'task'
    WHEN pli.unit_price IS NOT NULL THEN 'price_list'
    WHEN pm.hourly_rate IS NOT NULL THEN 'project_member'
    WHEN p.hourly_rate IS NOT NULL THEN 'project'
    WHEN m.default_billing_rate IS NOT NULL THEN 'member_default'
    ELSE 'product_default' END"""
_HOURS = "(CAST((e.duration_seconds + 899) / 900 AS NUMERIC) * 0.25)"
_FLOOR_SQL = f"""
INSERT INTO billing_billableitem ({", ".join(ITEM_COLUMNS)})
SELECT {{now}}, {{now}}, e.tenant_id, 'task_entry', 'pending', e.id, t.id, p.id, c.id,
    e.membership_id, {{product}}, 'Consulting', e.description, 'HUR', e.duration_seconds,
    {_HOURS}, {_TIME_PRICE}, ROUND({_HOURS} * {_TIME_PRICE}, 2), p.currency, {_TIME_SOURCE},
    {{warnings}}, {_VAT}, e.date, ''
{_CANDIDATES} AND e.kind = 'time' AND e.stopped_at IS NOT NULL
UNION ALL
SELECT {{now}}, {{now}}, e.tenant_id, 'transport_distance', 'pending', e.id, t.id, p.id, c.id,
    e.membership_id, {{product}}, 'Transport', e.description, 'KMT', NULL,
    e.distance_km, COALESCE(e.unit_price, 5, t.unit_price),
    ROUND(e.distance_km * COALESCE(e.unit_price, 5, t.unit_price), 2), p.currency,
    CASE WHEN e.unit_price IS NOT NULL THEN 'entry' ELSE 'product_default' END,
    {{warnings}}, {_VAT}, e.date, ''
{_CANDIDATES} AND e.kind = 'mileage'
UNION ALL
SELECT {{now}}, {{now}}, e.tenant_id, 'transport_time', 'pending', e.id, t.id, p.id, c.id,
    e.membership_id, {{product}}, 'Transport Time', e.description, 'HUR',
    e.transport_minutes * 60, ROUND(CAST(e.transport_minutes AS NUMERIC) / 60, 4),
    COALESCE(e.unit_price, 1000, t.unit_price),
    ROUND(ROUND(CAST(e.transport_minutes AS NUMERIC) / 60, 4)
        * COALESCE(e.unit_price, 1000, t.unit_price), 2), p.currency,
    CASE WHEN e.unit_price IS NOT NULL THEN 'entry' ELSE 'product_default' END,
    {{warnings}}, {_VAT}, e.date, ''
{_CANDIDATES} AND e.kind = 'mileage' AND e.transport_minutes > 0
UNION ALL
SELECT {{now}}, {{now}}, e.tenant_id, e.kind, 'pending', e.id, t.id, p.id, c.id,
    e.membership_id, {{product}}, 'Work', e.description, 'C62', NULL,
    e.quantity, COALESCE(e.unit_price, t.unit_price, pli.unit_price, 0),
    ROUND(e.quantity * COALESCE(e.unit_price, t.unit_price, pli.unit_price, 0), 2), p.currency,
    CASE WHEN e.unit_price IS NOT NULL THEN 'entry' WHEN t.unit_price IS NOT NULL THEN 'task'
        ELSE 'price_list' END,
    {{warnings}}, {_VAT}, e.date, ''
{_CANDIDATES} AND e.kind IN ('expense', 'goods')
"""
_MARK_SQL = """
UPDATE work_taskentry SET billing_state = 'compiled'
WHERE tenant_id = %s AND billing_state = 'unbilled'
  AND EXISTS (SELECT 1 FROM billing_billableitem b WHERE b.entry_id = work_taskentry.id)
"""


def _floor_sql(data: Synthetic) -> str:
    now = "NOW()" if connection.vendor == "postgresql" else "datetime('now')"
    warnings = "CAST('[]' AS jsonb)" if connection.vendor == "postgresql" else "'[]'"
    return _FLOOR_SQL.format(
        now=now, warnings=warnings, product=int(data.product_id),
        list=int(data.default_list_id), tenant=int(data.tenant.pk),
    )  # fmt: skip


def measure_floor(data: Synthetic) -> tuple[float, float, int]:
    """(seconds of the INSERT ... SELECT, seconds of marking the entries, items inserted)."""
    with connection.cursor() as cursor:
        started = time.perf_counter()
        with transaction.atomic():
            cursor.execute(_floor_sql(data))
            inserted = cursor.rowcount
        insert_s = time.perf_counter() - started
        started = time.perf_counter()
        with transaction.atomic():
            cursor.execute(_MARK_SQL, [data.tenant.pk])
        mark_s = time.perf_counter() - started
    return insert_s, mark_s, inserted


def reset(data: Synthetic) -> None:
    """Back to unbilled: delete the tenant's items, reset its entries (not timed)."""
    with connection.cursor() as cursor, transaction.atomic():
        cursor.execute("DELETE FROM billing_billableitem WHERE tenant_id = %s", [data.tenant.pk])
        cursor.execute(
            "UPDATE work_taskentry SET billing_state = 'unbilled' WHERE tenant_id = %s",
            [data.tenant.pk],
        )
    _analyze()


# --- compile and generation -------------------------------------------------------------------


def measure_compile(data: Synthetic, *, batch_size: int | None = None):
    from faktura.billing.services.compile import BATCH_SIZE, billable_items_compile

    gc.collect()
    started = time.perf_counter()
    result = billable_items_compile(data.ctx, batch_size=batch_size or BATCH_SIZE)
    return time.perf_counter() - started, result


def _generator() -> Callable[..., Any] | None:
    for module in ("faktura.billing.services.generation", "faktura.billing.services.invoices"):
        try:
            found = __import__(module, fromlist=["invoices_generate"])
        except ImportError:
            continue
        if hasattr(found, "invoices_generate"):
            return found.invoices_generate
    return None


def measure_generate(data: Synthetic, *, per_call: int = 10_000) -> tuple[float | None, int]:
    """Seconds to generate one draft per customer from all pending items, and the drafts."""
    generate = _generator()
    if generate is None:
        return None, 0
    from faktura.billing.models import BillableItem

    by_contact: dict[int, list[int]] = defaultdict(list)
    rows = BillableItem.objects.filter(tenant=data.tenant, status="pending").order_by("pk")
    for contact_id, pk in rows.values_list("contact_id", "pk").iterator(chunk_size=CHUNK):
        by_contact[contact_id].append(pk)
    calls: list[list[int]] = [[]]
    for ids in by_contact.values():
        if calls[-1] and len(calls[-1]) + len(ids) > per_call:
            calls.append([])
        calls[-1].extend(ids)
    del by_contact
    drafts = 0
    started = time.perf_counter()
    for ids in calls:
        if ids:
            drafts += len(generate(data.ctx, item_ids=ids, grouping="contact"))
    return time.perf_counter() - started, drafts


# --- clean-up ---------------------------------------------------------------------------------

_BIG_TABLES = (
    "billing_invoiceline", "billing_billableitem", "billing_invoice", "work_taskentry",
    "catalog_productassignment", "work_task", "work_projectmember", "work_project",
    "catalog_pricelistitem", "catalog_product",
)  # fmt: skip


def cleanup_leftovers() -> int:
    """Delete synthetic companies that killed or ``--keep`` runs left behind."""
    tenants = list(Tenant.objects.filter(slug__startswith=SLUG_PREFIX))
    for tenant in tenants:
        cleanup_tenant(tenant)
    return len(tenants)


def cleanup(data: Synthetic) -> None:
    cleanup_tenant(data.tenant)


def cleanup_tenant(tenant: Tenant) -> None:
    """Delete a synthetic company: its big tables by SQL, the rest through the ORM."""
    tenant_id = tenant.pk
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE billing_invoice SET credit_note_of_id = NULL WHERE tenant_id = %s",
                [tenant_id],
            )
            for table in _BIG_TABLES:
                cursor.execute(
                    f"DELETE FROM {connection.ops.quote_name(table)} WHERE tenant_id = %s",  # noqa: S608
                    [tenant_id],
                )
        Tenant.objects.filter(pk=tenant_id).delete()
        User.objects.filter(username__endswith=f"@{tenant.slug}.{USER_DOMAIN}").delete()


# --- the whole run ----------------------------------------------------------------------------


def month_end(
    *,
    entries: int = 100_000,
    customers: int = 1_000,
    seed: int = 1,
    batch_size: int | None = None,
    keep: bool = False,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Build, measure floor, compile and generation, clean up; the numbers as a dict."""
    data = build(entries=entries, customers=customers, seed=seed, log=log)
    rss_built = peak_rss_mb()
    try:
        floor_s, mark_s, floor_items = measure_floor(data)
        log(f"floor: {floor_items} items in {floor_s:.2f} s (+ {mark_s:.2f} s marking)")
        reset(data)
        compile_s, result = measure_compile(data, batch_size=batch_size)
        log(f"compile: {result.created} items in {compile_s:.2f} s")
        rss_compiled = peak_rss_mb()
        generate_s, drafts = measure_generate(data)
        if generate_s is not None:
            log(f"generate: {drafts} drafts in {generate_s:.2f} s")
    finally:
        if not keep:
            cleanup(data)
            log("synthetic company deleted")
    return {
        "database": connection.vendor,
        "entries": data.entries,
        "customers": data.customers,
        "tasks": data.tasks,
        "items": result.created,
        "floor_items": floor_items,
        "compile_s": round(compile_s, 3),
        "floor_s": round(floor_s, 3),
        "floor_mark_s": round(mark_s, 3),
        "ratio": round(compile_s / floor_s, 2) if floor_s else None,
        "ratio_with_mark": round(compile_s / (floor_s + mark_s), 2) if floor_s else None,
        "entries_per_s": round(data.entries / compile_s) if compile_s else None,
        "generate_s": round(generate_s, 3) if generate_s is not None else None,
        "drafts": drafts,
        "build_s": data.seconds,
        "peak_rss_mb": peak_rss_mb(),
        "rss_after_build_mb": rss_built,
        "rss_after_compile_mb": rss_compiled,
        "batches": result.batches,
        "tenant": data.tenant.slug if keep else None,
    }
