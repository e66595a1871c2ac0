"""The report pages (DESIGN.md section 6.2): the shared frame every report page uses.

A page reads the same typed query as the API (`reports.period.ReportQuery`) from its address,
so a filtered report is a link; its export links point at the API endpoint with the same
query and ``format=csv|xlsx`` (the API takes the session). A query the page cannot read shows
the default period with the field's error and answers 400.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from faktura.reports.errors import PeriodInvalid, QueryInvalid
from faktura.reports.period import Period, ReportQuery, parse_query
from faktura.tenancy.roles import has_capability
from faktura.tenancy.selectors import tenant_today

# Every report page: key, label, url name, capability, API path (under /api/v1/).
REPORTS: tuple[tuple[str, Any, str, str, str], ...] = (
    ("value_groups", _("Value groups"), "web:reports", "log_time", "reports/value-groups"),
    ("utilization", _("Utilization"), "web:report_utilization", "log_time", "reports/utilization"),
    ("wip", _("Unbilled work"), "web:report_wip", "view_invoices", "reports/wip"),
    ("revenue", _("Revenue"), "web:report_revenue", "view_invoices", "reports/revenue"),
    (
        "receivables_aging",
        _("Receivables aging"),
        "web:report_receivables_aging",
        "view_invoices",
        "reports/receivables-aging",
    ),
    (
        "frame_orders",
        _("Frame orders"),
        "web:report_frame_orders",
        "view_invoices",
        "reports/frame-orders",
    ),
)

Q = TypeVar("Q", bound=ReportQuery)


@dataclass
class ReportPage(Generic[Q]):
    """What the frame template (`web/reports/base.html`) shows around a report."""

    key: str
    query: Q
    period: Period
    params: dict[str, str]  # the filters as they are in the address (for the form and links)
    nav: list[dict[str, Any]]
    exports: list[dict[str, Any]]
    errors: dict[str, str] = field(default_factory=dict)
    may_see_money: bool = False

    @property
    def status(self) -> int:
        return 400 if self.errors else 200

    @property
    def query_string(self) -> str:
        return "?" + urlencode(self.params) if self.params else ""


def may_see_money(request) -> bool:
    """Whether the member's role sees money (amounts, rates, cost): the roles that see
    invoices."""
    return has_capability(request.membership.role, "view_invoices")


def report_page(request, query_type: type[Q], *, key: str) -> ReportPage[Q]:
    """The report's query from the address, its period, the navigation between the reports
    the member may see and the export links."""
    tenant = request.tenant
    errors: dict[str, str] = {}
    try:
        query = parse_query(query_type, request.GET)
        period = query.resolve(today=tenant_today(tenant), time_zone=tenant.timezone)
    except (QueryInvalid, PeriodInvalid) as exc:
        errors = exc.fields or {"period": exc.message}
        query = query_type()
        period = query.resolve(today=tenant_today(tenant), time_zone=tenant.timezone)
    names = ("from", "to", "period", *query_type.extra_params)
    params = {name: request.GET[name] for name in names if request.GET.get(name) and not errors}
    role = request.membership.role
    nav = []
    api_path = ""
    for report_key, label, url_name, capability, path in REPORTS:
        if not has_capability(role, capability):
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:  # a report whose page is not there (yet)
            continue
        nav.append({"key": report_key, "label": label, "url": url, "active": report_key == key})
        if report_key == key:
            api_path = path
    exports = []
    if api_path:
        for fmt, label in (("csv", "CSV"), ("xlsx", "XLSX")):
            exports.append(
                {
                    "format": fmt,
                    "label": label,
                    "url": f"/api/v1/{api_path}?" + urlencode({**params, "format": fmt}),
                }
            )
    return ReportPage(
        key=key,
        query=query,
        period=period,
        params=params,
        nav=nav,
        exports=exports,
        errors=errors,
        may_see_money=may_see_money(request),
    )


def choices(options: Sequence[tuple[str, Any]], current: str) -> list[dict[str, Any]]:
    """Options of a select in the filter form, the current one marked."""
    return [{"value": v, "label": label, "selected": v == current} for v, label in options]
