"""Cash discount (Skonto): what a customer may deduct when paying early, and how the deduction
is split over the invoice's VAT groups. Pure functions over plain values.

Rules (issue 12):

- The discount is a percentage of the gross amount (up to 2 decimals) within a number of days
  after the issue date: discount = round(gross x percent / 100, places), ROUND_HALF_UP, in the
  currency's decimals. The customer pays gross - discount.
- The period ends on issue date + days, inclusive; the payment date is a date in the company's
  time zone. After it the full amount is due.
- Only the exact discounted amount settles the invoice with a discount (no tolerance).
- For the books the discount is split over the VAT breakdown groups in proportion to each
  group's gross (taxable + VAT), largest remainder, so the parts sum exactly to the discount;
  within a group the VAT part is round(share x group VAT / group gross, places) and the net part
  the rest. A group with a gross of zero or less (an allowance) takes no part.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from faktura.core.money import AMOUNT_PLACES, allocate, exact_sum, negate, quantize_fraction

MAX_PERCENT = Decimal("99.99")


@dataclass(frozen=True)
class Terms:
    """A cash discount: `percent` off the gross when paid within `days` of the issue date."""

    percent: Decimal
    days: int

    @property
    def active(self) -> bool:
        return self.percent > 0 and self.days > 0


@dataclass(frozen=True)
class VatGroup:
    category: str
    rate: Decimal
    taxable: Decimal
    vat: Decimal


@dataclass(frozen=True)
class Share:
    """The part of a discount that falls on one VAT group: `amount` = `net` + `vat`."""

    category: str
    rate: Decimal
    amount: Decimal
    net: Decimal
    vat: Decimal


def resolve(*levels: tuple[Decimal | None, int | None]) -> Terms | None:
    """The first level (draft, customer, company) that sets a percentage gives the terms; a
    percentage of 0 there means "no discount". Days come the same way from the first level
    that sets them."""
    percent = next((p for p, _d in levels if p is not None), None)
    days = next((d for _p, d in levels if d is not None), None)
    if percent is None or days is None:
        return None
    terms = Terms(percent=percent, days=days)
    return terms if terms.active else None


def discount_amount(gross: Decimal, percent: Decimal, places: int = AMOUNT_PLACES) -> Decimal:
    """round(gross x percent / 100, places), ROUND_HALF_UP; 0 for a gross of 0 or less."""
    if gross <= 0 or percent <= 0:
        return gross * 0
    return quantize_fraction(Fraction(gross) * Fraction(percent) / 100, places)


def discounted_amount(gross: Decimal, percent: Decimal, places: int = AMOUNT_PLACES) -> Decimal:
    """What the customer pays within the period: gross less the discount."""
    return exact_sum([gross, negate(discount_amount(gross, percent, places))])


def last_day(issue_date: dt.date, days: int) -> dt.date:
    """The last day a payment earns the discount (issue date + days, inclusive)."""
    return issue_date + dt.timedelta(days=days)


def within_period(issue_date: dt.date, days: int, payment_date: dt.date) -> bool:
    return payment_date <= last_day(issue_date, days)


def split(
    discount: Decimal, groups: Sequence[VatGroup], places: int = AMOUNT_PLACES
) -> list[Share]:
    """The discount split over the VAT groups (see the module's docstring). The shares sum
    exactly to `discount`, and each share's net + VAT is its amount."""
    weights = [max(exact_sum([g.taxable, g.vat]), Decimal(0)) for g in groups]
    if not groups or not any(w > 0 for w in weights):
        raise ValueError("a cash discount needs a VAT group with a positive gross")
    parts = allocate(discount, weights, places)
    shares = []
    for group, weight, part in zip(groups, weights, parts, strict=True):
        vat = (
            quantize_fraction(Fraction(part) * Fraction(group.vat) / Fraction(weight), places)
            if weight > 0
            else part * 0
        )
        net = exact_sum([part, negate(vat)])
        shares.append(
            Share(category=group.category, rate=group.rate, amount=part, net=net, vat=vat)
        )
    return shares
