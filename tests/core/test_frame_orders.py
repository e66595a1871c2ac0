"""Frame-order draw-down math (core.frame_orders): usage of an invoice's lines, balance,
status and the overage decision by policy."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from faktura.core import frame_orders as fo

D = Decimal
hours = st.decimals(min_value=D("0.01"), max_value=D("500"), places=2)


def _balance(total="100", billed="0", amount=None, amount_billed="0"):
    return fo.Balance(
        hours=None if total is None else D(total),
        amount=None if amount is None else D(amount),
        hours_billed=D(billed),
        amount_billed=D(amount_billed),
    )


def test_usage_counts_hours_of_time_lines_only_and_every_net_amount():
    lines = [
        fo.LineUse("HUR", D("1.5"), D("150.00")),
        fo.LineUse("KMT", D("40"), D("12.00")),
        fo.LineUse("HUR", D("0.25"), D("25.00")),
    ]

    assert fo.invoice_usage(lines) == fo.Usage(hours=D("1.75"), amount=D("187.00"))


@given(total=hours, draws=st.lists(hours, max_size=20))
def test_block_never_lets_the_billed_hours_exceed_the_pool(total, draws):
    balance = _balance(total=str(total))
    for draw in draws:
        usage = fo.Usage(hours=draw, amount=D("0"))
        if fo.overage_decision(balance, usage, policy=fo.BLOCK).allowed:
            balance = fo.balance_after(balance, usage)
    assert balance.hours_billed <= total
    assert balance.hours_remaining == total - balance.hours_billed


@given(total=hours, draw=hours)
def test_warn_and_allow_always_issue_and_report_the_same_shortfall(total, draw):
    balance = _balance(total=str(total))
    usage = fo.Usage(hours=draw, amount=D("0"))

    warn = fo.overage_decision(balance, usage, policy=fo.WARN)
    allow = fo.overage_decision(balance, usage, policy=fo.ALLOW)

    assert warn.allowed and allow.allowed
    assert warn.short_hours == allow.short_hours == max(D("0"), draw - total)
    assert bool(warn.warning) == (draw > total)
    assert allow.warning == ""


@given(total=hours, draw=hours)
def test_a_draw_and_its_reversal_leave_the_pool_as_it_was(total, draw):
    balance = _balance(total=str(total))
    usage = fo.Usage(hours=draw, amount=D("10.00"))

    after = fo.balance_after(fo.balance_after(balance, usage), fo.Usage(-draw, D("-10.00")))

    assert after == balance


def test_a_reversal_is_allowed_even_when_overdrawn():
    overdrawn = _balance(total="10", billed="12")

    decision = fo.overage_decision(overdrawn, fo.Usage(D("-2"), D("-200")), policy=fo.BLOCK)

    assert decision.allowed and not decision.overdrawn


def test_amount_pool_blocks_on_money():
    balance = _balance(total=None, amount="1000.00", amount_billed="900.00")

    decision = fo.overage_decision(balance, fo.Usage(D("0"), D("150.00")), policy=fo.BLOCK)

    assert not decision.allowed
    assert decision.short_amount == D("50.00")


def _status(balance, *, on=dt.date(2026, 6, 1), closed=False, threshold=20):
    return fo.pool_status(
        balance,
        low_threshold_percent=threshold,
        valid_from=dt.date(2026, 1, 1),
        valid_to=dt.date(2026, 12, 31),
        closed=closed,
        on=on,
    )


def test_status_follows_the_ledger_and_the_validity():
    assert _status(_balance(billed="79")) == fo.ACTIVE
    assert _status(_balance(billed="80")) == fo.LOW
    assert _status(_balance(billed="100")) == fo.EXHAUSTED
    assert _status(_balance(billed="120")) == fo.EXHAUSTED
    assert _status(_balance(), on=dt.date(2027, 1, 1)) == fo.EXPIRED
    assert _status(_balance(), on=dt.date(2025, 12, 31)) == fo.EXPIRED
    assert _status(_balance(), closed=True) == fo.CLOSED


def test_utilization_percent_rounds_half_up_to_one_decimal():
    assert _balance(total="3", billed="1").utilization_percent == D("33.3")
    assert _balance(total="8", billed="1").utilization_percent == D("12.5")
    assert _balance(total=None, amount="200", amount_billed="50").utilization_percent == D("25.0")


def test_each_threshold_alerts_once():
    assert fo.alert_due(fo.LOW, alerted="") == fo.LOW
    assert fo.alert_due(fo.LOW, alerted=fo.LOW) == ""
    assert fo.alert_due(fo.EXHAUSTED, alerted=fo.LOW) == fo.EXHAUSTED
    assert fo.alert_due(fo.EXHAUSTED, alerted="") == fo.EXHAUSTED
    assert fo.alert_due(fo.ACTIVE, alerted="") == ""
    assert fo.alert_due(fo.LOW, alerted=fo.EXHAUSTED) == ""
