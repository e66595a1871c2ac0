"""Ready to bill and reports: overviews over what the work app records today."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, Sum
from django.shortcuts import render
from django.utils import timezone

from faktura.reports.period import add_months
from faktura.reports.selectors import value_groups
from faktura.web.utils import page, parse_month_param
from faktura.work.models import TaskEntry
from faktura.work.selectors import entries_billable_candidates


@page("view_invoices")
def billing(request):
    """Per customer and project: the entries billing may compile now, with their logged hours.

    Display only: the hours are summed in SQL from logged seconds; invoices use the rounding
    rules and Python arithmetic.
    """
    tenant = request.tenant
    rows = (
        entries_billable_candidates(tenant=tenant, require_approval=tenant.require_approval)
        .order_by()
        .values(
            "task__client_id",
            "task__client__name",
            "task__project_id",
            "task__project__name",
            "task__project__number",
        )
        .annotate(
            entries=Count("id"),
            time_entries=Count("id", filter=Q(kind=TaskEntry.Kind.TIME)),
            other_entries=Count("id", filter=~Q(kind=TaskEntry.Kind.TIME)),
            seconds=Sum("duration_seconds", filter=Q(kind=TaskEntry.Kind.TIME)),
        )
        .order_by("task__client__name", "task__project__name")
    )
    customers: list[dict] = []
    for row in rows:
        if not customers or customers[-1]["id"] != row["task__client_id"]:
            customers.append(
                {
                    "id": row["task__client_id"],
                    "name": row["task__client__name"],
                    "projects": [],
                    "entries": 0,
                    "seconds": 0,
                }
            )
        customer = customers[-1]
        customer["projects"].append(row)
        customer["entries"] += row["entries"]
        customer["seconds"] += row["seconds"] or 0
    return render(
        request,
        "web/overview/billing.html",
        {
            "customers": customers,
            "total_entries": sum(c["entries"] for c in customers),
            "total_seconds": sum(c["seconds"] for c in customers),
            "require_approval": tenant.require_approval,
        },
    )


@page("view_rates")
def reports(request):
    """Hours logged per value group (A-D) and month, the last three months in the company's
    time zone (entries carry their local day), or the three months up to `?until=YYYY-MM`.
    Time entries only; running timers count 0 (`reports.selectors.value_groups`)."""
    until = parse_month_param(request, "until") or timezone.localdate()
    first = add_months(until, -2)
    last = add_months(until, 1) - dt.timedelta(days=1)
    report = value_groups(
        tenant=request.tenant, viewer=request.membership, date_from=first, date_to=last
    )
    return render(
        request,
        "web/overview/reports.html",
        {
            "months": report.months,
            "table": report.rows,
            "month_totals": report.month_totals,
            "grand_total": report.grand_total,
            "earlier": add_months(report.months[-1], -3),
            "later": add_months(report.months[-1], 3),
        },
    )
