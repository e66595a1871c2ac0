"""The start page: what a person wants to see first, in a handful of queries."""

from __future__ import annotations

import datetime as dt

from django.db.models import Sum
from django.shortcuts import render
from django.utils.translation import gettext

from faktura.billing.selectors.issued import draft_totals
from faktura.billing.selectors.items import pending_item_totals
from faktura.receivables.selectors import receivables
from faktura.reports.charts import VALUE_GROUP_COLOURS, Series, bar_chart, line_chart
from faktura.reports.period import add_months, make_period
from faktura.reports.selectors import share
from faktura.reports.time import hours, money, value_group_costs
from faktura.tenancy.selectors import tenant_today
from faktura.web.utils import can
from faktura.work.models import TaskEntry
from faktura.work.selectors import entry_list


def overview_page(request):
    tenant, membership = request.tenant, request.membership
    today = tenant_today(tenant)
    week_start = today - dt.timedelta(days=today.weekday())
    week_seconds = (
        entry_list(
            tenant=tenant,
            viewer=membership,
            membership_id=membership.pk,
            kind=TaskEntry.Kind.TIME,
            date_from=week_start,
            date_to=week_start + dt.timedelta(days=6),
        ).aggregate(total=Sum("duration_seconds"))["total"]
        or 0
    )
    context = {"today": today, "week_start": week_start, "week_seconds": week_seconds}
    context.update(_report_figures(request, today))
    if can(request, "view_invoices"):
        open_items = receivables(tenant=tenant, today=today, state="overdue")
        context.update(
            {
                "money": True,
                "drafts": draft_totals(tenant=tenant),
                "unbilled": pending_item_totals(tenant=tenant),
                "overdue": [row for row in open_items["totals"] if row["overdue"]],
                "overdue_count": len(open_items["overdue"]),
            }
        )
    return render(request, "web/overview/start.html", context)


def _report_figures(request, today: dt.date) -> dict:
    """Key figures of the reports with small charts: the value groups of the last six months
    (a member's own time, everyone's for the roles that see all entries); for the roles that
    see money the cost of waste this year, month by month."""
    tenant, membership = request.tenant, request.membership
    half_year = make_period(add_months(today, -5), today, tenant.timezone)
    groups = value_group_costs(tenant=tenant, viewer=membership, period=half_year, with_cost=False)
    months = [f"{m:%m/%y}" for m in half_year.months]
    figures: dict = {
        "vg_chart": bar_chart(
            title=gettext("Hours per value group, last six months"),
            description=gettext("Stacked bars per month: A, B, C and D."),
            categories=months,
            series=[
                Series(group, [hours(m.groups[group].seconds) for m in groups.months], colour)
                for group, colour in VALUE_GROUP_COLOURS.items()
            ],
            small=True,
        ),
        "vg_share_a": share(groups.groups["A"].seconds, groups.seconds),
        "vg_hours": hours(groups.seconds),
    }
    if can(request, "view_invoices"):
        year = make_period(dt.date(today.year, 1, 1), today, tenant.timezone)
        costs = value_group_costs(tenant=tenant, viewer=membership, period=year)
        figures.update(
            {
                "waste_cost": money(costs.groups["D"].cost),
                "waste_share": share(costs.groups["D"].seconds, costs.seconds),
                "waste_chart": line_chart(
                    title=gettext("Cost of waste this year"),
                    description=gettext("The cost of value group D month by month."),
                    categories=[f"{m:%m/%y}" for m in year.months],
                    series=[
                        Series(
                            gettext("Waste"),
                            [money(m.groups["D"].cost) for m in costs.months],
                            VALUE_GROUP_COLOURS["D"],
                        )
                    ],
                    small=True,
                ),
            }
        )
    return figures
