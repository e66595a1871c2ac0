"""Reads of integrations, always filtered by tenant; and the `sync_status` the invoice and
payment APIs show (attached through `billing.hooks.invoice_readers` and
`receivables.hooks.payment_readers` in one query per page)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet

from faktura.integrations.errors import SyncConnectionNotFound, SyncRecordNotFound, WebhookNotFound
from faktura.integrations.models import (
    SyncConnection,
    SyncRecord,
    WebhookDelivery,
    WebhookSubscription,
)

# The status a document shows over its records: the one that needs attention first.
_PRECEDENCE = ["failed", "syncing", "queued", "not_synced", "synced"]


def combined_status(statuses: Sequence[str]) -> str:
    if not statuses:
        return "not_synced"
    return min(statuses, key=_PRECEDENCE.index)


def sync_statuses(tenant: Any, object_types: Sequence[str], ids: Sequence[int]) -> dict[int, str]:
    """object id -> combined sync status (documents without records are left out)."""
    found: dict[int, list[str]] = {}
    rows = SyncRecord.objects.filter(
        tenant=tenant, object_type__in=list(object_types), object_id__in=list(ids)
    ).values_list("object_id", "status")
    for object_id, status in rows:
        found.setdefault(object_id, []).append(status)
    return {k: combined_status(v) for k, v in found.items()}


def invoices_sync_status(tenant: Any, invoices: Sequence[Any]) -> None:
    if not invoices:
        return
    statuses = sync_statuses(tenant, ["invoice", "credit_note"], [i.pk for i in invoices])
    for invoice in invoices:
        invoice.sync_status = statuses.get(invoice.pk, "not_synced")


def payments_sync_status(tenant: Any, payments: Sequence[Any]) -> None:
    if not payments:
        return
    statuses = sync_statuses(tenant, ["payment"], [p.pk for p in payments])
    for payment in payments:
        payment.sync_status = statuses.get(payment.pk, "not_synced")


def connection_list(*, tenant: Any) -> QuerySet[SyncConnection]:
    return SyncConnection.objects.filter(tenant=tenant).order_by("name", "pk")


def connection_get(*, tenant: Any, connection_id: int) -> SyncConnection:
    found = connection_list(tenant=tenant).filter(pk=connection_id).first()
    if found is None:
        raise SyncConnectionNotFound("Sync connection not found.")
    return found


def record_list(
    *,
    tenant: Any,
    status: str | None = None,
    connection_id: int | None = None,
    object_type: str | None = None,
    object_id: int | None = None,
) -> QuerySet[SyncRecord]:
    qs = SyncRecord.objects.filter(tenant=tenant)
    if status:
        qs = qs.filter(status=status)
    if connection_id is not None:
        qs = qs.filter(connection_id=connection_id)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id is not None:
        qs = qs.filter(object_id=object_id)
    return qs.order_by("-created_at", "-pk")


def record_get(*, tenant: Any, record_id: int) -> SyncRecord:
    found = SyncRecord.objects.filter(tenant=tenant, pk=record_id).first()
    if found is None:
        raise SyncRecordNotFound("Sync record not found.")
    return found


def webhook_list(*, tenant: Any) -> QuerySet[WebhookSubscription]:
    return WebhookSubscription.objects.filter(tenant=tenant).order_by("pk")


def webhook_get(*, tenant: Any, webhook_id: int) -> WebhookSubscription:
    found = webhook_list(tenant=tenant).filter(pk=webhook_id).first()
    if found is None:
        raise WebhookNotFound("Webhook not found.")
    return found


def delivery_list(*, tenant: Any, webhook_id: int) -> QuerySet[WebhookDelivery]:
    webhook_get(tenant=tenant, webhook_id=webhook_id)
    return WebhookDelivery.objects.filter(tenant=tenant, subscription_id=webhook_id).order_by(
        "-created_at", "-pk"
    )
