"""The period and format of a report (DESIGN.md section 6.2): one typed input for the API and
the pages.

A report covers ``from``..``to`` (both included) or a ``period`` written ``YYYY-MM``,
``YYYY-Qn`` or ``YYYY``; without either it covers the three calendar months up to today (the
company's date). Days are the company's days: `Period.start`/`Period.end` are the aware
bounds in its time zone, for what is stored as an instant (issue dates are days, payments
instants).
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, TypeVar

from django.utils.translation import gettext
from pydantic import ConfigDict, Field, ValidationError

from faktura.common.inputs import Input, input_error_message
from faktura.reports.errors import PeriodInvalid, QueryInvalid

# The calendar a report can cover.
FIRST_YEAR = 1900
LAST_YEAR = 2100
FIRST_DAY = dt.date(FIRST_YEAR, 1, 1)
LAST_DAY = dt.date(LAST_YEAR, 12, 31)
# A report covers at most this many calendar months (a longer period answers 400).
MAX_MONTHS = 60

_PERIOD = re.compile(r"^(\d{4})(?:-(?:(\d{2})|Q([1-4])))?$")

Format = Literal["json", "csv", "xlsx"]


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` after (or before) ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_starts(first: dt.date, last: dt.date) -> list[dt.date]:
    """The first days of the months from ``first``'s month to ``last``'s, oldest first."""
    months = [first.replace(day=1)]
    while months[-1] < last.replace(day=1):
        months.append(add_months(months[-1], 1))
    return months


def parse_period(text: str) -> tuple[dt.date, dt.date]:
    """``YYYY-MM``, ``YYYY-Qn`` or ``YYYY`` as its first and last day; `PeriodInvalid` naming
    ``period`` otherwise."""
    match = _PERIOD.match(text.strip())
    if match is None:
        raise PeriodInvalid.field(
            "period", gettext("Write a month (2026-03), a quarter (2026-Q1) or a year (2026).")
        )
    year = int(match[1])
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise PeriodInvalid.field(
            "period",
            gettext("The year lies between %(first)s and %(last)s.")
            % {"first": FIRST_YEAR, "last": LAST_YEAR},
        )
    if match[2]:
        month = int(match[2])
        if not 1 <= month <= 12:
            raise PeriodInvalid.field(
                "period", gettext("There is no month %(month)s.") % {"month": month}
            )
        first = dt.date(year, month, 1)
        months = 1
    elif match[3]:
        first = dt.date(year, (int(match[3]) - 1) * 3 + 1, 1)
        months = 3
    else:
        first = dt.date(year, 1, 1)
        months = 12
    return first, add_months(first, months) - dt.timedelta(days=1)


@dataclass(frozen=True)
class Period:
    """A report's days ``first``..``last`` (both included) and the same as aware instants in
    the company's time zone: ``start`` (included) .. ``end`` (excluded, midnight after
    ``last``)."""

    first: dt.date
    last: dt.date
    start: dt.datetime
    end: dt.datetime

    @property
    def months(self) -> list[dt.date]:
        return month_starts(self.first, self.last)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def make_period(first: dt.date, last: dt.date, time_zone: str) -> Period:
    """The period ``first``..``last``; `PeriodInvalid` naming ``to`` when it ends before it
    starts or spans more than `MAX_MONTHS` months."""
    if last < first:
        raise PeriodInvalid.field("to", gettext("The end of the period is before its start."))
    if (last.year - first.year) * 12 + last.month - first.month >= MAX_MONTHS:
        raise PeriodInvalid.field(
            "to", gettext("A report covers at most %(months)s months.") % {"months": MAX_MONTHS}
        )
    zone = zoneinfo.ZoneInfo(time_zone)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return Period(first=first, last=last, start=start, end=end)


class ReportQuery(Input):
    """What every report takes: ``from``/``to`` or ``period``, and ``format``. A report with
    more filters (``group_by``) subclasses it."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    date_from: dt.date | None = Field(
        None, alias="from", ge=FIRST_DAY, le=LAST_DAY, description="first day (included)"
    )
    date_to: dt.date | None = Field(
        None, alias="to", ge=FIRST_DAY, le=LAST_DAY, description="last day (included)"
    )
    period: str | None = Field(
        None, max_length=7, description="YYYY-MM, YYYY-Qn or YYYY instead of from/to"
    )
    format: Format = "json"

    # The query parameters a page keeps in its address besides these (e.g. group_by).
    extra_params: ClassVar[tuple[str, ...]] = ()

    def resolve(self, *, today: dt.date, time_zone: str) -> Period:
        """The period asked for: ``period``; else ``from``..``to`` where ``to`` defaults to
        ``today`` and ``from`` to the first day of the month two months before ``to`` (three
        calendar months, what the reports page always showed)."""
        if self.period:
            if self.date_from or self.date_to:
                raise PeriodInvalid.field(
                    "period", gettext("Give either a period or from and to, not both.")
                )
            first, last = parse_period(self.period)
        else:
            last = self.date_to or today
            first = self.date_from or add_months(last, -2)
        return make_period(first, last, time_zone)


Q = TypeVar("Q", bound=ReportQuery)


def parse_query(query_type: type[Q], params: Mapping[str, Any]) -> Q:
    """The query parameters (``request.GET``) as the report's typed query; empty values count
    as absent (a filter form sends them). `QueryInvalid` naming the first bad field, with all
    bad fields in ``fields`` (the API's 400, the page's form errors)."""
    data = {key: params.get(key) for key in params if params.get(key) not in (None, "")}
    try:
        return query_type.model_validate(data)
    except ValidationError as exc:
        fields: dict[str, str] = {}
        for err in exc.errors():
            name = ".".join(str(p) for p in err["loc"]) or "query"
            fields.setdefault(name, input_error_message(err))
        name, message = next(iter(fields.items()))
        raise QueryInvalid(f"{name}: {message}", fields=fields) from None
