"""Cash discount (Skonto) rules: the discount amount, the period, the terms resolution and the
split over the VAT groups (issue 12)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faktura.core import cash_discount as cd
from faktura.core.money import exact_sum

D = Decimal


@pytest.mark.parametrize(
    ("gross", "percent", "discount", "pay"),
    [
        (D("1190.00"), D("2.00"), D("23.80"), D("1166.20")),
        (D("119.00"), D("2"), D("2.38"), D("116.62")),
        (D("0.25"), D("2.00"), D("0.01"), D("0.24")),  # 0.005 rounds half up
        (D("0.24"), D("2.00"), D("0.00"), D("0.24")),  # 0.0048 rounds down
        (D("1000.00"), D("2.50"), D("25.00"), D("975.00")),
        (D("333.33"), D("3.33"), D("11.10"), D("322.23")),  # 11.099889
        (D("0.00"), D("2.00"), D("0.00"), D("0.00")),
    ],
)
def test_discount_is_the_gross_times_percent_rounded_half_up(gross, percent, discount, pay):
    assert cd.discount_amount(gross, percent) == discount
    assert cd.discounted_amount(gross, percent) == pay


def test_discount_in_a_currency_without_decimals():
    assert cd.discount_amount(D("5999"), D("2.50"), places=0) == D("150")  # 149.975


def test_the_period_includes_its_last_day():
    issued = dt.date(2026, 12, 3)
    assert cd.last_day(issued, 10) == dt.date(2026, 12, 13)
    assert cd.within_period(issued, 10, dt.date(2026, 12, 13))
    assert not cd.within_period(issued, 10, dt.date(2026, 12, 14))


def test_terms_come_from_the_first_level_that_sets_them():
    company = (D("2.00"), 10)
    assert cd.resolve((None, None), (None, None), company) == cd.Terms(D("2.00"), 10)
    # the customer's percentage wins, the days still come from the company
    assert cd.resolve((None, None), (D("3.00"), None), company) == cd.Terms(D("3.00"), 10)
    # a percentage of 0 on the draft or the customer means no discount
    assert cd.resolve((D("0"), None), (D("3.00"), 14), company) is None
    assert cd.resolve((None, None), (D("0.00"), None), company) is None
    assert cd.resolve((None, None), (None, None), (None, None)) is None
    assert cd.resolve((D("2.00"), 0), (None, None), company) is None


def test_split_over_two_rates_keeps_net_and_vat_apart():
    groups = [
        cd.VatGroup("S", D("19"), D("1000.00"), D("190.00")),
        cd.VatGroup("S", D("7"), D("100.00"), D("7.00")),
    ]
    shares = cd.split(D("25.94"), groups)  # 2 % of 1297.00
    assert [(s.amount, s.net, s.vat) for s in shares] == [
        (D("23.80"), D("20.00"), D("3.80")),
        (D("2.14"), D("2.00"), D("0.14")),
    ]


def test_a_group_without_gross_takes_no_part():
    groups = [
        cd.VatGroup("S", D("19"), D("100.00"), D("19.00")),
        cd.VatGroup("E", D("0"), D("0.00"), D("0.00")),
    ]
    assert [s.amount for s in cd.split(D("2.38"), groups)] == [D("2.38"), D("0.00")]
    with pytest.raises(ValueError):
        cd.split(D("1.00"), [cd.VatGroup("E", D("0"), D("0.00"), D("0.00"))])


amounts = st.decimals(min_value=D("0.01"), max_value=D("100000"), places=2)
rates = st.sampled_from([D("0"), D("7"), D("19"), D("20"), D("5.5")])
percents = st.decimals(min_value=D("0.01"), max_value=D("99.99"), places=2)


@given(
    taxables=st.lists(st.tuples(amounts, rates), min_size=1, max_size=5),
    percent=percents,
)
def test_split_shares_sum_exactly_and_stay_within_a_cent_of_their_share(taxables, percent):
    groups = [
        cd.VatGroup("S" if rate else "Z", rate, taxable, (taxable * rate / 100).quantize(D("0.01")))
        for taxable, rate in taxables
    ]
    gross = exact_sum([exact_sum([g.taxable, g.vat]) for g in groups])
    discount = cd.discount_amount(gross, percent)
    shares = cd.split(discount, groups)
    assert exact_sum([D("0.00"), *(s.amount for s in shares)]) == discount
    for group, share in zip(groups, shares, strict=True):
        assert exact_sum([share.net, share.vat]) == share.amount
        exact = Fraction(discount) * Fraction(group.taxable + group.vat) / Fraction(gross)
        assert abs(Fraction(share.amount) - exact) < Fraction(1, 100)
        if group.vat == 0:
            assert share.vat == 0


@given(gross=amounts, percent=percents)
def test_discounted_amount_plus_discount_is_the_gross(gross, percent):
    discount = cd.discount_amount(gross, percent)
    assert 0 <= discount <= gross
    assert exact_sum([cd.discounted_amount(gross, percent), discount]) == gross
    assert abs(Fraction(discount) - Fraction(gross) * Fraction(percent) / 100) <= Fraction(1, 200)
