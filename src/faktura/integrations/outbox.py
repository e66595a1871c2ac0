"""The outbox: rows written inside the transaction of the event they are about.

`billing.hooks.invoice_issued` and `receivables.hooks.payment_recorded/_reversed` call these
inside the issuing or recording transaction, so the sync records and webhook deliveries commit
with the event or not at all. Nothing here calls a provider; the worker does (`worker.py`).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from django.utils import timezone

from faktura.integrations.gateways import gateway_for
from faktura.integrations.models import (
    SyncConnection,
    SyncRecord,
    WebhookDelivery,
    WebhookSubscription,
)

EVENTS = (
    "invoice.issued",
    "invoice.sent",
    "invoice.paid",
    "credit_note.issued",
    "payment.recorded",
    "payment.reversed",
)


def idempotency_key(tenant_id: int, object_type: str, object_id: int) -> str:
    """Derived from the document, the same on every attempt and every connection."""
    raw = f"faktura:{tenant_id}:{object_type}:{object_id}".encode()
    return "fk-" + hashlib.sha256(raw).hexdigest()[:40]


def connections_taking(tenant: Any, object_type: str, *, auto: str | None = None):
    """The tenant's enabled connections whose provider takes `object_type` (and, with `auto`
    "issue" or "payment", that sync it automatically)."""
    qs = SyncConnection.objects.filter(tenant=tenant, enabled=True).order_by("pk")
    if auto == "issue":
        qs = qs.filter(sync_on_issue=True)
    elif auto == "payment":
        qs = qs.filter(sync_on_payment=True)
    return [
        c
        for c in qs
        if gateway_for(c.provider, settings=c.settings, secrets={}).supports(object_type)
    ]


def records_queue(
    tenant: Any,
    *,
    object_type: str,
    object_id: int,
    number: str,
    connections: Iterable[SyncConnection],
) -> int:
    """Queue the document for each connection; a record that exists already is left alone
    (one per connection and document: a second request does nothing). Returns the rows
    offered."""
    rows = [
        SyncRecord(
            tenant=tenant,
            connection=connection,
            object_type=object_type,
            object_id=object_id,
            number=number or "",
            status=SyncRecord.Status.QUEUED,
            idempotency_key=idempotency_key(tenant.pk, object_type, object_id),
        )
        for connection in connections
    ]
    if rows:
        SyncRecord.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def event_emit(tenant: Any, *, event: str, key: str, data: dict | Callable[[], dict]) -> int:
    """A delivery of the event for each enabled subscription that takes it; the same `key`
    twice makes nothing new. `data` may be a function: built only when someone subscribed.
    Returns the deliveries offered."""
    subscriptions = [
        s
        for s in WebhookSubscription.objects.filter(tenant=tenant, enabled=True).order_by("pk")
        if event in s.events
    ]
    if not subscriptions:
        return 0
    event_id = uuid.uuid4()
    created_at = timezone.now()
    payload = {
        "id": str(event_id),
        "type": event,
        "created_at": created_at.isoformat(),
        "data": data() if callable(data) else data,
    }
    rows = [
        WebhookDelivery(
            tenant=tenant,
            subscription=s,
            event_id=event_id,
            event=event,
            event_key=key,
            payload=payload,
        )
        for s in subscriptions
    ]
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


# --- the hooks ---------------------------------------------------------------------------------


def on_invoice_issued(ctx: Any, invoice: Any) -> None:
    from faktura.integrations.payloads import invoice_payload

    object_type = invoice.kind  # "invoice" or "credit_note"
    records_queue(
        ctx.tenant,
        object_type=object_type,
        object_id=invoice.pk,
        number=invoice.number,
        connections=connections_taking(ctx.tenant, object_type, auto="issue"),
    )
    event = "credit_note.issued" if object_type == "credit_note" else "invoice.issued"
    if WebhookSubscription.objects.filter(tenant=ctx.tenant, enabled=True).exists():
        event_emit(
            ctx.tenant, event=event, key=f"{event}:{invoice.pk}", data=invoice_payload(invoice)
        )


def on_invoice_sent(ctx: Any, invoice: Any) -> None:
    from faktura.integrations.payloads import invoice_payload

    if WebhookSubscription.objects.filter(tenant=ctx.tenant, enabled=True).exists():
        invoice.refresh_from_db(fields=["status"])
        event_emit(
            ctx.tenant,
            event="invoice.sent",
            key=f"invoice.sent:{invoice.pk}",
            data=invoice_payload(invoice),
        )


def on_payment_recorded(ctx: Any, payment: Any) -> None:
    from faktura.integrations.payloads import invoice_payload, payment_payload

    records_queue(
        ctx.tenant,
        object_type="payment",
        object_id=payment.pk,
        number="",
        connections=connections_taking(ctx.tenant, "payment", auto="payment"),
    )
    if not WebhookSubscription.objects.filter(tenant=ctx.tenant, enabled=True).exists():
        return
    event_emit(
        ctx.tenant,
        event="payment.recorded",
        key=f"payment.recorded:{payment.pk}",
        data=payment_payload(payment),
    )
    invoice = payment.invoice
    invoice.refresh_from_db(fields=["status"])
    if invoice.status == "paid":
        event_emit(
            ctx.tenant,
            event="invoice.paid",
            key=f"invoice.paid:{invoice.pk}:{payment.pk}",
            data=invoice_payload(invoice),
        )


def on_payment_reversed(ctx: Any, payment: Any) -> None:
    from faktura.integrations.payloads import payment_payload

    if not WebhookSubscription.objects.filter(tenant=ctx.tenant, enabled=True).exists():
        return
    event_emit(
        ctx.tenant,
        event="payment.reversed",
        key=f"payment.reversed:{payment.pk}",
        data=payment_payload(payment, reversed_=True),
    )
