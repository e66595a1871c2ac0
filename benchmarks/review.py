"""The billing-review benchmark behind ``faktura bench review`` (issue 14, "Speed").

A synthetic company with one customer whose month holds ``entries`` approved time entries on
50 tickets of one time-and-materials project, compiled beforehand (as the month-end close
leaves them). Timed:

- ``load_s``: starting the review (`billing_review_start`, which finds nothing left to
  compile) and reading it as the API answers it (`review_view`: every entry with its hours,
  amount and decision, the totals, the frame orders);
- ``bill_all_issue_s``: "Bill all" (`billing_review_update` with ``decide_all``) and
  "Generate & issue" (`billing_review_generate`: the draft, the next number, the frozen
  documents), each as one request would run it.

The company is deleted afterwards (issued invoices by SQL: on PostgreSQL with the triggers
that protect issued invoices switched off for that transaction, which needs a superuser).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from decimal import Decimal

from django.db import connection, transaction

from benchmarks.company import company_create, company_delete
from faktura.billing.services.compile import billable_items_compile
from faktura.billingreview import selectors, services
from faktura.billingreview.inputs import BillingReviewStart, BillingReviewUpdate
from faktura.common.context import CommandContext
from faktura.contacts.models import Contact
from faktura.tenancy.models import Tenant
from faktura.work.models import Project, Task, TaskEntry

SLUG_PREFIX = "bench-review-"
TICKETS = 50


def _build(entries: int, log: Callable[[str], None]) -> tuple[CommandContext, Contact, dt.date]:
    tenant, owner = company_create("Benchmark Review GmbH", SLUG_PREFIX)
    tenant.iban, tenant.email, tenant.phone = "DE89370400440532013000", "r@bench.test", "+49 30 1"
    tenant.save(update_fields=["iban", "email", "phone"])
    ctx = CommandContext(tenant=tenant, membership=owner, user=owner.user, source="cli")
    start = (dt.date.today().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    started = time.perf_counter()
    with transaction.atomic():
        contact = Contact.objects.create(
            tenant=tenant, name="Kunde Review GmbH", street="Industriestraße 5",
            postal_code="70173", city="Stuttgart", country="DE",
        )  # fmt: skip
        project = Project.objects.create(
            tenant=tenant, name="Support", contact=contact, kind="ongoing", currency="EUR",
            hourly_rate=Decimal("95"),
        )  # fmt: skip
        tasks = Task.objects.bulk_create(
            Task(tenant=tenant, project=project, number=n + 1, title=f"Ticket {n + 1}",
                 client=contact)
            for n in range(TICKETS)
        )  # fmt: skip
        rows = []
        for n in range(entries):
            day = start + dt.timedelta(days=n % 28)
            begin = dt.datetime.combine(day, dt.time(8), tzinfo=dt.UTC) + dt.timedelta(
                minutes=n % 480
            )
            seconds = 900 + (n % 12) * 300
            rows.append(
                TaskEntry(
                    tenant=tenant, task=tasks[n % TICKETS], membership=owner, kind="time",
                    date=day, started_at=begin, stopped_at=begin + dt.timedelta(seconds=seconds),
                    duration_seconds=seconds, approval_status="approved",
                )
            )  # fmt: skip
        TaskEntry.objects.bulk_create(rows, batch_size=2000)
    log(f"{entries} approved entries written in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    billable_items_compile(ctx)
    log(f"compiled in {time.perf_counter() - started:.1f} s")
    return ctx, contact, start


def cleanup_tenant(tenant: Tenant) -> None:
    tables = (
        "billingreview_billingreview", "documents_storeddocument", "billing_billableitem",
        "billing_invoiceline", "billing_invoice", "billing_numbersequence", "work_taskentry",
        "work_task", "work_project", "contacts_contact", "catalog_productassignment",
        "catalog_product",
    )  # fmt: skip
    decisions = (
        "DELETE FROM billingreview_billingreviewdecision WHERE review_id IN "
        "(SELECT id FROM billingreview_billingreview WHERE tenant_id = %s)"
    )
    company_delete(tenant, tables, statements=[decisions], triggers_off=True)


def bench_review(entries: int, log: Callable[[str], None] = print) -> dict:
    """Build, measure, clean up. Returns ``entries``, ``load_s``, ``bill_all_issue_s``,
    ``invoice_lines``, ``net``, ``database``."""
    ctx, contact, start = _build(entries, log)
    end = start.replace(day=28) + dt.timedelta(days=4)
    end = end - dt.timedelta(days=end.day)
    try:
        started = time.perf_counter()
        review = services.billing_review_start(
            ctx, data=BillingReviewStart(contact_id=contact.pk, period_start=start, period_end=end)
        )
        view = selectors.review_view(review)
        load_s = time.perf_counter() - started
        log(f"review of {len(view.entries)} entries loaded in {load_s:.2f} s")
        started = time.perf_counter()
        services.billing_review_update(
            ctx, review_id=review.pk, data=BillingReviewUpdate(decide_all="bill")
        )
        invoice = services.billing_review_generate(ctx, review_id=review.pk, issue=True)
        issue_s = time.perf_counter() - started
        log(f"bill all + issue ({invoice.number}) in {issue_s:.2f} s")
        if len(view.entries) != entries or invoice.number is None:
            raise RuntimeError("the benchmark did not review and bill every entry")
        lines = invoice.lines.count()
    finally:
        cleanup_tenant(ctx.tenant)
    return {
        "database": connection.vendor,
        "entries": entries,
        "load_s": round(load_s, 3),
        "bill_all_issue_s": round(issue_s, 3),
        "invoice_lines": lines,
        "net": str(invoice.net_total),
    }
