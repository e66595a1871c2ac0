"""The worker pass over the outbox (`faktura sync-run`, the worker and the scheduler loop).

A pass runs `workers` threads (the bound on provider calls at a time), each with its own
database connection. Each thread works both outbox tables (sync records, then webhook
deliveries) the same way, in batches of `FAKTURA_SYNC_BATCH_SIZE`:

1. **Claim**: one transaction reads up to a batch of due rows (oldest first; on PostgreSQL
   `FOR UPDATE SKIP LOCKED`, so two workers take different rows; SQLite's IMMEDIATE
   transaction holds the one write lock) and leases them with one conditional UPDATE
   (`syncing` / `delivering` until `lease_until`, `attempts` + 1). A worker that dies leaves
   rows whose lease runs out and that are claimed again.
2. **Read** what the batch needs in a few queries (the documents, their lines, the
   connections' secrets once per connection).
3. **Call** the provider for one row after the other, outside any transaction. A row whose
   call could not start early enough to end within the lease (a look-up and a create, each
   up to the timeout) is not sent: it goes back to waiting, its attempt not counted, so a
   live worker's lease never runs out under it.
4. **Store** the outcomes in one transaction: only rows whose claim is still current (still
   working, same attempt count) are written, by one prepared UPDATE run for all of them, with
   their audit rows.

Retries: exponential backoff with jitter (`FAKTURA_SYNC_BACKOFF_SECONDS` doubled per attempt,
at most six hours, times a random 0.5-1.0, in whole seconds), never sooner than a `Retry-After`
asked for; after `FAKTURA_SYNC_MAX_ATTEMPTS` attempts the row is `failed`. Refused
credentials fail at once. A retry looks the document up by its number before it creates (a
lost answer after the provider created it must not duplicate it).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.db.models import F, Q
from django.utils import timezone

from faktura.common.context import CommandContext
from faktura.common.services import audit_record, audit_records
from faktura.integrations import crypto, outbound
from faktura.integrations.gateways import GatewayError, Pushed, gateway_for
from faktura.integrations.gateways.base import retry_after_seconds
from faktura.integrations.models import SyncRecord, WebhookDelivery, WebhookSubscription
from faktura.integrations.signing import signature

log = logging.getLogger(__name__)

MAX_DELAY = 6 * 3600


def _max_attempts() -> int:
    return int(getattr(settings, "FAKTURA_SYNC_MAX_ATTEMPTS", 8))


def _backoff_base() -> int:
    return int(getattr(settings, "FAKTURA_SYNC_BACKOFF_SECONDS", 30))


def _lease_seconds() -> int:
    return int(getattr(settings, "FAKTURA_SYNC_LEASE_SECONDS", 120))


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=_lease_seconds())


def _timeout() -> int:
    return max(1, int(getattr(settings, "FAKTURA_SYNC_TIMEOUT_SECONDS", 10)))


def batch_size() -> int:
    """Rows one worker claims at once (`FAKTURA_SYNC_BATCH_SIZE`)."""
    return max(1, int(getattr(settings, "FAKTURA_SYNC_BATCH_SIZE", 100)))


def _deadline() -> float:  # float ok: a monotonic clock reading, not money
    """The last moment (monotonic clock) a worker may start a call for a batch it claimed
    now: a retry's look-up and create, each up to the timeout, still end within the lease."""
    return time.monotonic() + _lease_seconds() - 2 * _timeout()


def retry_delay(attempts: int, retry_after: int | None = None) -> int:
    """Whole seconds until the next attempt after `attempts` failed ones."""
    backoff = min(_backoff_base() * 2 ** max(0, attempts - 1), MAX_DELAY)
    delay = round(backoff * random.uniform(0.5, 1.0))
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay


@dataclass
class PassResult:
    synced: int = 0
    retrying: int = 0
    failed: int = 0
    delivered: int = 0
    delivery_retrying: int = 0
    delivery_failed: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "errors"}

    def count(self, queue: Queue, outcome: str | None) -> None:
        names = (
            {"synced": "synced", "queued": "retrying", "failed": "failed"}
            if queue is RECORDS
            else {"delivered": "delivered", "pending": "delivery_retrying",
                  "failed": "delivery_failed"}
        )  # fmt: skip
        name = names.get(outcome or "")
        if name:
            setattr(self, name, getattr(self, name) + 1)


# --- claiming and storing, the same for both tables --------------------------------------------


@dataclass(frozen=True)
class Queue:
    """One outbox table: its waiting and working states and the parent that must be enabled."""

    model: Any
    waiting: str
    working: str
    parent: str

    def row_due(self, now: dt.datetime) -> Q:
        waiting = Q(status=self.waiting) & (
            Q(next_retry_at__isnull=True) | Q(next_retry_at__lte=now)
        )
        abandoned = Q(status=self.working, lease_until__lt=now)
        return waiting | abandoned

    def due(self, now: dt.datetime) -> Q:
        return self.row_due(now) & Q(**{f"{self.parent}__enabled": True})


RECORDS = Queue(SyncRecord, SyncRecord.Status.QUEUED, SyncRecord.Status.SYNCING, "connection")
DELIVERIES = Queue(
    WebhookDelivery,
    WebhookDelivery.Status.PENDING,
    WebhookDelivery.Status.DELIVERING,
    "subscription",
)


def claim(
    queue: Queue,
    *,
    limit: int,
    now: dt.datetime | None = None,
    tenant: Any = None,
    ids: Iterable[int] | None = None,
) -> list[Any]:
    """Claim up to `limit` rows of `queue` that are due at `now` (oldest first), in one
    transaction: read them (locked, skipping rows another worker is claiming, on PostgreSQL)
    and lease them with one conditional UPDATE. Answers the claimed rows, with their parent
    and tenant; a row is never claimed by two workers at once."""
    now = now or timezone.now()
    with transaction.atomic():
        qs = queue.model.objects.filter(queue.due(now))
        if tenant is not None:
            qs = qs.filter(tenant=tenant)
        if ids is not None:
            qs = qs.filter(pk__in=list(ids))
        rows = list(
            qs.select_related(queue.parent, "tenant")
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("pk")[:limit]
        )
        if not rows:
            return []
        leased_at = timezone.now()
        lease_until = leased_at + _lease()
        claimed = queue.model.objects.filter(
            queue.row_due(now), pk__in=[row.pk for row in rows]
        ).update(
            status=queue.working,
            lease_until=lease_until,
            attempts=F("attempts") + 1,
            updated_at=leased_at,
        )
        if claimed != len(rows):
            # Another worker took some of them between the read and the update (a database
            # without row locks): claim none now, the next pass tries again.
            transaction.set_rollback(True)
            return []
    for row in rows:
        row.status = queue.working
        row.lease_until = lease_until
        row.attempts += 1
        row.updated_at = leased_at
    return rows


def _store(
    queue: Queue,
    rows: list[Any],
    values: dict[int, dict[str, Any]],
    then: Callable[[list[Any]], None],
) -> list[Any]:
    """Write the outcomes (`values` per row id, the same fields for every row) of claimed rows
    in one transaction: only rows whose claim is still current (still working, the attempt
    count of this claim: nobody claimed them again after their lease ran out) are written, in
    one bulk UPDATE; `then(current)` writes what goes with them (audit rows) in the same
    transaction. Answers the rows written."""
    now = timezone.now()
    with transaction.atomic():
        attempts = dict(
            queue.model.objects.select_for_update()
            .filter(pk__in=[row.pk for row in rows], status=queue.working)
            .values_list("pk", "attempts")
        )
        current = [row for row in rows if attempts.get(row.pk) == row.attempts]
        if not current:
            return []
        names = ["updated_at", *sorted(values[current[0].pk])]
        for row in current:
            for name, value in values[row.pk].items():
                setattr(row, name, value)
            row.updated_at = now
        _update_many(queue.model, current, names)
        then(current)
    return current


def _update_many(model: Any, rows: list[Any], names: list[str]) -> None:
    """One prepared UPDATE by primary key, executed for every row (`executemany`: a C loop on
    SQLite, a pipeline on PostgreSQL), writing the `names` fields as the rows hold them.
    Django's `bulk_update` builds a CASE per field and row, which costs more Python time than
    the provider calls it follows."""
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    meta = model._meta
    fields = [meta.get_field(name) for name in names]
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608 - quoted names from the model, values are parameters
    params = [
        [f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields] + [row.pk]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _system(tenant: Any) -> CommandContext:
    return CommandContext(tenant=tenant, source="task")


def _audit(action: str, rows: list[tuple[Any, dict]]) -> None:
    by_tenant: dict[int, list[tuple[Any, dict]]] = defaultdict(list)
    for row, data in rows:
        by_tenant[row.tenant_id].append((row, data))
    for group in by_tenant.values():
        audit_records(_system(group[0][0].tenant), action=action, rows=group)


# --- sync records ------------------------------------------------------------------------------


def _documents(records: list[SyncRecord]) -> dict[int, dict[str, Any] | GatewayError]:
    """The payload of each record's document, read for the whole batch in four queries at
    most (invoices, their lines, payments, reversals)."""
    from faktura.billing.models import Invoice, InvoiceLine
    from faktura.integrations.payloads import invoice_payload, payment_payload
    from faktura.receivables.models import Payment, PaymentReversal

    gone = GatewayError("The document no longer exists.", retryable=False)
    out: dict[int, dict[str, Any] | GatewayError] = {}
    payments = [r for r in records if r.object_type == SyncRecord.ObjectType.PAYMENT]
    invoices = [r for r in records if r.object_type != SyncRecord.ObjectType.PAYMENT]
    if invoices:
        found = Invoice.objects.select_related("credit_note_of").in_bulk(
            {r.object_id for r in invoices}
        )
        lines: dict[int, list[Any]] = defaultdict(list)
        for line in InvoiceLine.objects.filter(invoice_id__in=list(found)).order_by(
            "invoice_id", "position", "id"
        ):
            lines[line.invoice_id].append(line)
        for record in invoices:
            invoice = found.get(record.object_id)
            if invoice is None or invoice.tenant_id != record.tenant_id:
                out[record.pk] = gone
            else:
                out[record.pk] = invoice_payload(invoice, lines=lines[invoice.pk])
    if payments:
        found_payments = Payment.objects.select_related("invoice").in_bulk(
            {r.object_id for r in payments}
        )
        reversed_ids = set(
            PaymentReversal.objects.filter(payment_id__in=list(found_payments)).values_list(
                "payment_id", flat=True
            )
        )
        for record in payments:
            payment = found_payments.get(record.object_id)
            if payment is None or payment.tenant_id != record.tenant_id:
                out[record.pk] = gone
            else:
                out[record.pk] = payment_payload(payment, reversed_=payment.pk in reversed_ids)
    return out


def records_work(records: list[SyncRecord]) -> list[str | None]:
    """Call the provider for each claimed record, one after the other, and store the outcomes
    in one transaction; answers each record's new status (None: not stored, because its claim
    was no longer current or because the lease would have run out before its call: such a
    record goes back to waiting, its attempt not counted)."""
    if not records:
        return []
    deadline = _deadline()
    documents = _documents(records)
    gateways: dict[int, Any] = {}
    for record in records:
        if record.connection_id not in gateways:
            connection = record.connection
            gateway = gateway_for(
                connection.provider,
                settings=connection.settings,
                secrets=crypto.decrypt(connection.secrets),
            )
            if hasattr(gateway, "timeout"):
                gateway.timeout = _timeout()
            gateways[record.connection_id] = gateway

    def call(record: SyncRecord) -> Pushed | GatewayError | None:
        document = documents[record.pk]
        if isinstance(document, GatewayError):
            return document
        if time.monotonic() > deadline:
            return None
        gateway = gateways[record.connection_id]
        try:
            pushed = None
            if record.attempts > 1 and document.get("number"):
                pushed = gateway.find(document)
            if pushed is None:
                pushed = gateway.push(document, idempotency_key=record.idempotency_key)
            return pushed
        except GatewayError as exc:
            return exc
        except Exception as exc:
            log.exception("sync record %s", record.pk)
            return GatewayError(f"Unexpected error: {type(exc).__name__}")

    outcomes = [call(record) for record in records]
    now = timezone.now()
    values: dict[int, dict[str, Any]] = {}
    released: set[int] = set()
    for record, outcome in zip(records, outcomes, strict=True):
        row = {
            "attempts": record.attempts,
            "external_id": record.external_id,
            "external_url": record.external_url,
            "synced_at": record.synced_at,
            "lease_until": None,
        }
        if outcome is None:
            released.add(record.pk)
            row.update(
                status=SyncRecord.Status.QUEUED,
                attempts=record.attempts - 1,
                error=record.error,
                next_retry_at=record.next_retry_at,
            )
        elif isinstance(outcome, Pushed):
            row.update(
                status=SyncRecord.Status.SYNCED,
                external_id=outcome.external_id,
                external_url=outcome.url,
                synced_at=now,
                error="",
                next_retry_at=None,
            )
        else:
            final = outcome.auth or not outcome.retryable or record.attempts >= _max_attempts()
            delay = retry_delay(record.attempts, outcome.retry_after)
            row.update(
                status=SyncRecord.Status.FAILED if final else SyncRecord.Status.QUEUED,
                error=outcome.message[:2000],
                next_retry_at=None if final else now + dt.timedelta(seconds=delay),
            )
        values[record.pk] = row

    def audit(current: list[SyncRecord]) -> None:
        synced = [r for r in current if r.status == SyncRecord.Status.SYNCED]
        failed = [r for r in current if r.status == SyncRecord.Status.FAILED]
        _audit(
            "sync_record_synced",
            [
                (r, {"object_type": r.object_type, "object_id": r.object_id,
                     "external_id": r.external_id, "attempts": r.attempts})
                for r in synced
            ],
        )  # fmt: skip
        _audit(
            "sync_record_failed",
            [(r, {"error": r.error[:500], "attempts": r.attempts}) for r in failed],
        )

    stored = {r.pk for r in _store(RECORDS, records, values, audit)} - released
    return [values[r.pk]["status"] if r.pk in stored else None for r in records]


# --- webhook deliveries ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Answer:
    code: int | None
    retry_after: int | None
    error: str


def deliveries_work(deliveries: list[WebhookDelivery]) -> list[str | None]:
    """POST each claimed delivery, signed, one after the other, and store the outcomes in one
    transaction; answers each delivery's new status (None: not stored, or released unsent).
    A 410 disables the subscription: its other deliveries of the batch are not sent."""
    if not deliveries:
        return []
    deadline = _deadline()
    timeout = _timeout()
    secrets: dict[int, str] = {}
    for delivery in deliveries:
        if delivery.subscription_id not in secrets:
            token = delivery.subscription.secret
            secrets[delivery.subscription_id] = crypto.decrypt(token).get("secret", "")

    def call(delivery: WebhookDelivery) -> _Answer:
        body = json.dumps(delivery.payload, sort_keys=True, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Faktura-Webhooks/1",
            "Faktura-Event": delivery.event,
            "Faktura-Delivery": str(delivery.pk),
            "Faktura-Signature": signature(
                secrets[delivery.subscription_id], body, int(time.time())
            ),
        }
        try:
            answer = outbound.request(
                "POST", delivery.subscription.url, headers=headers, body=body, timeout=timeout
            )
        except outbound.TransportError as exc:
            return _Answer(None, None, str(exc))
        code = answer.status
        error = "" if 200 <= code < 300 else f"answered {code}"
        return _Answer(code, retry_after_seconds(answer.header("Retry-After")), error)

    answers: dict[int, _Answer] = {}
    gone: set[int] = set()
    for delivery in deliveries:
        if delivery.subscription_id in gone or time.monotonic() > deadline:
            continue
        sent = answers[delivery.pk] = call(delivery)
        if sent.code == 410:
            gone.add(delivery.subscription_id)
    now = timezone.now()
    Status = WebhookDelivery.Status
    values: dict[int, dict[str, Any]] = {}
    released: set[int] = set()
    for delivery in deliveries:
        answer: _Answer | None = answers.get(delivery.pk)
        if answer is None:
            # not sent: back to waiting as it was, this claim not counted as an attempt
            released.add(delivery.pk)
            values[delivery.pk] = {
                "status": Status.PENDING,
                "attempts": delivery.attempts - 1,
                "status_code": delivery.status_code,
                "error": delivery.error,
                "next_retry_at": delivery.next_retry_at,
                "lease_until": None,
                "delivered_at": None,
            }
            continue
        code = answer.code
        if code is not None and 200 <= code < 300:
            status, next_at = Status.DELIVERED, None
        elif code == 410 or delivery.attempts >= _max_attempts():
            status, next_at = Status.FAILED, None
        else:
            status = Status.PENDING
            next_at = now + dt.timedelta(seconds=retry_delay(delivery.attempts, answer.retry_after))
        values[delivery.pk] = {
            "status": status,
            "attempts": delivery.attempts,
            "status_code": code,
            "error": answer.error[:2000],
            "next_retry_at": next_at,
            "lease_until": None,
            "delivered_at": now if status == Status.DELIVERED else None,
        }

    def disable_gone(current: list[WebhookDelivery]) -> None:
        # The receiver says the endpoint is gone: stop sending to it.
        gone = {d.subscription_id: d for d in current if d.status_code == 410}
        for subscription_id, delivery in gone.items():
            disabled = WebhookSubscription.objects.filter(pk=subscription_id, enabled=True).update(
                enabled=False, disabled_reason="The endpoint answered 410 Gone.", updated_at=now
            )
            if disabled:
                audit_record(
                    _system(delivery.tenant),
                    action="webhook_disable",
                    obj=delivery.subscription,
                    data={"reason": "410", "delivery_id": delivery.pk},
                )

    stored = {d.pk for d in _store(DELIVERIES, deliveries, values, disable_gone)} - released
    return [values[d.pk]["status"] if d.pk in stored else None for d in deliveries]


# --- the pass ----------------------------------------------------------------------------------


def records_sync(record_ids: list[int]) -> dict[int, str | None]:
    """Claim and work the given records now (the operation of `POST /invoices/{id}/sync`);
    answers the new status per record claimed (records not due are left alone)."""
    records = claim(RECORDS, limit=max(1, len(record_ids)), ids=record_ids)
    return dict(zip((r.pk for r in records), records_work(records), strict=True))


class _Budget:
    """What is left of a pass's `limit` per table, shared by its worker threads."""

    def __init__(self, limit: int):
        self.left = {RECORDS: limit, DELIVERIES: limit}
        self.lock = threading.Lock()

    def take(self, queue: Queue, size: int) -> int:
        with self.lock:
            n = min(size, self.left[queue])
            self.left[queue] -= n
            return n

    def give_back(self, queue: Queue, n: int) -> None:
        with self.lock:
            self.left[queue] += n


def _worker_loop(
    *, now: dt.datetime, tenant: Any, budget: _Budget, result: PassResult, lock: threading.Lock
) -> None:
    """Claim a batch, work it, store it; again until nothing is due (records, then webhook
    deliveries)."""
    size = batch_size()
    for queue, work in ((RECORDS, records_work), (DELIVERIES, deliveries_work)):
        while True:
            wanted = budget.take(queue, size)
            if not wanted:
                break
            rows = claim(queue, limit=wanted, now=now, tenant=tenant)
            budget.give_back(queue, wanted - len(rows))
            if not rows:
                break
            outcomes = work(rows)
            with lock:
                for outcome in outcomes:
                    result.count(queue, outcome)


def sync_run(*, limit: int = 500, workers: int = 1, tenant: Any = None) -> PassResult:
    """Work the outbox rows due when the pass starts, at most `limit` of each kind, with at most
    `workers` provider calls at a time: `workers` threads, each claiming its own batches (its
    own database connection). A row that fails during the pass waits for a later one. Safe to
    run in several processes at once."""
    now = timezone.now()
    result = PassResult()
    budget = _Budget(limit)
    lock = threading.Lock()
    args = {"now": now, "tenant": tenant, "budget": budget, "result": result, "lock": lock}
    if workers <= 1 or transaction.get_connection().in_atomic_block:
        # Inside a transaction (a test, a caller's atomic block) other connections would not
        # see its rows: work them on this one.
        _worker_loop(**args)
        return result
    errors: list[BaseException] = []

    def thread_main() -> None:
        try:
            _worker_loop(**args)
        except BaseException as exc:  # reported by the pass, after the other threads ended
            errors.append(exc)
        finally:
            connections.close_all()  # this thread's connection

    threads = [threading.Thread(target=thread_main, daemon=True) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return result
