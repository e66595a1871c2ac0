"""API authentication: bearer tokens, or the UI's session (with its CSRF check)."""

from __future__ import annotations

from ninja.security import HttpBearer, SessionAuth

from faktura.common.context import CommandContext
from faktura.tenancy.services import token_authenticate


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        membership = token_authenticate(token)
        if membership is not None:
            request.membership = membership
            request.tenant = membership.tenant
        return membership


class MembershipSessionAuth(SessionAuth):
    """A signed-in browser session, acting as the membership the middleware chose.

    Without a signed-in user there is no session to protect: the CSRF check is skipped so a
    client with a missing or revoked token gets 401, not a confusing 403 "CSRF check Failed".
    """

    def _get_key(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user is None:
            return None
        return getattr(request, "membership", None)


def request_context(request, *, reason: str = "") -> CommandContext:
    membership = request.auth
    return CommandContext(
        tenant=membership.tenant,
        membership=membership,
        user=membership.user,
        reason=reason,
        source="api",
    )
