"""Open amounts from allocation rows, payment states and aging buckets (no database)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from faktura.core import receivables as rules

D = Decimal
amounts = st.decimals(min_value=D("0.01"), max_value=D("99999.99"), places=2)


def test_open_is_gross_less_every_allocation_and_reversals_add_back():
    b = rules.balance(
        D("119.00"),
        [
            (rules.PAYMENT, D("50.00")),
            (rules.CREDIT_NOTE, D("19.00")),
            (rules.PAYMENT, D("20.00")),
            (rules.PAYMENT_REVERSAL, D("-20.00")),
            (rules.WRITE_OFF, D("0.10")),
        ],
    )
    assert (b.paid, b.credited, b.written_off, b.open) == (
        D("50.00"), D("19.00"), D("0.10"), D("49.90"),
    )  # fmt: skip
    assert b.state == rules.PARTIALLY_PAID


def test_states():
    gross = D("100.00")
    assert rules.balance(gross, []).state == rules.UNPAID
    assert str(rules.balance(gross, []).paid) == "0.00"
    assert rules.balance(gross, [(rules.PAYMENT, D("100.00"))]).state == rules.PAID
    over = rules.balance(gross, [(rules.PAYMENT, D("130.00"))])
    assert (over.state, over.credit) == (rules.OVERPAID, D("30.00"))
    assert rules.balance(gross, [(rules.CREDIT_NOTE, D("40.00"))]).state == rules.UNPAID


@settings(deadline=None)  # a busy machine is no finding
@given(gross=amounts, paid=st.lists(amounts, max_size=8), reversed_=st.data())
def test_a_reversed_payment_leaves_the_open_amount_as_before(gross, paid, reversed_):
    rows = [(rules.PAYMENT, amount) for amount in paid]
    before = rules.balance(gross, rows).open
    extra = reversed_.draw(amounts)
    after = rules.balance(gross, [*rows, (rules.PAYMENT, extra), (rules.PAYMENT_REVERSAL, -extra)])
    assert after.open == before
    assert after.open + sum(paid, D(0)) == gross


def test_aging_buckets_cover_every_day():
    assert [rules.aging_bucket(d) for d in (-5, 0, 1, 30, 31, 60, 61, 90, 91, 4000)] == [
        "current", "current", "days_1_30", "days_1_30", "days_31_60", "days_31_60",
        "days_61_90", "days_61_90", "days_over_90", "days_over_90",
    ]  # fmt: skip
