import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faktura.core.invoice_math import (
    LineInput,
    credit_note_adjustments,
    credit_note_document_quantity,
    credit_note_document_totals,
    credit_note_lines,
    invoice_totals,
    line_net,
    validate_lines,
)
from faktura.core.problems import codes
from faktura.core.tax import DocumentAdjustment, VatBreakdownRow, VatCategory

S, Z, E = VatCategory.STANDARD, VatCategory.ZERO_RATED, VatCategory.EXEMPT


def half_up(value: Fraction, places: int) -> Decimal:
    units = math.floor(abs(value) * 10**places + Fraction(1, 2))
    return Decimal(units if value >= 0 else -units).scaleb(-places)


def d(text: str) -> Decimal:
    return Decimal(text)


quantities = st.decimals(min_value=-1000, max_value=10000, places=4)
unit_prices = st.decimals(min_value=0, max_value=100000, places=6)
line_inputs = st.builds(
    LineInput,
    quantity=quantities,
    unit_price=unit_prices,
    vat_category=st.just(S),
    vat_rate=st.sampled_from([d("19"), d("7"), d("5.5")]),
    do_not_bill=st.booleans(),
) | st.builds(
    LineInput,
    quantity=quantities,
    unit_price=unit_prices,
    vat_category=st.just(E),
    vat_rate=st.just(d("0")),
    exemption_reason=st.just("§ 4 Nr. 21 UStG"),
)
adjustments = st.lists(
    st.builds(
        DocumentAdjustment,
        amount=st.decimals(min_value=0, max_value=1000, places=2),
        category=st.just(S),
        rate=st.sampled_from([d("19"), d("7")]),
    ),
    max_size=3,
)


# --- line net -------------------------------------------------------------------------------


@given(quantities, unit_prices)
def test_line_net_is_exact_product_rounded_half_up(quantity, unit_price):
    expected = half_up(Fraction(quantity) * Fraction(unit_price), 2)
    assert line_net(quantity, unit_price) == expected
    assert line_net(-quantity, unit_price) == -expected


def test_line_net_quantises_quantity_and_price_first():
    # 1.00005 h -> 1.0001 h is what the invoice shows; 1.0001 x 100 = 100.01
    assert line_net(d("1.00005"), d("100")) == d("100.01")
    assert line_net(d("1"), d("0.0000005")) == d("0.00")  # price 0.000001 x 1 -> 0.00
    assert line_net(d("3"), d("0.333333")) == d("1.00")
    assert str(line_net(d("-0.0001"), d("1"))) == "0.00"  # never "-0.00"


def test_line_net_in_a_currency_without_minor_unit():
    assert line_net(d("1.5"), d("101"), places=0) == d("152")


# --- totals ---------------------------------------------------------------------------------


def test_totals_of_a_typical_invoice():
    # given 7.25 h at 95.00, a discount line (negative quantity), a book at 7 %, an exempt
    # item, a line the reviewer excluded and a 5.00 charge at 19 %
    lines = [
        LineInput(d("7.25"), d("95"), S, d("19")),
        LineInput(d("-1"), d("86.09"), S, d("19")),
        LineInput(d("1"), d("39.90"), S, d("7")),
        LineInput(d("2"), d("12.5"), E, d("0"), exemption_reason="§ 4 Nr. 21 UStG"),
        LineInput(d("3"), d("99"), S, d("19"), do_not_bill=True),
    ]
    # when
    totals = invoice_totals(lines, "EUR", charges=[DocumentAdjustment(d("5.00"), S, d("19"))])
    # then
    assert [str(n) for n in totals.line_nets] == ["688.75", "-86.09", "39.90", "25.00", "297.00"]
    assert totals.line_total == d("667.56")
    assert totals.charge_total == d("5.00")
    assert totals.net == d("672.56")
    assert totals.breakdown == (
        VatBreakdownRow(S, d("7.00"), d("39.90"), d("2.79")),
        VatBreakdownRow(S, d("19.00"), d("607.66"), d("115.46")),
        VatBreakdownRow(E, d("0.00"), d("25.00"), d("0.00"), "§ 4 Nr. 21 UStG"),
    )
    assert totals.vat == d("118.25")
    assert totals.gross == d("790.81")
    assert [str(v) for v in (totals.net, totals.vat, totals.gross)] == [
        "672.56",
        "118.25",
        "790.81",
    ]


def test_empty_invoice_totals_are_zero_with_two_decimals():
    totals = invoice_totals([], "EUR")
    assert (str(totals.net), str(totals.vat), str(totals.gross)) == ("0.00", "0.00", "0.00")
    assert totals.breakdown == ()


def test_many_cent_lines_are_exact_where_floats_drift():
    lines = [LineInput(d("1"), d("0.10"), Z, d("0"))] * 1000 + [
        LineInput(d("1"), d("0.20"), Z, d("0"))
    ] * 1000
    totals = invoice_totals(lines, "EUR")
    float_net = sum(float(n) for n in totals.line_nets)
    assert totals.net == d("300.00")
    assert float_net != 300.0


def test_totals_in_jpy_and_kwd_keep_two_decimals():
    """Issue 9, finding 4: 3 x 1999.50 JPY was 5999 (rounded to whole yen), which neither
    equals quantity x price (PEPPOL-EN16931-R120) nor adds up with the totals."""
    totals = invoice_totals([LineInput(d("3"), d("1999.50"), S, d("10"))], "JPY")
    assert totals.line_nets == (d("5998.50"),)
    assert (str(totals.net), str(totals.vat), str(totals.gross)) == ("5998.50", "599.85", "6598.35")
    totals = invoice_totals([LineInput(d("1.5"), d("1001"), S, d("10"))], "JPY")
    assert (str(totals.net), str(totals.vat), str(totals.gross)) == ("1501.50", "150.15", "1651.65")
    # a 3-decimal currency: quantity x price rounded once to 2 decimals, never to 3
    totals = invoice_totals([LineInput(d("2.5"), d("4.123"), S, d("5"))], "KWD")
    assert totals.line_nets == (d("10.31"),)
    assert (str(totals.net), str(totals.vat), str(totals.gross)) == ("10.31", "0.52", "10.83")


@settings(deadline=None)
@given(st.lists(line_inputs, max_size=25), adjustments, adjustments)
def test_totals_invariants(lines, allowances, charges):
    totals = invoice_totals(lines, "EUR", allowances, charges)
    billed = [n for n, ln in zip(totals.line_nets, lines, strict=True) if not ln.do_not_bill]
    allowance_sum = sum((a.amount for a in allowances), Decimal(0))
    charge_sum = sum((c.amount for c in charges), Decimal(0))
    assert totals.line_total == sum(billed, Decimal(0))
    assert totals.net == totals.line_total - allowance_sum + charge_sum
    assert totals.gross == totals.net + totals.vat
    assert totals.vat == sum((r.vat_amount for r in totals.breakdown), Decimal(0))
    assert totals.net == sum((r.taxable_amount for r in totals.breakdown), Decimal(0))
    for value in (totals.net, totals.vat, totals.gross, *totals.line_nets):
        assert value.as_tuple().exponent == -2
        assert str(value) != "-0.00"


@settings(deadline=None)
@given(st.lists(line_inputs, max_size=25))
def test_do_not_bill_lines_change_no_total(lines):
    with_excluded = invoice_totals(lines, "EUR")
    only_billed = invoice_totals([ln for ln in lines if not ln.do_not_bill], "EUR")
    assert (with_excluded.net, with_excluded.vat, with_excluded.gross) == (
        only_billed.net,
        only_billed.vat,
        only_billed.gross,
    )
    assert with_excluded.breakdown == only_billed.breakdown


# --- credit notes ---------------------------------------------------------------------------


@settings(deadline=None)
@given(st.lists(line_inputs, max_size=25))
def test_credit_note_totals_are_exact_negation(lines):
    invoice = invoice_totals(lines, "EUR")
    credit = invoice_totals(credit_note_lines(lines), "EUR")
    assert credit == -invoice
    # exact to the printed string, and never a negative zero
    assert [str(v) for v in credit.line_nets] == [str(v) for v in (-invoice).line_nets]
    assert all(str(v) != "-0.00" for v in (credit.net, credit.vat, credit.gross))


@settings(deadline=None)
@given(st.lists(line_inputs, max_size=15), adjustments, adjustments)
def test_credit_note_with_allowances_and_charges_is_exact_negation(lines, allowances, charges):
    invoice = invoice_totals(lines, "EUR", allowances, charges)
    credit = invoice_totals(
        credit_note_lines(lines),
        "EUR",
        credit_note_adjustments(allowances),
        credit_note_adjustments(charges),
    )
    assert credit == -invoice
    assert invoice.gross + credit.gross == 0


def test_credit_note_keeps_prices_positive_and_document_view_flips_signs():
    lines = [LineInput(d("2.5"), d("80"), S, d("19"))]
    credit_lines = credit_note_lines(lines)
    assert credit_lines[0].quantity == d("-2.5")
    assert credit_lines[0].unit_price == d("80")
    ledger = invoice_totals(credit_lines, "EUR")
    assert (ledger.net, ledger.vat, ledger.gross) == (d("-200.00"), d("-38.00"), d("-238.00"))
    document = credit_note_document_totals(ledger)
    assert document == invoice_totals(lines, "EUR")
    assert credit_note_document_quantity(credit_lines[0].quantity) == d("2.5")


# --- validation -----------------------------------------------------------------------------


def test_validate_lines_reports_all_problems_with_paths():
    lines = [
        LineInput(d("1"), d("-10"), S, d("19")),
        LineInput(d("1.00001"), d("0.0000001"), S, d("19")),
        LineInput(d("1"), d("10"), E, d("0")),
    ]
    problems = validate_lines(lines, "EUR")
    assert [(p.code, p.path) for p in problems] == [
        ("unit_price_negative", "lines[0].unit_price"),
        ("quantity_rounded", "lines[1].quantity"),
        ("unit_price_rounded", "lines[1].unit_price"),
        ("exemption_reason_required", "lines[2].exemption_reason"),
    ]
    assert codes(validate_lines(lines[1:2], "EUR")) == ["quantity_rounded", "unit_price_rounded"]


def test_line_input_refuses_float():
    with pytest.raises(TypeError):
        LineInput(1.5, d("1"), S, d("19"))  # type: ignore[arg-type]


# --- quantity sanity ------------------------------------------------------------------------


def test_quantity_problems_flag_billed_far_from_logged_and_huge_amounts():
    from faktura.core.invoice_math import quantity_problems

    def codes(**kw):
        base = {"quantity": Decimal("2"), "logged": Decimal("2"), "net_amount": Decimal("200")}
        return [p.code for p in quantity_problems("lines[0]", **{**base, **kw})]

    assert codes() == []
    assert codes(quantity=Decimal("6")) == []  # exactly the factor: fine
    assert codes(quantity=Decimal("6.01")) == ["quantity_implausible"]
    assert codes(quantity=Decimal("0.66")) == ["quantity_implausible"]
    assert codes(logged=None, quantity=Decimal("99")) == []  # a manual line has no logged time
    assert codes(net_amount=Decimal("100000.01")) == ["amount_implausible"]
    assert codes(net_amount=Decimal("-100000.01")) == ["amount_implausible"]
    assert codes(quantity=Decimal("60"), factor=Decimal("0"), max_amount=Decimal("0")) == []
    [problem] = quantity_problems(
        "lines[3]", quantity=Decimal("10"), logged=Decimal("1"), net_amount=Decimal("1")
    )
    assert (problem.severity, problem.path) == ("warning", "lines[3].quantity")
    assert dict(problem.params) == {"billed": "10", "logged": "1", "factor": "3"}
