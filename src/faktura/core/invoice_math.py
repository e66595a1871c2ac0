"""Invoice lines -> totals, in the order EN 16931 defines, and credit-note reversal.

- Line net amount (BT-131) = ROUND_HALF_UP(quantity x unit price, 2), where the quantity is first
  quantised to 4 and the unit price to 6 decimals (HALF_UP). The quantised values are the ones
  printed, so displayed quantity x displayed price = line amount on every document.
- Sum of line net amounts (BT-106) = exact sum of the billed line nets.
- Invoice net (BT-109) = BT-106 - allowances (BT-107) + charges (BT-108), exact.
- VAT (BT-110) = sum of the per-group VAT of the breakdown (see ``tax.vat_breakdown``), each group
  rounded once; never a sum of rounded per-line VAT.
- Gross (BT-112) = net + VAT, exact.

Amount decimals are ``money.amount_places(currency)``: 2 in every currency (JPY and KWD too).

Credit notes (decision): our ledger stores a credit note like an invoice whose lines have the
*negated quantity* and the same positive unit price, so every amount comes out negative and
invoice + credit note sum to zero in receivables and reports. The unit price stays positive
because EN 16931 forbids negative item prices (BR-27). An EN 16931 credit note (type 381) shows
the same document with signs flipped back (positive quantities and amounts);
``credit_note_document_totals`` and ``credit_note_document_quantity`` give that view. Because
HALF_UP rounds the magnitude, ``invoice_totals(credit_note_lines(x)) == -invoice_totals(x)``
holds exactly for every field.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from faktura.core.money import (
    AMOUNT_PLACES,
    QUANTITY_PLACES,
    UNIT_PRICE_PLACES,
    amount_places,
    exact_mul,
    exact_sum,
    has_places,
    negate,
    quantize_amount,
    quantize_quantity,
    quantize_unit_price,
    to_decimal,
)
from faktura.core.problems import Problem, error, join_path, warning
from faktura.core.tax import (
    DocumentAdjustment,
    TaxLine,
    VatBreakdownRow,
    VatCategory,
    as_category,
    validate_tax_lines,
    vat_breakdown,
)
from faktura.core.translation import gettext_lazy as _


@dataclass(frozen=True, slots=True)
class LineInput:
    """One invoice line: quantity (up to 4 decimals), unit price (up to 6), VAT group.

    ``do_not_bill`` lines stay on the draft for the reviewer but count in no total.
    """

    quantity: Decimal
    unit_price: Decimal
    vat_category: VatCategory
    vat_rate: Decimal
    do_not_bill: bool = False
    exemption_reason: str = ""
    exemption_reason_code: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "quantity", to_decimal(self.quantity))
        object.__setattr__(self, "unit_price", to_decimal(self.unit_price))
        object.__setattr__(self, "vat_rate", to_decimal(self.vat_rate))
        object.__setattr__(self, "vat_category", as_category(self.vat_category))


@dataclass(frozen=True, slots=True)
class Totals:
    """Document totals. ``line_nets`` has one entry per input line, in input order, including
    ``do_not_bill`` lines (their would-be amount, for display); all other fields count only
    billed lines."""

    net: Decimal  # BT-109
    vat: Decimal  # BT-110
    gross: Decimal  # BT-112
    breakdown: tuple[VatBreakdownRow, ...]  # BG-23
    line_nets: tuple[Decimal, ...]  # BT-131 per input line
    line_total: Decimal  # BT-106
    allowance_total: Decimal  # BT-107
    charge_total: Decimal  # BT-108
    currency: str

    def __neg__(self) -> Totals:
        return Totals(
            net=negate(self.net),
            vat=negate(self.vat),
            gross=negate(self.gross),
            breakdown=tuple(-row for row in self.breakdown),
            line_nets=tuple(negate(value) for value in self.line_nets),
            line_total=negate(self.line_total),
            allowance_total=negate(self.allowance_total),
            charge_total=negate(self.charge_total),
            currency=self.currency,
        )


def line_net(quantity: Decimal, unit_price: Decimal, places: int = AMOUNT_PLACES) -> Decimal:
    """BT-131: ROUND_HALF_UP(q x p, ``places``) with q = HALF_UP(quantity, 4) and
    p = HALF_UP(unit_price, 6). The product itself is exact; rounding happens once."""
    product = exact_mul(quantize_quantity(quantity), quantize_unit_price(unit_price))
    return quantize_amount(product, places)


def _tax_line(line: LineInput, net_amount: Decimal) -> TaxLine:
    return TaxLine(
        category=line.vat_category,
        rate=line.vat_rate,
        net_amount=net_amount,
        exemption_reason=line.exemption_reason,
        exemption_reason_code=line.exemption_reason_code,
    )


def invoice_totals(
    lines: Sequence[LineInput],
    currency: str,
    allowances: Iterable[DocumentAdjustment] = (),
    charges: Iterable[DocumentAdjustment] = (),
) -> Totals:
    """Totals of a document in ``currency`` following EN 16931 (see the module docstring).

    Excluded: ``do_not_bill`` lines. Included: every other line, every allowance (subtracted)
    and charge (added), each in its VAT group. Rounding: line nets and per-group VAT only;
    every sum is exact. Allowance and charge amounts must already be rounded
    (``ValueError`` otherwise).
    """
    places = amount_places(currency)
    allowances = tuple(allowances)
    charges = tuple(charges)
    line_nets = tuple(line_net(line.quantity, line.unit_price, places) for line in lines)
    billed = [
        _tax_line(line, net)
        for line, net in zip(lines, line_nets, strict=True)
        if not line.do_not_bill
    ]
    breakdown = tuple(vat_breakdown(billed, allowances, charges, places=places))

    line_total = exact_sum(tax_line.net_amount for tax_line in billed)
    allowance_total = exact_sum(allowance.amount for allowance in allowances)
    charge_total = exact_sum(charge.amount for charge in charges)
    net = exact_sum([line_total, negate(allowance_total), charge_total])
    vat = exact_sum(row.vat_amount for row in breakdown)
    gross = exact_sum([net, vat])

    # quantize_amount below is exact (all inputs have `places` decimals); it only fixes the
    # exponent and turns "-0" into "0" so the values serialise canonically.
    return Totals(
        net=quantize_amount(net, places),
        vat=quantize_amount(vat, places),
        gross=quantize_amount(gross, places),
        breakdown=breakdown,
        line_nets=line_nets,
        line_total=quantize_amount(line_total, places),
        allowance_total=quantize_amount(allowance_total, places),
        charge_total=quantize_amount(charge_total, places),
        currency=currency,
    )


def validate_lines(
    lines: Sequence[LineInput],
    currency: str,
    allowances: Sequence[DocumentAdjustment] = (),
    charges: Sequence[DocumentAdjustment] = (),
) -> list[Problem]:
    """Every problem of a draft's lines (empty = it can be totalled and issued as far as lines
    go). ``do_not_bill`` lines are checked too: a reviewer may switch them back on.

    Checks: unit price not negative (BR-27: discounts are negative quantities); quantity and
    unit price with more decimals than stored (warning: they are rounded); the VAT rules of
    ``tax.validate_tax_lines``.
    """
    places = amount_places(currency)
    problems: list[Problem] = []
    for index, line in enumerate(lines):
        path = f"lines[{index}]"
        if line.unit_price < 0:
            problems.append(
                error(
                    "unit_price_negative",
                    _("A unit price cannot be negative; use a negative quantity instead."),
                    join_path(path, "unit_price"),
                )
            )
        if not has_places(line.quantity, QUANTITY_PLACES):
            problems.append(
                warning(
                    "quantity_rounded",
                    _("The quantity is rounded to %(places)s decimals."),
                    join_path(path, "quantity"),
                    places=QUANTITY_PLACES,
                )
            )
        if not has_places(line.unit_price, UNIT_PRICE_PLACES):
            problems.append(
                warning(
                    "unit_price_rounded",
                    _("The unit price is rounded to %(places)s decimals."),
                    join_path(path, "unit_price"),
                    places=UNIT_PRICE_PLACES,
                )
            )
    tax_lines = [
        _tax_line(line, line_net(line.quantity, line.unit_price, places)) for line in lines
    ]
    problems += validate_tax_lines(tax_lines, allowances, charges, places=places)
    return problems


def credit_note_lines(lines: Iterable[LineInput]) -> list[LineInput]:
    """The ledger lines of a credit note reversing ``lines``: the quantity negated, the unit
    price, VAT group and ``do_not_bill`` unchanged."""
    return [replace(line, quantity=negate(line.quantity)) for line in lines]


def credit_remaining(quantity: Decimal, credited: Iterable[Decimal]) -> Decimal:
    """What of an invoice line's ``quantity`` no credit note credits yet: the quantity plus the
    ledger quantities (opposite sign) of the credit-note lines that credit it. Exact, no
    rounding; derived from the credit-note lines, never a stored counter."""
    return exact_sum([to_decimal(quantity), *(to_decimal(value) for value in credited)])


def credit_note_part(line: LineInput, quantity: Decimal) -> LineInput:
    """The ledger line of a credit note crediting ``quantity`` of ``line``: ``quantity`` is a
    magnitude (>= 0, at most what is not credited yet, which the caller checks), so a discount
    line (negative quantity) is credited with a positive one. Unit price and VAT group stay.

    Its net amount is ``line_net`` like any line's (rounded once), so the printed quantity x
    price = amount on the credit note. A line credited in several parts can therefore differ
    from its own amount by the rounding of each part (at most half a cent per part); crediting
    it whole is its exact negation."""
    magnitude = to_decimal(quantity)
    if magnitude < 0:
        raise ValueError("the credited quantity is a magnitude: not negative")
    signed = magnitude if line.quantity >= 0 else -magnitude
    return replace(line, quantity=negate(signed))


def credit_note_adjustments(adjustments: Iterable[DocumentAdjustment]) -> list[DocumentAdjustment]:
    """Allowances or charges of a credit note reversing an invoice's: the amounts negated."""
    return [-adjustment for adjustment in adjustments]


def credit_note_document_quantity(ledger_quantity: Decimal) -> Decimal:
    """The quantity printed on a type-381 credit note for a ledger line: the sign flipped back
    (positive for a line that reverses a positive invoice line)."""
    return negate(ledger_quantity)


def credit_note_document_totals(ledger_totals: Totals) -> Totals:
    """The totals printed on a type-381 credit note: the ledger totals with signs flipped back,
    i.e. positive amounts for a credit note that reverses an ordinary invoice."""
    return -ledger_totals


# --- quantity sanity --------------------------------------------------------------------------

# Defaults of the draft's plausibility check: billed more than 3 times (or less than a third of)
# what was logged, or a line over 100,000 in the invoice currency, is worth a second look.
SANITY_FACTOR = Decimal(3)
SANITY_MAX_AMOUNT = Decimal(100_000)


def quantity_problems(
    path: str,
    *,
    quantity: Decimal,
    logged: Decimal | None,
    net_amount: Decimal,
    factor: Decimal = SANITY_FACTOR,
    max_amount: Decimal = SANITY_MAX_AMOUNT,
) -> list[Problem]:
    """Warnings (never errors) about a line a reviewer probably did not mean: the billed
    quantity differs from the logged one by more than ``factor`` either way (logged > 0), or
    the line's net amount exceeds ``max_amount`` in absolute value. ``factor`` <= 1 or a
    ``max_amount`` <= 0 switches that check off."""
    problems: list[Problem] = []
    apart = (
        factor > 1
        and logged is not None
        and logged > 0
        and quantity >= 0
        and (quantity > logged * factor or quantity * factor < logged)
    )
    if apart:
        problems.append(
            warning(
                "quantity_implausible",
                _(
                    "Billed %(billed)s, logged %(logged)s: more than %(factor)s times apart. "
                    "Check the quantity."
                ),
                join_path(path, "quantity"),
                billed=quantity,
                logged=logged,
                factor=factor,
            )
        )
    if max_amount > 0 and abs(net_amount) > max_amount:
        problems.append(
            warning(
                "amount_implausible",
                _("The line amount %(amount)s looks implausibly high."),
                join_path(path, "net_amount"),
                amount=net_amount,
                limit=max_amount,
            )
        )
    return problems
