"""Secrets at rest: connection credentials and webhook signing secrets are stored as Fernet
tokens under a key from the environment (`FAKTURA_SECRETS_KEY`, a Fernet key; default: one
derived from SECRET_KEY). They are decrypted only where a provider call needs them and never
shown, logged or answered by the API."""

from __future__ import annotations

import base64
import hashlib
import json
import os

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _fernet() -> Fernet:
    key = os.environ.get("FAKTURA_SECRETS_KEY", "")
    if not key:
        digest = hashlib.sha256(("faktura-secrets:" + settings.SECRET_KEY).encode()).digest()
        key = base64.urlsafe_b64encode(digest).decode()
    return Fernet(key.encode())


def encrypt(values: dict[str, str]) -> str:
    return _fernet().encrypt(json.dumps(values, sort_keys=True).encode()).decode()


def decrypt(token: str) -> dict[str, str]:
    """The secrets, or {} when there are none or the key changed (the user enters them again)."""
    if not token:
        return {}
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except (InvalidToken, ValueError):
        return {}
