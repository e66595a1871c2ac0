"""HTTP answers the API and the UI share for tenant data."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse


def site_url(request) -> str:
    """The address links in e-mails start with (invitations, password resets):
    FAKTURA_BASE_URL when set, else the address the request came in by. Set it in production:
    a forged Host header must not put another site into a reset link."""
    configured = (getattr(settings, "FAKTURA_BASE_URL", "") or "").rstrip("/")
    return configured or request.build_absolute_uri("/").rstrip("/")


def logo_response(logo, content: bytes) -> HttpResponse:
    """The company logo's bytes, cacheable per user and revalidated by its hash."""
    response = HttpResponse(content, content_type=logo.content_type)
    response["ETag"] = f'"{logo.sha256}"'
    response["Cache-Control"] = "private, no-cache"
    response["X-Content-Type-Options"] = "nosniff"
    # An SVG opened on its own must not run scripts in our origin.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return response
