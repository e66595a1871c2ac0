"""Accounting sync: connections, sync requests and records, webhooks and their deliveries
(DESIGN.md section 6.2). Secrets are write-only: no answer carries them, except a new
webhook's signing secret, answered once when it is created.

Reading needs `view_invoices`; connections and webhooks are changed with `manage_settings`,
syncs requested and retried with `manage_invoices`.
"""

import datetime as dt
from typing import Any, Literal

from django.http import HttpResponse
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field

from faktura.common.schemas import ERRORS, Id, OperationOut, PathId
from faktura.integrations import datev_services, selectors, services
from faktura.integrations.errors import DatevPeriodInvalid
from faktura.integrations.inputs import (
    ConnectionCreate,
    ConnectionUpdate,
    DatevSettingsSet,
    WebhookCreate,
    WebhookUpdate,
)
from faktura.tenancy.auth import request_context

router = Router(tags=["integrations"])


def _reader(request) -> Any:
    context = request_context(request)
    context.require("view_invoices")
    return context


class AutoSyncOut(Schema):
    on_issue: bool
    on_payment: bool


class ConnectionOut(Schema):
    id: int
    provider: str
    name: str
    settings: dict[str, Any] = Field(..., description="without secrets")
    secrets_set: list[str] = Field(..., description="names of the secrets stored (write-only)")
    enabled: bool
    auto_sync: AutoSyncOut
    created_at: dt.datetime

    @staticmethod
    def resolve_auto_sync(obj) -> dict[str, bool]:
        return {"on_issue": obj.sync_on_issue, "on_payment": obj.sync_on_payment}

    @staticmethod
    def resolve_secrets_set(obj) -> list[str]:
        from faktura.integrations.crypto import decrypt

        return sorted(decrypt(obj.secrets))


class ConnectionTestOut(Schema):
    ok: bool
    message: str


class RecordOut(Schema):
    id: int
    object_type: str
    object_id: int
    number: str
    connection_id: int
    status: str
    external_id: str
    external_url: str
    attempts: int
    next_retry_at: dt.datetime | None
    error: str
    synced_at: dt.datetime | None
    created_at: dt.datetime


class RecordFilter(Schema):
    status: Literal["not_synced", "queued", "syncing", "synced", "failed"] | None = None
    connection_id: Id | None = None
    object_type: Literal["invoice", "credit_note", "payment"] | None = None
    object_id: Id | None = None


class RetriedOut(Schema):
    retried: int


class WebhookOut(Schema):
    id: int
    url: str
    events: list[str]
    enabled: bool
    disabled_reason: str
    created_at: dt.datetime


class WebhookCreatedOut(WebhookOut):
    secret: str = Field(..., description="the signing secret: shown this once")

    @staticmethod
    def resolve_secret(obj) -> str:
        return obj.secret_once


class WebhookDeliveryOut(Schema):
    id: int
    webhook_id: int
    event: str
    event_id: str
    status: str
    status_code: int | None
    attempts: int
    next_retry_at: dt.datetime | None
    error: str
    delivered_at: dt.datetime | None
    created_at: dt.datetime

    @staticmethod
    def resolve_webhook_id(obj) -> int:
        return obj.subscription_id

    @staticmethod
    def resolve_event_id(obj) -> str:
        return str(obj.event_id)


# --- connections -------------------------------------------------------------------------------


@router.get("/sync-connections", response={200: list[ConnectionOut], **ERRORS})
@paginate
def connection_list(request):
    return selectors.connection_list(tenant=_reader(request).tenant)


@router.post("/sync-connections", response={201: ConnectionOut, **ERRORS})
def connection_create(request, data: ConnectionCreate):
    """A connection to an accounting target: `webhook` (settings.url; a signing secret is
    made), `lexoffice` (settings.api_key, optional base_url, category_id) or `datev`."""
    connection = services.connection_create(request_context(request), data=data)
    return Status(201, connection)


@router.get("/sync-connections/{connection_id}", response={200: ConnectionOut, **ERRORS})
def connection_detail(request, connection_id: PathId):
    return selectors.connection_get(tenant=_reader(request).tenant, connection_id=connection_id)


@router.patch("/sync-connections/{connection_id}", response={200: ConnectionOut, **ERRORS})
def connection_update(request, connection_id: PathId, data: ConnectionUpdate):
    return services.connection_update(
        request_context(request), connection_id=connection_id, data=data
    )


@router.delete("/sync-connections/{connection_id}", response={204: None, **ERRORS})
def connection_delete(request, connection_id: PathId):
    services.connection_delete(request_context(request), connection_id=connection_id)
    return Status(204, None)


@router.post("/sync-connections/{connection_id}/test", response={200: ConnectionTestOut, **ERRORS})
def connection_test(request, connection_id: PathId):
    """Call the provider with a harmless request; `ok` false with the provider's reason."""
    return services.connection_test(request_context(request), connection_id=connection_id)


# --- sync --------------------------------------------------------------------------------------


@router.post("/invoices/{invoice_id}/sync", response={202: OperationOut, **ERRORS})
def invoice_sync(request, invoice_id: PathId):
    """Queue the invoice (or credit note) for every enabled connection that takes it (202,
    operation). A draft answers 409 `not_syncable`; a synced document stays as it is."""
    op = services.sync_request(
        request_context(request), object_type="invoice", object_id=invoice_id
    )
    return Status(202, op)


@router.post("/payments/{payment_id}/sync", response={202: OperationOut, **ERRORS})
def payment_sync(request, payment_id: PathId):
    """Queue the payment for every enabled connection that takes payments (202, operation)."""
    op = services.sync_request(
        request_context(request), object_type="payment", object_id=payment_id
    )
    return Status(202, op)


@router.get("/sync-records", response={200: list[RecordOut], **ERRORS})
@paginate
def record_list(request, filters: Query[RecordFilter]):
    return selectors.record_list(tenant=_reader(request).tenant, **filters.model_dump())


@router.post("/sync-records/retry-failed", response={200: RetriedOut, **ERRORS})
def records_retry_failed(request):
    """Queue every failed record again."""
    return {"retried": services.sync_records_retry_failed(request_context(request))}


@router.post("/sync-records/{record_id}/retry", response={200: RecordOut, **ERRORS})
def record_retry(request, record_id: PathId):
    """Queue a failed record again (409 `sync_record_not_retryable` otherwise)."""
    return services.sync_record_retry(request_context(request), record_id=record_id)


# --- webhooks ----------------------------------------------------------------------------------


@router.get("/webhooks", response={200: list[WebhookOut], **ERRORS})
@paginate
def webhook_list(request):
    return selectors.webhook_list(tenant=_reader(request).tenant)


@router.post("/webhooks", response={201: WebhookCreatedOut, **ERRORS})
def webhook_create(request, data: WebhookCreate):
    """Subscribe a URL to events; the answer carries the signing secret this once."""
    subscription, secret = services.webhook_create(request_context(request), data=data)
    subscription.secret_once = secret  # type: ignore[attr-defined]  # answered this once
    return Status(201, subscription)


@router.get("/webhooks/{webhook_id}", response={200: WebhookOut, **ERRORS})
def webhook_detail(request, webhook_id: PathId):
    return selectors.webhook_get(tenant=_reader(request).tenant, webhook_id=webhook_id)


@router.patch("/webhooks/{webhook_id}", response={200: WebhookOut, **ERRORS})
def webhook_update(request, webhook_id: PathId, data: WebhookUpdate):
    return services.webhook_update(request_context(request), webhook_id=webhook_id, data=data)


@router.delete("/webhooks/{webhook_id}", response={204: None, **ERRORS})
def webhook_delete(request, webhook_id: PathId):
    services.webhook_delete(request_context(request), webhook_id=webhook_id)
    return Status(204, None)


@router.get("/webhooks/{webhook_id}/deliveries", response={200: list[WebhookDeliveryOut], **ERRORS})
@paginate
def delivery_list(request, webhook_id: PathId):
    return selectors.delivery_list(tenant=_reader(request).tenant, webhook_id=webhook_id)


@router.post(
    "/webhook-deliveries/{delivery_id}/redeliver", response={200: WebhookDeliveryOut, **ERRORS}
)
def delivery_redeliver(request, delivery_id: PathId):
    """Send the delivery again (due now)."""
    return services.webhook_redeliver(request_context(request), delivery_id=delivery_id)


# --- DATEV -------------------------------------------------------------------------------------


class DatevSettingsOut(Schema):
    consultant_number: int
    client_number: int
    chart: str
    account_length: int
    fiscal_year_start_month: int
    revenue_accounts: dict[str, str] = Field(..., description="overrides of the chart's preset")
    bu_keys: dict[str, str]
    bank_account: str
    debtor_start: int
    presets: dict[str, dict[str, str]]

    @staticmethod
    def resolve_presets(obj) -> dict[str, dict[str, str]]:
        from faktura.integrations.datev import PRESETS

        return PRESETS


class DatevFilter(Schema):
    period: str | None = Field(None, pattern=r"^[0-9]{4}-[0-9]{2}$", description="YYYY-MM")
    from_: dt.date | None = Field(None, alias="from")
    to: dt.date | None = None


@router.get("/tenant/datev", response={200: DatevSettingsOut, **ERRORS})
def datev_settings(request):
    return datev_services.datev_settings_get(tenant=_reader(request).tenant)


@router.patch("/tenant/datev", response={200: DatevSettingsOut, **ERRORS})
def datev_settings_set(request, data: DatevSettingsSet):
    return datev_services.datev_settings_set(request_context(request), data=data)


def _period(filters: DatevFilter) -> tuple[dt.date, dt.date]:
    if filters.period:
        try:
            start = dt.date(int(filters.period[:4]), int(filters.period[5:]), 1)
        except ValueError:
            raise DatevPeriodInvalid.field("period", "Not a month (YYYY-MM).") from None
        following = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return start, following - dt.timedelta(days=1)
    if filters.from_ is None or filters.to is None:
        raise DatevPeriodInvalid.field("period", "Give a period (YYYY-MM) or from and to.")
    if filters.to < filters.from_:
        raise DatevPeriodInvalid.field("to", "Must not be before from.")
    if (filters.from_.year, filters.from_.month) != (filters.to.year, filters.to.month) and (
        filters.to - filters.from_
    ).days > 366:
        raise DatevPeriodInvalid.field("to", "At most one year per file.")
    return filters.from_, filters.to


@router.get(
    "/exports/datev",
    response={200: None, **ERRORS},
    openapi_extra={"responses": {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}},
)
def datev_export(request, filters: Query[DatevFilter]):
    """The DATEV EXTF Buchungsstapel (windows-1252, semicolons, CRLF) of the period: a booking
    per VAT group of each invoice and credit note, and the payments against the debtors.
    `X-Faktura-Changed-Since` names the earlier download of the same period whose bookings
    differ from these."""
    context = _reader(request)
    start, end = _period(filters)
    content, changed, count = datev_services.datev_export(context, start=start, end=end)
    response = HttpResponse(content, content_type="text/csv; charset=windows-1252")
    name = f"EXTF_Buchungsstapel_{start:%Y%m%d}_{end:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Faktura-Bookings"] = str(count)
    if changed is not None:
        response["X-Faktura-Changed-Since"] = changed.isoformat()
    return response
