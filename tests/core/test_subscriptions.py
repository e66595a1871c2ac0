"""Subscription periods, due dates, catch-up and proration by days (issue 13)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faktura.core import subscriptions as subs

D = Decimal
days = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2060, 12, 31))
intervals = st.sampled_from(["monthly", "quarterly", "yearly"])
billings = st.sampled_from(["advance", "arrears"])


@pytest.mark.parametrize(
    ("day", "interval", "start", "end"),
    [
        (dt.date(2026, 2, 14), "monthly", dt.date(2026, 2, 1), dt.date(2026, 2, 28)),
        (dt.date(2028, 2, 29), "monthly", dt.date(2028, 2, 1), dt.date(2028, 2, 29)),
        (dt.date(2026, 5, 31), "quarterly", dt.date(2026, 4, 1), dt.date(2026, 6, 30)),
        (dt.date(2026, 12, 31), "quarterly", dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
        (dt.date(2026, 7, 4), "yearly", dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
    ],
)
def test_calendar_periods(day, interval, start, end):
    assert subs.period_start(day, interval) == start
    assert subs.period_end(start, interval) == end


def test_start_on_the_20th_is_prorated_by_days():
    # given a monthly subscription of 1 from 20 November (30 days: 11 served)
    periods = subs.due_periods(
        interval="monthly", billing="advance", start_date=dt.date(2026, 11, 20), end_date=None,
        billed_through=None, until=dt.date(2026, 12, 31),
    )  # fmt: skip
    first, second = periods
    assert (first.service_start, first.service_end, first.due) == (
        dt.date(2026, 11, 20), dt.date(2026, 11, 30), dt.date(2026, 11, 20),
    )  # fmt: skip
    assert subs.prorated_quantity(D("1"), first) == D("0.3667")  # 11/30 half up
    assert subs.prorated_quantity(D("1"), second) == D("1.0000")
    assert not second.prorated


def test_end_in_the_middle_is_prorated_and_nothing_after():
    periods = subs.due_periods(
        interval="quarterly", billing="arrears", start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 5, 15), billed_through=None, until=dt.date(2027, 1, 1),
    )  # fmt: skip
    assert [(p.service_start, p.service_end) for p in periods] == [
        (dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
        (dt.date(2026, 4, 1), dt.date(2026, 5, 15)),
    ]
    assert periods[1].due == dt.date(2026, 5, 15)
    assert subs.prorated_quantity(D("2"), periods[1]) == D("0.9890")  # 2 x 45/91


def test_arrears_waits_for_the_end_of_the_period():
    kwargs = dict(interval="monthly", billing="arrears", start_date=dt.date(2026, 3, 1),
                  end_date=None, billed_through=None)  # fmt: skip
    assert subs.due_periods(until=dt.date(2026, 3, 30), **kwargs) == []
    assert len(subs.due_periods(until=dt.date(2026, 3, 31), **kwargs)) == 1


def test_yearly_bills_once_a_year():
    periods = subs.due_periods(
        interval="yearly", billing="advance", start_date=dt.date(2026, 1, 1), end_date=None,
        billed_through=None, until=dt.date(2027, 6, 30),
    )  # fmt: skip
    assert [p.start for p in periods] == [dt.date(2026, 1, 1), dt.date(2027, 1, 1)]


@given(start=days, interval=intervals, billing=billings, until=days,
       length=st.none() | st.integers(min_value=0, max_value=2000))  # fmt: skip
def test_periods_tile_the_subscription_without_gaps_or_overlaps(
    start, interval, billing, until, length
):
    end = None if length is None else start + dt.timedelta(days=length)
    periods = subs.due_periods(
        interval=interval, billing=billing, start_date=start, end_date=end, billed_through=None,
        until=until, limit=10_000,
    )  # fmt: skip
    for period in periods:
        assert period.due <= until
        assert start <= period.service_start <= period.service_end
        assert end is None or period.service_end <= end
        assert period.start <= period.service_start and period.service_end <= period.end
    for before, after in itertools.pairwise(periods):
        assert after.service_start == before.service_end + dt.timedelta(days=1)
    if periods:
        assert periods[0].service_start == start


@given(start=days, interval=intervals, billing=billings, until=days, cut=days)
def test_catch_up_in_two_runs_equals_one_run(start, interval, billing, until, cut):
    # given a run up to `cut` and a later one up to `until` (billed_through after the first)
    kwargs = dict(interval=interval, billing=billing, start_date=start, end_date=None)
    everything = subs.due_periods(billed_through=None, until=until, limit=10_000, **kwargs)
    first = subs.due_periods(billed_through=None, until=min(cut, until), limit=10_000, **kwargs)
    through = subs.next_period_start(first[-1].start, interval) if first else None
    rest = subs.due_periods(billed_through=through, until=until, limit=10_000, **kwargs)
    assert first + rest == everything


@given(start=days, interval=intervals, quantity=st.decimals(
    min_value=0, max_value=10_000, places=4, allow_nan=False, allow_infinity=False))  # fmt: skip
def test_prorated_quantity_is_between_zero_and_the_whole(start, interval, quantity):
    period = subs.due_periods(
        interval=interval, billing="advance", start_date=start, end_date=None,
        billed_through=None, until=start,
    )[0]  # fmt: skip
    billed = subs.prorated_quantity(quantity, period)
    assert D(0) <= billed <= quantity
    assert billed == billed.quantize(D("0.0001"))
    if not period.prorated:
        assert billed == quantity


def test_unknown_interval_is_refused():
    with pytest.raises(ValueError, match="interval"):
        subs.period_start(dt.date(2026, 1, 1), "weekly")
