"""`Idempotency-Key` for the POSTs that create money-relevant things (DESIGN.md section 6).

A client that does not know whether its request arrived (a timeout, a dropped connection)
sends it again with the same key. The first request runs the use case and records the key
with a hash of the request and the id of what it created, in the same transaction; a replay
answers with that object instead of creating a second invoice, line or credit note. The same
key with a different request is refused (422 `idempotency_key_reused`), so a client bug cannot
silently receive an unrelated object. Two identical requests racing meet at the key's unique
index: the loser rolls back and answers with the winner's object.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.db.models import Model

from faktura.billing.errors import IdempotencyKeyReused
from faktura.billing.models import IdempotencyKey
from faktura.common.context import CommandContext
from faktura.common.errors import NotFound
from faktura.common.text import clean_text

T = TypeVar("T", bound=Model)


def request_hash(request: dict[str, Any]) -> str:
    canonical = json.dumps(request, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(stored: IdempotencyKey, digest: str, model: type[T]) -> T:
    if stored.request_hash != digest:
        raise IdempotencyKeyReused(fields={"Idempotency-Key": "Used for a different request."})
    found = model.objects.filter(tenant_id=stored.tenant_id, pk=stored.object_id).first()
    if found is None:
        raise NotFound("What this request created earlier was deleted meanwhile.")
    return found


def idempotent(
    ctx: CommandContext,
    *,
    scope: str,
    key: str,
    request: dict[str, Any],
    run: Callable[[], T],
    model: type[T],
) -> T:
    """Run `run()` once per (tenant, `scope`, `key`) in one transaction; replays answer the
    `model` row the first run returned. Without a key, `run()` simply runs in a
    transaction."""
    key = clean_text("Idempotency-Key", key, max_length=200)
    if not key:
        with transaction.atomic():
            return run()
    digest = request_hash(request)
    stored_keys = IdempotencyKey.objects.filter(tenant=ctx.tenant, scope=scope, key=key)
    try:
        with transaction.atomic():
            stored = stored_keys.first()
            if stored is not None:
                return _replay(stored, digest, model)
            result = run()
            IdempotencyKey.objects.create(
                tenant=ctx.tenant,
                scope=scope,
                key=key,
                request_hash=digest,
                object_id=str(result.pk),
            )
            return result
    except IntegrityError:
        stored = stored_keys.first()
        if stored is None:  # not the key's index: a genuine integrity problem
            raise
        return _replay(stored, digest, model)
