"""`core.receivables.split_payment`: the invoice first, then its dunning charges oldest first,
the rest an overpayment of the invoice (issue 12)."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from faktura.core.receivables import split_payment

D = Decimal


def test_invoice_first_then_charges_in_order():
    split = split_payment(
        D("125.00"), invoice_open=D("119.00"), charges=[(1, D("5.00")), (2, D("10.00"))]
    )
    assert split.invoice == D("119.00")
    assert split.charges == ((1, D("5.00")), (2, D("1.00")))
    assert split.excess == D("0.00")


def test_a_paid_invoice_takes_only_the_charges_and_the_excess():
    split = split_payment(D("20.00"), invoice_open=D("0.00"), charges=[(1, D("5.00"))])
    assert split.charges == ((1, D("5.00")),)
    assert (split.invoice, split.excess) == (D("15.00"), D("15.00"))


cents = st.integers(min_value=1, max_value=10**8).map(lambda n: D(n) / 100)


@given(
    cents,
    st.integers(min_value=-(10**6), max_value=10**8).map(lambda n: D(n) / 100),
    st.lists(cents, max_size=4),
)
def test_the_parts_add_up_to_the_payment(amount, invoice_open, opens):
    split = split_payment(amount, invoice_open=invoice_open, charges=list(enumerate(opens)))
    assert split.invoice + sum(part for _id, part in split.charges) == amount
    assert all(0 < part <= opens[i] for i, part in split.charges)
    assert split.excess >= 0
