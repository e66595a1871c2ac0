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


Account = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,9}$")]
BuKey = Annotated[str, StringConstraints(pattern=r"^[0-9]{0,4}$")]


class DatevSettingsSet(_Input):
    """The DATEV export settings; fields left out keep their value. `revenue_accounts` keys are
    a VAT category (`AE`, `K`, `G`, `E`) or category and rate (`S:19.00`)."""

    consultant_number: Annotated[int, Field(ge=1001, le=9999999)] | None = None
    client_number: Annotated[int, Field(ge=1, le=99999)] | None = None
    chart: Literal["SKR03", "SKR04"] | None = None
    account_length: Annotated[int, Field(ge=4, le=8)] | None = None
    fiscal_year_start_month: Annotated[int, Field(ge=1, le=12)] | None = None
    revenue_accounts: (
        Annotated[
            dict[
                Annotated[str, StringConstraints(pattern=r"^[A-Z]{1,2}(:[0-9]{1,2}\.[0-9]{2})?$")],
                Account,
            ],
            Field(max_length=30),
        ]
        | None
    ) = None
    bu_keys: (
        Annotated[dict[Literal["S", "AE", "K", "G", "E", "Z", "O"], BuKey], Field(max_length=7)]
        | None
    ) = None
    bank_account: Account | None = None
    debtor_start: Annotated[int, Field(ge=10000, le=999999999)] | None = None
