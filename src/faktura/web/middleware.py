"""Security headers of the UI's pages."""

from __future__ import annotations

from django.conf import settings


class ContentSecurityPolicyMiddleware:
    """Send settings.FAKTURA_CSP with every HTML page that does not set its own policy.

    The policy allows scripts, styles and images from the site itself only: an injected
    <script>, inline event handler or style attribute is not run or applied.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "FAKTURA_CSP", "")
        content_type = response.get("Content-Type", "")
        if policy and content_type.startswith("text/html"):
            response.headers.setdefault("Content-Security-Policy", policy)
        return response
