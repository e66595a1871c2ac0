"""The pre-check billing shows on drafts: what would make an e-invoice invalid (errors) or
hard to process (warnings), for each format."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from faktura.core.problems import errors, warnings
from faktura.einvoice.formats import FORMAT_KEYS, build, problems
from faktura.einvoice.snapshot import Line, Payment

from .factory import (
    CASES,
    credit_note,
    exempt,
    not_subject,
    public_sector,
    reverse_charge,
    standard_rate,
    without_iban,
)

D = Decimal
XRECHNUNG = ("xrechnung-ubl", "xrechnung-cii")


def found(snapshot, format_key) -> dict[str, tuple[str, str]]:
    """code -> (severity, path)."""
    return {p.code: (p.severity, p.path) for p in problems(snapshot, format_key)}


@pytest.mark.parametrize("format_key", FORMAT_KEYS)
@pytest.mark.parametrize("case", list(CASES))
def test_the_valid_cases_have_no_errors(case, format_key):
    assert errors(problems(CASES[case](), format_key)) == []


def test_only_advisory_warnings_on_the_valid_cases():
    assert found(without_iban(), "facturx") == {
        "iban_missing": ("warning", "payment.iban"),
        "service_period_missing": ("warning", "service_period_start"),
    }
    # a credit note needs no IBAN (nobody pays the seller)
    assert warnings(problems(credit_note(), "xrechnung-ubl")) == []


def with_seller(snapshot, **changes):
    return replace(snapshot, seller=replace(snapshot.seller, **changes))


def with_buyer(snapshot, **changes):
    return replace(snapshot, buyer=replace(snapshot.buyer, **changes))


def test_seller_needs_a_vat_id_or_tax_number():
    invoice = with_seller(standard_rate(), vat_id="", tax_number="")
    for format_key in FORMAT_KEYS:
        assert found(invoice, format_key)["seller_tax_id_missing"] == ("error", "seller.vat_id")
    # a tax number alone is enough for domestic invoices when the register identifies the seller
    assert errors(problems(with_seller(standard_rate(), vat_id=""), "facturx")) == []


def test_without_vat_id_the_commercial_register_must_identify_the_seller():
    """BR-CO-26: BT-29, BT-30 or BT-31 must be there."""
    invoice = with_seller(standard_rate(), vat_id="", register="")
    assert found(invoice, "peppol")["seller_identifier_missing"] == ("error", "seller.register")
    assert found(with_seller(not_subject(), register=""), "facturx")[
        "seller_identifier_missing"
    ] == ("error", "seller.register")


def test_not_subject_without_tax_number_warns():
    invoice = with_seller(not_subject(), tax_number="")
    assert found(invoice, "facturx")["seller_tax_number_missing"][0] == "warning"


def test_reverse_charge_needs_both_vat_ids():
    invoice = reverse_charge()
    assert found(with_buyer(invoice, vat_id=""), "peppol")["buyer_vat_id_missing"] == (
        "error",
        "buyer.vat_id",
    )
    assert found(with_seller(invoice, vat_id=""), "facturx")["seller_vat_id_missing"] == (
        "error",
        "seller.vat_id",
    )


@pytest.mark.parametrize(
    ("vat_id", "code"), [("DE136695977", "vat_id_invalid"), ("136695976", "vat_id_prefix")]
)
def test_vat_ids_are_checked(vat_id, code):
    assert found(with_buyer(standard_rate(), vat_id=vat_id), "facturx")[code] == (
        "error",
        "buyer.vat_id",
    )
    # a non-EU VAT number only needs its country prefix
    assert "vat_id_invalid" not in found(
        with_buyer(standard_rate(), vat_id="CHE116281710MWST"), "facturx"
    )


def test_xrechnung_needs_a_buyer_reference_factur_x_does_not():
    invoice = with_buyer(replace(standard_rate(), po_number=""), customer_number="")
    for format_key in (*XRECHNUNG, "peppol"):
        assert found(invoice, format_key)["buyer_reference_missing"] == ("error", "buyer_reference")
    assert "buyer_reference_missing" not in found(invoice, "facturx")


def test_electronic_addresses_are_required_for_xrechnung_and_peppol():
    invoice = with_seller(with_buyer(standard_rate(), email=""), email="")
    for format_key in XRECHNUNG:
        codes = found(invoice, format_key)
        assert codes["buyer_electronic_address_missing"] == ("error", "buyer.email")
        assert codes["seller_electronic_address_missing"] == ("error", "seller.email")
        assert codes["seller_email_missing"] == ("error", "seller.email")
    # Peppol takes no e-mail address at all: the VAT IDs give both parties an EAS address
    assert "buyer_peppol_id_missing" not in found(invoice, "peppol")
    no_vat_ids = with_seller(with_buyer(invoice, vat_id=""), vat_id="")
    codes = found(no_vat_ids, "peppol")
    assert codes["buyer_peppol_id_missing"] == ("error", "buyer.peppol_id")
    assert codes["seller_peppol_id_missing"] == ("error", "seller.peppol_id")
    assert errors(problems(invoice, "facturx")) == []
    # a public customer is reached through its Leitweg-ID
    public = with_buyer(public_sector(), email="")
    assert "buyer_electronic_address_missing" not in found(public, "xrechnung-ubl")


def test_xrechnung_needs_the_seller_phone():
    invoice = with_seller(standard_rate(), phone="")
    for format_key in XRECHNUNG:
        assert found(invoice, format_key)["seller_phone_missing"] == ("error", "seller.phone")
    assert "seller_phone_missing" not in found(invoice, "peppol")


def test_address_parts():
    invoice = with_buyer(standard_rate(), postal_code="", city="", street="")
    for format_key in XRECHNUNG:
        codes = found(invoice, format_key)
        assert codes["buyer_postal_code_missing"] == ("error", "buyer.postal_code")
        assert codes["buyer_city_missing"] == ("error", "buyer.city")
        assert codes["buyer_street_missing"] == ("warning", "buyer.street")
    codes = found(invoice, "facturx")
    assert codes["buyer_postal_code_missing"][0] == "warning"
    assert codes["buyer_city_missing"][0] == "warning"
    assert found(with_seller(standard_rate(), country="Deutschland"), "peppol")[
        "seller_country_invalid"
    ] == ("error", "seller.country")
    assert (
        found(with_buyer(standard_rate(), name=" "), "peppol")["buyer_name_missing"][0] == "error"
    )


def test_leitweg_id_is_checked():
    invoice = with_buyer(public_sector(), leitweg_id="04011000-1234512345-07")
    assert found(invoice, "xrechnung-ubl")["leitweg_id_check"] == ("error", "buyer.leitweg_id")


def test_payment_account_is_checked():
    invoice = standard_rate()
    bad_iban = replace(invoice, payment=replace(invoice.payment, iban="DE89370400440532013001"))
    assert found(bad_iban, "facturx")["iban_invalid"] == ("error", "payment.iban")
    bad_bic = replace(invoice, payment=replace(invoice.payment, bic="COBADEF"))
    assert found(bad_bic, "facturx")["bic_invalid"] == ("error", "payment.bic")
    no_iban = replace(invoice, payment=Payment())
    for format_key in FORMAT_KEYS:
        assert found(no_iban, format_key)["iban_missing"] == ("warning", "payment.iban")


def test_lines_are_checked():
    invoice = standard_rate()
    assert found(replace(invoice, lines=()), "facturx")["lines_missing"] == ("error", "lines")
    lines = list(invoice.lines)
    lines[1] = replace(lines[1], unit="", title="")
    codes = found(replace(invoice, lines=tuple(lines)), "facturx")
    assert codes["line_unit_missing"] == ("error", "lines[1].unit")
    assert codes["line_name_missing"] == ("error", "lines[1].title")
    lines[1] = replace(invoice.lines[1], vat_category="X")
    assert found(replace(invoice, lines=tuple(lines)), "facturx")["vat_category_unknown"] == (
        "error",
        "lines[1].vat_category",
    )


def test_exempt_lines_need_a_reason():
    invoice = exempt()
    rows = tuple(
        replace(r, exemption_reason="", exemption_reason_code="") for r in invoice.vat_breakdown
    )
    codes = found(replace(invoice, vat_breakdown=rows), "facturx")
    assert codes["exemption_reason_required"] == ("error", "lines[0].exemption_reason")


def test_amounts_that_core_does_not_reproduce_are_errors():
    """The official rules tolerate VAT differences up to 1.00; the pre-check tolerates none."""
    invoice = standard_rate()
    lines = list(invoice.lines)
    lines[0] = replace(lines[0], net_amount=lines[0].net_amount + D("0.01"))
    codes = found(replace(invoice, lines=tuple(lines)), "facturx")
    assert codes["amount_mismatch"] == ("error", "lines[0].net_amount")
    rows = (replace(invoice.vat_breakdown[0], vat_amount=invoice.vat_breakdown[0].vat_amount + 1),)
    codes = found(replace(invoice, vat_breakdown=rows, vat_total=invoice.vat_total + 1), "peppol")
    assert codes["vat_breakdown_mismatch"] == ("error", "vat_breakdown")
    off_by_one = replace(invoice, vat_total=invoice.vat_total + 1)
    assert ("amount_mismatch", "vat_total") in [
        (p.code, p.path) for p in problems(off_by_one, "peppol")
    ]


def test_summed_per_line_vat_is_caught():
    """Three lines of 0.10 at 7 %: rounding each line's VAT gives 3 x 0.01 = 0.03, EN 16931
    rounds the group once: 0.30 x 7 % = 0.021 -> 0.02. A snapshot with 0.03 is an error."""
    line = Line("1", "Kabelbinder", D("1"), "C62", D("0.10"), D("0.10"), "S", D("7"))
    row = replace(standard_rate().vat_breakdown[0], rate=D("7"), taxable_amount=D("0.30"))
    invoice = replace(
        standard_rate(),
        lines=tuple(replace(line, id=str(i)) for i in (1, 2, 3)),
        line_total=D("0.30"),
        net_total=D("0.30"),
        vat_total=D("0.03"),
        gross_total=D("0.33"),
        vat_breakdown=(replace(row, vat_amount=D("0.03")),),
    )
    paths = [(p.code, p.path) for p in errors(problems(invoice, "facturx"))]
    assert paths == [
        ("amount_mismatch", "vat_total"),
        ("amount_mismatch", "gross_total"),
        ("vat_breakdown_mismatch", "vat_breakdown"),
    ]
    fixed = replace(
        invoice,
        vat_total=D("0.02"),
        gross_total=D("0.32"),
        vat_breakdown=(replace(row, vat_amount=D("0.02")),),
    )
    assert errors(problems(fixed, "facturx")) == []


def test_document_header_is_checked():
    invoice = standard_rate()
    assert found(replace(invoice, number=""), "facturx")["number_missing"] == ("error", "number")
    assert found(replace(invoice, currency="EURO"), "facturx")["currency_unknown"][0] == "error"
    assert found(replace(invoice, kind="offer"), "facturx")["kind_unknown"] == ("error", "kind")


def test_credit_note_without_the_corrected_invoice_warns():
    cn = replace(credit_note(), preceding_invoice_number="", preceding_invoice_date=None)
    assert found(cn, "xrechnung-ubl")["preceding_invoice_missing"] == (
        "warning",
        "preceding_invoice_number",
    )


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("0192:987654325", True),
        ("0192:987654321", False),  # mod 11 (PEPPOL-COMMON-R041)
        ("0208:0403019261", True),
        ("0208:0403019262", False),  # mod 97 (R043)
        ("0007:5560360793", True),
        ("0007:5560360794", False),  # Luhn (R049)
        ("0151:51824753556", True),
        ("0151:51824753557", False),  # ABN weights (R050)
    ],
)
def test_national_peppol_ids_are_checked_like_peppol_does(validator, value, valid):
    invoice = with_buyer(standard_rate(), peppol_id=value)
    codes = found(invoice, "peppol")
    assert ("peppol_id_value" not in codes) is valid
    fatal = [p.rule for p in validator.validate(build(invoice, "peppol")) if p.fatal]
    assert (fatal == []) is valid, fatal
