"""Reports (DESIGN.md section 6.2): JSON ``{rows, totals, period: {from, to}}``, hours as
decimal strings.

Every member may read them; each sees the time they may see elsewhere (``entries_visible``):
a member only their own, the roles that see all entries everyone's.
"""

from __future__ import annotations

import datetime as dt

from ninja import Query, Router, Schema
from pydantic import ConfigDict, Field

from faktura.common.schemas import ERRORS
from faktura.reports import selectors
from faktura.tenancy.auth import request_context
from faktura.tenancy.selectors import tenant_today

router = Router(tags=["reports"])

# The calendar a report can cover (the default `from` lies two months before `to`).
FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2100, 12, 31)


class PeriodFilter(Schema):
    """The period of a report: ``to`` defaults to today (the company's date), ``from`` to the
    first day of the month two months before ``to``: three months, like the reports page."""

    model_config = ConfigDict(populate_by_name=True)

    date_from: dt.date | None = Field(
        None, alias="from", ge=FIRST_DAY, le=LAST_DAY, description="first day (included)"
    )
    date_to: dt.date | None = Field(
        None, alias="to", ge=FIRST_DAY, le=LAST_DAY, description="last day (included)"
    )


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


def _period(filters: PeriodFilter, today: dt.date) -> tuple[dt.date, dt.date]:
    """``to`` defaults to today, ``from`` to the first day of the month two months before
    ``to`` (three calendar months, like the reports page)."""
    date_to = filters.date_to or today
    return filters.date_from or selectors.add_months(date_to, -2), date_to


@router.get(
    "/reports/value-groups",
    response={200: ValueGroupReportOut, **ERRORS},
    by_alias=True,
)
def value_groups(request, filters: Query[PeriodFilter]):
    """Hours logged per value group (A customer work, B investment, C overhead, D waste) and
    month: the same figures as the reports page. Time entries only; running timers count 0.
    A period that ends before it starts, or spans more than 60 months, answers 400."""
    context = request_context(request)
    context.require("log_time")
    date_from, date_to = _period(filters, tenant_today(context.tenant))
    report = selectors.value_groups(
        tenant=context.tenant, viewer=context.membership, date_from=date_from, date_to=date_to
    )
    months = [f"{m:%Y-%m}" for m in report.months]
    return {
        "rows": [
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
        ],
        "totals": {
            "hours": selectors.hours(report.grand_total),
            "months": [
                {"month": month, "hours": selectors.hours(total)}
                for month, total in zip(months, report.month_totals, strict=True)
            ],
        },
        "period": {"date_from": report.date_from, "date_to": report.date_to},
    }
