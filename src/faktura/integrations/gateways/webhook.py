"""A connection that POSTs each document (invoice, credit note, payment) as signed JSON to one
URL, for an accounting system of the company's own. The receiver answers 2xx; an `id` in its
JSON answer becomes the external id. The `Idempotency-Key` header carries the document's key,
so a receiver can drop a repeat."""

from __future__ import annotations

import json
import time
from typing import Any

from faktura.integrations import outbound
from faktura.integrations.gateways.base import GatewayError, Pushed, retry_after_seconds
from faktura.integrations.signing import signature


class WebhookGateway:
    def __init__(self, *, settings: dict[str, Any], secrets: dict[str, str], timeout: int = 10):
        self.url = settings.get("url", "")
        self.secret = secrets.get("secret", "")
        self.timeout = timeout

    def supports(self, object_type: str) -> bool:
        return True

    def find(self, document: dict[str, Any]) -> Pushed | None:
        return None  # the receiver drops repeats by their Idempotency-Key

    def push(self, document: dict[str, Any], *, idempotency_key: str) -> Pushed:
        body = json.dumps(document, sort_keys=True).encode()
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": idempotency_key,
            "Faktura-Signature": signature(self.secret, body, int(time.time())),
        }
        try:
            answer = outbound.request(
                "POST", self.url, headers=headers, body=body, timeout=self.timeout
            )
        except outbound.TransportError as exc:
            raise GatewayError(f"The endpoint did not answer: {exc}") from None
        if answer.status in (401, 403):
            raise GatewayError(f"The endpoint refused the request ({answer.status}).", auth=True)
        if answer.status == 429 or answer.status >= 500:
            raise GatewayError(
                f"The endpoint answered {answer.status}.",
                retry_after=retry_after_seconds(answer.header("Retry-After")),
            )
        if not 200 <= answer.status < 300:
            raise GatewayError(f"The endpoint answered {answer.status}.", retryable=False)
        external_id = idempotency_key
        try:
            data = json.loads(answer.body or b"{}")
            if isinstance(data, dict) and data.get("id"):
                external_id = str(data["id"])[:200]
        except ValueError:
            pass
        return Pushed(external_id=external_id)

    def test(self) -> str:
        outbound.url_check(self.url)
        return self.url
