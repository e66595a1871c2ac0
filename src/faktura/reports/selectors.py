"""Read-only reports over what the other apps record (DESIGN.md section 6.2).

Display figures only: hours are summed in SQL from logged seconds and converted once at the
end; nothing here goes on an invoice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

from django.db.models import Sum
from django.db.models.functions import TruncMonth

from faktura.core.money import quantize_ratio
from faktura.reports.errors import PeriodInvalid
from faktura.reports.period import MAX_MONTHS, month_starts
from faktura.tenancy.models import Membership, Tenant
from faktura.work.models import Project, TaskEntry
from faktura.work.selectors import entries_visible

SECONDS_PER_HOUR = 3600


def hours(seconds: int) -> str:
    """Seconds as hours with 2 decimals, ROUND_HALF_UP, as a decimal string."""
    return str(quantize_ratio(seconds, SECONDS_PER_HOUR, 2))


@dataclass(frozen=True)
class ValueGroupCell:
    seconds: int
    share: int  # percent of the month's logged time, rounded


@dataclass(frozen=True)
class ValueGroupRow:
    group: Project.ValueGroup
    cells: list[ValueGroupCell]  # one per month of the report
    seconds: int
    share: int  # percent of the whole period's logged time, rounded


@dataclass(frozen=True)
class ValueGroupReport:
    date_from: dt.date
    date_to: dt.date
    months: list[dt.date]
    rows: list[ValueGroupRow]  # every value group A-D, in order, also when empty
    month_totals: list[int]  # seconds per month
    grand_total: int  # seconds


def value_groups(
    *, tenant: Tenant, viewer: Membership | None, date_from: dt.date, date_to: dt.date
) -> ValueGroupReport:
    """Time logged per value group (A-D) and month, from ``date_from`` to ``date_to``
    (both included, entries by their local day).

    Time entries only (running timers count 0); the viewer sees what ``entries_visible``
    shows them, so a member counts only their own time. ``PeriodInvalid`` (naming the field
    ``to``) when the period ends before it starts or spans more than ``MAX_MONTHS`` months.
    """
    if date_to < date_from:
        raise PeriodInvalid.field("to", "The end of the period is before its start.")
    if (date_to.year - date_from.year) * 12 + date_to.month - date_from.month >= MAX_MONTHS:
        raise PeriodInvalid.field("to", f"A report covers at most {MAX_MONTHS} months.")
    months = month_starts(date_from, date_to)
    rows = (
        entries_visible(tenant=tenant, viewer=viewer)
        .filter(kind=TaskEntry.Kind.TIME, date__gte=date_from, date__lte=date_to)
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
    groups = list(Project.ValueGroup)
    month_totals = [sum(seconds.get((m, g.value), 0) for g in groups) for m in months]
    grand_total = sum(month_totals)
    table = []
    for group in groups:
        cells = [
            ValueGroupCell(seconds=value, share=share(value, total))
            for value, total in (
                (seconds.get((month, group.value), 0), month_total)
                for month, month_total in zip(months, month_totals, strict=True)
            )
        ]
        group_seconds = sum(cell.seconds for cell in cells)
        table.append(
            ValueGroupRow(
                group=group,
                cells=cells,
                seconds=group_seconds,
                share=share(group_seconds, grand_total),
            )
        )
    return ValueGroupReport(
        date_from=date_from,
        date_to=date_to,
        months=months,
        rows=table,
        month_totals=month_totals,
        grand_total=grand_total,
    )


def share(part: int, total: int) -> int:
    """Whole percent of ``total`` (exact ratio, half to even as the page always showed it);
    0 of nothing. Display only."""
    return round(Fraction(part * 100, total)) if total else 0
