"""The UI shows amounts as documents state them: 2 decimals in every currency (issue 9)."""

from __future__ import annotations

from decimal import Decimal

from django.utils import translation

from faktura.web.templatetags.web import money


def test_money_keeps_two_decimals_in_every_currency():
    with translation.override("en"):
        assert money(Decimal("5998.50"), "JPY") == "¥5,998.50"  # not ¥5,998
        assert money(Decimal("10.31"), "KWD") == "KWD10.31"  # CLDR: no space here
        assert money(Decimal("1279.25"), "EUR") == "€1,279.25"
    with translation.override("de"):
        assert money(Decimal("5998.50"), "JPY") == "5.998,50\xa0¥"
