"""Cash discount (Skonto, issue 12) in BT-20: a sentence in every format, and in XRechnung the
KoSIT line `#SKONTO#TAGE=n#PROZENT=n.nn#` followed by a line break (BR-DE-18)."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from faktura.einvoice.formats import build

from .factory import cash_discount, cash_discount_public_sector_en, two_rates
from .official import require_official_rules
from .reader import NS

require_official_rules()

TERMS = {
    "xrechnung-ubl": "//cac:PaymentTerms/cbc:Note",
    "peppol": "//cac:PaymentTerms/cbc:Note",
    "xrechnung-cii": "//ram:SpecifiedTradePaymentTerms/ram:Description",
    "facturx": "//ram:SpecifiedTradePaymentTerms/ram:Description",
}
# BR-DE-18 as the XRechnung schematron states it
SKONTO = re.compile(
    r"(^|\r?\n)#(SKONTO)#TAGE=([0-9]+#PROZENT=[0-9]+\.[0-9]{2})(#BASISBETRAG=-?[0-9]+\.[0-9]{2})?#$"
)


def _terms(xml: bytes, format_key: str) -> str:
    from lxml import etree

    [node] = etree.fromstring(xml).xpath(TERMS[format_key], namespaces=NS)
    return node.text


@pytest.mark.parametrize("format_key", ["xrechnung-ubl", "xrechnung-cii"])
def test_xrechnung_carries_the_kosit_line_and_a_line_break(format_key):
    text = _terms(build(cash_discount(), format_key), format_key)
    lines = text.split("\n")
    assert "#SKONTO#TAGE=10#PROZENT=2.00#" in lines
    assert text.endswith("#SKONTO#TAGE=10#PROZENT=2.00#\n")
    assert all(SKONTO.match(line) for line in lines if line.startswith("#"))
    assert "2 % Skonto bei Zahlung bis 12.05.2025: 1.670,01 EUR." in lines

    english = _terms(build(cash_discount_public_sector_en(), format_key), format_key)
    assert english.endswith("\n#SKONTO#TAGE=14#PROZENT=2.50#\n")
    assert "2.5 % cash discount if paid by 16 May 2025: 2,913.97 EUR." in english


@pytest.mark.parametrize("format_key", ["facturx", "peppol"])
def test_other_formats_state_the_discount_as_a_sentence(format_key):
    text = _terms(build(cash_discount(), format_key), format_key)
    assert "2 % Skonto bei Zahlung bis 12.05.2025: 1.670,01 EUR." in text
    assert "#" not in text


def test_no_discount_no_discount_text():
    invoice = two_rates()
    for format_key in TERMS:
        assert "Skonto" not in _terms(build(invoice, format_key), format_key)
    zero = replace(invoice, payment=replace(invoice.payment, cash_discount_days=0))
    assert "Skonto" not in _terms(build(zero, "xrechnung-ubl"), "xrechnung-ubl")


def test_the_validator_refuses_a_malformed_skonto_line(validator):
    # the check that passes Faktura's line is a real one: lower case fails BR-DE-18
    xml = build(cash_discount(), "xrechnung-ubl").replace(b"#SKONTO#", b"#skonto#")
    fatal = [p.rule for p in validator.validate(xml) if p.fatal]
    assert "BR-DE-18" in fatal
