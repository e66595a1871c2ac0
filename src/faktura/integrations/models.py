"""Accounting sync: connections to the bookkeeping, the outbox of sync records, webhook
subscriptions and their deliveries (DESIGN.md section 6.2).

The decision to sync is a row (`SyncRecord`, `WebhookDelivery`) written in the transaction of
the event it is about; the worker (`faktura sync-run`) claims due rows with a lease and calls
the provider outside any transaction. A crash at any point leaves a row that is picked up again.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from faktura.common.models import TenantOwnedModel


class SyncConnection(TenantOwnedModel):
    """A company's connection to an accounting target."""

    class Provider(models.TextChoices):
        WEBHOOK = "webhook", _("Webhook")  # the document as JSON, signed, to a URL
        DATEV = "datev", _("DATEV export")  # the EXTF file per period; nothing is pushed
        LEXOFFICE = "lexoffice", _("Lexware Office (lexoffice)")  # vouchers API

    provider = models.CharField(max_length=20, choices=Provider.choices)
    name = models.CharField(max_length=100)
    settings = models.JSONField(default=dict, blank=True)  # never holds a secret
    # The provider's secrets (API key, signing secret) as a Fernet token; write-only.
    secrets = models.TextField(blank=True)
    enabled = models.BooleanField(default=True)
    sync_on_issue = models.BooleanField(default=False)
    sync_on_payment = models.BooleanField(default=False)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class SyncRecord(TenantOwnedModel):
    """One document's sync to one connection: its state, its external id, its retries."""

    class ObjectType(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        CREDIT_NOTE = "credit_note", _("Credit note")
        PAYMENT = "payment", _("Payment")

    class Status(models.TextChoices):
        NOT_SYNCED = "not_synced", _("Not synced")  # known, not asked for
        QUEUED = "queued", _("Queued")  # due at `next_retry_at` (or now)
        SYNCING = "syncing", _("Syncing")  # a worker holds it until `lease_until`
        SYNCED = "synced", _("Synced")  # the provider has it: `external_id`
        FAILED = "failed", _("Failed")  # given up: `error`; retried by hand

    connection = models.ForeignKey(SyncConnection, on_delete=models.CASCADE, related_name="records")
    object_type = models.CharField(max_length=12, choices=ObjectType.choices)
    object_id = models.BigIntegerField()
    # The document's number (invoice and credit note), looked up before a retry creates.
    number = models.CharField(max_length=60, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    idempotency_key = models.CharField(max_length=80)
    external_id = models.CharField(max_length=200, blank=True)
    external_url = models.CharField(max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_retry_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_retry_at"]),
            models.Index(fields=["tenant", "object_type", "object_id"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "object_type", "object_id"], name="sync_record_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.object_type}:{self.object_id} -> {self.connection_id} ({self.status})"


class WebhookSubscription(TenantOwnedModel):
    """A URL that receives the company's events, signed with its secret."""

    url = models.CharField(max_length=500)
    events = models.JSONField(default=list)
    secret = models.TextField()  # Fernet token of the signing secret
    enabled = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(TenantOwnedModel):
    """One event for one subscription: the outbox row and its delivery log."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")  # due at `next_retry_at` (or now)
        DELIVERING = "delivering", _("Delivering")  # a worker holds it until `lease_until`
        DELIVERED = "delivered", _("Delivered")  # answered 2xx
        FAILED = "failed", _("Failed")  # given up; redelivered by hand

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.UUIDField()
    event = models.CharField(max_length=40)
    event_key = models.CharField(max_length=120)  # one delivery per event and subscription
    payload = models.JSONField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_retry_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_retry_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event_key"], name="webhook_delivery_unique_event"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} -> {self.subscription_id} ({self.status})"


class DatevSettings(TenantOwnedModel):
    """The company's DATEV export settings (one row per company)."""

    class Chart(models.TextChoices):
        SKR03 = "SKR03", "SKR03"  # process-oriented chart (revenue 8xxx)
        SKR04 = "SKR04", "SKR04"  # balance-sheet-oriented chart (revenue 4xxx)

    consultant_number = models.PositiveIntegerField(default=1001)  # Beraternummer
    client_number = models.PositiveIntegerField(default=1)  # Mandantennummer
    chart = models.CharField(max_length=5, choices=Chart.choices, default=Chart.SKR03)
    account_length = models.PositiveSmallIntegerField(default=4)  # Sachkontenlänge
    fiscal_year_start_month = models.PositiveSmallIntegerField(default=1)
    # "<category>:<rate>" -> account, overriding the chart's preset (e.g. {"S:19.00": "8400"})
    revenue_accounts = models.JSONField(default=dict, blank=True)
    # VAT category -> BU key (e.g. {"AE": "..."}); empty: the revenue account is an automatic one
    bu_keys = models.JSONField(default=dict, blank=True)
    bank_account = models.CharField(max_length=9, blank=True)  # default: the chart's bank
    debtor_start = models.PositiveIntegerField(default=10000)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="datev_settings_one_per_tenant")
        ]


class DatevDownload(TenantOwnedModel):
    """A downloaded export: its period and content hash, so a later export of the same period
    can say that the bookings changed since."""

    period_start = models.DateField()
    period_end = models.DateField()
    sha256 = models.CharField(max_length=64)
    bookings = models.PositiveIntegerField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "period_start", "period_end"])]
