"""Subscription periods, due dates and proration by days (pure, no Django).

Periods are calendar periods: a month, a calendar quarter (January, April, July, October) or a
calendar year. A subscription's first period starts on the first day of the period that holds
its start date; its last one ends with the period that holds its end date.

- **Service period** of a period: the calendar period cut to the subscription's start and end
  date (a start on the 20th serves from the 20th).
- **Due date**: billing in advance is due on the first day of its service period, billing in
  arrears on the last day. A due run up to a date bills every period due by then that was not
  billed yet (missed periods are caught up, oldest first).
- **Proration**: a service period shorter than its calendar period bills
  ``quantity x served days / days of the calendar period``, rounded ROUND_HALF_UP to the
  quantity's 4 decimals (`core.money`), so the printed quantity x unit price is the line
  amount. A whole period is never prorated (a 28-day February bills 1, not 28/31).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from faktura.core.money import QUANTITY_PLACES, quantize_fraction, quantize_quantity

INTERVAL_MONTHS: dict[str, int] = {"monthly": 1, "quarterly": 3, "yearly": 12}
ADVANCE = "advance"
ARREARS = "arrears"
MAX_PERIODS = 240  # at most this many periods in one call (20 years of months)


@dataclass(frozen=True, slots=True)
class Period:
    """One billing period of a subscription."""

    start: dt.date  # the calendar period
    end: dt.date
    service_start: dt.date  # the part the subscription serves
    service_end: dt.date
    due: dt.date

    @property
    def days(self) -> int:
        return (self.service_end - self.service_start).days + 1

    @property
    def full_days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def prorated(self) -> bool:
        return self.days != self.full_days


def _months(interval: str) -> int:
    try:
        return INTERVAL_MONTHS[interval]
    except KeyError:
        raise ValueError(f"unknown interval {interval!r}") from None


def _add_months(day: dt.date, months: int) -> dt.date:
    """The first of the month `months` after the month of `day`."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def period_start(day: dt.date, interval: str) -> dt.date:
    """The first day of the calendar period of `interval` that holds `day`."""
    months = _months(interval)
    month = (day.month - 1) // months * months + 1
    return dt.date(day.year, month, 1)


def period_end(start: dt.date, interval: str) -> dt.date:
    """The last day of the period that starts on `start`."""
    following = _add_months(start, _months(interval))
    return following - dt.timedelta(days=1)


def next_period_start(start: dt.date, interval: str) -> dt.date:
    return _add_months(period_start(start, interval), _months(interval))


def period_at(
    start: dt.date, *, interval: str, billing: str, start_date: dt.date, end_date: dt.date | None
) -> Period | None:
    """The period beginning on `start` (a period start), or None when the subscription does
    not serve any day of it."""
    end = period_end(start, interval)
    service_start = max(start, start_date)
    service_end = end if end_date is None else min(end, end_date)
    if service_start > service_end:
        return None
    due = service_start if billing == ADVANCE else service_end
    return Period(start, end, service_start, service_end, due)


def due_periods(
    *,
    interval: str,
    billing: str,
    start_date: dt.date,
    end_date: dt.date | None,
    billed_through: dt.date | None,
    until: dt.date,
    limit: int = MAX_PERIODS,
) -> list[Period]:
    """The periods due on or before `until` that start on or after `billed_through` (the
    first period start not billed yet; None = from the subscription's start), oldest first,
    at most `limit`."""
    if billing not in (ADVANCE, ARREARS):
        raise ValueError(f"unknown billing {billing!r}")
    first = period_start(start_date, interval)
    current = first if billed_through is None else max(first, billed_through)
    found: list[Period] = []
    while len(found) < limit:
        if end_date is not None and current > end_date:
            break
        period = period_at(
            current, interval=interval, billing=billing, start_date=start_date, end_date=end_date
        )
        if period is not None:
            if period.due > until:
                break
            found.append(period)
        current = next_period_start(current, interval)
    return found


def next_due(
    *,
    interval: str,
    billing: str,
    start_date: dt.date,
    end_date: dt.date | None,
    billed_through: dt.date | None,
) -> dt.date | None:
    """The due date of the first period not billed yet; None when every period is billed."""
    found = due_periods(
        interval=interval,
        billing=billing,
        start_date=start_date,
        end_date=end_date,
        billed_through=billed_through,
        until=dt.date.max,
        limit=1,
    )
    return found[0].due if found else None


def prorated_quantity(quantity: Decimal, period: Period) -> Decimal:
    """The quantity billed for `period`: the whole quantity for a whole period, else
    quantity x served days / calendar days, ROUND_HALF_UP to 4 decimals."""
    if not period.prorated:
        return quantize_quantity(quantity)
    exact = Fraction(quantize_quantity(quantity)) * period.days / period.full_days
    return quantize_fraction(exact, QUANTITY_PLACES)
