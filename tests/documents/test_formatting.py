"""Display formatting: the fast formatters agree with Babel and never round."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from babel.dates import format_date as babel_date
from babel.numbers import format_currency, format_decimal
from hypothesis import given
from hypothesis import strategies as st

from faktura.documents.rendering.formatting import (
    format_date,
    format_iban,
    format_rate,
    language_of,
    number_style,
    unit_name,
)

LOCALES = {"de": "de_DE", "en": "en"}


def _amounts(places: int):
    return st.decimals(
        min_value=Decimal("-99999999"),
        max_value=Decimal("99999999"),
        places=places,
        allow_nan=False,
        allow_infinity=False,
    )


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("currency", ["EUR", "USD", "GBP"])
@given(value=_amounts(2))
def test_money_matches_babel(language, currency, value):
    expected = format_currency(value, currency, locale=LOCALES[language])
    assert number_style(language, currency).money(value) == expected


@pytest.mark.parametrize("language", ["de", "en"])
@given(value=_amounts(6))
def test_unit_prices_keep_every_significant_decimal(language, value):
    value = value.normalize() if value else Decimal("0")
    expected = format_currency(value, "EUR", locale=LOCALES[language], decimal_quantization=False)
    assert number_style(language, "EUR").money(value) == expected


@pytest.mark.parametrize("language", ["de", "en"])
@given(value=_amounts(4))
def test_quantities_match_babel_without_trailing_zeros(language, value):
    expected = format_decimal(
        value.normalize(), locale=LOCALES[language], decimal_quantization=False
    )
    if value.is_zero():
        expected = "0"
    assert number_style(language).number(value) == expected


def test_amounts_have_two_decimals_in_every_currency():
    """Issue 9: invoice amounts have 2 decimals whatever the ISO minor unit (JPY 0, KWD 3), so
    the PDF prints what the e-invoice carries."""
    assert number_style("de", "JPY").money(Decimal("5998.5")) == "5.998,50\u00a0¥"
    assert number_style("en", "JPY").money(Decimal("5999")) == "¥5,999.00"
    assert number_style("de", "KWD").money(Decimal("10.31")) == "10,31\u00a0KWD"


def test_examples_from_the_issue():
    assert number_style("de", "EUR").money(Decimal("1234.50")) == "1.234,50\u00a0€"
    assert number_style("en", "EUR").money(Decimal("1234.50")) == "€1,234.50"
    assert format_date(date(2026, 11, 22), "de") == "22.11.2026"
    assert format_date(date(2026, 11, 22), "en") == "Nov 22, 2026"


def test_nothing_is_rounded_and_no_negative_zero():
    de = number_style("de", "EUR")
    assert de.money(Decimal("0.043875")) == "0,043875\u00a0€"
    assert de.money(Decimal("95.000000")) == "95,00\u00a0€"
    assert de.number(Decimal("2.5000")) == "2,5"
    assert de.number(Decimal("1000")) == "1.000"
    assert de.money(Decimal("-0.00")) == "0,00\u00a0€"


def test_letter_currency_symbols_get_a_space():
    # CLDR currency spacing, which Babel itself leaves out: "CHF 1,234.50", not "CHF1,234.50".
    assert number_style("en", "CHF").money(Decimal("1234.5")) == "CHF\u00a01,234.50"
    assert number_style("de", "CHF").money(Decimal("-1234.5")) == "-1.234,50\u00a0CHF"


@pytest.mark.parametrize("language", ["de", "en"])
def test_dates_match_babel_medium(language):
    for day in (date(2026, 1, 1), date(2026, 12, 31), date(2027, 2, 28)):
        assert format_date(day, language) == babel_date(day, "medium", locale=LOCALES[language])


def test_rates_iban_units_and_languages():
    assert format_rate(Decimal("19.00"), "de") == "19\u00a0%"
    assert format_rate(Decimal("7.5"), "en") == "7.5%"
    assert format_iban("de02200505501015871393") == "DE02 2005 0550 1015 8713 93"
    assert unit_name("HUR", "de") == "Std." and unit_name("HUR", "en") == "h"
    assert unit_name("LS", "de") == "pauschal" and unit_name("LS", "en") == "lump\u00a0sum"
    assert unit_name("C62", "en") == "pcs" and unit_name("MON", "de") == "Monat"
    assert unit_name("XYZ", "de") == "XYZ"


@pytest.mark.parametrize(
    ("code", "quantity", "en", "de"),
    [
        ("DAY", "1", "day", "Tag"),
        ("DAY", "3", "days", "Tage"),
        ("DAY", "0.5", "days", "Tage"),
        ("DAY", "-3", "days", "Tage"),  # a credit note's ledger sign
        ("MON", "12", "months", "Monate"),
        ("WEE", "2", "weeks", "Wochen"),
        ("ANN", "1", "year", "Jahr"),
        ("E48", "4", "units", "Einheiten"),
        ("C62", "1", "pc", "Stk."),
        ("C62", "5", "pcs", "Stk."),
        ("HUR", "3", "h", "Std."),
        ("KMT", "37", "km", "km"),
        ("LS", "1", "lump\u00a0sum", "pauschal"),
        ("XYZ", "2", "XYZ", "XYZ"),
    ],
)
def test_unit_names_follow_the_quantity(code, quantity, en, de):
    assert unit_name(code, "en", Decimal(quantity)) == en
    assert unit_name(code, "de", Decimal(quantity)) == de
    assert language_of("de-AT") == "de" and language_of("fr") == "de" and language_of("EN") == "en"
