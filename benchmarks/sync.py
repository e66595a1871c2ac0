"""The sync benchmark behind ``faktura bench sync`` (issue 16, DESIGN.md section 7).

A synthetic company with ``invoices`` issued invoices in the current month, a lexoffice
connection and a webhook connection pointed at a local fake server, and a webhook subscription.
Timed:

- ``enqueue_s``: writing the outbox (a sync record per invoice and connection, a webhook
  delivery per invoice) as the issuing transactions would;
- ``sync_s``: worker passes (``workers`` provider calls at a time) until nothing is due;
- ``datev_s``: the DATEV export of the month.

Checked: every record synced, every voucher number created once at the fake lexoffice, every
delivery delivered once. The company is deleted afterwards.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import threading
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.db import connection, transaction

from benchmarks.company import company_create, company_delete
from benchmarks.receivables import tenant_today_of
from faktura.billing.models import Invoice
from faktura.common.context import CommandContext
from faktura.contacts.models import Contact
from faktura.tenancy.models import Tenant

SLUG_PREFIX = "bench-sync-"
BATCH = 2000


class _Fake(BaseHTTPRequestHandler):
    """lexoffice's vouchers API (create, look up by number) and a webhook receiver. It runs in
    a process of its own (as a provider would), so it does not share the worker's
    interpreter lock; `GET /__counts` answers what it received."""

    vouchers: Counter = Counter()
    events: Counter = Counter()
    lock = threading.Lock()
    # Headers and body leave in one write, as a real server's do (two small writes wait for
    # the client's delayed ACK).
    wbufsize = -1

    def log_message(self, *args):
        pass

    def _answer(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/__counts":
            with self.lock:
                return self._answer(200, {"vouchers": self.vouchers, "events": self.events})
        self._answer(200, {"content": []})

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        body = json.loads(raw)
        with self.lock:
            if self.path == "/v1/vouchers":
                self.vouchers[body["voucherNumber"]] += 1
            else:
                self.events[body.get("id") or self.headers.get("Idempotency-Key")] += 1
        self._answer(200, {"id": str(uuid.uuid4())})


def _serve(ports) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Fake)
    server.daemon_threads = True
    ports.put(server.server_address[1])
    server.serve_forever()


def _counts(url: str) -> dict:
    with urllib.request.urlopen(url + "/__counts", timeout=30) as answer:
        return json.loads(answer.read())


def _build(invoices: int, day: dt.date, log: Callable[[str], None]) -> Tenant:
    tenant, _owner = company_create("Benchmark Sync GmbH", SLUG_PREFIX)
    started = time.perf_counter()
    with transaction.atomic():
        contacts = Contact.objects.bulk_create(
            Contact(tenant=tenant, name=f"Kunde {n}", customer_number=str(n)) for n in range(100)
        )
        rows = []
        for n in range(invoices):
            net = Decimal(100 + n % 900)
            vat = (net * Decimal("0.19")).quantize(Decimal("0.01"))
            rows.append(
                Invoice(
                    tenant=tenant, kind=Invoice.Kind.INVOICE, status=Invoice.Status.ISSUED,
                    number=f"BS-{n + 1:06d}", sequence_value=n + 1, contact=contacts[n % 100],
                    currency="EUR", issue_date=day, due_date=day + dt.timedelta(days=14),
                    seller={"name": tenant.name}, buyer={"name": contacts[n % 100].name},
                    net_total=net, vat_total=vat, gross_total=net + vat,
                    vat_breakdown=[{"category": "S", "rate": "19.00", "taxable_amount": str(net),
                                    "vat_amount": str(vat)}],
                    issued_at=tenant.created_at,
                )
            )  # fmt: skip
            if len(rows) >= BATCH:
                Invoice.objects.bulk_create(rows)
                rows = []
        if rows:
            Invoice.objects.bulk_create(rows)
    log(f"{invoices} issued invoices written in {time.perf_counter() - started:.1f} s")
    return tenant


def cleanup_tenant(tenant: Tenant) -> None:
    tables = (
        "integrations_webhookdelivery", "integrations_webhooksubscription",
        "integrations_syncrecord", "integrations_syncconnection", "integrations_datevdownload",
        "billing_invoice", "contacts_contact",
    )  # fmt: skip
    company_delete(tenant, tables, triggers_off=True)


def bench_sync(invoices: int, workers: int = 8, log: Callable[[str], None] = print) -> dict:
    from faktura.integrations import outbox
    from faktura.integrations.datev_services import datev_export
    from faktura.integrations.inputs import ConnectionCreate, WebhookCreate
    from faktura.integrations.models import SyncRecord, WebhookDelivery
    from faktura.integrations.services import connection_create, webhook_create
    from faktura.integrations.worker import sync_run

    os.environ["FAKTURA_ALLOW_PRIVATE_URLS"] = "1"  # the fake server listens on 127.0.0.1
    ports: multiprocessing.Queue = multiprocessing.Queue()
    server = multiprocessing.Process(target=_serve, args=(ports,), daemon=True)
    server.start()
    url = f"http://127.0.0.1:{ports.get(timeout=30)}"
    day = dt.date.today()
    tenant = _build(invoices, day, log)
    try:
        ctx = CommandContext(tenant=tenant, source="cli")
        day = tenant_today_of(tenant)
        lx = connection_create(ctx, data=ConnectionCreate.model_validate({
            "provider": "lexoffice", "name": "LX", "settings": {"base_url": url, "api_key": "k"},
        }))  # fmt: skip
        hook = connection_create(ctx, data=ConnectionCreate.model_validate({
            "provider": "webhook", "name": "Books", "settings": {"url": url + "/books"},
        }))  # fmt: skip
        webhook_create(ctx, data=WebhookCreate(url=url + "/events", events=["invoice.issued"]))
        started = time.perf_counter()
        with transaction.atomic():
            for invoice in Invoice.objects.filter(tenant=tenant).order_by("pk").iterator():
                outbox.on_invoice_issued(ctx, invoice)
                outbox.records_queue(
                    tenant, object_type="invoice", object_id=invoice.pk,
                    number=invoice.number or "", connections=[lx, hook],
                )  # fmt: skip
        enqueue_s = time.perf_counter() - started
        log(f"outbox written in {enqueue_s:.1f} s")
        started = time.perf_counter()
        passes = 0
        while True:
            result = sync_run(limit=2000, workers=workers, tenant=tenant)
            passes += 1
            if not (
                result.synced or result.retrying or result.delivered or result.delivery_retrying
            ):
                break
        sync_s = time.perf_counter() - started
        records = SyncRecord.objects.filter(tenant=tenant)
        synced = records.filter(status="synced").count()
        delivered = WebhookDelivery.objects.filter(tenant=tenant, status="delivered").count()
        log(f"{synced} records synced, {delivered} webhooks delivered in {sync_s:.1f} s")
        started = time.perf_counter()
        content, _changed, bookings = datev_export(ctx, start=day.replace(day=1), end=day)
        datev_s = time.perf_counter() - started
        counts = _counts(url)
    finally:
        server.terminate()
        server.join()
        cleanup_tenant(tenant)
    calls = invoices * 2 + invoices
    return {
        "database": connection.vendor,
        "invoices": invoices,
        "workers": workers,
        "records": invoices * 2,
        "synced": synced,
        "delivered": delivered,
        "duplicate_vouchers": sum(c - 1 for c in counts["vouchers"].values() if c > 1),
        "duplicate_posts": sum(c - 1 for c in counts["events"].values() if c > 1),
        "vouchers_received": len(counts["vouchers"]),
        "posts_received": len(counts["events"]),
        "enqueue_s": round(enqueue_s, 2),
        "sync_s": round(sync_s, 2),
        "calls_per_second": round(calls / sync_s, 1) if sync_s else None,
        "passes": passes,
        "datev_bookings": bookings,
        "datev_bytes": len(content),
        "datev_s": round(datev_s, 2),
    }
