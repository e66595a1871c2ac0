"""Provider adapters behind one protocol (`base.Gateway`)."""

from __future__ import annotations

from typing import Any

from faktura.integrations.gateways.base import Gateway, GatewayError, Pushed


class _NoPush:
    """DATEV: documents leave as the period's EXTF file (`GET /exports/datev`)."""

    def supports(self, object_type: str) -> bool:
        return False

    def find(self, document: dict[str, Any]) -> Pushed | None:
        return None

    def push(self, document: dict[str, Any], *, idempotency_key: str) -> Pushed:
        raise GatewayError("DATEV takes the period's export file.", retryable=False)

    def test(self) -> str:
        return "export"


def gateway_for(provider: str, *, settings: dict[str, Any], secrets: dict[str, str]) -> Gateway:
    from faktura.integrations.gateways.lexoffice import LexofficeGateway
    from faktura.integrations.gateways.webhook import WebhookGateway

    if provider == "lexoffice":
        return LexofficeGateway(settings=settings, secrets=secrets)
    if provider == "webhook":
        return WebhookGateway(settings=settings, secrets=secrets)
    return _NoPush()


__all__ = ["Gateway", "GatewayError", "Pushed", "gateway_for"]
