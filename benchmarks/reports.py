"""The reports benchmark behind ``faktura bench reports`` (issue 17, DESIGN.md section 7).

Builds a synthetic company in the configured database with ``entries`` time entries (default
1,000,000) spread over the working days of one year and ``invoices`` issued invoices (default
10,000: five time lines each, every line with its billable item; one in fifty credited by a
credit note, four in five paid, the rest open and partly paid), frame orders with ledger rows,
a fixed-price project. Rows go in as plain values (``COPY`` on PostgreSQL, ``executemany`` on
SQLite: `receivables.plain_insert`), invoices as drafts first and then numbered by one UPDATE
(the triggers that protect issued invoices refuse lines added to an issued one).

Then it asks every report endpoint for that year through the HTTP API (Django's test client
with a bearer token, the whole request: authentication, parsing, the selector, JSON), each
``repeat`` times, and reports the best and the median time per report. The company is deleted
afterwards (issued invoices by SQL: on PostgreSQL with the triggers switched off for that
transaction, which needs a superuser).
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from collections.abc import Callable, Iterator
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from benchmarks.company import companies_left, company_create, company_delete, member_username
from faktura.billing.models import BillableItem, Invoice, InvoiceLine
from faktura.catalog.services import units_ensure_defaults
from faktura.common.context import CommandContext
from faktura.contacts.models import Contact
from faktura.core.invoice_math import line_net
from faktura.frameorders.models import FrameOrder, FrameOrderLedger
from faktura.receivables.models import Allocation
from faktura.receivables.plain_insert import insert_plain
from faktura.tenancy.inputs import TokenCreate
from faktura.tenancy.models import Membership, Tenant
from faktura.tenancy.services import token_create
from faktura.work.models import Project, Task, TaskEntry

SLUG_PREFIX = "bench-reports-"
YEAR = 2026
MEMBERS = 25
CUSTOMERS = 300
LINES = 5  # time lines per invoice
CHUNK = 100_000  # entries per insert

# What is timed: every report of DESIGN.md section 6.2 for the benchmark's year.
REPORTS: tuple[tuple[str, dict[str, str]], ...] = (
    ("value-groups", {}),
    ("value-groups", {"group_by": "project"}),
    ("utilization", {}),
    ("wip", {}),
    ("revenue", {"group_by": "customer"}),
    ("revenue", {"group_by": "project"}),
    ("revenue", {"group_by": "product"}),
    ("revenue", {"group_by": "month"}),
    ("receivables-aging", {}),
    ("frame-orders", {}),
)


def _working_days() -> list[dt.date]:
    day, days = dt.date(YEAR, 1, 1), []
    while day.year == YEAR and day.month < 12:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def _build(entries: int, invoices: int, log: Callable[[str], None]) -> tuple[Tenant, Membership]:
    rng = random.Random(17)
    tenant, owner = company_create("Benchmark Reports GmbH", SLUG_PREFIX)
    units_ensure_defaults(tenant=tenant)
    now = timezone.now()
    started = time.perf_counter()
    with transaction.atomic():
        users = User.objects.bulk_create(
            User(username=member_username(tenant.slug, n), email=member_username(tenant.slug, n))
            for n in range(MEMBERS)
        )
        members = [owner, *Membership.objects.bulk_create(
            Membership(tenant=tenant, user=user, role="member") for user in users
        )]  # fmt: skip
        contacts = Contact.objects.bulk_create(
            Contact(
                tenant=tenant,
                name=f"Kunde {n:04d} GmbH",
                customer_number=f"K{n:04d}",
                currency="USD" if n % 10 == 9 else "EUR",
            )
            for n in range(CUSTOMERS)
        )
        projects = Project.objects.bulk_create(
            Project(
                tenant=tenant,
                name=f"Support {contact.name}",
                contact=contact,
                currency=contact.currency,
                billing_model="fixed_price" if n % 50 == 0 else "time_and_materials",
                fixed_price=Decimal("25000.00") if n % 50 == 0 else None,
                budget_hours=Decimal("250") if n % 50 == 0 else None,
            )
            for n, contact in enumerate(contacts)
        )
        projects += Project.objects.bulk_create(
            Project(tenant=tenant, name=name, scope="internal", value_group=group)
            for name, group in (("Produkt", "B"), ("Verwaltung", "C"), ("Störungen", "D"))
        )
        tasks = Task.objects.bulk_create(
            (
                Task(
                    tenant=tenant,
                    number=n + 1,
                    project=(project := projects[n % len(projects)]),
                    title=f"Ticket {n + 1}",
                    client_id=project.contact_id,
                    billable=project.contact_id is not None,
                )
                for n in range(max(len(projects), entries // 50))
            ),
            batch_size=5_000,
        )
        log(f"{len(contacts)} customers, {len(tasks)} tickets, {len(members)} members")
        written = 0
        source = _entries(rng, tenant.pk, [t.pk for t in tasks], [m.pk for m in members], entries)
        while chunk := [row for _, row in zip(range(CHUNK), source, strict=False)]:
            insert_plain(TaskEntry, ENTRY_COLUMNS, chunk, now=now)
            written += len(chunk)
        log(f"{written} time entries in {time.perf_counter() - started:.1f} s")
        _invoices(rng, tenant, contacts, projects, tasks, invoices, now)
    log(f"{invoices} invoices written after {time.perf_counter() - started:.1f} s")
    _analyze()
    return tenant, owner


ENTRY_COLUMNS = (
    "tenant_id",
    "task_id",
    "membership_id",
    "kind",
    "date",
    "started_at",
    "stopped_at",
    "duration_seconds",
    "approval_status",
    "billing_state",
)


def _entries(rng, tenant_id, task_ids, member_ids, count) -> Iterator[tuple]:
    days = _working_days()
    states = ("invoiced",) * 6 + ("unbilled", "compiled", "deferred", "written_off")
    for n in range(count):
        day = days[rng.randrange(len(days))]
        start = dt.datetime(day.year, day.month, day.day, 7, tzinfo=dt.UTC)
        start += dt.timedelta(minutes=rng.randrange(0, 600))
        seconds = rng.randrange(5, 240) * 60
        yield (
            tenant_id,
            task_ids[n % len(task_ids)],
            member_ids[n % len(member_ids)],
            "time",
            day,
            start,
            start + dt.timedelta(seconds=seconds),
            seconds,
            "approved",
            states[n % len(states)],
        )


def _invoices(rng, tenant, contacts, projects, tasks, count, now) -> None:
    """`count` invoices of `LINES` time lines (each with its item), one in fifty credited,
    four in five paid, the rest open (some partly paid); frame orders drawn by some."""
    days = _working_days()
    by_contact = {p.contact_id: p for p in projects if p.contact_id}
    task_of = {p.pk: t for t in reversed(tasks) for p in [t.project]}
    frame_orders = FrameOrder.objects.bulk_create(
        FrameOrder(
            tenant=tenant,
            contact=contact,
            po_number=f"PO-{n}",
            hours=Decimal("500"),
            currency=contact.currency,
            valid_from=dt.date(YEAR, 1, 1),
            valid_to=dt.date(YEAR, 3 + n % 10, 28),
        )
        for n, contact in enumerate(contacts[:100])
    )
    issue_days = sorted(days[rng.randrange(len(days))] for _ in range(count))
    drafts = Invoice.objects.bulk_create(
        (
            Invoice(
                tenant=tenant,
                contact=(contact := contacts[n % len(contacts)]),
                project=by_contact[contact.pk],
                currency=contact.currency,
                issue_date=day,
                due_date=day + dt.timedelta(days=14),
                payment_terms_days=14,
                frame_order=frame_orders[n % 100]
                if n % len(contacts) < 100 and n % 3 == 0
                else None,
            )
            for n, day in enumerate(issue_days)
        ),
        batch_size=2_000,
    )
    lines, nets = [], {}
    for invoice in drafts:
        task = task_of[invoice.project_id]
        total = Decimal(0)
        for position in range(1, LINES + 1):
            hours = Decimal(rng.randrange(1, 40)) / 4
            price = Decimal(rng.choice((90, 100, 120)))
            billed_price = price if rng.random() < 0.9 else price - 10
            net = line_net(hours, billed_price)
            total += net
            lines.append(
                (
                    tenant.pk,
                    invoice.pk,
                    position,
                    "task_entry",
                    f"#{task.number} {task.title}",
                    task.pk,
                    "HUR",
                    hours,
                    hours,
                    billed_price,
                    net,
                    "S",
                    Decimal("19"),
                    "project_rate",
                    price,
                )
            )
        nets[invoice.pk] = total
    insert_plain(InvoiceLine, LINE_COLUMNS, [row[:-1] for row in lines], now=now)
    list_prices = {(row[1], row[2]): row[-1] for row in lines}
    line_rows = InvoiceLine.objects.filter(tenant=tenant).values_list(
        "id",
        "invoice_id",
        "position",
        "task_id",
        "quantity",
        "invoice__contact_id",
        "invoice__project_id",
        "invoice__currency",
        "invoice__issue_date",
    )
    items = []
    for (
        line_id,
        invoice_id,
        position,
        task_id,
        hours,
        contact_id,
        project_id,
        cur,
        day,
    ) in line_rows:
        price = list_prices[(invoice_id, position)]
        items.append(
            (
                tenant.pk,
                "task_entry",
                "invoiced",
                task_id,
                project_id,
                contact_id,
                "HUR",
                int(hours * 3600),
                hours,
                price,
                line_net(hours, price),
                cur,
                "project_rate",
                "S",
                Decimal("19"),
                day,
                line_id,
            )
        )
    insert_plain(BillableItem, ITEM_COLUMNS, items, now=now)
    with connection.cursor() as cursor:
        for invoice_id, net in nets.items():
            vat = (net * Decimal("0.19")).quantize(Decimal("0.01"))
            nets[invoice_id] = net + vat
            cursor.execute(
                "UPDATE billing_invoice SET net_total = %s, vat_total = %s, gross_total = %s "
                "WHERE id = %s",
                [net, vat, net + vat, invoice_id],
            )
    # Number them as issuing would: open (sent) or paid; credit notes below.
    ids = [invoice.pk for invoice in drafts]
    paid = set(ids[: count * 4 // 5])
    _number(tenant, [i for i in ids if i in paid], "paid", "R")
    _number(tenant, [i for i in ids if i not in paid], "sent", "R")
    currency = {invoice.pk: invoice.currency for invoice in drafts}
    allocations = [
        (tenant.pk, invoice_id, "payment", nets[invoice_id], currency[invoice_id], issue_days[n])
        for n, invoice_id in enumerate(ids)
        if invoice_id in paid
    ]
    allocations += [
        (tenant.pk, invoice_id, "payment", (nets[invoice_id] / 2).quantize(Decimal("0.01")),
         currency[invoice_id], issue_days[n])
        for n, invoice_id in enumerate(ids)
        if invoice_id not in paid and n % 4 == 0
    ]  # fmt: skip
    insert_plain(Allocation, ALLOCATION_COLUMNS, allocations, now=now)
    ledger = [
        (tenant.pk, invoice.frame_order_id, invoice.pk, "draw", Decimal("10"), Decimal("1000"))
        for invoice in drafts
        if invoice.frame_order_id
    ]
    insert_plain(FrameOrderLedger, LEDGER_COLUMNS, ledger, now=now)
    _credit_notes(tenant, drafts[::50], now)


LINE_COLUMNS = (
    "tenant_id",
    "invoice_id",
    "position",
    "kind",
    "title",
    "task_id",
    "unit",
    "logged_quantity",
    "quantity",
    "unit_price",
    "net_amount",
    "vat_category",
    "vat_rate",
    "price_source",
)
ITEM_COLUMNS = (
    "tenant_id",
    "kind",
    "status",
    "task_id",
    "project_id",
    "contact_id",
    "unit",
    "logged_seconds",
    "quantity",
    "unit_price",
    "amount",
    "currency",
    "price_source",
    "vat_category",
    "vat_rate",
    "service_date",
    "invoice_line_id",
)
ALLOCATION_COLUMNS = ("tenant_id", "invoice_id", "kind", "amount", "currency", "date")
LEDGER_COLUMNS = ("tenant_id", "frame_order_id", "invoice_id", "kind", "hours", "amount")


def _number(tenant, ids: list[int], status: str, prefix: str) -> None:
    """Draft -> numbered, as issuing leaves them (one statement per batch of ids)."""
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 2_000):
            batch = ids[start : start + 2_000]
            marks = ", ".join(["%s"] * len(batch))
            cursor.execute(
                f"UPDATE billing_invoice SET status = %s, number = %s || CAST(id AS TEXT), "
                f"issued_at = %s WHERE tenant_id = %s AND id IN ({marks})",
                [status, f"{prefix}-", timezone.now(), tenant.pk, *batch],
            )


def _credit_notes(tenant, invoices, now) -> None:
    """A credit note of the first line of each of `invoices`, the day after its invoice."""
    notes = Invoice.objects.bulk_create(
        Invoice(
            tenant=tenant,
            kind="credit_note",
            contact_id=invoice.contact_id,
            project_id=invoice.project_id,
            currency=invoice.currency,
            credit_note_of=invoice,
            issue_date=invoice.issue_date + dt.timedelta(days=1),
            due_date=invoice.issue_date + dt.timedelta(days=1),
        )
        for invoice in invoices
    )
    first = {
        line.invoice_id: line
        for line in InvoiceLine.objects.filter(
            tenant=tenant, invoice_id__in=[i.pk for i in invoices], position=1
        )
    }
    rows = []
    for note, invoice in zip(notes, invoices, strict=True):
        line = first[invoice.pk]
        rows.append(
            (
                tenant.pk,
                note.pk,
                1,
                "task_entry",
                line.title,
                line.task_id,
                "HUR",
                -line.logged_quantity,
                -line.quantity,
                line.unit_price,
                -line.net_amount,
                "S",
                Decimal("19"),
                line.price_source,
            )
        )
    insert_plain(InvoiceLine, LINE_COLUMNS, rows, now=now)
    _number(tenant, [note.pk for note in notes], "issued", "G")


def _analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _time_reports(tenant: Tenant, owner: Membership, repeat: int, log) -> dict[str, dict]:
    ctx = CommandContext(tenant=tenant, membership=owner, user=owner.user, source="cli")
    _, raw = token_create(ctx, data=TokenCreate(name="bench"))
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    figures: dict[str, dict] = {}
    for path, params in REPORTS:
        name = path + "".join(f" {value}" for value in params.values())
        query = {"period": str(YEAR), **params}
        seconds, status = [], 0
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get(f"/api/v1/reports/{path}", query)
            seconds.append(time.perf_counter() - started)
            status = response.status_code
            if status != 200:
                break
        figures[name] = {
            "status": status,
            "best_s": round(min(seconds), 3),
            "median_s": round(statistics.median(seconds), 3),
        }
        log(f"{name}: {figures[name]}")
    return figures


def cleanup_tenant(tenant: Tenant) -> None:
    tables = (
        "frameorders_frameorderledger", "frameorders_frameorder", "receivables_allocation",
        "billing_billableitem", "billing_invoiceline", "billing_invoice", "work_taskentry",
        "work_task", "work_project", "contacts_contact", "catalog_productassignment",
        "catalog_pricelistitem", "catalog_product",
    )  # fmt: skip
    statements = (
        "UPDATE billing_invoice SET credit_note_of_id = NULL WHERE tenant_id = %s",
        "DELETE FROM frameorders_frameorder_projects WHERE frameorder_id IN "
        "(SELECT id FROM frameorders_frameorder WHERE tenant_id = %s)",
    )
    company_delete(tenant, tables, statements=statements, triggers_off=True)


def cleanup_leftovers() -> int:
    tenants = companies_left(SLUG_PREFIX)
    for tenant in tenants:
        cleanup_tenant(tenant)
    return len(tenants)


def bench_reports(
    entries: int = 1_000_000,
    invoices: int = 10_000,
    repeat: int = 3,
    log: Callable[[str], None] = print,
    keep: bool = False,
) -> dict:
    """Build, time every report, clean up. Returns ``database``, ``entries``, ``invoices``,
    ``build_s`` and per report (its path and grouping) ``status``, ``best_s`` and
    ``median_s`` over ``repeat`` requests."""
    started = time.perf_counter()
    tenant, owner = _build(entries, invoices, log)
    build_s = round(time.perf_counter() - started, 1)
    try:
        reports = _time_reports(tenant, owner, repeat, log)
    finally:
        if not keep:
            cleanup_tenant(tenant)
    return {
        "database": connection.vendor,
        "entries": entries,
        "invoices": invoices,
        "build_s": build_s,
        "slowest_s": max(r["median_s"] for r in reports.values()),
        "reports": reports,
    }
