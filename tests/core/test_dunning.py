import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from faktura.core import dunning
from faktura.core.dunning import DEFAULT_LEVELS, default_interest, next_level, reminder_fee

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000000"), places=2)
days = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 12, 31))


def test_interest_of_a_business_customer_in_one_base_rate_period():
    # 1000.00 for 30 days in the first half of 2024: (3.62 + 9) % a year, actual/365
    interest = default_interest(
        Decimal("1000.00"),
        start=dt.date(2024, 3, 1),
        end=dt.date(2024, 3, 30),
        customer_kind=dunning.BUSINESS,
    )
    assert interest == Decimal("10.37")  # 1000 * 0.1262 * 30 / 365 = 10.3726...


def test_interest_of_a_consumer_across_a_base_rate_change():
    # 10 days at 3.62 + 5 and 10 days at 3.37 + 5
    interest = default_interest(
        Decimal("3650.00"),
        start=dt.date(2024, 6, 21),
        end=dt.date(2024, 7, 10),
        customer_kind=dunning.CONSUMER,
    )
    assert interest == Decimal("8.62") + Decimal("8.37")


def test_a_company_rate_replaces_the_seeded_one():
    table = dunning.merge_base_rates(dunning.BASE_RATES, [(dt.date(2026, 1, 1), Decimal("2.00"))])
    interest = default_interest(
        Decimal("365.00"),
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 1, 10),
        customer_kind=dunning.BUSINESS,
        base_rates=table,
    )
    assert interest == Decimal("1.10")  # 365 * 11 % * 10 / 365


@given(amounts, days, st.integers(0, 800), st.sampled_from([dunning.BUSINESS, dunning.CONSUMER]))
def test_interest_is_a_non_negative_amount_in_cents(amount, start, length, kind):
    end = start + dt.timedelta(days=length)
    interest = default_interest(amount, start=start, end=end, customer_kind=kind)
    assert isinstance(interest, Decimal)
    assert interest >= 0
    assert interest.as_tuple().exponent == -2


@given(amounts, days, st.integers(1, 400), st.integers(1, 400))
def test_interest_adds_up_over_split_periods_within_a_cent(amount, start, first, second):
    middle = start + dt.timedelta(days=first - 1)
    end = middle + dt.timedelta(days=second)
    whole = default_interest(amount, start=start, end=end, customer_kind=dunning.BUSINESS)
    parts = default_interest(
        amount, start=start, end=middle, customer_kind=dunning.BUSINESS
    ) + default_interest(
        amount, start=middle + dt.timedelta(days=1), end=end, customer_kind=dunning.BUSINESS
    )
    assert abs(whole - parts) <= Decimal("0.01")


@given(amounts, days, st.integers(0, 800))
def test_business_customers_pay_more_interest_than_consumers(amount, start, length):
    end = start + dt.timedelta(days=length)
    business = default_interest(amount, start=start, end=end, customer_kind=dunning.BUSINESS)
    consumer = default_interest(amount, start=start, end=end, customer_kind=dunning.CONSUMER)
    assert business >= consumer


def test_no_interest_on_nothing_open_or_no_day():
    day = dt.date(2025, 1, 1)
    assert default_interest(Decimal("0"), start=day, end=day, customer_kind="business") == 0
    before = day - dt.timedelta(days=1)
    assert default_interest(Decimal("10"), start=day, end=before, customer_kind="business") == 0


def test_levels_follow_each_other_after_their_days_and_the_last_deadline():
    today = dt.date(2025, 3, 1)
    kw = {"last_deadline": None, "today": today}
    assert next_level(DEFAULT_LEVELS, reached=0, days_overdue=6, **kw) is None
    assert next_level(DEFAULT_LEVELS, reached=0, days_overdue=7, **kw).level == 1
    # an invoice 40 days overdue gets the payment reminder first, never skips a level
    assert next_level(DEFAULT_LEVELS, reached=0, days_overdue=40, **kw).level == 1
    assert next_level(DEFAULT_LEVELS, reached=1, days_overdue=20, **kw) is None
    assert next_level(DEFAULT_LEVELS, reached=1, days_overdue=21, **kw).level == 2
    assert next_level(DEFAULT_LEVELS, reached=3, days_overdue=400, **kw) is None
    # the customer gets the time the last reminder gave
    assert (
        next_level(DEFAULT_LEVELS, reached=1, days_overdue=30, last_deadline=today, today=today)
        is None
    )


def test_fees_of_the_default_levels():
    assert reminder_fee(DEFAULT_LEVELS, 1, charged=Decimal(0), flat_fee=False) == 0
    assert reminder_fee(DEFAULT_LEVELS, 2, charged=Decimal(0), flat_fee=False) == 5
    assert reminder_fee(DEFAULT_LEVELS, 3, charged=Decimal(5), flat_fee=False) == 10


def test_the_flat_fee_is_credited_against_the_level_fees():
    first = reminder_fee(DEFAULT_LEVELS, 1, charged=Decimal(0), flat_fee=True)
    second = reminder_fee(DEFAULT_LEVELS, 2, charged=first, flat_fee=True)
    third = reminder_fee(DEFAULT_LEVELS, 3, charged=first + second, flat_fee=True)
    assert (first, second, third) == (Decimal("40.00"), 0, 0)


@given(st.lists(st.decimals(min_value=0, max_value=100, places=2), min_size=1, max_size=5))
def test_with_the_flat_fee_the_fees_add_up_to_the_larger_of_40_and_the_level_fees(fees):
    levels = [
        dunning.Level(n + 1, f"L{n + 1}", 7 * (n + 1), fee, False) for n, fee in enumerate(fees)
    ]
    charged = Decimal(0)
    for level in levels:
        charged += reminder_fee(levels, level.level, charged=charged, flat_fee=True)
    assert charged == max(sum(fees, Decimal(0)), Decimal("40.00"))
