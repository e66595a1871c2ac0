"""The command context every service receives first: who acts, for which tenant, and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from faktura.common.models import Operation
    from faktura.tenancy.models import Membership, Tenant


@dataclass(frozen=True)
class CommandContext:
    tenant: Tenant
    membership: Membership | None = None
    user: User | None = None
    reason: str = ""
    source: str = "api"  # api | ui | cli | task | system
    extra: dict = field(default_factory=dict)

    @property
    def role(self) -> str | None:
        return self.membership.role if self.membership else None

    def can(self, capability: str) -> bool:
        """System contexts (no membership: CLI, tasks) may do everything in their tenant."""
        from faktura.tenancy.roles import has_capability

        if self.membership is None:
            return True
        return has_capability(self.membership.role, capability)

    def can_read_operation(self, kind: str) -> bool:
        """Whether this context may see an operation of `kind` (tenancy.roles decides)."""
        from faktura.tenancy.roles import operation_capability

        return self.can(operation_capability(kind))

    def require(self, capability: str) -> None:
        from faktura.common.errors import PermissionDenied

        if not self.can(capability):
            raise PermissionDenied(f"Your role ({self.role}) does not allow {capability}.")

    def with_reason(self, reason: str) -> CommandContext:
        return CommandContext(
            tenant=self.tenant,
            membership=self.membership,
            user=self.user,
            reason=reason,
            source=self.source,
            extra=self.extra,
        )


def operation_context(op: Operation, *, reason: str = "") -> CommandContext:
    """The context a background job acts in: as the member who started the operation (their
    role still applies when it runs). A member who left the tenant meanwhile may not act any
    more; an operation nobody started (CLI, schedule) runs as the system."""
    from faktura.common.errors import PermissionDenied
    from faktura.tenancy.models import Membership

    membership = None
    if op.created_by_id is not None:
        membership = (
            Membership.objects.filter(
                tenant_id=op.tenant_id, user_id=op.created_by_id, is_active=True
            )
            .select_related("user", "tenant")
            .first()
        )
        if membership is None:
            raise PermissionDenied("The member who started this operation left the company.")
    return CommandContext(
        tenant=op.tenant, membership=membership, user=op.created_by, source="task", reason=reason
    )
