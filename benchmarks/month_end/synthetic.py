"""The synthetic company of the month-end benchmark: built fast and deterministically (a
seed), in chunks so that building never dominates the process's peak memory, and deleted
again afterwards."""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import connection, transaction

from benchmarks.company import companies_left, company_create, company_delete, member_username
from faktura.catalog.models import PriceList, PriceListItem, Product, ProductAssignment, Unit
from faktura.catalog.services import units_ensure_defaults
from faktura.common.context import CommandContext
from faktura.contacts.models import Contact
from faktura.tenancy.models import Membership, Team, Tenant
from faktura.work.models import Project, ProjectMember, Task

MONTH = (2026, 10)
CHUNK = 20_000
MEMBERS = 25
TASK_ENTRIES = 20  # entries per task on average
SLUG_PREFIX = "bench-month-end-"

# The company's standard rule; the floor rounds every time entry with it.
POLICY = {"increment_minutes": 15, "direction": "up", "minimum_minutes": 0, "level": "entry"}
TASK_DAY_SHARE = 0.1  # projects that round a ticket's day together (compile only)


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
        sql = f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) VALUES ({marks})"
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
    tenant, owner = company_create("Benchmark Month-End GmbH", SLUG_PREFIX)
    tenant.time_rounding = POLICY
    tenant.save(update_fields=["time_rounding"])
    units_ensure_defaults(tenant=tenant)
    hour = Unit.objects.get(tenant=tenant, code="HUR")

    with transaction.atomic():
        teams = Team.objects.bulk_create([Team(tenant=tenant, name=f"Team {n}") for n in range(3)])
        users = User.objects.bulk_create(
            [
                User(
                    username=member_username(tenant.slug, n),
                    email=member_username(tenant.slug, n),
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
    analyze()
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


def analyze() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in ("work_taskentry", "work_task", "billing_billableitem"):
                cursor.execute(f"VACUUM ANALYZE {table}")
            cursor.execute("ANALYZE")
        else:
            cursor.execute("ANALYZE")


_BIG_TABLES = (
    "billing_invoiceline", "billing_billableitem", "billing_invoice", "work_taskentry",
    "catalog_productassignment", "work_task", "work_projectmember", "work_project",
    "catalog_pricelistitem", "catalog_product",
)  # fmt: skip


def cleanup_leftovers() -> int:
    """Delete synthetic companies that killed or ``--keep`` runs left behind."""
    tenants = companies_left(SLUG_PREFIX)
    for tenant in tenants:
        cleanup_tenant(tenant)
    return len(tenants)


def cleanup(data: Synthetic) -> None:
    cleanup_tenant(data.tenant)


def cleanup_tenant(tenant: Tenant) -> None:
    """Delete a synthetic company: its big tables by SQL, the rest through the ORM."""
    company_delete(
        tenant,
        _BIG_TABLES,
        statements=["UPDATE billing_invoice SET credit_note_of_id = NULL WHERE tenant_id = %s"],
    )
