"""The worker pass over the outbox (`faktura sync-run`, the worker and the scheduler loop).

Each due row is claimed with a conditional UPDATE that sets a lease, so two workers never
work the same row at once and a worker that dies leaves a row whose lease runs out and is
claimed again. The provider is called outside any transaction; its outcome is stored with a
second conditional UPDATE (only by the claim that is still current).

Retries: exponential backoff with jitter (`FAKTURA_SYNC_BACKOFF_SECONDS` doubled per attempt,
at most six hours, times a random 0.5-1.0), never sooner than a `Retry-After` asked for; after
`FAKTURA_SYNC_MAX_ATTEMPTS` attempts the row is `failed`. Refused credentials fail at once.
A retry looks the document up by its number before it creates (a lost answer after the
provider created it must not duplicate it).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import F, Q
from django.utils import timezone

from faktura.common.context import CommandContext
from faktura.common.services import audit_record
from faktura.integrations import crypto, outbound
from faktura.integrations.gateways import GatewayError, gateway_for
from faktura.integrations.models import SyncRecord, WebhookDelivery, WebhookSubscription
from faktura.integrations.signing import signature

log = logging.getLogger(__name__)

MAX_DELAY = 6 * 3600.0


def _max_attempts() -> int:
    return int(getattr(settings, "FAKTURA_SYNC_MAX_ATTEMPTS", 8))


def _backoff_base() -> float:
    return float(getattr(settings, "FAKTURA_SYNC_BACKOFF_SECONDS", 30))


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, "FAKTURA_SYNC_LEASE_SECONDS", 120)))


def _timeout() -> float:
    return float(getattr(settings, "FAKTURA_SYNC_TIMEOUT_SECONDS", 10))


def retry_delay(attempts: int, retry_after: float | None = None) -> float:
    """Seconds until the next attempt after `attempts` failed ones."""
    backoff = min(_backoff_base() * 2 ** max(0, attempts - 1), MAX_DELAY)
    delay = backoff * random.uniform(0.5, 1.0)
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


# --- sync records ------------------------------------------------------------------------------


def _due_records(now: dt.datetime) -> Q:
    waiting = Q(status=SyncRecord.Status.QUEUED) & (
        Q(next_retry_at__isnull=True) | Q(next_retry_at__lte=now)
    )
    abandoned = Q(status=SyncRecord.Status.SYNCING, lease_until__lt=now)
    return (waiting | abandoned) & Q(connection__enabled=True)


def record_claim(record_id: int, now: dt.datetime | None = None) -> SyncRecord | None:
    now = now or timezone.now()
    claimed = SyncRecord.objects.filter(_due_records(now), pk=record_id).update(
        status=SyncRecord.Status.SYNCING,
        lease_until=now + _lease(),
        attempts=F("attempts") + 1,
        updated_at=now,
    )
    if not claimed:
        return None
    return SyncRecord.objects.select_related("connection", "tenant").get(pk=record_id)


def _document(record: SyncRecord) -> dict[str, Any]:
    from faktura.billing.models import Invoice
    from faktura.integrations.payloads import invoice_payload, payment_payload
    from faktura.receivables.models import Payment

    if record.object_type == SyncRecord.ObjectType.PAYMENT:
        payment = Payment.objects.select_related("invoice").get(
            tenant_id=record.tenant_id, pk=record.object_id
        )
        return payment_payload(payment, reversed_=hasattr(payment, "reversal"))
    invoice = Invoice.objects.select_related("credit_note_of").get(
        tenant_id=record.tenant_id, pk=record.object_id
    )
    return invoice_payload(invoice)


def record_work(record: SyncRecord) -> str:
    """Call the provider for a claimed record and store the outcome; answers the new status."""
    connection = record.connection
    gateway = gateway_for(
        connection.provider,
        settings=connection.settings,
        secrets=crypto.decrypt(connection.secrets),
    )
    if hasattr(gateway, "timeout"):
        gateway.timeout = _timeout()
    try:
        document = _document(record)
        pushed = None
        if record.attempts > 1 and document.get("number"):
            pushed = gateway.find(document)
        if pushed is None:
            pushed = gateway.push(document, idempotency_key=record.idempotency_key)
    except GatewayError as exc:
        return _record_failed(record, exc)
    except Exception as exc:
        log.exception("sync record %s", record.pk)
        return _record_failed(record, GatewayError(f"Unexpected error: {type(exc).__name__}"))
    now = timezone.now()
    with transaction.atomic():
        stored = SyncRecord.objects.filter(
            pk=record.pk, status=SyncRecord.Status.SYNCING, attempts=record.attempts
        ).update(
            status=SyncRecord.Status.SYNCED,
            external_id=pushed.external_id,
            external_url=pushed.url,
            synced_at=now,
            error="",
            next_retry_at=None,
            lease_until=None,
            updated_at=now,
        )
        if stored:
            audit_record(
                _system(record.tenant),
                action="sync_record_synced",
                obj=record,
                data={
                    "object_type": record.object_type,
                    "object_id": record.object_id,
                    "external_id": pushed.external_id,
                    "attempts": record.attempts,
                },
            )
    return SyncRecord.Status.SYNCED


def _record_failed(record: SyncRecord, exc: GatewayError) -> str:
    now = timezone.now()
    final = exc.auth or not exc.retryable or record.attempts >= _max_attempts()
    status = SyncRecord.Status.FAILED if final else SyncRecord.Status.QUEUED
    next_at = (
        None if final else now + dt.timedelta(seconds=retry_delay(record.attempts, exc.retry_after))
    )
    with transaction.atomic():
        stored = SyncRecord.objects.filter(
            pk=record.pk, status=SyncRecord.Status.SYNCING, attempts=record.attempts
        ).update(
            status=status,
            error=exc.message[:2000],
            next_retry_at=next_at,
            lease_until=None,
            updated_at=now,
        )
        if stored and final:
            audit_record(
                _system(record.tenant),
                action="sync_record_failed",
                obj=record,
                data={"error": exc.message[:500], "attempts": record.attempts},
            )
    return status


def _system(tenant: Any) -> CommandContext:
    return CommandContext(tenant=tenant, source="task")


# --- webhook deliveries ------------------------------------------------------------------------


def _due_deliveries(now: dt.datetime) -> Q:
    waiting = Q(status=WebhookDelivery.Status.PENDING) & (
        Q(next_retry_at__isnull=True) | Q(next_retry_at__lte=now)
    )
    abandoned = Q(status=WebhookDelivery.Status.DELIVERING, lease_until__lt=now)
    return (waiting | abandoned) & Q(subscription__enabled=True)


def delivery_claim(delivery_id: int, now: dt.datetime | None = None) -> WebhookDelivery | None:
    now = now or timezone.now()
    claimed = WebhookDelivery.objects.filter(_due_deliveries(now), pk=delivery_id).update(
        status=WebhookDelivery.Status.DELIVERING,
        lease_until=now + _lease(),
        attempts=F("attempts") + 1,
        updated_at=now,
    )
    if not claimed:
        return None
    return WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)


def delivery_work(delivery: WebhookDelivery) -> str:
    subscription = delivery.subscription
    secret = crypto.decrypt(subscription.secret).get("secret", "")
    body = json.dumps(delivery.payload, sort_keys=True, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Faktura-Webhooks/1",
        "Faktura-Event": delivery.event,
        "Faktura-Delivery": str(delivery.pk),
        "Faktura-Signature": signature(secret, body, int(time.time())),
    }
    code: int | None = None
    retry_after: float | None = None
    try:
        answer = outbound.request(
            "POST", subscription.url, headers=headers, body=body, timeout=_timeout()
        )
        code = answer.status
        from faktura.integrations.gateways.base import retry_after_seconds

        retry_after = retry_after_seconds(answer.header("Retry-After"))
        error = "" if 200 <= code < 300 else f"answered {code}"
    except outbound.TransportError as exc:
        error = str(exc)
    now = timezone.now()
    Status = WebhookDelivery.Status
    if code is not None and 200 <= code < 300:
        status, next_at = Status.DELIVERED, None
    elif code == 410 or delivery.attempts >= _max_attempts():
        status, next_at = Status.FAILED, None
    else:
        status = Status.PENDING
        next_at = now + dt.timedelta(seconds=retry_delay(delivery.attempts, retry_after))
    with transaction.atomic():
        WebhookDelivery.objects.filter(
            pk=delivery.pk, status=Status.DELIVERING, attempts=delivery.attempts
        ).update(
            status=status,
            status_code=code,
            error=error[:2000],
            next_retry_at=next_at,
            lease_until=None,
            delivered_at=now if status == Status.DELIVERED else None,
            updated_at=now,
        )
        if code == 410:
            # The receiver says the endpoint is gone: stop sending to it.
            gone = WebhookSubscription.objects.filter(pk=subscription.pk, enabled=True).update(
                enabled=False, disabled_reason="The endpoint answered 410 Gone.", updated_at=now
            )
            if gone:
                audit_record(
                    _system(delivery.tenant),
                    action="webhook_disable",
                    obj=subscription,
                    data={"reason": "410", "delivery_id": delivery.pk},
                )
    return status


# --- the pass ----------------------------------------------------------------------------------


def _one_record(record_id: int) -> str | None:
    try:
        record = record_claim(record_id)
        return None if record is None else record_work(record)
    finally:
        close_old_connections()


def _one_delivery(delivery_id: int) -> str | None:
    try:
        delivery = delivery_claim(delivery_id)
        return None if delivery is None else delivery_work(delivery)
    finally:
        close_old_connections()


def sync_run(*, limit: int = 500, workers: int = 1, tenant: Any = None) -> PassResult:
    """Work the due outbox rows once (at most `limit` of each kind), with at most `workers`
    provider calls at a time. Safe to run in several processes at once."""
    now = timezone.now()
    records = SyncRecord.objects.filter(_due_records(now))
    deliveries = WebhookDelivery.objects.filter(_due_deliveries(now))
    if tenant is not None:
        records = records.filter(tenant=tenant)
        deliveries = deliveries.filter(tenant=tenant)
    record_ids = list(records.order_by("created_at", "pk").values_list("pk", flat=True)[:limit])
    delivery_ids = list(
        deliveries.order_by("created_at", "pk").values_list("pk", flat=True)[:limit]
    )
    result = PassResult()
    if workers <= 1 or transaction.get_connection().in_atomic_block:
        record_outcomes = [_one_record_inline(pk) for pk in record_ids]
        delivery_outcomes = [_one_delivery_inline(pk) for pk in delivery_ids]
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            record_outcomes = list(pool.map(_one_record, record_ids))
            delivery_outcomes = list(pool.map(_one_delivery, delivery_ids))
    for outcome in record_outcomes:
        if outcome == SyncRecord.Status.SYNCED:
            result.synced += 1
        elif outcome == SyncRecord.Status.QUEUED:
            result.retrying += 1
        elif outcome == SyncRecord.Status.FAILED:
            result.failed += 1
    for outcome in delivery_outcomes:
        if outcome == WebhookDelivery.Status.DELIVERED:
            result.delivered += 1
        elif outcome == WebhookDelivery.Status.PENDING:
            result.delivery_retrying += 1
        elif outcome == WebhookDelivery.Status.FAILED:
            result.delivery_failed += 1
    return result


def _one_record_inline(record_id: int) -> str | None:
    record = record_claim(record_id)
    return None if record is None else record_work(record)


def _one_delivery_inline(delivery_id: int) -> str | None:
    delivery = delivery_claim(delivery_id)
    return None if delivery is None else delivery_work(delivery)
