import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from faktura.core.numbering import (
    DEFAULT_CREDIT_NOTE_FORMAT,
    DEFAULT_INVOICE_FORMAT,
    GapReport,
    ParsedNumber,
    find_gaps,
    parse_number,
    period_key,
    render_number,
    validate_format,
)
from faktura.core.problems import codes


def test_defaults_are_valid_and_render():
    assert validate_format(DEFAULT_INVOICE_FORMAT, reset="yearly") == []
    assert validate_format(DEFAULT_CREDIT_NOTE_FORMAT, reset="yearly") == []
    assert render_number(DEFAULT_INVOICE_FORMAT, year=2025, month=3, seq=7) == "2025-0007"
    assert render_number(DEFAULT_CREDIT_NOTE_FORMAT, year=2025, month=3, seq=12) == "CN-2025-0012"


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("RE{YY}{MM}-{seq:05}", "RE2503-00042"),
        ("{seq}", "42"),
        ("{YYYY}/{MM}/{seq:01}", "2025/03/42"),
        ("INV-{seq:02}", "INV-42"),
    ],
)
def test_render_examples(fmt, expected):
    assert render_number(fmt, year=2025, month=3, seq=42) == expected


def test_counter_outgrowing_its_width_is_not_truncated():
    assert render_number("{seq:03}", year=2025, month=1, seq=12345) == "12345"


@pytest.mark.parametrize(
    ("fmt", "expected_codes"),
    [
        ("", ["format_empty"]),
        ("{YYYY}", ["seq_missing"]),
        ("{seq}-{seq:04}", ["seq_repeated"]),
        ("{YYYY}-{DD}-{seq}", ["unknown_token"]),
        ("{seq:4}", ["unknown_token"]),
        ("{seq:013}", ["seq_width"]),
        ("{seq:00}", ["seq_width"]),
        ("{YYYY-{seq}", ["unbalanced_braces"]),
        ("{seq}}", ["unbalanced_braces"]),
        ("{seq", ["unbalanced_braces", "seq_missing"]),
        ("A\n{seq}", ["invalid_character"]),
    ],
)
def test_validate_format_problems(fmt, expected_codes):
    problems = validate_format(fmt)
    assert codes(problems) == expected_codes
    assert all(p.path == "format" for p in problems)
    with pytest.raises(ValueError):
        render_number(fmt, year=2025, month=1, seq=1)


def test_a_resetting_counter_needs_the_period_in_the_format():
    assert codes(validate_format("{seq:04}", reset="yearly")) == ["period_token_missing"]
    assert codes(validate_format("{YYYY}-{seq}", reset="monthly")) == ["period_token_missing"]
    assert validate_format("{YY}{MM}{seq}", reset="monthly") == []
    assert validate_format("{seq:04}", reset="never") == []


def test_render_refuses_out_of_range_values():
    for kwargs in (
        {"year": 999, "month": 1, "seq": 1},
        {"year": 2025, "month": 13, "seq": 1},
        {"year": 2025, "month": 1, "seq": 0},
    ):
        with pytest.raises(ValueError):
            render_number(DEFAULT_INVOICE_FORMAT, **kwargs)


literal = st.text(alphabet="ABCXYZ-_/#.0123456789 ", min_size=0, max_size=4)
fixed_token = st.sampled_from(["{YYYY}", "{YY}", "{MM}"])
seq_token = st.sampled_from(["{seq}"] + [f"{{seq:0{n}}}" for n in range(1, 13)])


@st.composite
def formats(draw):
    pieces = draw(st.lists(st.one_of(literal, fixed_token), max_size=4))
    position = draw(st.integers(0, len(pieces)))
    pieces.insert(position, draw(seq_token))
    return "".join(pieces)


@given(formats(), st.integers(1000, 9999), st.integers(1, 12), st.integers(1, 10**9))
def test_render_parse_round_trip(fmt, year, month, seq):
    assert validate_format(fmt) == []
    number = render_number(fmt, year=year, month=month, seq=seq)
    parsed = parse_number(fmt, number)
    assert parsed is not None
    assert parsed.seq == seq
    assert parsed.year in (None, year)
    assert parsed.yy in (None, year % 100)
    assert parsed.month in (None, month)
    assert render_number(fmt, year=year, month=month, seq=parsed.seq) == number


@given(formats(), st.integers(1, 10**6), st.integers(1, 10**6))
def test_different_counters_give_different_numbers(fmt, a, b):
    assume(a != b)
    assert render_number(fmt, year=2025, month=5, seq=a) != render_number(
        fmt, year=2025, month=5, seq=b
    )


def test_parse_rejects_foreign_and_non_canonical_numbers():
    assert parse_number("{YYYY}-{seq:04}", "2025-0042") == ParsedNumber(seq=42, year=2025)
    assert parse_number("{YYYY}-{seq:04}", "2025-42") is None  # padding missing
    assert parse_number("{YYYY}-{seq}", "2025-042") is None  # leading zero
    assert parse_number("{YYYY}-{seq}", "2025-0") is None
    assert parse_number("{YYYY}-{seq}", "CN-2025-1") is None
    assert parse_number("{YYYY}{MM}{seq}", "2025131") is None  # month 13 cannot be read
    assert parse_number("{YYYY}-{YY}-{seq}", "2025-24-1") is None  # tokens disagree


def test_period_key():
    assert period_key(2025, 3, "never") == "all"
    assert period_key(2025, 3, "yearly") == "2025"
    assert period_key(2025, 3, "monthly") == "2025-03"
    with pytest.raises(ValueError):
        period_key(2025, 3, "weekly")  # type: ignore[arg-type]


def test_find_gaps_examples():
    assert find_gaps([]) == GapReport(first=None, last=None, count=0, missing=())
    report = find_gaps([5, 3, 1, 2, 6, 6])
    assert report == GapReport(first=1, last=6, count=6, missing=(4,), duplicates=(6,))
    assert not report.is_gapless
    assert find_gaps([3, 4], expected_first=1).missing == (1, 2)
    assert find_gaps([1, 2, 3]).is_gapless


@given(st.integers(1, 50), st.integers(0, 200), st.data())
def test_find_gaps_reports_exactly_what_was_removed(first, length, data):
    issued = list(range(first, first + length + 1))
    removed = data.draw(st.sets(st.sampled_from(issued[1:-1])) if length > 1 else st.just(set()))
    kept = [n for n in issued if n not in removed]
    shuffled = data.draw(st.permutations(kept))
    report = find_gaps(list(shuffled))
    assert report.first == first
    assert report.last == first + length
    assert report.count == len(kept)
    assert report.missing == tuple(sorted(removed))
    assert report.duplicates == ()
    assert report.is_gapless == (not removed)
