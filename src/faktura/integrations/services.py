"""Use cases of integrations: connections, sync requests and retries, webhook subscriptions
and redeliveries. Each runs in one transaction with an audit row; provider calls happen in the
worker (`worker.py`), after commit."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from faktura.common.context import CommandContext
from faktura.common.models import Operation
from faktura.common.services import audit_record, operation_start
from faktura.integrations import crypto, outbound, outbox
from faktura.integrations.errors import (
    NotSyncable,
    ProviderSettingsInvalid,
    SyncConnectionNotFound,
    SyncDocumentNotFound,
    SyncRecordNotFound,
    SyncRecordNotRetryable,
    WebhookDeliveryNotFound,
    WebhookNotFound,
)
from faktura.integrations.gateways import GatewayError, gateway_for
from faktura.integrations.inputs import (
    ConnectionCreate,
    ConnectionSettings,
    ConnectionUpdate,
    WebhookCreate,
    WebhookUpdate,
)
from faktura.integrations.models import (
    SyncConnection,
    SyncRecord,
    WebhookDelivery,
    WebhookSubscription,
)
from faktura.integrations.signing import new_secret

SECRET_FIELDS = ("api_key", "secret")


# --- connections -------------------------------------------------------------------------------


def _settings_apply(
    provider: str, settings: dict, secrets: dict, data: ConnectionSettings
) -> tuple[dict, dict]:
    given = data.model_dump(exclude_none=True)
    for name in SECRET_FIELDS:
        if name in given:
            secrets[name] = given.pop(name)
    settings = {**settings, **given}
    if provider == "webhook":
        if not settings.get("url"):
            raise ProviderSettingsInvalid.field("settings.url", "A webhook connection needs a URL.")
        outbound.url_check(settings["url"], field_name="settings.url")
        secrets.setdefault("secret", new_secret())
    if provider == "lexoffice" and settings.get("base_url"):
        outbound.url_check(settings["base_url"], field_name="settings.base_url")
    return settings, secrets


def connection_create(ctx: CommandContext, *, data: ConnectionCreate) -> SyncConnection:
    ctx.require("manage_settings")
    settings, secrets = _settings_apply(data.provider, {}, {}, data.settings)
    with transaction.atomic():
        connection = SyncConnection.objects.create(
            tenant=ctx.tenant,
            provider=data.provider,
            name=data.name,
            settings=settings,
            secrets=crypto.encrypt(secrets),
            enabled=data.enabled,
            sync_on_issue=data.auto_sync.on_issue,
            sync_on_payment=data.auto_sync.on_payment,
        )
        audit_record(
            ctx,
            action="sync_connection_create",
            obj=connection,
            data={"provider": data.provider, "name": data.name, "settings": settings},
        )
    return connection


def _connection(ctx: CommandContext, connection_id: int, *, lock: bool = False) -> SyncConnection:
    qs = SyncConnection.objects.filter(tenant=ctx.tenant, pk=connection_id)
    found = (qs.select_for_update() if lock else qs).first()
    if found is None:
        raise SyncConnectionNotFound("Sync connection not found.")
    return found


def connection_update(
    ctx: CommandContext, *, connection_id: int, data: ConnectionUpdate
) -> SyncConnection:
    ctx.require("manage_settings")
    with transaction.atomic():
        connection = _connection(ctx, connection_id, lock=True)
        changed = data.model_dump(exclude_none=True, exclude={"settings"})
        if data.settings is not None:
            settings, secrets = _settings_apply(
                connection.provider,
                dict(connection.settings),
                crypto.decrypt(connection.secrets),
                data.settings,
            )
            connection.settings = settings
            connection.secrets = crypto.encrypt(secrets)
            changed["settings"] = settings
        if data.name is not None:
            connection.name = data.name
        if data.enabled is not None:
            connection.enabled = data.enabled
        if data.auto_sync is not None:
            connection.sync_on_issue = data.auto_sync.on_issue
            connection.sync_on_payment = data.auto_sync.on_payment
        connection.save()
        audit_record(ctx, action="sync_connection_update", obj=connection, data=changed)
    return connection


def connection_delete(ctx: CommandContext, *, connection_id: int) -> None:
    ctx.require("manage_settings")
    with transaction.atomic():
        connection = _connection(ctx, connection_id, lock=True)
        audit_record(
            ctx, action="sync_connection_delete", obj=connection, data={"name": connection.name}
        )
        connection.delete()


def connection_test(ctx: CommandContext, *, connection_id: int) -> dict[str, Any]:
    """Call the provider with a harmless request (outside any transaction)."""
    ctx.require("manage_settings")
    connection = _connection(ctx, connection_id)
    gateway = gateway_for(
        connection.provider,
        settings=connection.settings,
        secrets=crypto.decrypt(connection.secrets),
    )
    try:
        detail = gateway.test()
        outcome = {"ok": True, "message": detail}
    except GatewayError as exc:
        outcome = {"ok": False, "message": exc.message}
    audit_record(ctx, action="sync_connection_test", obj=connection, data=outcome)
    return outcome


# --- sync requests -----------------------------------------------------------------------------


def _document_ref(ctx: CommandContext, object_type: str, object_id: int) -> tuple[str, str]:
    """(object type, number) of a syncable document of this tenant."""
    if object_type == "payment":
        from faktura.receivables.models import Payment

        if not Payment.objects.filter(tenant=ctx.tenant, pk=object_id).exists():
            raise SyncDocumentNotFound("Payment not found.")
        return "payment", ""
    from faktura.billing.models import Invoice

    invoice = Invoice.objects.filter(tenant=ctx.tenant, pk=object_id).first()
    if invoice is None:
        raise SyncDocumentNotFound("Invoice not found.")
    if invoice.status == Invoice.Status.DRAFT:
        raise NotSyncable(
            "A draft is not synced: none of the connected providers keeps drafts. "
            "It is synced when it is issued."
        )
    return invoice.kind, invoice.number or ""


def sync_request(ctx: CommandContext, *, object_type: str, object_id: int) -> Operation:
    """Queue the document for every enabled connection that takes it and start a sync
    operation. A synced record stays as it is (a re-sync does nothing); a failed one is queued
    again. 409 `not_syncable` for a draft or when no connection takes the document."""
    ctx.require("manage_invoices")
    from faktura.integrations.tasks import sync_records_task

    with transaction.atomic():
        kind, number = _document_ref(ctx, object_type, object_id)
        connections = outbox.connections_taking(ctx.tenant, kind)
        if not connections:
            raise NotSyncable(f"No enabled sync connection takes a {kind.replace('_', ' ')}.")
        outbox.records_queue(
            ctx.tenant,
            object_type=kind,
            object_id=object_id,
            number=number,
            connections=connections,
        )
        requeued = SyncRecord.objects.filter(
            tenant=ctx.tenant,
            object_type=kind,
            object_id=object_id,
            status=SyncRecord.Status.FAILED,
        ).update(status=SyncRecord.Status.QUEUED, next_retry_at=None, attempts=0, error="")
        ids = list(
            SyncRecord.objects.filter(
                tenant=ctx.tenant, object_type=kind, object_id=object_id
            ).values_list("pk", flat=True)
        )
        audit_record(
            ctx,
            action="sync_request",
            object_type=kind,
            object_id=str(object_id),
            data={"records": ids, "requeued": requeued},
        )
        return operation_start(ctx, kind="sync", task=sync_records_task, params={"record_ids": ids})


def sync_record_retry(ctx: CommandContext, *, record_id: int) -> SyncRecord:
    """Queue a failed record again, due now, with its attempts counted afresh."""
    ctx.require("manage_invoices")
    with transaction.atomic():
        record = SyncRecord.objects.filter(tenant=ctx.tenant, pk=record_id).first()
        if record is None:
            raise SyncRecordNotFound("Sync record not found.")
        updated = SyncRecord.objects.filter(pk=record.pk, status=SyncRecord.Status.FAILED).update(
            status=SyncRecord.Status.QUEUED,
            next_retry_at=None,
            attempts=0,
            error="",
            updated_at=timezone.now(),
        )
        if not updated:
            raise SyncRecordNotRetryable(f"The sync record is {record.status}, not failed.")
        audit_record(ctx, action="sync_record_retry", obj=record)
    record.refresh_from_db()
    return record


def sync_records_retry_failed(ctx: CommandContext) -> int:
    ctx.require("manage_invoices")
    with transaction.atomic():
        count = SyncRecord.objects.filter(
            tenant=ctx.tenant, status=SyncRecord.Status.FAILED
        ).update(
            status=SyncRecord.Status.QUEUED,
            next_retry_at=None,
            attempts=0,
            error="",
            updated_at=timezone.now(),
        )
        audit_record(
            ctx, action="sync_records_retry_failed", object_type="syncrecord", data={"count": count}
        )
    return count


# --- webhooks ----------------------------------------------------------------------------------


def webhook_create(ctx: CommandContext, *, data: WebhookCreate) -> tuple[WebhookSubscription, str]:
    """A subscription and its signing secret (answered this once, stored encrypted)."""
    ctx.require("manage_settings")
    outbound.url_check(data.url)
    secret = new_secret()
    with transaction.atomic():
        subscription = WebhookSubscription.objects.create(
            tenant=ctx.tenant,
            url=data.url,
            events=sorted(set(data.events)),
            secret=crypto.encrypt({"secret": secret}),
            enabled=data.enabled,
        )
        audit_record(
            ctx,
            action="webhook_create",
            obj=subscription,
            data={"url": data.url, "events": subscription.events},
        )
    return subscription, secret


def _webhook(ctx: CommandContext, webhook_id: int) -> WebhookSubscription:
    found = WebhookSubscription.objects.filter(tenant=ctx.tenant, pk=webhook_id).first()
    if found is None:
        raise WebhookNotFound("Webhook not found.")
    return found


def webhook_update(
    ctx: CommandContext, *, webhook_id: int, data: WebhookUpdate
) -> WebhookSubscription:
    ctx.require("manage_settings")
    if data.url is not None:
        outbound.url_check(data.url)
    with transaction.atomic():
        subscription = _webhook(ctx, webhook_id)
        if data.url is not None:
            subscription.url = data.url
        if data.events is not None:
            subscription.events = sorted(set(data.events))
        if data.enabled is not None:
            subscription.enabled = data.enabled
            if data.enabled:
                subscription.disabled_reason = ""
        subscription.save()
        audit_record(
            ctx,
            action="webhook_update",
            obj=subscription,
            data=data.model_dump(mode="json", exclude_none=True),
        )
    return subscription


def webhook_delete(ctx: CommandContext, *, webhook_id: int) -> None:
    ctx.require("manage_settings")
    with transaction.atomic():
        subscription = _webhook(ctx, webhook_id)
        audit_record(ctx, action="webhook_delete", obj=subscription, data={"url": subscription.url})
        subscription.delete()


def webhook_redeliver(ctx: CommandContext, *, delivery_id: int) -> WebhookDelivery:
    """Send a delivery again (due now), whatever its outcome was."""
    ctx.require("manage_settings")
    with transaction.atomic():
        delivery = WebhookDelivery.objects.filter(tenant=ctx.tenant, pk=delivery_id).first()
        if delivery is None:
            raise WebhookDeliveryNotFound("Webhook delivery not found.")
        WebhookDelivery.objects.filter(pk=delivery.pk).exclude(
            status=WebhookDelivery.Status.DELIVERING
        ).update(
            status=WebhookDelivery.Status.PENDING,
            next_retry_at=None,
            attempts=0,
            updated_at=timezone.now(),
        )
        audit_record(ctx, action="webhook_redeliver", obj=delivery)
    delivery.refresh_from_db()
    return delivery
