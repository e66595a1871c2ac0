"""The typed input of each integrations use case (DESIGN.md section 2, "Typed inputs")."""

from __future__ import annotations

from typing import Annotated, Literal

from ninja import Schema
from pydantic import ConfigDict, Field, StringConstraints

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Url = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Secret = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Event = Literal[
    "invoice.issued",
    "invoice.sent",
    "invoice.paid",
    "credit_note.issued",
    "payment.recorded",
    "payment.reversed",
]


class _Input(Schema):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AutoSync(_Input):
    on_issue: bool = False
    on_payment: bool = False


class ConnectionSettings(_Input):
    """Provider settings. `url` (webhook), `base_url` and `category_id` (lexoffice); the
    secrets `api_key` (lexoffice) and `secret` (webhook signing) are write-only."""

    url: Url | None = None
    base_url: Url | None = None
    category_id: Annotated[str, StringConstraints(max_length=64)] | None = None
    api_key: Secret | None = None
    secret: Secret | None = None


class ConnectionCreate(_Input):
    provider: Literal["webhook", "datev", "lexoffice"]
    name: Name
    settings: ConnectionSettings = ConnectionSettings()
    enabled: bool = True
    auto_sync: AutoSync = AutoSync()


class ConnectionUpdate(_Input):
    name: Name | None = None
    settings: ConnectionSettings | None = None
    enabled: bool | None = None
    auto_sync: AutoSync | None = None


class WebhookCreate(_Input):
    url: Url
    events: Annotated[list[Event], Field(min_length=1, max_length=10)]
    enabled: bool = True


class WebhookUpdate(_Input):
    url: Url | None = None
    events: Annotated[list[Event], Field(min_length=1, max_length=10)] | None = None
    enabled: bool | None = None
