"""Error codes of integrations, one class each; `config/api.py` maps them to HTTP."""

from __future__ import annotations

from faktura.common.errors import Conflict, ValidationFailed


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
