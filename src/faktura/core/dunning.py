"""Dunning: which level an overdue invoice is due for, the fee of a reminder and the default
interest (Verzugszinsen) on the open amount. Pure functions over plain values.

Default interest follows § 288 BGB: the base rate (Basiszinssatz, § 247 BGB, published by the
Bundesbank every 1 January and 1 July) plus 9 percentage points a year for business customers
(§ 288 (2)), plus 5 for consumers (§ 288 (1)). It accrues per day on the open amount with the
day count convention actual/365: `amount * rate / 100 * days / 365`, summed exactly over the
base-rate periods and rounded once to the currency's decimals (ROUND_HALF_UP). A negative sum is
never charged.

The flat fee of § 288 (5) BGB (40 EUR, business customers, EUR invoices) is credited against
the dunning fees: with the option on, the fees charged for an invoice add up to at least 40.00,
and a level's fee is charged only where the levels' fees together pass it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from faktura.core.money import exact_sum, quantize_fraction

BUSINESS = "business"
CONSUMER = "consumer"
# Percentage points a year above the base rate (§ 288 (1) and (2) BGB).
INTEREST_MARGIN = {BUSINESS: Decimal("9"), CONSUMER: Decimal("5")}
FLAT_FEE = Decimal("40.00")  # § 288 (5) BGB, EUR
DAYS_IN_YEAR = 365  # actual/365

# The published base rates (Deutsche Bundesbank), each valid from its date until the next.
# A company adds later ones (`BaseRate` rows); the table here ends with 1 July 2025.
BASE_RATES: tuple[tuple[dt.date, Decimal], ...] = (
    (dt.date(2016, 7, 1), Decimal("-0.88")),
    (dt.date(2023, 1, 1), Decimal("1.62")),
    (dt.date(2023, 7, 1), Decimal("3.12")),
    (dt.date(2024, 1, 1), Decimal("3.62")),
    (dt.date(2024, 7, 1), Decimal("3.37")),
    (dt.date(2025, 1, 1), Decimal("2.27")),
    (dt.date(2025, 7, 1), Decimal("1.27")),
)


@dataclass(frozen=True)
class Level:
    """A dunning level: `days_after_due` counts from the invoice's due date."""

    level: int
    name: str
    days_after_due: int
    fee: Decimal
    interest: bool


DEFAULT_LEVELS: tuple[Level, ...] = (
    Level(1, "Payment reminder", 7, Decimal("0.00"), False),
    Level(2, "First dunning", 21, Decimal("5.00"), False),
    Level(3, "Second dunning", 35, Decimal("10.00"), True),
)


@dataclass(frozen=True)
class RatePeriod:
    start: dt.date  # first day
    end: dt.date  # last day (inclusive)
    rate: Decimal  # percent a year, base rate plus margin


def merge_base_rates(*tables: Iterable[tuple[dt.date, Decimal]]) -> list[tuple[dt.date, Decimal]]:
    """One table by date; a later table's row replaces an earlier one of the same date."""
    merged: dict[dt.date, Decimal] = {}
    for table in tables:
        for day, rate in table:
            merged[day] = rate
    return sorted(merged.items())


def rate_periods(
    base_rates: Sequence[tuple[dt.date, Decimal]], margin: Decimal, start: dt.date, end: dt.date
) -> list[RatePeriod]:
    """The days from `start` to `end` (both included) cut where the base rate changes. Days
    before the first known base rate take the first one."""
    if end < start:
        return []
    table = sorted(base_rates)
    if not table:
        raise ValueError("no base rate")
    periods = []
    day = start
    while day <= end:
        current = table[0][1]
        following = None
        for valid_from, rate in table:
            if valid_from <= day:
                current = rate
            else:
                following = valid_from
                break
        last = end if following is None else min(end, following - dt.timedelta(days=1))
        periods.append(RatePeriod(day, last, current + margin))
        day = last + dt.timedelta(days=1)
    return periods


def default_interest(
    amount: Decimal,
    *,
    start: dt.date,
    end: dt.date,
    customer_kind: str,
    base_rates: Sequence[tuple[dt.date, Decimal]] = BASE_RATES,
    places: int = 2,
) -> Decimal:
    """Interest on `amount` for the days `start`..`end` (both included), actual/365, at the
    base rate plus the margin of the customer kind; 0 when nothing is open or no day passed."""
    if amount <= 0 or end < start:
        return Decimal(0).scaleb(-places)
    margin = INTEREST_MARGIN[customer_kind]
    total = Fraction(0)
    for period in rate_periods(base_rates, margin, start, end):
        days = (period.end - period.start).days + 1
        total += Fraction(amount) * Fraction(period.rate) / 100 * days / DAYS_IN_YEAR
    return quantize_fraction(max(total, Fraction(0)), places)


def next_level(
    levels: Sequence[Level],
    *,
    reached: int,
    days_overdue: int,
    last_deadline: dt.date | None,
    today: dt.date,
) -> Level | None:
    """The level an invoice is due for: the next one above `reached` (0: none yet) once it is
    `days_after_due` overdue and the deadline of the last reminder has passed. None otherwise.
    `levels` are in level order (as `DEFAULT_LEVELS` and the company's rows are)."""
    if last_deadline is not None and today <= last_deadline:
        return None
    for level in levels:
        if level.level > reached:
            return level if days_overdue >= level.days_after_due else None
    return None


def reminder_fee(
    levels: Sequence[Level],
    level: int,
    *,
    charged: Decimal,
    flat_fee: bool,
) -> Decimal:
    """The fee of the reminder at `level`. `charged`: the fees of the invoice's earlier
    reminders. With the flat fee (already decided to apply: business customer, EUR), the fees
    add up to max(40.00, the levels' fees so far)."""
    own = next(lv.fee for lv in levels if lv.level == level)
    if not flat_fee:
        return own
    through = exact_sum(lv.fee for lv in levels if lv.level <= level)
    return max(max(through, FLAT_FEE) - charged, Decimal("0.00"))
