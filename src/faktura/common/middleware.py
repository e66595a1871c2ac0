"""Refuse NUL characters before they reach a view.

PostgreSQL cannot store U+0000 in text, and no field of Faktura needs it; rejecting it at
the door turns what would be a database error into a clear 400 naming the field, for every
endpoint and page alike.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render

NUL = "\x00"


def _find_nul(value, path: str = "") -> str | None:
    """The dotted path of the first string (or key) holding a NUL, or None."""
    if isinstance(value, str):
        return (path or "body") if NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if NUL in str(key):
                return here
            if found := _find_nul(item, here):
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            if found := _find_nul(item, f"{path}.{index}" if path else str(index)):
                return found
    return None


def _offending_field(request) -> str | None:
    query = request.META.get("QUERY_STRING", "")
    if "%00" in query or NUL in query:
        for key, value in parse_qsl(query, keep_blank_values=True):
            if NUL in key or NUL in value:
                return key.replace(NUL, "") or "query"
        return "query"
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return None
    if request.content_type == "multipart/form-data":
        # Uploaded files are binary (a PNG logo always holds NUL bytes) and never stored as
        # text; only the form's text fields are checked.
        for key, values in request.POST.lists():
            if NUL in key or any(NUL in value for value in values):
                return key.replace(NUL, "") or "body"
        return None
    body = request.body
    if b"\x00" not in body and b"\\u0000" not in body and b"%00" not in body:
        return None
    try:
        return _find_nul(json.loads(body)) or "body"
    except RecursionError:  # nested deeper than any field: unreadable, and it holds a NUL
        return "body"
    except ValueError:
        pass
    try:
        for key, value in parse_qsl(body.decode(), keep_blank_values=True):
            if NUL in key or NUL in value:
                return key.replace(NUL, "") or "body"
    except UnicodeDecodeError:
        return "body"
    return None if b"\x00" not in body else "body"


class RejectNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            field = _offending_field(request)
        except (RequestDataTooBig, TooManyFieldsSent):
            # The first read of the body is here: a body over DATA_UPLOAD_MAX_MEMORY_SIZE
            # (or a form with too many fields) gets the product's answer, not Django's page.
            return _refuse(request, "too_large", "body", _too_large_message())
        if field is None:
            return self.get_response(request)
        return _refuse(
            request, "invalid", field, "Contains a NUL character, which no field accepts."
        )


def _too_large_message() -> str:
    limit_kib = (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0) // 1024
    return f"The request body is too large (at most {limit_kib} KiB)."


def _refuse(request, code: str, field: str, message: str):
    """400 in the API's JSON error format under /api/, the product's error page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": {"code": code, "message": f"{field}: {message}", "fields": {field: message}}},
            status=400,
        )
    if code == "too_large":
        return render(request, "400.html", {"too_large": True}, status=400)
    return HttpResponse(f"{field}: {message}", status=400, content_type="text/plain")
