"""A retainer's month (core.retainers): included hours, rollover with a cap, overage."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faktura.core.retainers import NEXT_MONTH, NONE, retainer_month

D = Decimal
hours = st.decimals(min_value=D("0"), max_value=D("300"), places=4)


@given(
    used=hours,
    included=hours,
    rolled_in=hours,
    rollover=st.sampled_from([NONE, NEXT_MONTH]),
    cap=st.none() | hours,
)
def test_every_hour_is_accounted_for_exactly_once(used, included, rolled_in, rollover, cap):
    month = retainer_month(
        used=used, included=included, rolled_in=rolled_in, rollover=rollover, cap=cap
    )

    assert month.from_rolled + month.from_included + month.overage == used
    assert month.from_rolled + month.from_included + month.carried + month.expired == (
        included + rolled_in
    )
    assert min(month.overage, month.carried, month.expired) >= 0
    assert cap is None or month.carried <= cap
    assert month.carried <= included
    if rollover == NONE:
        assert month.carried == 0
    if month.overage > 0:
        assert month.carried == 0 and month.from_rolled == rolled_in


def test_three_months_with_rollover_and_cap():
    march = retainer_month(used=D("15"), included=D("20"), rollover=NEXT_MONTH, cap=D("4"))
    april = retainer_month(
        used=D("22"), included=D("20"), rolled_in=march.carried, rollover=NEXT_MONTH, cap=D("4")
    )
    may = retainer_month(
        used=D("25"), included=D("20"), rolled_in=april.carried, rollover=NEXT_MONTH, cap=D("4")
    )

    assert (march.carried, march.expired, march.overage) == (D("4"), D("1"), D("0"))
    assert (april.from_rolled, april.from_included, april.carried) == (D("4"), D("18"), D("2"))
    assert (may.from_rolled, may.overage, may.carried) == (D("2"), D("3"), D("0"))


def test_without_rollover_unused_hours_expire():
    month = retainer_month(used=D("5"), included=D("20"), rollover=NONE)

    assert (month.carried, month.expired, month.overage) == (D("0"), D("15"), D("0"))


def test_negative_hours_are_refused():
    with pytest.raises(ValueError):
        retainer_month(used=D("-1"), included=D("20"))
