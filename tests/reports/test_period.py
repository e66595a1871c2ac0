"""The report period (reports.period): from/to or period, the company's time zone, clear
errors naming the field."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from faktura.reports.errors import PeriodInvalid, QueryInvalid
from faktura.reports.period import ReportQuery, parse_period, parse_query

TODAY = dt.date(2026, 5, 17)
BERLIN = "Europe/Berlin"


def _resolve(**params):
    return parse_query(ReportQuery, params).resolve(today=TODAY, time_zone=BERLIN)


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("2026-02", dt.date(2026, 2, 1), dt.date(2026, 2, 28)),
        ("2024-02", dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
        ("2026-Q1", dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
        ("2026-Q4", dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
        ("2025", dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
    ],
)
def test_period_written_as_month_quarter_or_year(text, first, last):
    assert parse_period(text) == (first, last)
    period = _resolve(period=text)
    assert (period.first, period.last) == (first, last)


def test_default_is_three_months_up_to_today():
    period = _resolve()
    assert (period.first, period.last) == (dt.date(2026, 3, 1), TODAY)
    assert [m.month for m in period.months] == [3, 4, 5]


def test_from_and_to_and_empty_values_count_as_absent():
    period = _resolve(**{"from": "2026-01-10", "to": "2026-01-20", "period": ""})
    assert (period.first, period.last, period.days) == (
        dt.date(2026, 1, 10),
        dt.date(2026, 1, 20),
        11,
    )


def test_bounds_are_midnights_in_the_company_time_zone():
    period = _resolve(period="2026-03")
    zone = zoneinfo.ZoneInfo(BERLIN)
    assert period.start == dt.datetime(2026, 3, 1, tzinfo=zone)
    assert period.end == dt.datetime(2026, 4, 1, tzinfo=zone)
    # Winter time at the start, summer time at the end (the change is on 29 March).
    assert period.start.utcoffset() == dt.timedelta(hours=1)
    assert period.end.utcoffset() == dt.timedelta(hours=2)


@pytest.mark.parametrize(
    ("params", "field", "error"),
    [
        ({"period": "2026-13"}, "period", PeriodInvalid),
        ({"period": "2026-Q5"}, "period", PeriodInvalid),
        ({"period": "26"}, "period", PeriodInvalid),
        ({"period": "1800"}, "period", PeriodInvalid),
        ({"period": "2026-01", "from": "2026-01-01"}, "period", PeriodInvalid),
        ({"from": "2026-02-01", "to": "2026-01-01"}, "to", PeriodInvalid),
        ({"from": "2020-01-01", "to": "2025-12-31"}, "to", PeriodInvalid),
        ({"from": "yesterday"}, "from", QueryInvalid),
        ({"to": "1800-01-01"}, "to", QueryInvalid),
        ({"format": "pdf"}, "format", QueryInvalid),
    ],
)
def test_bad_input_names_the_field(params, field, error):
    with pytest.raises(error) as exc:
        _resolve(**params)
    assert field in exc.value.fields
    assert exc.value.status == 400
