import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faktura.core.money import (
    AMOUNT_PLACES,
    CURRENCIES,
    EU_CURRENCIES,
    QUANTITY_PLACES,
    ROUNDING,
    UNIT_PRICE_PLACES,
    allocate,
    amount_places,
    decimal_places,
    exact_sum,
    is_currency,
    minor_units,
    quantize_amount,
    quantize_quantity,
    quantize_ratio,
    quantize_unit_price,
    to_decimal,
)


def half_up(value: Fraction, places: int) -> Decimal:
    """Independent reference: round the magnitude half up, keep the sign."""
    units = math.floor(abs(value) * 10**places + Fraction(1, 2))
    return Decimal(units if value >= 0 else -units).scaleb(-places)


amounts = st.decimals(min_value=-(10**9), max_value=10**9, places=6)
cents = st.decimals(min_value=-(10**7), max_value=10**7, places=2)


def test_constants_follow_the_design():
    assert ROUNDING == "ROUND_HALF_UP"
    assert (AMOUNT_PLACES, UNIT_PRICE_PLACES, QUANTITY_PLACES) == (2, 6, 4)


# --- to_decimal -----------------------------------------------------------------------------


@pytest.mark.parametrize("value", [0.1, 1.0, float("nan")])
def test_to_decimal_refuses_float(value):
    with pytest.raises(TypeError):
        to_decimal(value)


def test_to_decimal_refuses_bool_and_other_types():
    with pytest.raises(TypeError):
        to_decimal(True)
    with pytest.raises(TypeError):
        to_decimal(None)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-inf", "abc", "", "1,5"])
def test_to_decimal_refuses_non_finite_and_garbage(value):
    with pytest.raises(ValueError):
        to_decimal(value)


def test_to_decimal_accepts_decimal_int_and_str_exactly():
    assert to_decimal(Decimal("1.10")) == Decimal("1.10")
    assert to_decimal(7) == Decimal(7)
    assert str(to_decimal(" 1234.50 ")) == "1234.50"


# --- quantisation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.005", "0.01"),
        ("-0.005", "-0.01"),
        ("2.675", "2.68"),  # the float 2.675 is 2.67499999..., round() gives 2.67
        ("0.0049999", "0.00"),
        ("-0.004", "0.00"),  # no negative zero
        ("10", "10.00"),
    ],
)
def test_quantize_amount_is_half_up(value, expected):
    assert str(quantize_amount(Decimal(value))) == expected


def test_quantize_unit_price_and_quantity_places():
    assert str(quantize_unit_price(Decimal("0.00012345"))) == "0.000123"
    assert str(quantize_unit_price(Decimal("0.0000125"))) == "0.000013"
    assert str(quantize_quantity(Decimal("1.00005"))) == "1.0001"
    assert str(quantize_quantity(Decimal("-1.00005"))) == "-1.0001"


@given(amounts)
def test_quantize_amount_matches_exact_reference_and_is_symmetric(value):
    assert quantize_amount(value) == half_up(Fraction(value), 2)
    assert quantize_amount(-value) == -quantize_amount(value)
    assert not str(quantize_amount(value)).startswith("-0.00")


@given(st.integers(-(10**12), 10**12), st.integers(1, 10**6), st.integers(0, 6))
def test_quantize_ratio_matches_exact_reference(numerator, denominator, places):
    result = quantize_ratio(numerator, denominator, places)
    assert result == half_up(Fraction(numerator, denominator), places)
    assert decimal_places(result) <= places


def test_quantize_ratio_rounds_a_repeating_decimal_once():
    # 1/3600 h per second: 0.000277... -> 0.0003 (half up at 4 places, no double rounding)
    assert str(quantize_ratio(1, 3600, 4)) == "0.0003"
    assert str(quantize_ratio(18, 3600, 4)) == "0.0050"
    assert str(quantize_ratio(-1, 8, 2)) == "-0.13"


def test_float_summation_is_wrong_where_decimal_is_exact():
    # 1000 invoice lines of 0.10 EUR and 1000 of 0.20 EUR: exactly 300.00.
    float_total = sum([0.1] * 1000) + sum([0.2] * 1000)
    decimal_total = exact_sum([Decimal("0.10")] * 1000 + [Decimal("0.20")] * 1000)
    assert float_total != 300.0
    assert decimal_total == Decimal("300.00")
    assert 0.1 + 0.2 != 0.3
    assert Decimal("0.1") + Decimal("0.2") == Decimal("0.3")


# --- currencies -----------------------------------------------------------------------------


def test_currency_table_covers_eu_and_common_currencies():
    for code in EU_CURRENCIES | {"CHF", "GBP", "USD", "JPY", "NOK", "ISK", "CAD", "AUD"}:
        assert is_currency(code), code
    assert minor_units("EUR") == 2
    assert minor_units("JPY") == 0
    assert minor_units("KWD") == 3
    assert minor_units("CLF") == 4
    assert len(CURRENCIES) > 150
    assert all(len(code) == 3 and code.isupper() for code in CURRENCIES)


def test_withdrawn_metal_and_malformed_codes_are_not_currencies():
    for code in ("HRK", "DEM", "XAU", "XBA", "XDR", "CNH", "eur", "EURO", ""):
        assert not is_currency(code), code
    with pytest.raises(ValueError):
        minor_units("DEM")


def test_amount_places_caps_at_two_decimals():
    assert amount_places("EUR") == 2
    # issue 9, finding 4: EN 16931 amounts have 2 decimals whatever the ISO minor unit
    assert amount_places("JPY") == 2
    assert amount_places("KWD") == 2
    assert amount_places("BHD") == 2


# --- allocate -------------------------------------------------------------------------------


def test_allocate_examples():
    assert allocate(Decimal("100.00"), [Decimal(1)] * 3) == [
        Decimal("33.34"),
        Decimal("33.33"),
        Decimal("33.33"),
    ]
    assert allocate(Decimal("-0.05"), [Decimal(0), Decimal(1), Decimal(1)]) == [
        Decimal("0.00"),
        Decimal("-0.03"),
        Decimal("-0.02"),
    ]
    assert allocate(Decimal("0.25"), [Decimal(300)] * 3, places=4) == [
        Decimal("0.0834"),
        Decimal("0.0833"),
        Decimal("0.0833"),
    ]


def test_allocate_refuses_bad_input():
    with pytest.raises(ValueError):
        allocate(Decimal("1.00"), [Decimal(0), Decimal(0)])
    with pytest.raises(ValueError):
        allocate(Decimal("1.00"), [])
    with pytest.raises(ValueError):
        allocate(Decimal("1.00"), [Decimal(1), Decimal(-1)])
    with pytest.raises(ValueError):
        allocate(Decimal("1.005"), [Decimal(1)])  # allocation never rounds the total
    with pytest.raises(TypeError):
        allocate(Decimal("1.00"), [0.5, 0.5])  # type: ignore[list-item]


weights_st = st.lists(
    st.decimals(min_value=0, max_value=10**6, places=3), min_size=1, max_size=12
).filter(lambda ws: any(w > 0 for w in ws))


@given(cents, weights_st)
def test_allocate_sums_exactly_and_each_part_is_within_one_unit(amount, weights):
    parts = allocate(amount, weights)
    assert sum(parts) == amount
    total_weight = sum(Fraction(w) for w in weights)
    unit = Fraction(1, 100)
    for part, weight in zip(parts, weights, strict=True):
        exact_share = Fraction(amount) * Fraction(weight) / total_weight
        assert abs(Fraction(part) - exact_share) < unit
        assert decimal_places(part) <= 2
        if weight == 0:
            assert part == 0


@given(cents, weights_st)
def test_allocate_negative_amount_mirrors_positive(amount, weights):
    assert allocate(-amount, weights) == [-part for part in allocate(amount, weights)]
