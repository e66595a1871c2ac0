"""How login throttling (django-axes) names the account and the client address it counts."""

from __future__ import annotations

from django.conf import settings


def login_username(request, credentials: dict | None = None) -> str | None:
    """The account a sign-in attempt is for, as the login form resolves it (the lower-cased
    e-mail): "Olivia@Acme.test" and "olivia@acme.test" are counted as one account."""
    value = None
    if credentials:
        value = credentials.get("username")
    if value is None and request is not None:
        value = request.POST.get("username")
    if value is None:
        return None
    return str(value).strip().lower()


def client_ip(request) -> str | None:
    """The client address a sign-in attempt is counted for.

    Directly exposed, that is the connection's address. Behind the TLS proxy of
    FAKTURA_HTTPS=1 it is the last X-Forwarded-For entry, the one the proxy appended; the
    entries before it come from the client and could be anything.
    """
    if getattr(settings, "FAKTURA_TRUST_FORWARDED_FOR", False):
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [a for a in forwarded if a]
        if forwarded:
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR")
