"""The webhook signature: header `Faktura-Signature: t=<unix>,v1=<hex>` where hex is the
HMAC-SHA256 of "<t>.<body>" under the subscription's secret. A receiver recomputes it over
the raw body and refuses a timestamp outside its replay window (docs/integrations.md)."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def signature(secret: str, body: bytes, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, body: bytes, header: str, *, now: int, tolerance: int = 300) -> bool:
    """The receiver's check (used by the tests as a receiver would): a valid v1 over this body
    with a timestamp at most `tolerance` seconds away from `now`."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = signature(secret, body, timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))
