"""Issue 15: a line credited in parts. What is left to credit is derived from the credit-note
lines; each part is a line of its own, rounded once."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faktura.core.invoice_math import (
    LineInput,
    credit_note_lines,
    credit_note_part,
    credit_remaining,
    line_net,
)
from faktura.core.money import exact_sum

S = "S"
prices = st.decimals(min_value=0, max_value=100000, places=6)


def _line(quantity: str, price: str = "95") -> LineInput:
    return LineInput(
        quantity=Decimal(quantity), unit_price=Decimal(price), vat_category=S, vat_rate=Decimal(19)
    )


def test_a_part_negates_its_quantity_at_the_same_price():
    part = credit_note_part(_line("10"), Decimal("2.5"))
    assert (part.quantity, part.unit_price, part.vat_rate) == (
        Decimal("-2.5"),
        Decimal(95),
        Decimal(19),
    )
    assert line_net(part.quantity, part.unit_price) == Decimal("-237.50")


def test_a_discount_line_is_credited_by_its_magnitude():
    part = credit_note_part(_line("-2", "50"), Decimal("1"))
    assert part.quantity == Decimal("1")


def test_a_negative_part_is_refused():
    with pytest.raises(ValueError, match="magnitude"):
        credit_note_part(_line("1"), Decimal("-1"))


def test_the_whole_line_as_a_part_is_the_full_reversal():
    line = _line("3.3333", "0.333333")
    assert credit_note_part(line, Decimal("3.3333")) == credit_note_lines([line])[0]


@given(
    quantity=st.decimals(min_value=Decimal("0.0001"), max_value=10000, places=4),
    cut=st.fractions(min_value=0, max_value=1),
    price=prices,
)
def test_parts_leave_nothing_to_credit_and_differ_by_their_rounding_only(quantity, cut, price):
    line = _line(str(quantity), str(price))
    first = (quantity * Decimal(cut.numerator) / Decimal(cut.denominator)).quantize(
        Decimal("0.0001")
    )
    first = min(max(first, Decimal("0.0001")), quantity)
    parts = [credit_note_part(line, first)]
    left = credit_remaining(line.quantity, [p.quantity for p in parts])
    assert left == quantity - first
    if left:
        parts.append(credit_note_part(line, left))
    assert credit_remaining(line.quantity, [p.quantity for p in parts]) == 0
    credited = exact_sum(line_net(p.quantity, p.unit_price) for p in parts)
    whole = line_net(line.quantity, line.unit_price)
    # each part is rounded once: at most half a cent per part away from the line's amount
    assert abs(credited + whole) <= Decimal("0.005") * len(parts)
