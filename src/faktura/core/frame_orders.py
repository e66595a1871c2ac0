"""Frame-order draw-down: what an invoice takes from a customer's pool of hours and/or money,
the pool's balance and status, and the overage decision by policy (DESIGN.md section 4,
invariant 5). Pure values in and out; the ledger rows live in `faktura.frameorders`.

Hours are the billed quantity of the invoice's time lines (unit `HUR`, UN/ECE Rec 20 "hour");
other units (kilometres, pieces) take no hours. The amount is the sum of the billed lines' net
amounts (already rounded per line, EN 16931), so a draw never rounds anything again. Credit-note
lines carry negative quantities and amounts, so their usage is negative: a reversal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

HOUR_UNIT = "HUR"
ZERO = Decimal("0")
HOURS_PLACES = Decimal("0.0001")
AMOUNT_PLACES = Decimal("0.01")


def ledger_total(value: Decimal | int | str | None, places: Decimal) -> Decimal:
    """A ledger column's SQL sum as an exact decimal at the column's places: the database
    hands back NULL for no rows, and SQLite a number of its own type."""
    return Decimal(str(value or 0)).quantize(places)


# Overage policies: what issuing does when an invoice needs more than the pool has left.
BLOCK = "block"  # refuse the issue
WARN = "warn"  # issue it and record a warning
ALLOW = "allow"  # issue it silently

# Derived statuses, in the order they are decided.
CLOSED = "closed"  # closed by hand: takes no more invoices
EXPIRED = "expired"  # past its valid_to (or not yet valid)
EXHAUSTED = "exhausted"  # nothing left (or overdrawn)
LOW = "low"  # at or below the low threshold
ACTIVE = "active"  # open, above the threshold


@dataclass(frozen=True)
class LineUse:
    """One billed line as the draw-down sees it."""

    unit: str
    quantity: Decimal
    net_amount: Decimal


@dataclass(frozen=True)
class Usage:
    hours: Decimal
    amount: Decimal


def invoice_usage(lines: Iterable[LineUse]) -> Usage:
    """Hours (time lines only) and net amount (every line) of an invoice's billed lines.
    Exact sums: no rounding is applied, the inputs have at most 4 and 2 decimals."""
    hours = ZERO
    amount = ZERO
    for line in lines:
        if line.unit == HOUR_UNIT:
            hours += line.quantity
        amount += line.net_amount
    return Usage(hours=hours, amount=amount)


@dataclass(frozen=True)
class Balance:
    """A pool's totals (None: that dimension has no limit) and what the ledger billed."""

    hours: Decimal | None
    amount: Decimal | None
    hours_billed: Decimal
    amount_billed: Decimal

    @property
    def hours_remaining(self) -> Decimal | None:
        return None if self.hours is None else self.hours - self.hours_billed

    @property
    def amount_remaining(self) -> Decimal | None:
        return None if self.amount is None else self.amount - self.amount_billed

    @property
    def utilization_percent(self) -> Decimal:
        """Billed share of the pool in percent, 1 decimal (ROUND_HALF_UP), by hours when the
        pool has hours, else by amount; 0 for a pool without either."""
        if self.hours:
            share = self.hours_billed / self.hours
        elif self.amount:
            share = self.amount_billed / self.amount
        else:
            return ZERO.quantize(Decimal("0.1"))
        return (share * 100).quantize(Decimal("0.1"), rounding="ROUND_HALF_UP")


def balance_after(balance: Balance, usage: Usage) -> Balance:
    return Balance(
        hours=balance.hours,
        amount=balance.amount,
        hours_billed=balance.hours_billed + usage.hours,
        amount_billed=balance.amount_billed + usage.amount,
    )


def pool_status(
    balance: Balance,
    *,
    low_threshold_percent: int,
    valid_from: dt.date,
    valid_to: dt.date | None,
    closed: bool,
    on: dt.date,
) -> str:
    """closed, expired (outside its validity on `on`), exhausted (a limited dimension has
    nothing left), low (the remaining share of a limited dimension is at or below the
    threshold), else active."""
    if closed:
        return CLOSED
    if on < valid_from or (valid_to is not None and on > valid_to):
        return EXPIRED
    remaining: list[tuple[Decimal, Decimal]] = []
    if balance.hours is not None:
        remaining.append((balance.hours - balance.hours_billed, balance.hours))
    if balance.amount is not None:
        remaining.append((balance.amount - balance.amount_billed, balance.amount))
    if any(left <= 0 for left, _ in remaining):
        return EXHAUSTED
    if any(total > 0 and left * 100 <= total * low_threshold_percent for left, total in remaining):
        return LOW
    return ACTIVE


@dataclass(frozen=True)
class Decision:
    """`allowed`: the issue may go on; `overdrawn`: it takes more than is left (then
    `short_hours`/`short_amount` say by how much); `warning` when the policy warns."""

    allowed: bool
    overdrawn: bool
    short_hours: Decimal = ZERO
    short_amount: Decimal = ZERO
    warning: str = ""


def overage_decision(balance: Balance, usage: Usage, *, policy: str) -> Decision:
    """Whether drawing `usage` from `balance` is allowed under `policy`. A draw that fits
    (or a reversal, which only gives back) is always allowed; an overdraw is refused under
    `block`, allowed with a warning under `warn` and silently under `allow`."""
    after = balance_after(balance, usage)
    short_hours = ZERO
    short_amount = ZERO
    if usage.hours > 0 and after.hours_remaining is not None and after.hours_remaining < 0:
        short_hours = -after.hours_remaining
    if usage.amount > 0 and after.amount_remaining is not None and after.amount_remaining < 0:
        short_amount = -after.amount_remaining
    overdrawn = short_hours > 0 or short_amount > 0
    if not overdrawn:
        return Decision(allowed=True, overdrawn=False)
    parts = []
    if short_hours:
        parts.append(f"{short_hours.normalize():f} h")
    if short_amount:
        parts.append(f"{short_amount.quantize(AMOUNT_PLACES)}")
    warning = "exceeds the frame order by " + " and ".join(parts)
    if policy == BLOCK:
        return Decision(False, True, short_hours, short_amount, warning)
    return Decision(True, True, short_hours, short_amount, warning if policy == WARN else "")


ALERT_RANK = {LOW: 1, EXHAUSTED: 2}


def alert_due(status: str, *, alerted: str) -> str:
    """The threshold (`low` or `exhausted`) a status has reached that was not alerted yet
    (`alerted`: the last one alerted, "" for none), else "". Each threshold alerts once."""
    rank = ALERT_RANK.get(status, 0)
    return status if rank > ALERT_RANK.get(alerted, 0) else ""
