"""Server time per response: a `Server-Timing: app;dur=<ms>` header.

Browsers show it in their developer tools, and the browser tests read it to hold each page to
its time budget (server time, without the network and the browser's own work). It says how
long the server took, nothing about what it did.
"""

from __future__ import annotations

import time


class ServerTimingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = (time.perf_counter() - started) * 1000
        response["Server-Timing"] = f"app;dur={elapsed:.1f}"
        return response
