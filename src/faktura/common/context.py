"""The command context every service receives first: who acts, for which tenant, and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import User

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
