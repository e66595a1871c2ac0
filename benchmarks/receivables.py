"""The receivables benchmark behind ``faktura bench receivables`` (DESIGN.md section 7).

A synthetic company with ``invoices`` issued, open invoices, all overdue. Timed:

- ``proposals_s``: the dunning proposals over all of them (`dunning_proposals`, what
  ``GET /dunning/proposals`` and the Dunning page answer);
- ``import_s``: receiving and importing a CAMT.053 statement with one credit per invoice for
  the first ``credits`` invoices (default: all, at most 10,000), each naming its invoice number
  and paying it in full, so every credit is matched and recorded as a payment.

The company is deleted afterwards (issued invoices by SQL: on PostgreSQL with the triggers
that protect issued invoices switched off for that transaction, which needs a superuser).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from decimal import Decimal
from xml.sax.saxutils import escape

from django.db import connection, transaction

from benchmarks.company import companies_left, company_create, company_delete
from faktura.billing.models import Invoice
from faktura.common.context import CommandContext
from faktura.contacts.models import Contact
from faktura.receivables.dunning_selectors import dunning_proposals
from faktura.receivables.inputs import BankStatementUpload
from faktura.receivables.services.bank import bank_statement_import, bank_statement_receive
from faktura.tenancy.models import Tenant

SLUG_PREFIX = "bench-receivables-"
IBAN = "DE89370400440532013000"
BATCH = 2000


def _camt(rows: list[tuple[str, Decimal, str]], day: dt.date) -> bytes:
    entries = "".join(
        f'<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>'
        f"<BookgDt><Dt>{day}</Dt></BookgDt><ValDt><Dt>{day}</Dt></ValDt>"
        f"<AcctSvcrRef>{ref}</AcctSvcrRef><NtryDtls><TxDtls><RltdPties><Dbtr><Pty>"
        f"<Nm>Kunde</Nm></Pty></Dbtr></RltdPties><RmtInf><Ustrd>{escape(text)}</Ustrd></RmtInf>"
        "</TxDtls></NtryDtls></Ntry>"
        for ref, amount, text in rows
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>'
        "<GrpHdr><MsgId>BENCH</MsgId><CreDtTm>2026-01-01T00:00:00</CreDtTm></GrpHdr>"
        f"<Stmt><Id>BENCH-1</Id><Acct><Id><IBAN>{IBAN}</IBAN></Id><Ccy>EUR</Ccy></Acct>"
        f"{entries}</Stmt></BkToCstmrStmt></Document>"
    ).encode()


def _build(invoices: int, today: dt.date, log: Callable[[str], None]) -> Tenant:
    tenant, _owner = company_create("Benchmark Receivables GmbH", SLUG_PREFIX)
    started = time.perf_counter()
    with transaction.atomic():
        contacts = Contact.objects.bulk_create(
            Contact(tenant=tenant, name=f"Kunde {n}", customer_number=str(20000 + n))
            for n in range(100)
        )
        issue = today - dt.timedelta(days=60)
        rows = []
        for n in range(invoices):
            gross = Decimal(100 + n % 900) + Decimal(n % 100) / 100
            rows.append(
                Invoice(
                    tenant=tenant, kind=Invoice.Kind.INVOICE, status=Invoice.Status.SENT,
                    number=f"BR-{n + 1:06d}", sequence_value=n + 1, contact=contacts[n % 100],
                    currency="EUR", issue_date=issue, due_date=issue + dt.timedelta(days=14),
                    seller={"name": tenant.name}, buyer={"name": contacts[n % 100].name},
                    net_total=gross, gross_total=gross, issued_at=tenant.created_at,
                )
            )  # fmt: skip
            if len(rows) >= BATCH:
                Invoice.objects.bulk_create(rows)
                rows = []
        if rows:
            Invoice.objects.bulk_create(rows)
    log(f"{invoices} open invoices written in {time.perf_counter() - started:.1f} s")
    return tenant


def cleanup_tenant(tenant: Tenant) -> None:
    tables = (
        "receivables_chargeallocation", "receivables_receivablecharge", "receivables_reminder",
        "receivables_reminderletter", "receivables_allocation", "receivables_payment",
        "receivables_banktransaction", "receivables_bankstatement", "billing_invoice",
        "contacts_contact",
    )  # fmt: skip
    company_delete(tenant, tables, triggers_off=True)


def cleanup_leftovers() -> int:
    tenants = companies_left(SLUG_PREFIX)
    for tenant in tenants:
        cleanup_tenant(tenant)
    return len(tenants)


def bench_receivables(
    invoices: int, credits: int | None = None, log: Callable[[str], None] = print
) -> dict:
    """Build, measure, clean up. Returns ``invoices``, ``credits``, ``proposals``,
    ``proposals_s``, ``import_s``, ``matched``, ``transactions_per_second``, ``database``, and
    the CPU time of this process for the two (``proposals_cpu_s``, ``import_cpu_s``: on a
    shared, loaded machine the wall-clock figures include the time spent waiting for a core;
    the database's own work is in the process on SQLite, in the server on PostgreSQL)."""
    credits = min(invoices, 10_000) if credits is None else min(credits, invoices)
    today = dt.date.today()
    tenant = _build(invoices, today, log)
    try:
        started, cpu = time.perf_counter(), time.process_time()
        proposals = dunning_proposals(tenant=tenant, today=tenant_today_of(tenant))
        proposals_s = time.perf_counter() - started
        proposals_cpu_s = time.process_time() - cpu
        log(f"{len(proposals)} proposals in {proposals_s:.2f} s")

        numbers = Invoice.objects.filter(tenant=tenant).order_by("id")
        numbers = numbers.values_list("number", "gross_total")[:credits]
        rows = [(f"REF-{n}", gross, f"Rechnung {number}") for n, (number, gross) in
                enumerate(numbers)]  # fmt: skip
        content = _camt(rows, today)
        ctx = CommandContext(tenant=tenant, source="cli")
        started, cpu = time.perf_counter(), time.process_time()
        statement = bank_statement_receive(
            ctx, data=BankStatementUpload(filename="bench.xml", content=content)
        )
        statement = bank_statement_import(ctx, statement_id=statement.pk)
        import_s = time.perf_counter() - started
        import_cpu_s = time.process_time() - cpu
        log(f"{statement.transactions} credits imported, {statement.matched} matched")
    finally:
        cleanup_tenant(tenant)
    return {
        "database": connection.vendor,
        "invoices": invoices,
        "proposals": len(proposals),
        "proposals_s": round(proposals_s, 3),
        "proposals_cpu_s": round(proposals_cpu_s, 3),
        "credits": credits,
        "matched": statement.matched,
        "import_s": round(import_s, 3),
        "import_cpu_s": round(import_cpu_s, 3),
        "transactions_per_second": round(credits / import_s, 1) if import_s else None,
    }


def tenant_today_of(tenant: Tenant) -> dt.date:
    from faktura.tenancy.selectors import tenant_today

    return tenant_today(tenant)
