"""The one NinjaAPI of Faktura: auth, the error format, and a router per app."""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.http.request import RawPostDataException
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from faktura.common.errors import FakturaError
from faktura.common.openapi import document_error_statuses
from faktura.tenancy.auth import MembershipSessionAuth, TokenAuth

log = logging.getLogger(__name__)


class FakturaAPI(NinjaAPI):
    """The NinjaAPI whose OpenAPI document lists every operation's error statuses."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return document_error_statuses(schema)


api = FakturaAPI(
    title="Faktura API",
    version="1",
    urls_namespace="api",
    auth=[TokenAuth(), MembershipSessionAuth()],
    description=(
        "Billing for service companies. Amounts and quantities are decimal strings. "
        'Errors: `{"error": {"code", "message", "fields"}}`.'
    ),
)


def error_response(request, status: int, code: str, message: str, fields: dict | None = None):
    return api.create_response(
        request,
        {"error": {"code": code, "message": message, "fields": fields or {}}},
        status=status,
    )


_LOCATIONS = {"body", "query", "path", "header", "cookie", "form", "file"}


def _field_name(loc: tuple | list) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in _LOCATIONS:
        location = parts.pop(0)
        # ninja nests a body schema under its parameter name: body.payload.name -> name
        if location == "body" and len(parts) > 1 and parts[0] in ("payload", "data"):
            parts.pop(0)
    return ".".join(parts) or "body"


def _is_unknown_path_id(err: dict) -> bool:
    """An id in the path that no row can have (0, negative, beyond 64 bits): the object is
    simply not there."""
    loc = err.get("loc", ())
    return (
        len(loc) == 2
        and loc[0] == "path"
        and str(loc[1]).endswith("_id")
        and err.get("type") in ("greater_than_equal", "less_than_equal")
    )


@api.exception_handler(ValidationError)
def _validation_error(request, exc: ValidationError):
    if exc.errors and all(_is_unknown_path_id(err) for err in exc.errors):
        return error_response(request, 404, "not_found", "Not found.", {})
    fields: dict[str, str] = {}
    for err in exc.errors:
        name = _field_name(err.get("loc", ()))
        msg = err.get("msg", "Invalid value.")
        if err.get("type") == "json_invalid" or "JSON" in msg:
            name = "body"
        fields.setdefault(name, msg)
    if not fields:
        fields["body"] = "The request body is not valid JSON."
    first = next(iter(fields.items()))
    return error_response(request, 400, "invalid", f"{first[0]}: {first[1]}", fields)


@api.exception_handler(FakturaError)
def _faktura_error(request, exc: FakturaError):
    return error_response(request, exc.status, exc.code, exc.message, exc.fields)


@api.exception_handler(AuthenticationError)
def _auth_error(request, exc):
    return error_response(request, 401, "not_authenticated", "A valid API token is required.")


@api.exception_handler(Http404)
def _not_found(request, exc):
    return error_response(request, 404, "not_found", "Not found.")


@api.exception_handler(DjangoPermissionDenied)
def _forbidden(request, exc):
    return error_response(request, 403, "permission_denied", str(exc) or "Not allowed.")


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    code = {400: "invalid", 401: "not_authenticated", 403: "permission_denied"}.get(
        exc.status_code, "error"
    )
    fields = {"body": str(exc)} if exc.status_code == 400 else {}
    return error_response(request, exc.status_code, code, str(exc), fields)


@api.exception_handler(RawPostDataException)
def _not_json(request, exc):
    # A form (multipart) body on an endpoint that takes JSON: the middleware has already
    # parsed it as a form, so the JSON parser cannot read it.
    message = "This endpoint takes a JSON body (Content-Type: application/json)."
    return error_response(request, 400, "invalid", message, {"body": message})


@api.exception_handler(Exception)
def _unexpected(request, exc):
    log.exception("unhandled API error")
    return error_response(request, 500, "internal_error", "An unexpected error occurred.")


def _register_routers() -> None:
    from faktura.billing.api import router as billing_router
    from faktura.billingreview.api import router as billingreview_router
    from faktura.catalog.api import router as catalog_router
    from faktura.common.api import router as common_router
    from faktura.contacts.api import router as contacts_router
    from faktura.frameorders.api import router as frameorders_router
    from faktura.integrations.api import router as integrations_router
    from faktura.offers.api import router as offers_router
    from faktura.receivables.api import router as receivables_router
    from faktura.reports.api import router as reports_router
    from faktura.reports.api_money import router as reports_money_router
    from faktura.subscriptions.api import router as subscriptions_router
    from faktura.tenancy.api import router as tenancy_router
    from faktura.work.api import router as work_router

    api.add_router("", common_router)
    api.add_router("", tenancy_router)
    api.add_router("", contacts_router)
    api.add_router("", catalog_router)
    api.add_router("", work_router)
    api.add_router("", billing_router)
    api.add_router("", subscriptions_router)
    api.add_router("", receivables_router)
    api.add_router("", offers_router)
    api.add_router("", frameorders_router)
    api.add_router("", billingreview_router)
    api.add_router("", integrations_router)
    api.add_router("", reports_router)
    api.add_router("", reports_money_router)


_register_routers()
