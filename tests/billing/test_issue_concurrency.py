"""Concurrent issuing, generation and billing runs over real parallel connections.

Each thread uses its own database connection (Django keeps one per thread) and closes it at
the end. PostgreSQL serialises issuers on the sequence row lock; SQLite on the IMMEDIATE write
transaction. Either way the numbers are 1..N, none twice, none missing.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections

from faktura.billing.inputs import (
    BillingRun,
    InvoiceCreate,
    InvoiceIssue,
    InvoiceLineAdd,
    InvoicesGenerate,
)
from faktura.billing.invariants import check_invariants
from faktura.billing.models import BillableItem, Invoice
from faktura.billing.services.generation import billing_run, invoices_generate
from faktura.billing.services.invoices import invoice_create, invoice_line_add
from faktura.billing.services.issue import invoice_issue
from faktura.common.errors import FakturaError

MARCH_31 = dt.date(2026, 3, 31)


def _drafts(world, count: int) -> list[int]:
    contact = world.contact()
    ids = []
    for n in range(count):
        invoice = invoice_create(world.ctx, data=InvoiceCreate(contact_id=contact.pk))
        invoice_line_add(
            world.ctx,
            invoice_id=invoice.pk,
            data=InvoiceLineAdd(
                title=f"Service {n}", quantity="1", unit="HUR", unit_price="100", vat_rate="19"
            ),
        )
        ids.append(invoice.pk)
    return ids


def _in_threads(count: int, work: Callable[[int], None]) -> list[BaseException]:
    """Run work(index) in `count` threads that start together; returns their errors."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            work(index)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()  # this thread's connection

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def _issue_in_parallel(world, *, threads: int, per_thread: int) -> list[int]:
    ids = _drafts(world, threads * per_thread)

    def work(index: int) -> None:
        for invoice_id in ids[index::threads]:
            invoice_issue(world.ctx, invoice_id=invoice_id, data=InvoiceIssue(issue_date=MARCH_31))

    errors = _in_threads(threads, work)
    assert errors == []
    return sorted(
        Invoice.objects.filter(tenant=world.tenant, kind="invoice").values_list(
            "sequence_value", flat=True
        )
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_connections_issue_200_invoices_gaplessly(world):
    if connection.vendor != "postgresql":
        pytest.skip("needs real parallel connections (PostgreSQL)")
    values = _issue_in_parallel(world, threads=8, per_thread=25)
    assert values == list(range(1, 201))
    numbers = list(Invoice.objects.filter(tenant=world.tenant).values_list("number", flat=True))
    assert len(set(numbers)) == 200
    assert check_invariants(tenant=world.tenant) == []


@pytest.mark.django_db(transaction=True)
def test_threads_issue_gaplessly_on_sqlite_too(world):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite variant; PostgreSQL runs the 8-connection test")
    values = _issue_in_parallel(world, threads=4, per_thread=10)
    assert values == list(range(1, 41))
    assert check_invariants(tenant=world.tenant) == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_generation_puts_each_item_on_one_draft(world):
    task = world.task()
    ids = [world.item(task, minutes=15 * (n + 1)).pk for n in range(10)]
    made: list[int] = []

    def work(_: int) -> None:
        try:
            made.extend(
                i.pk
                for i in invoices_generate(
                    world.ctx, data=InvoicesGenerate(billable_item_ids=ids, grouping="task")
                )
            )
        except FakturaError as exc:
            assert exc.status == 409, exc

    assert _in_threads(4, work) == []
    assert len(made) == 1
    assert set(BillableItem.objects.filter(pk__in=ids).values_list("status", flat=True)) == {
        "on_draft"
    }
    assert Invoice.objects.filter(tenant=world.tenant).count() == 1
    assert check_invariants(tenant=world.tenant) == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_billing_runs_keep_one_draft(world):
    project = world.project()
    for n in range(12):
        world.item(world.task(project, f"Ticket {n}"), day=dt.date(2026, 3, 1 + n))

    assert _in_threads(4, lambda _: billing_run(world.ctx, data=BillingRun(period="2026-03"))) == []

    drafts = Invoice.objects.filter(tenant=world.tenant)
    assert drafts.count() == 1
    assert drafts.get().lines.count() == 12
    assert not BillableItem.objects.filter(status="pending").exists()
    assert check_invariants(tenant=world.tenant) == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_of_two_months_catch_up_each_earlier_item_once(world):
    # given: February work compiled after February's run; March and April run twice at once
    project = world.project()
    for n in range(8):
        world.item(world.task(project, f"Late {n}"), day=dt.date(2026, 2, 1 + n))
    periods = ["2026-03", "2026-04", "2026-03", "2026-04"]

    errors = _in_threads(4, lambda i: billing_run(world.ctx, data=BillingRun(period=periods[i])))

    # then: every late item is on exactly one draft, on a line flagged caught up
    assert errors == []
    items = BillableItem.objects.filter(tenant=world.tenant)
    assert {item.status for item in items} == {"on_draft"}
    lines = [item.invoice_line for item in items]
    assert all(line.caught_up for line in lines)
    assert sum(line.quantity for line in {line.pk: line for line in lines}.values()) == 8
    assert check_invariants(tenant=world.tenant) == []
