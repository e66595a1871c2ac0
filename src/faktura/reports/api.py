"""Reports (DESIGN.md section 6.2): JSON ``{rows, totals, period: {from, to}}``, hours as
decimal strings, money as decimal strings with ``currency``; ``format=csv|xlsx`` answers the
same table as a file.

Every member may read the time reports; each sees the time they may see elsewhere
(``entries_visible``): a member only their own, the roles that see all entries everyone's.
Money (cost, value) only for the roles that see invoices.

The helpers below (`read_query`, `answer`) are how every report endpoint parses its query and
answers json, csv or xlsx from one table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any, TypeVar

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema
from pydantic import ConfigDict, Field

from faktura.common.context import CommandContext
from faktura.common.schemas import ERRORS
from faktura.core.money import quantize_fraction
from faktura.reports.exports import Column, export_response
from faktura.reports.period import Period, ReportQuery, parse_query
from faktura.reports.selectors import share
from faktura.reports.time import (
    GROUPS,
    GroupBy,
    MemberUtilization,
    ValueGroupCosts,
    WasteItem,
    hours,
    money,
    utilization,
    value_group_costs,
    working_days,
)
from faktura.reports.wip import BUCKETS, WipRow, wip, wip_totals
from faktura.reports.wip import money as wip_money
from faktura.tenancy.auth import request_context
from faktura.tenancy.selectors import tenant_today
from faktura.work.models import Project

router = Router(tags=["reports"])

Q = TypeVar("Q", bound=ReportQuery)


def read_query(request, query_type: type[Q]) -> tuple[CommandContext, Q, Period]:
    """The caller's context, the report's typed query (from the query string) and the period
    it asks for in the company's time zone. Bad input raises 400 naming the field."""
    context = request_context(request)
    query = parse_query(query_type, request.GET)
    period = query.resolve(today=tenant_today(context.tenant), time_zone=context.tenant.timezone)
    return context, query, period


def query_doc(*, group_by: Sequence[str] = ()) -> dict[str, Any]:
    """The query parameters of a report for the OpenAPI document (the handler reads them with
    `read_query`). ``format=csv|xlsx`` answers a file instead of the JSON documented here."""

    def param(name: str, description: str, **schema: Any) -> dict[str, Any]:
        return {
            "in": "query",
            "name": name,
            "required": False,
            "description": description,
            "schema": {"type": "string", **schema},
        }

    parameters = [
        param("from", "first day (included)", format="date"),
        param("to", "last day (included)", format="date"),
        param("period", "YYYY-MM, YYYY-Qn or YYYY instead of from/to", maxLength=7),
    ]
    if group_by:
        parameters.append(param("group_by", "what the breakdown groups by", enum=list(group_by)))
    return {"parameters": parameters}


def period_out(period: Period) -> dict[str, dt.date]:
    return {"date_from": period.first, "date_to": period.last}


def answer(
    query: ReportQuery,
    payload: Any,
    *,
    filename: str,
    columns: Sequence[Column],
    rows: Iterable[Mapping[str, Any]],
) -> Any:
    """The JSON payload, or for ``format=csv|xlsx`` the table (`columns`, `rows`) as a file
    named ``filename`` (without extension)."""
    if query.format == "json":
        return payload
    response: HttpResponse = export_response(query.format, filename, columns, rows)
    return response


class PeriodOut(Schema):
    model_config = ConfigDict(populate_by_name=True)

    date_from: dt.date = Field(serialization_alias="from")
    date_to: dt.date = Field(serialization_alias="to")


# --- value groups ----------------------------------------------------------------------------


class ValueGroupsQuery(ReportQuery):
    group_by: GroupBy = "month"

    extra_params = ("group_by",)


class MonthHoursOut(Schema):
    month: str  # YYYY-MM
    hours: str
    cost: str | None = None  # null: the viewer sees no money


class MonthShareOut(MonthHoursOut):
    share: int  # percent of the month's time


class ValueGroupRowOut(Schema):
    value_group: str
    label: str
    hours: str
    share: int  # percent of the period's time
    cost: str | None = None
    uncosted_hours: str  # hours of members without a cost rate on the day
    months: list[MonthShareOut]


class ValueGroupTotalsOut(Schema):
    hours: str
    cost: str | None = None
    uncosted_hours: str
    currency: str
    months: list[MonthHoursOut]


class GroupHoursOut(Schema):
    hours: str
    cost: str | None = None


class BreakdownOut(Schema):
    key: str  # a month YYYY-MM, a team, member or project id; "none": no team
    label: str
    hours: str
    cost: str | None = None
    groups: dict[str, GroupHoursOut]  # per value group A-D


class WasteItemOut(Schema):
    id: int
    label: str
    project: str
    hours: str
    cost: str | None = None


class WasteOut(Schema):
    hours: str
    share: int  # percent of the period's time
    cost: str | None = None
    projects: list[WasteItemOut]  # the ten with most hours
    tickets: list[WasteItemOut]


class ValueGroupReportOut(Schema):
    rows: list[ValueGroupRowOut]
    totals: ValueGroupTotalsOut
    period: PeriodOut
    group_by: str
    breakdown: list[BreakdownOut]
    waste: WasteOut


def _cost(value: Any, with_cost: bool) -> str | None:
    return str(money(value)) if with_cost else None


def value_groups_payload(report: ValueGroupCosts, currency: str) -> dict[str, Any]:
    """The value-group report as JSON (`ValueGroupReportOut`)."""
    c = report.with_cost
    month_totals = {m.key: m.seconds for m in report.months}
    total = report.seconds
    rows = []
    for group, label in Project.ValueGroup.choices:
        cell = report.groups[group]
        rows.append(
            {
                "value_group": group,
                "label": str(label),
                "hours": str(hours(cell.seconds)),
                "share": share(cell.seconds, total),
                "cost": _cost(cell.cost, c),
                "uncosted_hours": str(hours(cell.uncosted)),
                "months": [
                    {
                        "month": m.key,
                        "hours": str(hours(m.groups[group].seconds)),
                        "share": share(m.groups[group].seconds, month_totals[m.key]),
                        "cost": _cost(m.groups[group].cost, c),
                    }
                    for m in report.months
                ],
            }
        )
    waste = report.groups["D"]
    return {
        "rows": rows,
        "totals": {
            "hours": str(hours(total)),
            "cost": _cost(report.cost, c),
            "uncosted_hours": str(hours(report.uncosted)),
            "currency": currency,
            "months": [
                {"month": m.key, "hours": str(hours(m.seconds)), "cost": _cost(m.cost, c)}
                for m in report.months
            ],
        },
        "period": period_out(report.period),
        "group_by": report.group_by,
        "breakdown": [
            {
                "key": b.key,
                "label": b.label,
                "hours": str(hours(b.seconds)),
                "cost": _cost(b.cost, c),
                "groups": {
                    g: {"hours": str(hours(cell.seconds)), "cost": _cost(cell.cost, c)}
                    for g, cell in b.groups.items()
                },
            }
            for b in report.buckets
        ],
        "waste": {
            "hours": str(hours(waste.seconds)),
            "share": share(waste.seconds, total),
            "cost": _cost(waste.cost, c),
            "projects": [_waste_item(i, c) for i in report.waste_projects],
            "tickets": [_waste_item(i, c) for i in report.waste_tickets],
        },
    }


def _waste_item(item: WasteItem, with_cost: bool) -> dict[str, Any]:
    return {
        "id": item.key,
        "label": item.label,
        "project": item.project,
        "hours": str(hours(item.cell.seconds)),
        "cost": _cost(item.cell.cost, with_cost),
    }


def value_groups_table(report: ValueGroupCosts) -> tuple[list[Column], list[dict[str, Any]]]:
    """The export: one row per ``group_by`` key with hours (and cost) per value group."""
    c = report.with_cost
    columns = [Column("key", _("Key")), Column("label", _("Name"))]
    for group in GROUPS:
        columns.append(Column(f"{group}_hours", _("%(group)s hours") % {"group": group}, "hours"))
        if c:
            columns.append(Column(f"{group}_cost", _("%(group)s cost") % {"group": group}, "money"))
    columns.append(Column("hours", _("Hours"), "hours"))
    if c:
        columns.append(Column("cost", _("Cost"), "money"))
    rows = []
    for bucket in report.buckets:
        row: dict[str, Any] = {"key": bucket.key, "label": bucket.label}
        for group, cell in bucket.groups.items():
            row[f"{group}_hours"] = hours(cell.seconds)
            row[f"{group}_cost"] = money(cell.cost)
        row["hours"] = hours(bucket.seconds)
        row["cost"] = money(bucket.cost)
        rows.append(row)
    return columns, rows


@router.get(
    "/reports/value-groups",
    response={200: ValueGroupReportOut, **ERRORS},
    by_alias=True,
    openapi_extra=query_doc(group_by=("month", "team", "member", "project")),
)
def value_groups(request):
    """Hours and cost per value group (A customer work, B investment, C overhead, D waste):
    per month (``rows[].months``, the trend), by ``group_by`` (``breakdown``: month, team,
    member or project) and the waste (D) with its top projects and tickets. Time entries
    only; running timers count 0; cost = hours x the member's cost rate valid on the day,
    shown to the roles that see money (null otherwise). Query: ``from``, ``to`` or
    ``period`` (YYYY-MM, YYYY-Qn, YYYY), ``group_by``, ``format`` (json, csv, xlsx). A period
    that ends before it starts, or spans more than 60 months, answers 400."""
    context, query, period = read_query(request, ValueGroupsQuery)
    context.require("log_time")
    report = value_group_costs(
        tenant=context.tenant,
        viewer=context.membership,
        period=period,
        group_by=query.group_by,
        with_cost=context.can("view_invoices"),
    )
    columns, table = value_groups_table(report)
    return answer(
        query,
        value_groups_payload(report, context.tenant.currency),
        filename=f"value-groups-{period.first}-{period.last}",
        columns=columns,
        rows=table,
    )


# --- utilization -----------------------------------------------------------------------------


class UtilizationRowOut(Schema):
    membership_id: int
    name: str
    billable_hours: str
    non_billable_hours: str
    absence_hours: str
    target_hours: str | None  # null: no weekly target in the period
    available_hours: str | None
    utilization: str | None  # percent, 1 decimal; null without available hours


class UtilizationTotalsOut(Schema):
    billable_hours: str
    non_billable_hours: str
    absence_hours: str
    target_hours: str
    available_hours: str
    utilization: str | None


class UtilizationReportOut(Schema):
    rows: list[UtilizationRowOut]
    totals: UtilizationTotalsOut
    period: PeriodOut
    working_days: int


def _hours_fraction(value: Any) -> Decimal:
    return quantize_fraction(value, 2)


def utilization_payload(members: list[MemberUtilization], period: Period) -> dict[str, Any]:
    rows = [
        {
            "membership_id": m.membership_id,
            "name": m.name,
            "billable_hours": str(hours(m.billable)),
            "non_billable_hours": str(hours(m.non_billable)),
            "absence_hours": str(hours(m.absence)),
            "target_hours": str(_hours_fraction(m.target)) if m.has_target else None,
            "available_hours": str(_hours_fraction(m.available)) if m.has_target else None,
            "utilization": None if m.utilization is None else str(m.utilization),
        }
        for m in members
    ]
    billable = sum(m.billable for m in members)
    available = sum((m.available for m in members if m.has_target), Fraction(0))
    billable_with_target = sum(m.billable for m in members if m.has_target)
    return {
        "rows": rows,
        "totals": {
            "billable_hours": str(hours(billable)),
            "non_billable_hours": str(hours(sum(m.non_billable for m in members))),
            "absence_hours": str(hours(sum(m.absence for m in members))),
            "target_hours": str(_hours_fraction(sum((m.target for m in members), Fraction(0)))),
            "available_hours": str(_hours_fraction(available)),
            "utilization": (
                str(quantize_fraction(Fraction(billable_with_target, 3600) * 100 / available, 1))
                if available
                else None
            ),
        },
        "period": period_out(period),
        "working_days": len(working_days(period.first, period.last)),
    }


UTILIZATION_COLUMNS = [
    Column("name", _("Member")),
    Column("billable_hours", _("Billable hours"), "hours"),
    Column("non_billable_hours", _("Non-billable hours"), "hours"),
    Column("absence_hours", _("Absence hours"), "hours"),
    Column("target_hours", _("Target hours"), "hours"),
    Column("available_hours", _("Available hours"), "hours"),
    Column("utilization", _("Utilization %"), "percent"),
]


@router.get(
    "/reports/utilization",
    response={200: UtilizationReportOut, **ERRORS},
    by_alias=True,
    openapi_extra=query_doc(),
)
def utilization_report(request):
    """Per member: billable and non-billable hours, absence (time on absence projects), the
    hours available (weekly target pro rata over the period's working days, Monday to Friday,
    less absence) and utilization = billable / available hours in percent. A member sees
    only their own row. Query: ``from``, ``to`` or ``period``, ``format``."""
    context, query, period = read_query(request, ReportQuery)
    context.require("log_time")
    members = utilization(tenant=context.tenant, viewer=context.membership, period=period)
    payload = utilization_payload(members, period)
    return answer(
        query,
        payload,
        filename=f"utilization-{period.first}-{period.last}",
        columns=UTILIZATION_COLUMNS,
        rows=payload["rows"],
    )


# --- unbilled work (WIP) ---------------------------------------------------------------------


class WipRowOut(Schema):
    contact_id: int
    name: str
    currency: str
    buckets: dict[str, str]  # value per age bucket: 0-30, 31-60, 61-90, 90+ days
    value: str
    item_value: str  # pending billable items (their amounts)
    entry_value: str  # approved, uncompiled entries (at the price billing would use)
    items: int
    entries: int
    entry_hours: str
    deferred_hours: str  # time of the period deferred
    written_off_hours: str  # time of the period written off


class WipTotalOut(Schema):
    currency: str
    buckets: dict[str, str]
    value: str


class WipReportOut(Schema):
    rows: list[WipRowOut]
    totals: list[WipTotalOut]  # one per currency
    period: PeriodOut
    as_of: dt.date


def wip_payload(rows: list[WipRow], period: Period) -> dict[str, Any]:
    return {
        "rows": [
            {
                "contact_id": r.contact_id,
                "name": r.name,
                "currency": r.currency,
                "buckets": {b: str(wip_money(v)) for b, v in r.value.items()},
                "value": str(wip_money(r.total)),
                "item_value": str(wip_money(r.item_value)),
                "entry_value": str(wip_money(r.entry_value)),
                "items": r.items,
                "entries": r.entries,
                "entry_hours": str(hours(r.entry_seconds)),
                "deferred_hours": str(hours(r.deferred_seconds)),
                "written_off_hours": str(hours(r.written_off_seconds)),
            }
            for r in rows
        ],
        "totals": [
            {
                "currency": currency,
                "buckets": {b: str(wip_money(values[b])) for b in BUCKETS},
                "value": str(wip_money(values["total"])),
            }
            for currency, values in sorted(wip_totals(rows).items())
        ],
        "period": period_out(period),
        "as_of": period.last,
    }


WIP_COLUMNS = [
    Column("name", _("Customer")),
    Column("currency", _("Currency")),
    *(Column(f"bucket_{b}", _("%(days)s days") % {"days": b}, "money") for b in BUCKETS),
    Column("value", _("Value"), "money"),
    Column("entry_hours", _("Unbilled hours"), "hours"),
    Column("deferred_hours", _("Deferred hours"), "hours"),
    Column("written_off_hours", _("Written-off hours"), "hours"),
]


@router.get(
    "/reports/wip",
    response={200: WipReportOut, **ERRORS},
    by_alias=True,
    openapi_extra=query_doc(),
)
def wip_report(request):
    """Unbilled work per customer as of the period's last day: pending billable items (their
    amounts) and approved, uncompiled entries (at the price billing would use), by age (0-30,
    31-60, 61-90, over 90 days); the hours of the period deferred and written off. For the
    roles that see money. Query: ``from``, ``to`` or ``period``, ``format``."""
    context, query, period = read_query(request, ReportQuery)
    context.require("view_invoices")
    rows = wip(tenant=context.tenant, period=period)
    payload = wip_payload(rows, period)
    table = [
        {**row, **{f"bucket_{b}": v for b, v in row["buckets"].items()}} for row in payload["rows"]
    ]
    return answer(query, payload, filename=f"wip-{period.last}", columns=WIP_COLUMNS, rows=table)
