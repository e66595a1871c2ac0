"""The money report pages (issue 17): revenue, receivables aging and frame orders.

Each reads its filters from the address through the shared report frame
(`web.views.reports.report_page`), calls the report's selector (`reports.money`) and renders
a table and a server-side SVG chart per currency (amounts in different currencies are never
drawn on one axis). Only the roles that see invoices open them.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from faktura.reports import charts, money
from faktura.reports.period import ReportQuery
from faktura.tenancy.selectors import tenant_today
from faktura.web.templatetags.web import money as money_text
from faktura.web.utils import page
from faktura.web.views.reports import choices, report_page

GROUPS = (
    ("customer", gettext_lazy("Customer")),
    ("project", gettext_lazy("Project")),
    ("product", gettext_lazy("Product")),
    ("month", gettext_lazy("Month")),
)
# Bars a chart shows at most (the largest; the table lists every row).
CHART_BARS = 12


# Characters of a bar's label under the chart (the table below names each in full).
LABEL_CHARS = 12


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"


def _formatter(currency: str):
    return lambda value: money_text(value, currency)


@page("view_invoices")
def revenue(request):
    """Net revenue per customer, project, product or month and currency, the realised
    against list rate of time, and the fixed-price projects' budget against actual."""
    report = report_page(request, money.RevenueQuery, key="revenue")
    data = money.revenue(
        tenant=request.tenant, date_from=report.period.first, date_to=report.period.last,
        group_by=report.query.group_by,
    )  # fmt: skip
    by_currency: dict[str, list[money.RevenueRow]] = defaultdict(list)
    for row in data.rows:
        by_currency[row.currency].append(row)
    figures = []
    for currency, rows in sorted(by_currency.items()):
        shown = rows[:CHART_BARS]
        labels = [_short(row.label or row.key or _("none")) for row in shown]
        figures.append(
            charts.bar_chart(
                title=_("Net revenue in %(currency)s") % {"currency": currency},
                description=_("Net revenue per %(group)s, invoices less credit notes.")
                % {"group": dict(GROUPS)[data.group_by]},
                categories=labels,
                series=[charts.Series(_("Net revenue"), [row.net for row in shown])],
                value_format=_formatter(currency),
            )
        )
    return render(
        request,
        "web/reports/revenue.html",
        {
            "report": report,
            "data": data,
            "charts": figures,
            "groups": choices(GROUPS, data.group_by),
        },
        status=report.status,
    )


def _bucket_labels() -> list[tuple[str, Any]]:
    return [
        ("current", _("Not yet due")),
        ("days_1_30", _("1–30 days")),
        ("days_31_60", _("31–60 days")),
        ("days_61_90", _("61–90 days")),
        ("days_over_90", _("over 90 days")),
    ]


@page("view_invoices")
def receivables_aging(request):
    """Open amounts per customer in the aging buckets, dunning levels and DSO."""
    report = report_page(request, ReportQuery, key="receivables_aging")
    today = tenant_today(request.tenant)
    data = money.receivables_aging(
        tenant=request.tenant, today=today, date_from=report.period.first,
        date_to=report.period.last,
    )  # fmt: skip
    buckets = _bucket_labels()
    figures = [
        charts.bar_chart(
            title=_("Open amounts by age in %(currency)s") % {"currency": total.currency},
            description=_("Open amounts by days overdue, today."),
            categories=[str(label) for _key, label in buckets],
            series=[charts.Series(_("Open"), [total.buckets[key] for key, _label in buckets])],
            value_format=_formatter(total.currency),
        )
        for total in data.totals
        if total.total
    ]
    rows = [
        {"row": row, "cells": [row.buckets[key] for key, _label in buckets]} for row in data.rows
    ]
    totals = [
        {"total": total, "cells": [total.buckets[key] for key, _label in buckets]}
        for total in data.totals
    ]
    return render(
        request,
        "web/reports/receivables_aging.html",
        {
            "report": report,
            "data": data,
            "rows": rows,
            "totals": totals,
            "buckets": buckets,
            "charts": figures,
        },
        status=report.status,
    )


@page("view_invoices")
def frame_orders(request):
    """Frame orders valid in the period: utilization, remaining, expiry and status."""
    report = report_page(request, ReportQuery, key="frame_orders")
    today = tenant_today(request.tenant)
    rows = money.frame_orders(
        tenant=request.tenant, today=today, date_from=report.period.first,
        date_to=report.period.last,
    )  # fmt: skip
    shown = rows[:CHART_BARS]
    figure = None
    if shown:
        figure = charts.bar_chart(
            title=_("Frame order utilization"),
            description=_("Billed share of each frame order in percent, soonest expiry first."),
            categories=[_short(row.po_number) for row in shown],
            series=[charts.Series(_("Utilization"), [row.utilization_percent for row in shown])],
            value_format=lambda value: f"{Decimal(value):.1f} %",
        )
    return render(
        request,
        "web/reports/frame_orders.html",
        {
            "report": report,
            "rows": rows,
            "totals": money.frame_order_totals(rows),
            "today": today,
            "chart": figure,
        },
        status=report.status,
    )
