"""The typed inputs of the work use cases: their limits and rules, without the database."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest

from faktura.common.errors import ValidationFailed
from faktura.common.inputs import parse
from faktura.work.inputs import (
    MAX_BULK,
    MAX_TRANSPORT_MINUTES,
    EntryCreate,
    EntryIds,
    EntryReject,
    EntryStop,
    EntryUpdate,
    ProjectCreate,
    ProjectUpdate,
    TaskCreate,
    TaskUpdate,
    local_span,
)

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _fields(input_type, data) -> set[str]:
    with pytest.raises(ValidationFailed) as exc:
        parse(input_type, data)
    return set(exc.value.fields)


@pytest.mark.parametrize(
    ("given", "minutes"),
    [(1, 1), (90, 90), (1440, 1440), ("1:30", 90), ("1,5", 90), ("90m", 90), ("1h 30m", 90)],
)
def test_a_duration_is_whole_minutes_or_typed_text(given, minutes):
    assert parse(EntryCreate, {"task_id": 1, "duration": given}).duration == minutes


@pytest.mark.parametrize("given", [0, -5, 1441, True, "", "abc", "25:00", 1.5])
def test_a_duration_outside_one_minute_to_a_day_is_refused(given):
    assert _fields(EntryCreate, {"task_id": 1, "duration": given}) == {"duration"}


@pytest.mark.parametrize("end", ["started_at", "stopped_at"])
def test_a_duration_comes_without_clock_times(end):
    data = {"task_id": 1, "duration": "1:30", end: START}
    assert _fields(EntryCreate, data) == {"duration"}
    assert _fields(EntryUpdate, {"duration": 90, end: START}) == {"duration"}
    # clearing an end while giving a duration is what the edit form sends
    assert parse(EntryUpdate, {"duration": 90, end: None}).duration == 90


def test_times_need_their_zone_and_a_plausible_year():
    assert _fields(EntryCreate, {"task_id": 1, "started_at": "2026-03-02T09:00:00"}) == {
        "started_at"
    }
    assert _fields(EntryStop, {"stopped_at": "2026-03-02T09:00:00"}) == {"stopped_at"}
    assert _fields(EntryCreate, {"task_id": 1, "started_at": "2101-01-01T09:00:00Z"}) == {
        "started_at"
    }
    assert _fields(EntryCreate, {"task_id": 1, "date": "1969-12-31"}) == {"date"}
    given = parse(EntryCreate, {"task_id": 1, "started_at": "2026-03-02T10:00:00+01:00"})
    assert given.started_at == START and given.started_at.tzinfo == dt.UTC


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"transport_minutes": MAX_TRANSPORT_MINUTES + 1}, "transport_minutes"),
        ({"transport_minutes": -1}, "transport_minutes"),
        ({"distance_km": "1.234"}, "distance_km"),
        ({"distance_km": "100000000"}, "distance_km"),
        ({"quantity": "0"}, "quantity"),
        ({"quantity": "1.00001"}, "quantity"),
        ({"unit_price": "0.0000001"}, "unit_price"),
        ({"kind": "call"}, "kind"),
        ({"task_id": 0}, "task_id"),
    ],
)
def test_entry_limits(data, field):
    assert _fields(EntryCreate, {"task_id": 1, **data}) == {field}


def test_the_limits_hold_at_their_edge():
    data = {
        "task_id": 1,
        "kind": "mileage",
        "distance_km": "99999999.99",
        "transport_minutes": MAX_TRANSPORT_MINUTES,
    }
    given = parse(EntryCreate, data)
    assert (given.distance_km, given.transport_minutes) == (Decimal("99999999.99"), 10080)


def test_a_change_refuses_null_for_what_cannot_be_cleared():
    assert _fields(EntryUpdate, {"task_id": None}) == {"task_id"}
    assert _fields(EntryUpdate, {"kind": None}) == {"kind"}
    cleared = parse(EntryUpdate, {"date": None, "stopped_at": None, "product_id": None})
    assert cleared.model_fields_set == {"date", "stopped_at", "product_id"}


def test_bulk_ids_are_limited():
    assert parse(EntryIds, {"ids": list(range(1, MAX_BULK + 1))}).ids[-1] == MAX_BULK
    assert _fields(EntryIds, {"ids": list(range(1, MAX_BULK + 2))}) == {"ids"}
    assert _fields(EntryIds, {"ids": []}) == {"ids"}
    assert _fields(EntryIds, {}) == {"ids"}
    assert _fields(EntryIds, {"ids": [1, 0]}) == {"ids.1"}


def test_a_rejection_needs_a_reason_of_at_most_2000_characters():
    assert _fields(EntryReject, {"reason": "   "}) == {"reason"}
    assert _fields(EntryReject, {"reason": "x" * 2001}) == {"reason"}
    assert parse(EntryReject, {"reason": " Wrong task\r\nplease move "}).reason == (
        "Wrong task\nplease move"
    )


def test_project_inputs():
    given = parse(ProjectCreate, {"name": " Rollout ", "value_group": "b", "currency": "eur"})
    assert (given.name, given.value_group, given.currency) == ("Rollout", "B", "EUR")
    assert _fields(ProjectCreate, {"name": ""}) == {"name"}
    assert _fields(ProjectCreate, {"name": "P", "number": "x" * 31}) == {"number"}
    assert _fields(ProjectCreate, {"name": "P", "po_number": "x" * 61}) == {"po_number"}
    assert _fields(ProjectCreate, {"name": "P", "budget_warning_percent": 1001}) == {
        "budget_warning_percent"
    }
    assert _fields(ProjectCreate, {"name": "P", "fixed_price": "1.001"}) == {"fixed_price"}
    assert _fields(ProjectCreate, {"name": "P", "billing_trigger": "weekly"}) == {"billing_trigger"}
    assert _fields(ProjectUpdate, {"number": ""}) == {"number"}
    assert _fields(ProjectUpdate, {"name": None}) == {"name"}
    cleared = parse(ProjectUpdate, {"contact_id": None, "budget_warning_percent": None})
    assert cleared.model_fields_set == {"contact_id", "budget_warning_percent"}


def test_task_inputs():
    assert parse(TaskCreate, {"project_id": 1, "title": "T", "unit": " hur "}).unit == "HUR"
    assert _fields(TaskCreate, {"project_id": 1, "title": "x" * 301}) == {"title"}
    assert _fields(TaskCreate, {"project_id": 1, "title": "T", "unit": "ABCD"}) == {"unit"}
    assert _fields(TaskCreate, {"project_id": 1, "title": "T", "estimate_hours": "1.001"}) == {
        "estimate_hours"
    }
    assert _fields(TaskUpdate, {"project_id": None}) == {"project_id"}
    assert parse(TaskUpdate, {"unit": None, "client_id": None}).unit is None


def test_an_end_before_the_start_is_the_next_day():
    day = dt.date(2026, 3, 2)
    start, end = local_span(day, dt.time(22, 0), dt.time(1, 30), BERLIN)
    assert end - start == dt.timedelta(hours=3, minutes=30)
    assert end.date() == dt.date(2026, 3, 3)
    start, end = local_span(day, dt.time(9, 0), dt.time(9, 0), BERLIN)
    assert start == end
    assert local_span(day, None, dt.time(9, 0), BERLIN)[0] is None
