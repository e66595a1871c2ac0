"""The accounting gateway protocol: what every provider adapter offers the worker.

Adapters work on payload dicts (`integrations.payloads`), never on models, and raise
`GatewayError` saying whether trying again may help."""

from __future__ import annotations

import datetime as dt
import email.utils
import math
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Pushed:
    external_id: str
    url: str = ""


class GatewayError(Exception):
    """A provider call that did not succeed. `retryable`: a later attempt may succeed (timeout,
    5xx, 429, connection refused); `retry_after`: seconds the provider asked to wait; `auth`:
    the credentials were refused (no retry until they are fixed)."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool = True,
        retry_after: int | None = None,
        auth: bool = False,
    ):
        super().__init__(message)
        self.message = message
        self.retryable = retryable and not auth
        self.retry_after = retry_after
        self.auth = auth


class Gateway(Protocol):
    def supports(self, object_type: str) -> bool:
        """Whether this provider takes documents of `object_type` at all."""
        ...

    def find(self, document: dict[str, Any]) -> Pushed | None:
        """The provider's copy of the document, looked up by its number (None: not there)."""
        ...

    def push(self, document: dict[str, Any], *, idempotency_key: str) -> Pushed:
        """Create the document at the provider; answers its external id."""
        ...

    def test(self) -> str:
        """Check the settings and credentials with a harmless call; answers a short summary."""
        ...


def retry_after_seconds(value: str, *, now: dt.datetime | None = None) -> int | None:
    """A Retry-After header (RFC 9110 section 10.2.3) in whole seconds: either a number of
    seconds or an HTTP date (seconds from now, rounded up). None when absent, unreadable, or
    further away than a day."""
    value = (value or "").strip()
    if not value:
        return None
    if value.isdigit():
        seconds = int(value)
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        now = now or dt.datetime.now(dt.UTC)
        seconds = max(0, math.ceil((when - now).total_seconds()))
    return seconds if seconds <= 86_400 else None
