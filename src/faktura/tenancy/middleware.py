"""Attach the signed-in user's current membership and tenant to every UI request."""

from __future__ import annotations

from faktura.tenancy.selectors import memberships_of_user

SESSION_KEY = "faktura_tenant_id"


class TenantMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = None
        request.tenant = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            memberships = list(memberships_of_user(user))
            wanted = request.session.get(SESSION_KEY)
            chosen = next((m for m in memberships if m.tenant_id == wanted), None)
            chosen = chosen or (memberships[0] if memberships else None)
            if chosen is not None:
                request.membership = chosen
                request.tenant = chosen.tenant
                request.memberships = memberships
        return self.get_response(request)
