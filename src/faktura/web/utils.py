"""Helpers every page uses: the command context, access checks, service calls, pagination."""

from __future__ import annotations

import datetime as dt
import functools
import re
import zoneinfo
from collections.abc import Callable, Iterable
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import BadRequest
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect

from faktura.common.context import CommandContext
from faktura.common.errors import FakturaError, NotFound, PermissionDenied
from faktura.common.schemas import MAX_ID
from faktura.tenancy.roles import has_capability

T = TypeVar("T")

PAGE_SIZE = 50


def ui_context(request: HttpRequest, *, reason: str = "") -> CommandContext:
    """The command context of a signed-in browser request, for services."""
    membership = request.membership
    return CommandContext(
        tenant=membership.tenant,
        membership=membership,
        user=request.user,
        reason=reason,
        source="ui",
    )


def can(request: HttpRequest, capability: str) -> bool:
    membership = getattr(request, "membership", None)
    return membership is not None and has_capability(membership.role, capability)


def require(request: HttpRequest, capability: str) -> None:
    if not can(request, capability):
        raise DjangoPermissionDenied(capability)


def page(capability: str | None = None) -> Callable:
    """Decorate a view: sign-in and a membership required, the capability checked, times shown
    in the tenant's time zone, and NotFound/PermissionDenied from services turned into the
    404/403 pages."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                if getattr(request, "htmx", False):
                    # A fragment request after the session ended: the whole page goes to login.
                    current = request.htmx.current_url_abs_path or request.get_full_path()
                    return HttpResponseClientRedirect(redirect_to_login(current).url)
                return redirect_to_login(request.get_full_path())
            if getattr(request, "membership", None) is None:
                return render(request, "web/no_membership.html", status=403)
            if capability is not None:
                require(request, capability)
            with timezone.override(_tenant_timezone(request.tenant)):
                try:
                    return view(request, *args, **kwargs)
                except NotFound as exc:
                    raise Http404(exc.message) from exc
                except PermissionDenied as exc:
                    raise DjangoPermissionDenied(exc.message) from exc

        return wrapper

    return decorator


def _tenant_timezone(tenant) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(tenant.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


# Service field names that the form names differently.
_FIELD_ALIASES = {
    "time_rounding.increment_minutes": "tr_increment",
    "time_rounding.direction": "tr_direction",
    "time_rounding.minimum_minutes": "tr_minimum",
    "time_rounding.level": "tr_level",
    "time_rounding": "tr_increment",
}


def apply_errors(form, exc: FakturaError, aliases: dict[str, str] | None = None) -> None:
    """Show a service error on the form: next to each named field, else above the form."""
    aliases = {**_FIELD_ALIASES, **(aliases or {})}
    placed = False
    for name, message in (exc.fields or {}).items():
        target = aliases.get(name, name)
        if target in form.fields:
            form.add_error(target, message)
            placed = True
        elif target.endswith("_id") and target[:-3] in form.fields:
            form.add_error(target[:-3], message)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


def submit(form, call: Callable[[], T], aliases: dict[str, str] | None = None) -> T | None:
    """Run a service call for a valid form; on a business error put it on the form, return None.

    NotFound and PermissionDenied without a named field still answer 404 and 403."""
    try:
        return call()
    except FakturaError as exc:
        if isinstance(exc, NotFound | PermissionDenied) and not exc.fields:
            raise
        apply_errors(form, exc, aliases)
        return None


def action(request: HttpRequest, call: Callable[[], T], success: str = "") -> T | None:
    """Run a service call from a button (no form): success and errors become flash messages.

    The page decorator has checked the role already, so a PermissionDenied here is a rule about
    this object (an approver's own entry) and is shown like any other refusal."""
    try:
        result = call()
    except NotFound:
        raise
    except FakturaError as exc:
        messages.error(request, exc.message)
        return None
    if success:
        messages.success(request, success)
    return result


def paginate(request: HttpRequest, queryset: Iterable, per_page: int = PAGE_SIZE):
    """A page of the queryset for ?page=N (out-of-range pages show the last page)."""
    paginator = Paginator(queryset, per_page)
    return paginator.get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    """The current filters as a query string (without page), for pagination links."""
    params = [(k, v) for k, values in request.GET.lists() if k != "page" for v in values if v]
    return urlencode(params)


def is_filtered(request: HttpRequest) -> bool:
    """True when the list is filtered (its empty state then says "no matches")."""
    return any(v for k, v in request.GET.items() if k != "page")


def safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def parse_int(value: Any) -> int | None:
    """An integer query value, or None when it is none or beyond the 64 bits a database
    column holds (such an id matches nothing)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if -MAX_ID <= number <= MAX_ID else None


def parse_bool(value: str | None) -> bool | None:
    """A tri-state filter value: "1"/"yes" -> True, "0"/"no" -> False, else None."""
    if value in ("1", "yes", "true"):
        return True
    if value in ("0", "no", "false"):
        return False
    return None


# The days a page may be asked to show. Pages step to the previous and next week, month or
# quarter, so the first and last years Python's calendar has are out of reach (issue 10:
# `?week=9999-12-31` overflowed while computing the next week).
FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(9998, 12, 31)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _in_range(name: str, day: dt.date | None) -> dt.date:
    if day is None or not FIRST_DAY <= day <= LAST_DAY:
        raise BadRequest(f"{name}: not a date between {FIRST_DAY} and {LAST_DAY}.")
    return day


def parse_day_param(request: HttpRequest, name: str) -> dt.date | None:
    """The query parameter `name` as a date (YYYY-MM-DD), None when it is absent or not
    written as a date (the page's default); a date that does not exist or that the pages
    cannot show answers 400 (the 400 page)."""
    raw = request.GET.get(name, "")
    try:
        day = parse_date(raw)
    except ValueError:  # well-formed but not in the calendar: 2026-02-30
        day = None
    else:
        if day is None:
            return None
    return _in_range(name, day)


def parse_month_param(request: HttpRequest, name: str) -> dt.date | None:
    """The query parameter `name` as the first day of a month (YYYY-MM), None when absent
    or not written as a month (the page's default); a month that does not exist or that
    the pages cannot show answers 400."""
    match = _MONTH.match(request.GET.get(name, ""))
    if match is None:
        return None
    try:
        day = dt.date(int(match[1]), int(match[2]), 1)
    except ValueError:  # month 13
        day = None
    return _in_range(name, day)
