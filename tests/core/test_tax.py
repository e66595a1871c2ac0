import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faktura.core.money import quantize_amount
from faktura.core.problems import codes
from faktura.core.tax import (
    CATEGORY_ORDER,
    DocumentAdjustment,
    TaxLine,
    VatBreakdownRow,
    VatCategory,
    parse_category,
    validate_tax_lines,
    vat_amount,
    vat_breakdown,
)

S, Z, E, AE, K, G, NS = (
    VatCategory.STANDARD,
    VatCategory.ZERO_RATED,
    VatCategory.EXEMPT,
    VatCategory.REVERSE_CHARGE,
    VatCategory.INTRA_COMMUNITY,
    VatCategory.EXPORT,
    VatCategory.NOT_SUBJECT,
)


def half_up(value: Fraction, places: int) -> Decimal:
    units = math.floor(abs(value) * 10**places + Fraction(1, 2))
    return Decimal(units if value >= 0 else -units).scaleb(-places)


def d(text: str) -> Decimal:
    return Decimal(text)


def test_categories_are_the_en16931_codes():
    assert [c.value for c in CATEGORY_ORDER] == ["S", "Z", "E", "AE", "K", "G", "O", "L", "M"]
    assert parse_category(" ae ") is AE
    assert parse_category("X") is None
    with pytest.raises(ValueError):
        TaxLine("X", d("0"), d("1.00"))  # type: ignore[arg-type]


def test_group_vat_differs_from_sum_of_rounded_line_vat():
    # given three lines of 0.99 at 19 %: per line 0.1881 -> 0.19, naive sum 0.57
    lines = [TaxLine(S, d("19"), d("0.99"))] * 3
    naive = sum(vat_amount(line.net_amount, line.rate) for line in lines)
    # when
    rows = vat_breakdown(lines)
    # then the group is rounded once: 2.97 x 19 % = 0.5643 -> 0.56
    assert naive == d("0.57")
    assert rows == [VatBreakdownRow(S, d("19.00"), d("2.97"), d("0.56"))]


def test_many_tiny_lines_are_taxed_as_a_group():
    rows = vat_breakdown([TaxLine(S, d("19"), d("0.02"))] * 10)
    assert rows[0].vat_amount == d("0.04")  # per line 0.0038 -> 0.00 would give 0.00


def test_breakdown_groups_by_category_and_rate_and_sorts():
    lines = [
        TaxLine(S, d("7"), d("10.00")),
        TaxLine(E, d("0"), d("5.00"), exemption_reason="Heilbehandlung, § 4 Nr. 14 UStG"),
        TaxLine(S, d("19.00"), d("100.00")),
        TaxLine(S, d("19"), d("0.50")),
        TaxLine(AE, d("0"), d("40.00")),
    ]
    rows = vat_breakdown(lines)
    assert [(r.category, str(r.rate)) for r in rows] == [
        (S, "7.00"),
        (S, "19.00"),
        (E, "0.00"),
        (AE, "0.00"),
    ]
    assert [str(r.taxable_amount) for r in rows] == ["10.00", "100.50", "5.00", "40.00"]
    assert [str(r.vat_amount) for r in rows] == ["0.70", "19.10", "0.00", "0.00"]
    assert rows[2].exemption_reason == "Heilbehandlung, § 4 Nr. 14 UStG"
    assert (rows[3].exemption_reason, rows[3].exemption_reason_code) == (
        "Reverse charge",
        "VATEX-EU-AE",
    )
    assert rows[0].exemption_reason == "" and rows[1].exemption_reason_code == ""


def test_allowances_and_charges_belong_to_their_group():
    lines = [TaxLine(S, d("19"), d("100.00")), TaxLine(S, d("7"), d("50.00"))]
    allowances = [DocumentAdjustment(d("10.00"), S, d("19"), reason="Rabatt")]
    charges = [
        DocumentAdjustment(d("5.00"), S, d("7")),
        DocumentAdjustment(d("3.00"), Z, d("0")),
    ]
    rows = vat_breakdown(lines, allowances, charges)
    assert [(r.category, r.rate, r.taxable_amount, r.vat_amount) for r in rows] == [
        (S, d("7.00"), d("55.00"), d("3.85")),
        (S, d("19.00"), d("90.00"), d("17.10")),
        (Z, d("0.00"), d("3.00"), d("0.00")),  # a group only a charge uses still gets a row
    ]


def test_breakdown_refuses_unrounded_amounts_and_rates():
    with pytest.raises(ValueError):
        vat_breakdown([TaxLine(S, d("19"), d("1.005"))])
    with pytest.raises(ValueError):
        vat_breakdown([TaxLine(S, d("19.125"), d("1.00"))])
    with pytest.raises(TypeError):
        TaxLine(S, 19.0, d("1.00"))  # type: ignore[arg-type]


def test_exemption_reason_is_dropped_for_standard_rate():
    rows = vat_breakdown([TaxLine(S, d("19"), d("1.00"), exemption_reason="oops")])
    assert rows[0].exemption_reason == ""


tax_lines = st.lists(
    st.builds(
        TaxLine,
        category=st.sampled_from([S, Z, E]),
        rate=st.sampled_from([d("0"), d("7"), d("19"), d("5.5"), d("8.1")]),
        net_amount=st.decimals(min_value=-10000, max_value=100000, places=2),
    ),
    max_size=40,
)


@given(tax_lines)
def test_breakdown_is_group_sum_times_rate_rounded_once(lines):
    rows = vat_breakdown(lines)
    keys = [(row.category, row.rate) for row in rows]
    assert len(set(keys)) == len(keys)
    assert keys == sorted(keys, key=lambda k: (CATEGORY_ORDER.index(k[0]), k[1]))
    for row in rows:
        group = [ln for ln in lines if (ln.category, ln.rate) == (row.category, row.rate)]
        taxable = sum(Fraction(ln.net_amount) for ln in group)
        assert row.taxable_amount == taxable
        assert row.vat_amount == half_up(taxable * Fraction(row.rate) / 100, 2)
    assert sum(row.taxable_amount for row in rows) == sum(ln.net_amount for ln in lines)


@given(tax_lines)
def test_breakdown_of_negated_lines_is_negated(lines):
    negated = [TaxLine(ln.category, ln.rate, -ln.net_amount) for ln in lines]
    assert vat_breakdown(negated) == [-row for row in vat_breakdown(lines)]


@given(st.decimals(min_value=-(10**6), max_value=10**6, places=2), st.integers(0, 2500))
def test_vat_amount_is_half_up_of_exact_product(taxable, rate_hundredths):
    rate = Decimal(rate_hundredths).scaleb(-2)
    expected = half_up(Fraction(taxable) * Fraction(rate) / 100, 2)
    assert vat_amount(taxable, rate) == expected == quantize_amount(expected)


# --- validation -----------------------------------------------------------------------------


def test_valid_lines_have_no_problems():
    lines = [
        TaxLine(S, d("19"), d("100.00")),
        TaxLine(S, d("7"), d("10.00")),
        TaxLine(Z, d("0"), d("1.00")),
        TaxLine(E, d("0"), d("5.00"), exemption_reason_code="VATEX-EU-132"),
    ]
    assert validate_tax_lines(lines) == []


@pytest.mark.parametrize("category", [Z, E, AE, K, G, NS])
def test_zero_rate_categories_need_rate_zero(category):
    reason = "" if category is Z else "a reason"
    problems = validate_tax_lines([TaxLine(category, d("19"), d("1.00"), reason)])
    assert codes(problems) == ["vat_rate_must_be_zero"]
    assert problems[0].path == "lines[0].vat_rate"


def test_rule_problems_name_code_and_path():
    lines = [
        TaxLine(S, d("0"), d("1.00")),
        TaxLine(E, d("0"), d("1.00")),
        TaxLine(S, d("-7"), d("1.00")),
        TaxLine(S, d("19.999"), d("1.00")),
        TaxLine(S, d("19"), d("1.001")),
        TaxLine(S, d("19"), d("1.00"), exemption_reason="not for S"),
    ]
    allowances = [DocumentAdjustment(d("1.00"), AE, d("19"))]
    problems = validate_tax_lines(lines, allowances)
    assert [(p.code, p.path, p.severity) for p in problems] == [
        ("vat_rate_must_be_positive", "lines[0].vat_rate", "error"),
        ("exemption_reason_required", "lines[1].exemption_reason", "error"),
        ("vat_rate_negative", "lines[2].vat_rate", "error"),
        ("vat_rate_precision", "lines[3].vat_rate", "error"),
        ("amount_precision", "lines[4].net_amount", "error"),
        ("exemption_reason_ignored", "lines[5].exemption_reason", "warning"),
        ("vat_rate_must_be_zero", "allowances[0].vat_rate", "error"),
    ]


def test_conflicting_exemption_reasons_in_one_group():
    lines = [
        TaxLine(E, d("0"), d("1.00"), exemption_reason="§ 4 Nr. 14 UStG"),
        TaxLine(E, d("0"), d("1.00"), exemption_reason="§ 4 Nr. 21 UStG"),
    ]
    problems = validate_tax_lines(lines)
    assert codes(problems) == ["exemption_reason_conflict"]
    assert problems[0].path == "lines[1].exemption_reason"


def test_not_subject_cannot_be_mixed():
    lines = [TaxLine(NS, d("0"), d("1.00")), TaxLine(S, d("19"), d("1.00"))]
    assert codes(validate_tax_lines(lines)) == ["not_subject_mixed"]
    assert validate_tax_lines([TaxLine(NS, d("0"), d("1.00"))]) == []
