"""Read queries of common objects."""

from __future__ import annotations

from faktura.common.errors import NotFound
from faktura.common.models import Operation


def operation_get(*, tenant, operation_id) -> Operation:
    op = Operation.objects.filter(tenant=tenant, pk=operation_id).first()
    if op is None:
        raise NotFound("Operation not found.")
    return op
