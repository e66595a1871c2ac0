"""The accounting gateway protocol: what every provider adapter offers the worker.

Adapters work on payload dicts (`integrations.payloads`), never on models, and raise
`GatewayError` saying whether trying again may help."""

from __future__ import annotations

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
        retry_after: float | None = None,
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


def retry_after_seconds(value: str) -> float | None:
    """A Retry-After header in seconds (the HTTP-date form is read as absent)."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return seconds if 0 <= seconds <= 86_400 else None
