"""Ready to bill and reports: overviews over what the work app records today."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.shortcuts import render
from django.utils import timezone

from faktura.web.utils import page, parse_month_param
from faktura.work.models import Project, TaskEntry
from faktura.work.selectors import entries_billable_candidates, entries_visible

SECONDS_PER_HOUR = Decimal(3600)
VALUE_GROUPS = Project.ValueGroup


def _hours(seconds: int | None) -> Decimal:
    return (Decimal(seconds or 0) / SECONDS_PER_HOUR).quantize(Decimal("0.01"))


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


def _month_starts(today: dt.date, count: int) -> list[dt.date]:
    """The first days of the last `count` months, oldest first, ending with today's month."""
    months = []
    year, month = today.year, today.month
    for _ in range(count):
        months.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(months))


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


@page("view_rates")
def reports(request):
    """Hours logged per value group (A-D) and month, the last three months in the company's
    time zone (entries carry their local day), or the three months up to `?until=YYYY-MM`.
    Time entries only; running timers count 0."""
    months = _month_starts(parse_month_param(request, "until") or timezone.localdate(), 3)
    rows = (
        entries_visible(tenant=request.tenant, viewer=request.membership)
        .filter(kind=TaskEntry.Kind.TIME, date__gte=months[0])
        .annotate(month=TruncMonth("date"))
        .values("month", "task__project__value_group")
        .annotate(seconds=Sum("duration_seconds"))
        .order_by()
    )
    seconds: dict[tuple[dt.date, str], int] = {}
    for row in rows:
        month = row["month"]
        if isinstance(month, dt.datetime):
            month = month.date()
        key = (month, row["task__project__value_group"])
        seconds[key] = seconds.get(key, 0) + (row["seconds"] or 0)
    month_totals = {m: sum(seconds.get((m, g), 0) for g in VALUE_GROUPS.values) for m in months}
    table = []
    for group in VALUE_GROUPS:
        cells = []
        for month in months:
            value = seconds.get((month, group.value), 0)
            total = month_totals[month]
            cells.append(
                {
                    "seconds": value,
                    "hours": _hours(value),
                    "share": round(value * 100 / total) if total else 0,
                }
            )
        table.append({"group": group, "cells": cells, "seconds": sum(c["seconds"] for c in cells)})
    grand_total = sum(month_totals.values())
    for row in table:
        row["share"] = round(row["seconds"] * 100 / grand_total) if grand_total else 0
    return render(
        request,
        "web/overview/reports.html",
        {
            "months": months,
            "table": table,
            "month_totals": [month_totals[m] for m in months],
            "grand_total": grand_total,
            "earlier": _add_months(months[-1], -3),
            "later": _add_months(months[-1], 3),
        },
    )
