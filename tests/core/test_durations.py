import pytest
from hypothesis import given
from hypothesis import strategies as st

from faktura.core.durations import (
    MAX_MINUTES,
    DurationError,
    format_minutes,
    parse_duration_minutes,
)

minutes = st.integers(min_value=1, max_value=MAX_MINUTES)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1:30", 90),
        ("0:45", 45),
        ("10:05", 605),
        ("1,5", 90),
        ("1.5", 90),
        ("1,25", 75),
        ("2", 120),
        ("90m", 90),
        ("90 min", 90),
        ("1h 30m", 90),
        ("1H30M", 90),
        ("1h30", 90),
        ("2 h", 120),
        ("  1h  ", 60),
        ("24:00", MAX_MINUTES),
    ],
)
def test_typed_durations(text, expected):
    assert parse_duration_minutes(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", " ", "abc", "1:60", "1:5", "1h 90m", "h", "m", "1,333", "0", "0:00", "0m", "24:01",
     "25h", "1441m", "-1:30", "1:30:00", "1,5h30", "1 30"],
)  # fmt: skip
def test_not_durations(text):
    with pytest.raises(DurationError):
        parse_duration_minutes(text)


@given(minutes)
def test_h_mm_reads_back(value):
    assert parse_duration_minutes(format_minutes(value)) == value


@given(st.integers(min_value=0, max_value=23), st.integers(min_value=0, max_value=59))
def test_every_spelling_means_the_same(hours, mins):
    total = hours * 60 + mins
    spellings = [f"{hours}:{mins:02d}", f"{hours}h {mins}m", f"{hours}h{mins}", f"{total}m"]
    if total == 0:
        for text in spellings:
            with pytest.raises(DurationError):
                parse_duration_minutes(text)
    else:
        assert {parse_duration_minutes(text) for text in spellings} == {total}


@given(st.integers(min_value=0, max_value=24), st.sampled_from([0, 25, 5, 75]), st.booleans())
def test_decimal_hours_with_comma_or_point(hours, hundredths, comma):
    text = f"{hours}{',' if comma else '.'}{hundredths:02d}"
    total = hours * 60 + hundredths * 60 // 100
    if 0 < total <= MAX_MINUTES:
        assert parse_duration_minutes(text) == total
    else:
        with pytest.raises(DurationError):
            parse_duration_minutes(text)


@given(st.text(max_size=12))
def test_any_text_is_a_duration_in_range_or_refused(text):
    try:
        value = parse_duration_minutes(text)
    except DurationError:
        return
    assert 1 <= value <= MAX_MINUTES
