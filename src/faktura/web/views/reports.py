"""The report pages (DESIGN.md section 6.2): the shared frame every report page uses.

A page reads the same typed query as the API (`reports.period.ReportQuery`) from its address,
so a filtered report is a link; its export links point at the API endpoint with the same
query and ``format=csv|xlsx`` (the API takes the session). A query the page cannot read shows
the default period with the field's error and answers 400.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from faktura.reports.api import (
    ValueGroupsQuery,
    utilization_payload,
    value_groups_payload,
    wip_payload,
)
from faktura.reports.charts import PALETTE, VALUE_GROUP_COLOURS, Series, bar_chart, line_chart
from faktura.reports.errors import PeriodInvalid, QueryInvalid
from faktura.reports.period import Period, ReportQuery, parse_query
from faktura.reports.time import hours, money, utilization, value_group_costs
from faktura.reports.wip import BUCKETS, wip
from faktura.tenancy.roles import has_capability
from faktura.tenancy.selectors import tenant_today
from faktura.web.templatetags.web import money as money_text
from faktura.web.templatetags.web import number
from faktura.web.utils import page
from faktura.work.models import Project

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


# --- the time reports ------------------------------------------------------------------------


def _hours_label(value) -> str:
    return f"{number(value)} h"


def _money_label(currency: str):
    def label(value) -> str:
        return money_text(value, currency)

    return label


@page("log_time")
def value_groups_page(request):
    """Hours (and, for the roles that see money, cost) per value group A-D: the trend per
    month as a stacked bar chart, the breakdown by ``group_by`` and the waste (D) with its
    projects and tickets. A member sees their own time (`reports.time.value_group_costs`)."""
    report = report_page(request, ValueGroupsQuery, key="value_groups")
    data = value_group_costs(
        tenant=request.tenant,
        viewer=request.membership,
        period=report.period,
        group_by=report.query.group_by,
        with_cost=report.may_see_money,
    )
    currency = request.tenant.currency
    payload = value_groups_payload(data, currency)
    months = [m.key for m in data.months]
    chart = bar_chart(
        title=gettext("Hours per value group and month"),
        description=gettext("Stacked bars: A customer work, B investment, C overhead, D waste."),
        categories=months,
        series=[
            Series(
                str(label),
                [hours(m.groups[group].seconds) for m in data.months],
                VALUE_GROUP_COLOURS[group],
            )
            for group, label in Project.ValueGroup.choices
        ],
        value_format=_hours_label,
    )
    waste_chart = None
    if report.may_see_money and data.groups["D"].seconds:
        waste_chart = line_chart(
            title=gettext("Cost of waste per month"),
            description=gettext("The cost of value group D (waste) month by month."),
            categories=months,
            series=[
                Series(
                    gettext("Waste"),
                    [money(m.groups["D"].cost) for m in data.months],
                    VALUE_GROUP_COLOURS["D"],
                )
            ],
            value_format=_money_label(currency),
        )
    group_options = [
        ("month", _("Month")),
        ("team", _("Team")),
        ("member", _("Member")),
        ("project", _("Project")),
    ]
    return render(
        request,
        "web/reports/value_groups.html",
        {
            "report": report,
            "data": payload,
            "chart": chart,
            "waste_chart": waste_chart,
            "currency": currency,
            "group_options": choices(group_options, report.query.group_by),
            "group_label": dict(group_options)[report.query.group_by],
            "has_time": data.seconds > 0,
        },
        status=report.status,
    )


@page("log_time")
def utilization_page(request):
    """Per member: billable, non-billable and absence hours, available hours and
    utilization (`reports.time.utilization`); a member sees only their own row."""
    report = report_page(request, ReportQuery, key="utilization")
    members = utilization(tenant=request.tenant, viewer=request.membership, period=report.period)
    payload = utilization_payload(members, report.period)
    chart = bar_chart(
        title=gettext("Billable and available hours per member"),
        description=gettext("Grouped bars per member: billable hours next to available hours."),
        categories=[row["name"] for row in payload["rows"]],
        series=[
            Series(
                gettext("Billable"),
                [Decimal(row["billable_hours"]) for row in payload["rows"]],
                VALUE_GROUP_COLOURS["A"],
            ),
            Series(
                gettext("Non-billable"),
                [Decimal(row["non_billable_hours"]) for row in payload["rows"]],
                VALUE_GROUP_COLOURS["C"],
            ),
            Series(
                gettext("Available"),
                [Decimal(row["available_hours"] or 0) for row in payload["rows"]],
                PALETTE[0],
            ),
        ],
        stacked=False,
        value_format=_hours_label,
    )
    return render(
        request,
        "web/reports/utilization.html",
        {"report": report, "data": payload, "chart": chart},
        status=report.status,
    )


AGE_COLOURS = ("#2e7d4f", "#b45309", "#c2410c", "#7f1d1d")


@page("view_invoices")
def wip_page(request):
    """Unbilled work per customer and age (`reports.wip.wip`), as of the period's last day."""
    report = report_page(request, ReportQuery, key="wip")
    rows = wip(tenant=request.tenant, period=report.period)
    payload = wip_payload(rows, report.period)
    top = payload["rows"][:10]
    chart = bar_chart(
        title=gettext("Unbilled work per customer and age"),
        description=gettext("Stacked bars per customer: value 0-30, 31-60, 61-90, over 90 days."),
        categories=[f"{row['name']} ({row['currency']})" for row in top],
        series=[
            Series(
                gettext("%(days)s days") % {"days": bucket},
                [Decimal(row["buckets"][bucket]) for row in top],
                colour,
            )
            for bucket, colour in zip(BUCKETS, AGE_COLOURS, strict=True)
        ],
        value_format=number,
    )
    return render(
        request,
        "web/reports/wip.html",
        {"report": report, "data": payload, "chart": chart, "buckets": BUCKETS},
        status=report.status,
    )
