"""Error codes of integrations, one class each; `config/api.py` maps them to HTTP."""

from __future__ import annotations

from faktura.common.errors import Conflict, NotFound, ValidationFailed


class OutboundUrlRefused(ValidationFailed):
    """The URL resolves to a loopback, private or link-local address (request forgery)."""

    code = "url_refused"


class NotSyncable(Conflict):
    """The document cannot be synced (a draft, or no connection takes it)."""

    code = "not_syncable"


class SyncRecordNotRetryable(Conflict):
    """Only failed sync records are retried by hand."""

    code = "sync_record_not_retryable"


class ProviderSettingsInvalid(ValidationFailed):
    """The provider's settings are incomplete or invalid."""

    code = "provider_settings_invalid"


class OutboundUrlInvalid(ValidationFailed):
    """Not an http(s) URL without credentials."""

    code = "invalid"


class DatevPeriodInvalid(ValidationFailed):
    """The export period is missing, unreadable, reversed or longer than a year."""

    code = "invalid"


class SyncConnectionNotFound(NotFound):
    """No sync connection with this id in your company."""


class SyncRecordNotFound(NotFound):
    """No sync record with this id in your company."""


class SyncDocumentNotFound(NotFound):
    """No invoice or payment with this id in your company."""


class WebhookNotFound(NotFound):
    """No webhook with this id in your company."""


class WebhookDeliveryNotFound(NotFound):
    """No webhook delivery with this id in your company."""
