"""The amounts in every produced document add up exactly, not within the 1.00 the official
rules tolerate (BR-CO-17, BR-S-09). The XML is read back independently of the builders and
checked with plain ``Decimal`` arithmetic; the line nets also against ``core``."""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest

from faktura.core.invoice_math import line_net
from faktura.einvoice.formats import FORMAT_KEYS, build

from .factory import CASES, fractional_price
from .reader import parse

CENT = Decimal("0.01")


def _places(value: Decimal) -> int:
    return -value.as_tuple().exponent


@pytest.mark.parametrize("format_key", FORMAT_KEYS)
@pytest.mark.parametrize("case", list(CASES))
def test_document_amounts_add_up_exactly(case, format_key):
    # given
    invoice = CASES[case]()
    # when
    doc = parse(build(invoice, format_key))
    # then every amount has exactly 2 decimals
    amounts = [line.net for line in doc.lines]
    amounts += [g.taxable for g in doc.vat_groups] + [g.vat for g in doc.vat_groups]
    amounts += [doc.line_total, doc.net, doc.vat, doc.gross, doc.paid, doc.due]
    assert all(_places(a) == 2 for a in amounts), amounts

    # BT-131 = round_half_up(BT-129 x BT-146) for each line, as core computes it
    for line in doc.lines:
        assert line.base_quantity is None
        exact = line.quantity * line.price
        assert line.net == exact.quantize(CENT, rounding=ROUND_HALF_UP), line
        assert line.net == line_net(line.quantity, line.price), line

    # BT-106 = sum of BT-131; BT-109 = BT-106 - BT-107 + BT-108
    assert doc.line_total == sum(line.net for line in doc.lines)
    allowances = sum((a.amount for a in doc.allowances), Decimal(0))
    charges = sum((c.amount for c in doc.charges), Decimal(0))
    assert doc.allowance_total == (allowances if doc.allowances else None)
    assert doc.charge_total == (charges if doc.charges else None)
    assert doc.net == doc.line_total - allowances + charges

    # BG-23: each group's BT-116 is the sum of its lines, allowances and charges, and its
    # BT-117 = round_half_up(BT-116 x rate / 100) to the cent
    taxable: dict[tuple[str, Decimal], Decimal] = defaultdict(Decimal)
    for line in doc.lines:
        taxable[(line.category, line.rate or Decimal(0))] += line.net
    for a in doc.allowances:
        taxable[(a.category, a.rate or Decimal(0))] -= a.amount
    for c in doc.charges:
        taxable[(c.category, c.rate or Decimal(0))] += c.amount
    assert {(g.category, g.rate): g.taxable for g in doc.vat_groups} == dict(taxable)
    for group in doc.vat_groups:
        expected = (group.taxable * group.rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)
        assert group.vat == expected, group

    # BT-110 = sum of BT-117; BT-112 = BT-109 + BT-110; BT-115 = BT-112 - BT-113
    assert doc.vat == sum(g.vat for g in doc.vat_groups)
    assert doc.gross == doc.net + doc.vat
    assert doc.paid == 0
    assert doc.due == doc.gross - doc.paid

    # and the document states the snapshot's totals (flipped to positive on a credit note)
    sign = -1 if invoice.is_credit_note else 1
    assert (doc.line_total, doc.net, doc.vat, doc.gross) == (
        sign * invoice.line_total,
        sign * invoice.net_total,
        sign * invoice.vat_total,
        sign * invoice.gross_total,
    )


def test_fractional_prices_and_quantities_are_written_in_full():
    """1234.5678 kWh x 0.123456 EUR = 152.4148023168 -> 152.41: the quantity and price are
    written with all their decimals, so a receiver recomputes the same line amount."""
    invoice = fractional_price()
    for format_key in FORMAT_KEYS:
        doc = parse(build(invoice, format_key))
        energy = doc.lines[0]
        assert (energy.quantity, energy.unit, energy.price) == (
            Decimal("1234.5678"),
            "KWH",
            Decimal("0.123456"),
        )
        assert str(energy.quantity) == "1234.5678" and str(energy.price) == "0.123456"
        assert energy.net == Decimal("152.41")
        assert doc.lines[1].quantity * doc.lines[1].price == Decimal("9.9998966667")
        assert doc.lines[1].net == Decimal("10.00")
