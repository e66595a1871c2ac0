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
from typing import Any, TypeVar

from django.http import HttpResponse
from ninja import Router, Schema
from pydantic import ConfigDict, Field

from faktura.common.context import CommandContext
from faktura.common.schemas import ERRORS
from faktura.reports import selectors
from faktura.reports.exports import Column, export_response
from faktura.reports.period import Period, ReportQuery, parse_query
from faktura.tenancy.auth import request_context
from faktura.tenancy.selectors import tenant_today

router = Router(tags=["reports"])

Q = TypeVar("Q", bound=ReportQuery)


def read_query(request, query_type: type[Q]) -> tuple[CommandContext, Q, Period]:
    """The caller's context, the report's typed query (from the query string) and the period
    it asks for in the company's time zone. Bad input raises 400 naming the field."""
    context = request_context(request)
    query = parse_query(query_type, request.GET)
    period = query.resolve(today=tenant_today(context.tenant), time_zone=context.tenant.timezone)
    return context, query, period


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


class MonthHoursOut(Schema):
    month: str  # YYYY-MM
    hours: str


class MonthShareOut(MonthHoursOut):
    share: int  # percent of the month's time


class ValueGroupRowOut(Schema):
    value_group: str
    label: str
    hours: str
    share: int  # percent of the period's time
    months: list[MonthShareOut]


class ValueGroupTotalsOut(Schema):
    hours: str
    months: list[MonthHoursOut]


class ValueGroupReportOut(Schema):
    rows: list[ValueGroupRowOut]
    totals: ValueGroupTotalsOut
    period: PeriodOut


@router.get(
    "/reports/value-groups",
    response={200: ValueGroupReportOut, **ERRORS},
    by_alias=True,
)
def value_groups(request):
    """Hours logged per value group (A customer work, B investment, C overhead, D waste) and
    month: the same figures as the reports page. Time entries only; running timers count 0.
    Query: ``from``, ``to`` or ``period`` (YYYY-MM, YYYY-Qn, YYYY), ``format`` (json, csv,
    xlsx). A period that ends before it starts, or spans more than 60 months, answers 400."""
    context, query, period = read_query(request, ReportQuery)
    context.require("log_time")
    report = selectors.value_groups(
        tenant=context.tenant, viewer=context.membership, date_from=period.first,
        date_to=period.last,
    )  # fmt: skip
    months = [f"{m:%Y-%m}" for m in report.months]
    rows = [
        {
            "value_group": row.group.value,
            "label": str(row.group.label),
            "hours": selectors.hours(row.seconds),
            "share": row.share,
            "months": [
                {"month": month, "hours": selectors.hours(cell.seconds), "share": cell.share}
                for month, cell in zip(months, row.cells, strict=True)
            ],
        }
        for row in report.rows
    ]
    payload = {
        "rows": rows,
        "totals": {
            "hours": selectors.hours(report.grand_total),
            "months": [
                {"month": month, "hours": selectors.hours(total)}
                for month, total in zip(months, report.month_totals, strict=True)
            ],
        },
        "period": period_out(period),
    }
    columns = [
        Column("value_group", "Value group"),
        Column("label", "Label"),
        Column("hours", "Hours", "hours"),
        Column("share", "Share %", "percent"),
        *(Column(month, month, "hours") for month in months),
    ]
    table = [{**row, **{cell["month"]: cell["hours"] for cell in row["months"]}} for row in rows]
    return answer(query, payload, filename="value-groups", columns=columns, rows=table)
