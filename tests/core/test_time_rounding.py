from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faktura.core.money import decimal_places
from faktura.core.time_rounding import (
    DEFAULT_POLICY,
    DIRECTIONS,
    INCREMENTS_MINUTES,
    PolicyError,
    RoundingPolicy,
    billable_hours,
    billable_seconds,
    format_correction,
    format_duration,
    format_hours,
    policy_problems,
    round_entries,
    round_group,
    step_hours,
    step_seconds,
    stepped_quantity,
    travel_hours,
    travel_minutes,
)

policies = st.builds(
    RoundingPolicy,
    increment_minutes=st.sampled_from(INCREMENTS_MINUTES),
    direction=st.sampled_from(DIRECTIONS),
    minimum_minutes=st.integers(0, 120),
    level=st.sampled_from(["entry", "task_day"]),
)
durations = st.integers(0, 48 * 3600)


def policy(increment=15, direction="up", minimum=0, level="entry") -> RoundingPolicy:
    return RoundingPolicy(increment, direction, minimum, level)


# --- the policy -----------------------------------------------------------------------------


def test_default_policy():
    assert DEFAULT_POLICY.to_dict() == {
        "increment_minutes": 15,
        "direction": "up",
        "minimum_minutes": 0,
        "level": "entry",
    }


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"increment_minutes": 7}, "increment_minutes"),
        ({"increment_minutes": "15"}, "increment_minutes"),
        ({"increment_minutes": True}, "increment_minutes"),
        ({"direction": "sideways"}, "direction"),
        ({"minimum_minutes": -1}, "minimum_minutes"),
        ({"minimum_minutes": 1.5}, "minimum_minutes"),
        ({"level": "month"}, "level"),
        ({"increment": 15}, "increment"),
    ],
)
def test_invalid_policy_names_the_field(data, field):
    with pytest.raises(PolicyError) as caught:
        RoundingPolicy.from_dict(data)
    assert caught.value.field == field
    assert field in str(caught.value)


def test_constructor_validates_too():
    with pytest.raises(PolicyError) as caught:
        RoundingPolicy(increment_minutes=20)
    assert caught.value.field == "increment_minutes"


def test_policy_problems_lists_every_bad_field():
    problems = policy_problems({"increment_minutes": 0, "direction": "x", "level": "entry"})
    assert [p.path for p in problems] == ["increment_minutes", "direction"]
    assert all(p.code == "invalid_rounding_policy" for p in problems)


def test_from_dict_overrides_only_given_fields():
    base = policy(6, "nearest", 30, "task_day")
    assert RoundingPolicy.from_dict({"direction": "down"}, base) == policy(
        6, "down", 30, "task_day"
    )
    assert RoundingPolicy.from_dict({}) == DEFAULT_POLICY


@given(policies)
def test_to_dict_from_dict_round_trip(p):
    assert RoundingPolicy.from_dict(p.to_dict()) == p


# --- rounding one duration ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "rule", "expected"),
    [
        (1, policy(15, "up"), 900),
        (900, policy(15, "up"), 900),
        (901, policy(15, "up"), 1800),
        (449, policy(15, "nearest"), 0),
        (450, policy(15, "nearest"), 900),  # half an increment rounds up
        (899, policy(15, "down"), 0),
        (899, policy(15, "down", 15), 900),  # the minimum lifts a nonzero duration
        (0, policy(15, "up", 30), 0),  # nothing logged, nothing billed
        (61, policy(1, "none"), 61),
        (61, policy(15, "none", 5), 300),
        (1000, policy(60, "up", 20), 3600),
    ],
)
def test_billable_seconds_examples(seconds, rule, expected):
    assert billable_seconds(seconds, rule) == expected


def test_billable_seconds_refuses_negative_and_non_int():
    with pytest.raises(ValueError):
        billable_seconds(-1, DEFAULT_POLICY)
    with pytest.raises(TypeError):
        billable_seconds(1.5, DEFAULT_POLICY)  # type: ignore[arg-type]


@given(durations, durations, policies)
def test_billable_seconds_is_monotone(a, b, p):
    low, high = sorted((a, b))
    assert billable_seconds(low, p) <= billable_seconds(high, p)


@given(durations, policies)
def test_billable_seconds_direction_properties(seconds, p):
    billed = billable_seconds(seconds, p)
    step = p.increment_minutes * 60
    minimum = p.minimum_minutes * 60
    if seconds == 0:
        assert billed == 0
        return
    assert billed >= minimum
    if billed > minimum:  # not lifted by the minimum: the direction alone decided
        if p.direction == "none":
            assert billed == seconds
        else:
            assert billed % step == 0
        if p.direction == "nearest":
            assert abs(billed - seconds) * 2 <= step
    if p.direction == "up":
        assert billed >= seconds
        assert billed - seconds < max(step, minimum)
    if p.direction == "down" and minimum == 0:
        assert billed <= seconds


def test_billable_hours_quantity():
    assert billable_hours(1, DEFAULT_POLICY) == Decimal("0.25")
    assert str(billable_hours(600, policy(10, "up"))) == "0.1667"  # 10 min is not exact in hours
    assert str(billable_hours(1, policy(1, "none"))) == "0.0003"
    assert billable_hours(0, DEFAULT_POLICY) == 0


@given(durations, st.sampled_from([6, 15, 30, 60]), st.sampled_from(["up", "nearest", "down"]))
def test_hours_are_exact_for_increments_that_divide_an_hour_decimally(seconds, increment, dirn):
    p = policy(increment, dirn)
    assert billable_hours(seconds, p) * 3600 == billable_seconds(seconds, p)


@given(durations, policies)
def test_billable_hours_have_at_most_four_decimals(seconds, p):
    hours = billable_hours(seconds, p)
    assert decimal_places(hours) <= 4
    assert abs(hours * 3600 - billable_seconds(seconds, p)) <= Decimal("0.18")  # 0.00005 h


# --- groups ---------------------------------------------------------------------------------


def test_task_day_rounds_the_group_once():
    entries = [("a", 300), ("b", 300), ("c", 300)]  # three 5-minute entries on one ticket
    per_entry = round_group(entries, policy(15, "up", level="entry"))
    per_day = round_group(entries, policy(15, "up", level="task_day"))
    assert [h for _, h in per_entry] == [Decimal("0.25")] * 3
    assert per_day == [("a", Decimal("0.0834")), ("b", Decimal("0.0833")), ("c", Decimal("0.0833"))]
    assert sum(h for _, h in per_day) == Decimal("0.25")


def test_task_day_minimum_applies_once_per_group():
    per_day = round_group([("a", 60), ("b", 0)], policy(15, "up", 30, "task_day"))
    assert per_day == [("a", Decimal("0.5000")), ("b", Decimal("0.0000"))]
    assert round_group([("a", 0)], policy(level="task_day")) == [("a", Decimal(0))]


@given(st.lists(durations, min_size=1, max_size=10), policies)
def test_task_day_group_sums_exactly(seconds_list, p):
    p = RoundingPolicy.from_dict({"level": "task_day"}, p)
    entries = list(enumerate(seconds_list))
    result = round_group(entries, p)
    assert [key for key, _ in result] == [key for key, _ in entries]
    assert sum(h for _, h in result) == billable_hours(sum(seconds_list), p)
    for (_, seconds), (_, hours) in zip(entries, result, strict=True):
        assert decimal_places(hours) <= 4
        assert hours >= 0
        if seconds == 0:
            assert hours == 0


def test_round_entries_groups_by_task_and_day():
    entries = [
        (1, ("T1", "2025-03-01"), 300),
        (2, ("T1", "2025-03-01"), 300),
        (3, ("T1", "2025-03-02"), 300),
        (4, ("T2", "2025-03-01"), 300),
    ]
    per_day = round_entries(entries, policy(15, "up", level="task_day"))
    assert per_day == {
        1: Decimal("0.1250"),
        2: Decimal("0.1250"),
        3: Decimal("0.25"),
        4: Decimal("0.25"),
    }
    per_entry = round_entries(entries, policy(15, "up", level="entry"))
    assert set(per_entry.values()) == {Decimal("0.25")}
    with pytest.raises(ValueError):
        round_entries([(1, "g", 60), (1, "h", 60)], DEFAULT_POLICY)


# --- steps and formatting -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "increment", "direction", "expected"),
    [
        ("10.7833", 15, "up", "11.0000"),  # 10:47 -> 11:00
        ("11.0000", 15, "up", "11.2500"),
        ("11.0000", 15, "down", "10.7500"),
        ("10.7833", 15, "down", "10.7500"),
        ("0.1000", 15, "down", "0.0000"),
        ("0.0000", 15, "down", "0.0000"),  # never below zero
        ("0.0000", 6, "up", "0.1000"),
    ],
)
def test_a_time_step_lands_on_the_increment_grid(quantity, increment, direction, expected):
    stepped = stepped_quantity(Decimal(quantity), policy(increment), direction, time=True)
    assert str(stepped) == expected


def test_other_quantities_step_by_one_and_never_below_zero():
    assert stepped_quantity(Decimal("2.5"), DEFAULT_POLICY, "up", time=False) == Decimal("3.5")
    assert stepped_quantity(Decimal("0.5"), DEFAULT_POLICY, "down", time=False) == 0
    with pytest.raises(ValueError, match="direction"):
        stepped_quantity(Decimal(1), DEFAULT_POLICY, "sideways", time=False)


def test_steps():
    assert step_hours(DEFAULT_POLICY) == Decimal("0.25")
    assert step_hours(policy(6)) == Decimal("0.1")
    assert str(step_hours(policy(10))) == "0.1667"
    assert step_seconds(policy(10, "none")) == 600


@pytest.mark.parametrize(
    ("seconds", "plain", "signed"),
    [
        (0, "0:00", "0:00"),
        (4500, "1:15", "+1:15"),
        (-1800, "-0:30", "-0:30"),
        (29, "0:00", "0:00"),
        (30, "0:01", "+0:01"),  # minutes half up
        (97_500, "27:05", "+27:05"),
    ],
)
def test_format_duration(seconds, plain, signed):
    assert format_duration(seconds) == plain
    assert format_correction(seconds) == signed


def test_format_hours():
    assert format_hours(Decimal("1.25")) == "1:15"
    assert format_hours(Decimal("-0.5"), signed=True) == "-0:30"
    assert format_hours(Decimal("0.1667")) == "0:10"


# --- travel time ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "billed", "hours"),
    [
        (0, 0, "0"),
        (1, 3, "0.05"),  # a nonzero travel time is at least one step
        (35, 36, "0.6"),
        (34, 33, "0.55"),
        (45, 45, "0.75"),
        (50, 51, "0.85"),
        (61, 60, "1"),
        (600, 600, "10"),
    ],
)
def test_travel_time_is_billed_on_a_three_minute_grid(minutes, billed, hours):
    assert travel_minutes(minutes) == billed
    assert travel_hours(minutes) == Decimal(hours)


@given(st.integers(min_value=0, max_value=100_000), st.decimals("0", "9999.99", places=2))
def test_travel_hours_times_a_price_is_exact_in_cents_and_minutes(minutes, price):
    hours = travel_hours(minutes)
    assert decimal_places(hours.normalize()) <= 2  # no four-decimal hours
    assert hours * 60 == travel_minutes(minutes)  # the H:MM shown is the quantity billed
    # the nearest step, one minute off at most; below one step the minimum of 3 minutes
    assert abs(travel_minutes(minutes) - minutes) <= 1 or travel_minutes(minutes) == 3
    assert decimal_places((hours * price).normalize()) <= 4


@pytest.mark.parametrize("bad", [-1, 1.5, True, "35"])
def test_travel_minutes_refuses_what_is_not_a_whole_nonnegative_number(bad):
    with pytest.raises((TypeError, ValueError)):
        travel_minutes(bad)
