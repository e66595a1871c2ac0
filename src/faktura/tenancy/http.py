"""HTTP answers the API and the UI share for tenant data."""

from __future__ import annotations

from django.http import HttpResponse


def logo_response(logo, content: bytes) -> HttpResponse:
    """The company logo's bytes, cacheable per user and revalidated by its hash."""
    response = HttpResponse(content, content_type=logo.content_type)
    response["ETag"] = f'"{logo.sha256}"'
    response["Cache-Control"] = "private, no-cache"
    response["X-Content-Type-Options"] = "nosniff"
    # An SVG opened on its own must not run scripts in our origin.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return response
