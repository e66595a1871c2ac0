"""Read queries of common objects."""

from __future__ import annotations

from faktura.common.context import CommandContext
from faktura.common.errors import NotFound
from faktura.common.models import Operation


def operation_get(*, tenant, operation_id, viewer=None) -> Operation:
    """One operation of the tenant. With a `viewer` (a membership) whose role may not see
    what the operation concerns (a member and a billing run), it is not found: its result
    would show amounts the role does not see."""
    op = Operation.objects.filter(tenant=tenant, pk=operation_id).first()
    if op is None or (
        viewer is not None
        and not CommandContext(tenant=tenant, membership=viewer).can_read_operation(op.kind)
    ):
        raise NotFound("Operation not found.")
    return op
