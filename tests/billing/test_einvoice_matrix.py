"""Issue 9: every document Faktura stores for a case matrix of customers passes the official
rules of its format, and a format that cannot be valid is not offered, with the reason.

Each case is a customer and a draft made through the API, issued, and downloaded in every
format. An offered format must pass validate.py with 0 fatal findings (XSD, EN 16931,
XRechnung or Peppol BIS by its BT-24; for the PDF its embedded Factur-X XML), contain no
empty element, and recompute exactly: every line net = quantity x unit price rounded once,
and the totals from the lines. A format not offered answers 422 with its reason.

Titles with emoji are checked in the XML formats only (tests/einvoice, case unicode_titles):
the PDF renderer of this branch has no emoji font.
"""

from __future__ import annotations

from typing import Any

import facturx
import pytest

from einvoice.official import empty_elements, make_validator, require_official_rules
from einvoice.reader import parse
from einvoice.recompute import differences
from faktura.core.invoice_math import line_net

ALL = {"pdf", "facturx", "xrechnung-ubl", "xrechnung-cii", "peppol"}
NO_PEPPOL = ALL - {"peppol"}
PDF_ONLY = {"pdf", "facturx"}
ADDRESS = {"street": "Industriestraße 5", "postal_code": "70173", "city": "Stuttgart"}
EMAIL = {"email": "rechnung@kunde.test"}
EXPORT = {"tax_treatment": "export", "language": "en"}


def line(title: str, quantity: str, unit_price: str, rate: str = "19", **extra: Any) -> dict:
    return {
        "title": title, "quantity": quantity, "unit": "HUR", "unit_price": unit_price,
        "vat_rate": rate, **extra,
    }  # fmt: skip


# case -> (contact fields, lines, currency, formats offered)
CASES: dict[str, tuple[dict, list[dict], str, set[str]]] = {
    "domestic_19_and_7": (
        {"name": "Müller Maschinenbau GmbH", **ADDRESS, **EMAIL},
        [line("IT-Beratung", "12.5", "95.00"), line("Fachbuch", "3", "49.90", "7")],
        "EUR",
        NO_PEPPOL,  # no VAT ID, no Peppol ID: no EAS address for Peppol
    ),
    "reverse_charge": (
        {
            "name": "Donau Logistik GmbH",
            "street": "Hafenstraße 7",
            "postal_code": "4020",
            "city": "Linz",
            "country": "AT",
            "vat_id": "ATU13585627",
            "tax_treatment": "reverse_charge",
            "language": "en",
            **EMAIL,
        },
        [line("Consulting", "16", "110.00"), line("Licence setup", "1", "250.00")],
        "EUR",
        ALL,  # Peppol: 9914:ATU13585627 derived from the VAT ID
    ),
    "export_usd": (
        {
            "name": "Acme Widgets Inc.",
            "street": "500 Market Street",
            "postal_code": "94105",
            "city": "San Francisco",
            "country": "US",
            "peppol_id": "0088:4000001000005",
            "currency": "USD",
            **EXPORT,
            **EMAIL,
        },
        [line("Rack server, refurbished", "3", "1333.33")],
        "USD",
        ALL,
    ),
    "export_chf": (
        {
            "name": "Alpen Präzision AG",
            "street": "Bahnhofstrasse 10",
            "postal_code": "8001",
            "city": "Zürich",
            "country": "CH",
            "vat_id": "CHE116281710MWST",
            "currency": "CHF",
            **EXPORT,
            **EMAIL,
        },
        [line("Remote support", "7.25", "145.50")],
        "CHF",
        ALL,  # Peppol: 9927 (Swiss VAT number)
    ),
    "export_jpy": (
        {
            "name": "Sakura Seiki K.K.",
            "street": "1-2-3 Marunouchi",
            "postal_code": "100-0005",
            "city": "Tokyo",
            "country": "JP",
            "currency": "JPY",
            **EXPORT,
            **EMAIL,
        },
        [line("Industrial PC licence", "3", "1999.50"), line("Support", "1.25", "12345")],
        "JPY",
        NO_PEPPOL,
    ),
    "export_kwd": (
        {
            "name": "Gulf Data Centre W.L.L.",
            "street": "Al Soor Street 12",
            "postal_code": "13001",
            "city": "Kuwait City",
            "country": "KW",
            "currency": "KWD",
            "peppol_id": "0088:4000001000005",
            **EXPORT,
            **EMAIL,
        },
        [line("Colocation", "2.5", "4.123"), line("Bandwidth", "1234.5678", "0.012345")],
        "KWD",
        ALL,
    ),
    "exempt_with_reason": (
        {
            "name": "Berufsschule Nord gGmbH",
            **ADDRESS,
            **EMAIL,
            "tax_treatment": "exempt",
            "exemption_reason": "Steuerfrei nach § 4 Nr. 21 UStG (Bildungsleistung)",
        },
        [line("Schulung IT-Sicherheit", "2", "1200.00")],
        "EUR",
        NO_PEPPOL,
    ),
    "zero_rated": (
        {"name": "Solar Nord GmbH", **ADDRESS, **EMAIL},
        [line("Photovoltaikanlage 9,8 kWp", "1", "14500.00", "0", vat_category="Z")],
        "EUR",
        NO_PEPPOL,
    ),
    "public_with_leitweg_id": (
        {"name": "Stadt Musterstadt", **ADDRESS, "leitweg_id": "04011000-1234512345-06"},
        [line("Wartung Fachverfahren", "6.75", "98.00")],
        "EUR",
        ALL,  # BT-49 and Peppol: 0204:<Leitweg-ID>; preferred: XRechnung (UBL)
    ),
    "only_a_name": (
        {"name": "Nur Ein Name"},
        [line("Beratung", "1", "100.00")],
        "EUR",
        PDF_ONLY,  # XRechnung needs BT-49, city and postcode; Peppol an EAS address
    ),
    "without_email": (
        {"name": "Ohne Mail GmbH", **ADDRESS},
        [line("Beratung", "2", "100.00")],
        "EUR",
        PDF_ONLY,  # XRechnung needs the buyer's electronic address BT-49
    ),
    "greek_cyrillic_xml_specials": (
        {"name": "Müller & Söhne <Maschinenbau> GmbH", **ADDRESS, **EMAIL},
        [
            line("Συντήρηση διακομιστή – Αθήνα", "1", "450.00"),
            line("Обслуживание сервера, Москва", "3.5", "95.00", "7"),
            line("R&D <Phase 2> & \"QA\" 'final'", "1", "10.00"),
        ],
        "EUR",
        NO_PEPPOL,
    ),
    "peppol_customer": (
        {
            "name": "Werft & Technik AG",
            **ADDRESS,
            "peppol_id": "0088:4000001000005",
            "einvoice_format": "peppol",
        },
        [line("Beratung", "4", "120.00")],
        "EUR",
        ALL,
    ),
    "xrechnung_cii_customer": (
        {"name": "Kreis Nord", **ADDRESS, **EMAIL, "einvoice_format": "xrechnung-cii"},
        [line("Beratung", "4", "120.00")],
        "EUR",
        NO_PEPPOL,
    ),
}


@pytest.fixture(scope="module")
def validator():
    require_official_rules()
    return make_validator()


@pytest.fixture
def company(api):
    """A company profile as XRechnung needs it (seller contact with e-mail and phone)."""
    r = api.patch(
        "tenant",
        {
            "email": "rechnung@acme.test",
            "phone": "+49 30 1234567",
            "iban": "DE89370400440532013000",
            "bic": "COBADEFFXXX",
        },
    )
    assert r.status_code == 200, r.content
    return r.json()


def _issue(api, contact: dict, lines: list[dict], currency: str) -> dict:
    created = api.post("contacts", contact)
    assert created.status_code == 201, created.content
    draft = api.post("invoices", {"contact_id": created.json()["id"], "currency": currency})
    assert draft.status_code == 201, draft.content
    for item in lines:
        r = api.post(f"invoices/{draft.json()['id']}/lines", item)
        assert r.status_code == 201, r.content
    issued = api.post(f"invoices/{draft.json()['id']}/issue")
    assert issued.status_code == 200, issued.content
    return issued.json()


def _xml_of(fmt: str, content: bytes) -> bytes:
    if fmt in ("pdf", "facturx"):
        _name, xml = facturx.get_xml_from_pdf(content, check_xsd=True)
        return xml
    return content


def _check_documents(api, validator, invoice: dict, offered: set[str]) -> None:
    formats = {row["format"]: row for row in invoice["formats"]}
    assert list(formats) == ["pdf", "facturx", "xrechnung-ubl", "xrechnung-cii", "peppol"]
    assert {key for key, row in formats.items() if row["available"]} == offered
    for fmt, row in formats.items():
        path = f"invoices/{invoice['id']}/" + ("pdf" if fmt == "pdf" else "einvoice")
        r = api.get(path) if fmt == "pdf" else api.get(path, format=fmt)
        if fmt not in offered:
            assert row["reason"] and row["fields"], row
            assert r.status_code == 422, (fmt, r.content[:300])
            error = r.json()["error"]
            assert error["code"] == "einvoice_format_unavailable"
            assert set(error["fields"]) == set(row["fields"])
            continue
        assert r.status_code == 200, (fmt, r.content[:300])
        assert row["reason"] == "" and row["fields"] == []
        fatal = [p for p in validator.validate(r.content) if p.fatal]
        assert fatal == [], (fmt, fatal)
        xml = _xml_of(fmt, r.content)
        assert empty_elements(xml) == [], fmt
        doc = parse(xml)
        assert differences(doc) == [], fmt
        for parsed in doc.lines:  # quantity x unit price, rounded once
            assert parsed.net == line_net(parsed.quantity, parsed.price), (fmt, parsed)


@pytest.mark.parametrize("case", list(CASES))
def test_every_offered_format_is_valid_and_the_others_say_why(api, company, validator, case):
    contact, lines, currency, offered = CASES[case]
    # given an issued invoice to the case's customer
    invoice = _issue(api, contact, lines, currency)
    # then the preferred format is among the offered ones, each offered one is valid
    preferred = [row["format"] for row in invoice["formats"] if row["preferred"]]
    assert len(preferred) == 1 and preferred[0] in offered
    _check_documents(api, validator, invoice, offered)


@pytest.mark.parametrize("case", ["domestic_19_and_7", "reverse_charge", "export_jpy"])
def test_credit_notes_are_valid_in_every_format_offered(api, company, validator, case):
    contact, lines, currency, offered = CASES[case]
    invoice = _issue(api, contact, lines, currency)
    r = api.post(f"invoices/{invoice['id']}/void", {"release_entries": False})
    assert r.status_code == 201, r.content
    note = api.get(f"invoices/{r.json()['id']}").json()
    assert note["kind"] == "credit_note"
    _check_documents(api, validator, note, offered)
