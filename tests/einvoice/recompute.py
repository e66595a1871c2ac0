"""Recompute a parsed document's amounts with ``faktura.core`` in the EN 16931 order.

- BT-131 = ROUND_HALF_UP(BT-129 x BT-146 / BT-149, 2) + line charges - line allowances:
  ``core.invoice_math.line_net`` where the values are in core's domain (base quantity 1,
  quantity <= 4 and price <= 6 decimals), else the exact rational rounded once by
  ``core.money.quantize_fraction``.
- BG-23 = ``core.tax.vat_breakdown`` over the document's own line nets (BT-131 as stated, as
  EN 16931 defines the taxable amount) and its document allowances and charges.
- BT-106, BT-107, BT-108 exact sums; BT-109 = BT-106 - BT-107 + BT-108; BT-110 = sum of the
  recomputed group VAT; BT-112 = BT-109 + BT-110; BT-115 = BT-112 - BT-113 + BT-114.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from faktura.core.invoice_math import line_net
from faktura.core.money import (
    QUANTITY_PLACES,
    UNIT_PRICE_PLACES,
    exact_sum,
    has_places,
    negate,
    quantize_fraction,
)
from faktura.core.tax import DocumentAdjustment, TaxLine, vat_breakdown

from .reader import ParsedInvoice, ParsedLine

ZERO = Decimal("0")


@dataclass(frozen=True)
class Difference:
    field: str  # e.g. "BT-110", "BT-131[3]", "BT-117[S 19]"
    stated: Decimal | None
    computed: Decimal

    def __str__(self) -> str:
        return f"{self.field}: stated {self.stated}, core {self.computed}"


def recompute_line_net(line: ParsedLine) -> Decimal:
    """BT-131 the EN 16931 way, with core."""
    base = line.base_quantity if line.base_quantity not in (None, ZERO) else Decimal(1)
    adjustments = exact_sum(line.charges) - exact_sum(line.allowances)
    in_core_domain = (
        base == 1
        and has_places(line.quantity, QUANTITY_PLACES)
        and has_places(line.price, UNIT_PRICE_PLACES)
    )
    if in_core_domain:
        product = line_net(line.quantity, line.price)
    else:
        exact = Fraction(line.quantity) * Fraction(line.price) / Fraction(base)
        product = quantize_fraction(exact, 2)
    return exact_sum([product, adjustments])


@dataclass(frozen=True)
class OtherRule:
    """A rule some samples follow instead of EN 16931, to show that a deviation is explained:
    a different rounding of BT-131, amounts in whole currency units, or BT-149 ignored."""

    rounding: str = ROUND_HALF_UP
    places: int = 2
    ignore_base_quantity: bool = False

    def line_net(self, line: ParsedLine) -> Decimal:
        base = line.base_quantity if line.base_quantity not in (None, ZERO) else Decimal(1)
        if self.ignore_base_quantity:
            base = Decimal(1)
        exact = Fraction(line.quantity) * Fraction(line.price) / Fraction(base)
        exact += Fraction(exact_sum(line.charges)) - Fraction(exact_sum(line.allowances))
        as_decimal = Decimal(exact.numerator) / Decimal(exact.denominator)
        return as_decimal.quantize(Decimal(1).scaleb(-self.places), rounding=self.rounding)


def _rate(category: str, rate: Decimal | None) -> Decimal:
    return ZERO if rate is None else rate


def _key(category: str, rate: Decimal | None) -> str:
    return f"{category} {_rate(category, rate).normalize():f}"


def differences(doc: ParsedInvoice, rule: OtherRule | None = None) -> list[Difference]:
    """Every amount of ``doc`` that core computes differently (empty = reproduced exactly).

    With ``rule``, line nets follow that rule and VAT is rounded to ``rule.places``."""
    places = rule.places if rule else 2
    net_of = rule.line_net if rule else recompute_line_net
    found: list[Difference] = []

    def compare(name: str, stated: Decimal | None, computed: Decimal) -> None:
        if stated is None and computed == 0:
            return  # an optional total that is zero may be left out
        if stated != computed:
            found.append(Difference(name, stated, computed))

    for index, line in enumerate(doc.lines, start=1):
        compare(f"BT-131[{index}]", line.net, net_of(line))

    breakdown = vat_breakdown(
        [TaxLine(line.category, _rate(line.category, line.rate), line.net) for line in doc.lines],
        [
            DocumentAdjustment(a.amount, a.category, _rate(a.category, a.rate))
            for a in doc.allowances
        ],
        [DocumentAdjustment(c.amount, c.category, _rate(c.category, c.rate)) for c in doc.charges],
        places=places,
    )
    stated_groups = {_key(g.category, g.rate): g for g in doc.vat_groups}
    computed_keys = set()
    for row in breakdown:
        key = _key(row.category.value, row.rate)
        computed_keys.add(key)
        stated = stated_groups.get(key)
        compare(f"BT-116[{key}]", stated.taxable if stated else None, row.taxable_amount)
        compare(f"BT-117[{key}]", stated.vat if stated else None, row.vat_amount)
    for key in sorted(set(stated_groups) - computed_keys):
        found.append(Difference(f"BG-23[{key}]", stated_groups[key].taxable, ZERO))

    line_total = exact_sum(line.net for line in doc.lines)
    allowance_total = exact_sum(a.amount for a in doc.allowances)
    charge_total = exact_sum(c.amount for c in doc.charges)
    net = exact_sum([line_total, negate(allowance_total), charge_total])
    vat = exact_sum(row.vat_amount for row in breakdown)
    gross = exact_sum([net, vat])
    due = exact_sum([gross, negate(doc.paid or ZERO), doc.rounding or ZERO])
    compare("BT-106", doc.line_total, line_total)
    compare("BT-107", doc.allowance_total, allowance_total)
    compare("BT-108", doc.charge_total, charge_total)
    compare("BT-109", doc.net, net)
    compare("BT-110", doc.vat, vat)
    compare("BT-112", doc.gross, gross)
    compare("BT-115", doc.due, due)
    return found
