"""The field types several apps' inputs share (`common.inputs`): one rule, the same answer
wherever the field appears."""

from __future__ import annotations

import datetime as dt

import pytest

from faktura.billing.inputs import ManualItemCreate
from faktura.common.errors import ValidationFailed
from faktura.common.inputs import MAX_YEAR, MIN_YEAR, parse
from faktura.contacts.inputs import ContactCreate
from faktura.tenancy.inputs import MembershipTermsSet, TenantUpdate
from faktura.work.inputs import EntryCreate, ProjectCreate

MANUAL_ITEM = {"contact_id": 1, "title": "Licence", "unit_price": "10"}

# (input, the data it needs besides the day, the day's field)
DAYS = [
    (EntryCreate, {"task_id": 1}, "date"),
    (ProjectCreate, {"name": "Rollout"}, "start_date"),
    (MembershipTermsSet, {}, "valid_from"),
    (ManualItemCreate, MANUAL_ITEM, "service_date"),
]


def _fields(input_type, data) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as exc:
        parse(input_type, data)
    return exc.value.fields


@pytest.mark.parametrize(("input_type", "data", "field"), DAYS)
@pytest.mark.parametrize("day", [dt.date(MIN_YEAR - 1, 12, 31), dt.date(MAX_YEAR + 1, 1, 1)])
def test_a_day_outside_the_years_is_refused_the_same_everywhere(input_type, data, field, day):
    fields = _fields(input_type, {**data, field: day.isoformat()})

    assert fields == {field: f"Must be between {MIN_YEAR} and {MAX_YEAR}."}


@pytest.mark.parametrize(("input_type", "data", "field"), DAYS)
@pytest.mark.parametrize("day", [dt.date(MIN_YEAR, 1, 1), dt.date(MAX_YEAR, 12, 31)])
def test_the_first_and_last_day_of_the_years_are_taken(input_type, data, field, day):
    assert getattr(parse(input_type, {**data, field: day.isoformat()}), field) == day


ROUNDING_INPUTS = [
    (TenantUpdate, {}),
    (ContactCreate, {"name": "Kunde GmbH"}),
    (ProjectCreate, {"name": "Rollout"}),
]


@pytest.mark.parametrize(("input_type", "data"), ROUNDING_INPUTS)
@pytest.mark.parametrize(
    ("rule", "field"),
    [
        ({"increment_minutes": 7}, "time_rounding.increment_minutes"),
        ({"direction": "sideways"}, "time_rounding.direction"),
        ({"minimum_minutes": -1}, "time_rounding.minimum_minutes"),
        ({"level": "week"}, "time_rounding.level"),
        ({"increment_minutes": "15"}, "time_rounding.increment_minutes"),
        ({"colour": "red"}, "time_rounding.colour"),
        ("15 minutes", "time_rounding"),
    ],
)
def test_a_bad_time_rounding_rule_names_its_setting(input_type, data, rule, field):
    assert set(_fields(input_type, {**data, "time_rounding": rule})) == {field}


@pytest.mark.parametrize(("input_type", "data"), ROUNDING_INPUTS)
def test_a_time_rounding_rule_takes_the_default_for_what_it_leaves_out(input_type, data):
    given = parse(input_type, {**data, "time_rounding": {"increment_minutes": 6}})

    assert given.time_rounding.model_dump() == {
        "increment_minutes": 6,
        "direction": "up",
        "minimum_minutes": 0,
        "level": "entry",
    }
