"""Issue 13: a discount on a draft is a line with a negative quantity at a positive unit
price ("Goodwill -10 %"), in its VAT group. EN 16931 allows negative line net amounts (BT-131)
but no negative item price (BR-27); a line keeps the discount's VAT next to the lines it
reduces and needs no document-level allowance (BG-20), whose reason codes and VAT groups
XRechnung and Peppol check separately. Every format of the issued invoice passes the official
rules."""

from __future__ import annotations

import facturx
import pytest

from einvoice.official import make_validator, require_official_rules


@pytest.fixture(scope="module")
def validator():
    require_official_rules()
    return make_validator()


def _ok(response, status=200):
    assert response.status_code == status, response.content[:500]
    return response.json()


def test_a_discount_line_is_valid_in_every_format(api, validator):
    _ok(api.patch("tenant", {"email": "rechnung@acme.test", "phone": "+49 30 1234567",
                             "iban": "DE89370400440532013000", "bic": "COBADEFFXXX"}))  # fmt: skip
    customer = _ok(
        api.post("contacts", {"name": "Kreis Nord", "street": "Industriestraße 5",
                              "postal_code": "70173", "city": "Stuttgart",
                              "email": "einkauf@kreis-nord.test", "vat_id": "DE136695976"}),
        201,
    )  # fmt: skip
    draft = _ok(api.post("invoices", {"contact_id": customer["id"]}), 201)
    url = f"invoices/{draft['id']}/lines"
    _ok(api.post(url, {"title": "Support", "quantity": "10", "unit": "HUR",
                       "unit_price": "120.00", "vat_rate": "19"}), 201)  # fmt: skip
    _ok(api.post(url, {"title": "Lieferung", "quantity": "1", "unit": "C62",
                       "unit_price": "50.00", "vat_rate": "7"}), 201)  # fmt: skip
    discount = _ok(
        api.post(url, {"title": "Goodwill -10 %", "quantity": "-1", "unit": "C62",
                       "unit_price": "120.00", "vat_rate": "19"}),
        201,
    )  # fmt: skip
    assert discount["net_amount"] == "-120.00"
    # a negative unit price is refused: the sign belongs to the quantity (BR-27)
    negative = api.post(url, {"title": "x", "quantity": "1", "unit": "C62",
                              "unit_price": "-1", "vat_rate": "19"})  # fmt: skip
    assert negative.status_code == 400 and "unit_price" in negative.json()["error"]["fields"]

    detail = _ok(api.get(f"invoices/{draft['id']}"))
    # 19 %: 1200 - 120 = 1080 -> 205.20 VAT; 7 %: 50 -> 3.50
    assert detail["totals"] == {"net": "1130.00", "vat": "208.70", "gross": "1338.70"}
    issued = _ok(api.post(f"invoices/{draft['id']}/issue"))

    for fmt in ("xrechnung-ubl", "xrechnung-cii", "peppol", "facturx"):
        r = api.get(f"invoices/{issued['id']}/einvoice", format=fmt)
        assert r.status_code == 200, (fmt, r.content[:300])
        assert [p for p in validator.validate(r.content) if p.fatal] == [], fmt
    pdf = api.get(f"invoices/{issued['id']}/pdf")
    _name, xml = facturx.get_xml_from_pdf(pdf.content, check_xsd=True)
    assert b"-120.00" in xml
