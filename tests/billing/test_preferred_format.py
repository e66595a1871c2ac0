"""Issue 9: issuing to a customer whose preferred e-invoice format cannot be valid is refused
(422 invoice_invalid, the missing fields named, no number taken), and the draft review shows
the same problem before Settle. Findings 2 and 3: XRechnung without BT-49 or without the
buyer's city and postcode used to be issued with no (or only an internal) warning."""

from __future__ import annotations

import pytest

from faktura.billing.models import Invoice, NumberSequence

ADDRESS = {"street": "Industriestraße 5", "postal_code": "70173", "city": "Stuttgart"}


@pytest.fixture
def company(api):
    r = api.patch("tenant", {"email": "rechnung@acme.test", "phone": "+49 30 1234567"})
    assert r.status_code == 200
    return r.json()


def _draft(api, **contact) -> int:
    contact_id = api.post("contacts", {"name": "Kunde GmbH", **contact}).json()["id"]
    draft = api.post("invoices", {"contact_id": contact_id}).json()
    line = {
        "title": "Beratung",
        "quantity": "2",
        "unit": "HUR",
        "unit_price": "100",
        "vat_rate": "19",
    }
    assert api.post(f"invoices/{draft['id']}/lines", line).status_code == 201
    return draft["id"]


def _refused(api, invoice_id: int) -> dict:
    # the draft review shows it first ...
    warnings = api.get(f"invoices/{invoice_id}").json()["warnings"]
    shown = {w["path"] for w in warnings if w["severity"] == "error"}
    # ... and issuing refuses it without taking a number
    r = api.post(f"invoices/{invoice_id}/issue")
    assert r.status_code == 422, r.content
    error = r.json()["error"]
    assert error["code"] == "invoice_invalid"
    assert set(error["fields"]) <= shown
    assert Invoice.objects.get(pk=invoice_id).number is None
    assert not NumberSequence.objects.filter(last_value__gt=0).exists()
    return error


@pytest.mark.parametrize("fmt", ["xrechnung-ubl", "xrechnung-cii"])
def test_xrechnung_without_a_buyer_electronic_address_is_refused(api, company, fmt):
    invoice_id = _draft(api, **ADDRESS, einvoice_format=fmt)
    error = _refused(api, invoice_id)
    assert "buyer.email" in error["fields"]
    assert "BT-49" in error["fields"]["buyer.email"]


def test_xrechnung_without_buyer_city_and_postcode_is_refused(api, company):
    invoice_id = _draft(api, email="ap@kunde.test", einvoice_format="xrechnung-ubl")
    error = _refused(api, invoice_id)
    assert {"buyer.city", "buyer.postal_code"} <= set(error["fields"])
    assert "BR-DE-8" in error["fields"]["buyer.city"]


def test_peppol_without_an_id_is_refused(api, company):
    invoice_id = _draft(api, **ADDRESS, email="ap@kunde.test", einvoice_format="peppol")
    error = _refused(api, invoice_id)
    assert set(error["fields"]) == {"buyer.peppol_id"}
    # a Peppol ID repairs it, and the Peppol document is stored and valid
    contact_id = Invoice.objects.get(pk=invoice_id).contact_id
    api.patch(f"contacts/{contact_id}", {"peppol_id": "0088:4000001000005"})
    issued = api.post(f"invoices/{invoice_id}/issue")
    assert issued.status_code == 200, issued.content
    peppol = api.get(f"invoices/{invoice_id}/einvoice", format="peppol")
    assert peppol.status_code == 200
    assert b'schemeID="0088">4000001000005<' in peppol.content


def test_public_customer_without_leitweg_id_or_address_cannot_get_xrechnung(api, company):
    # XRechnung was chosen by hand for a customer that has neither Leitweg-ID nor e-mail
    invoice_id = _draft(api, einvoice_format="xrechnung-ubl")
    error = _refused(api, invoice_id)
    assert {"buyer.email", "buyer.city", "buyer.postal_code"} <= set(error["fields"])


def test_a_public_customer_with_leitweg_id_is_issued_as_xrechnung(api, company):
    invoice_id = _draft(api, **ADDRESS, leitweg_id="04011000-1234512345-06")
    r = api.post(f"invoices/{invoice_id}/issue")
    assert r.status_code == 200, r.content
    formats = {row["format"]: row for row in r.json()["formats"]}
    assert formats["xrechnung-ubl"]["preferred"] and formats["xrechnung-ubl"]["available"]
    xml = api.get(f"invoices/{invoice_id}/einvoice", format="xrechnung-ubl").content
    assert b'<cbc:EndpointID schemeID="0204">04011000-1234512345-06<' in xml


def test_the_default_format_does_not_need_an_electronic_address(api, company):
    """Factur-X needs no BT-49: a customer without e-mail still gets its PDF, and the
    formats it cannot get say why."""
    invoice_id = _draft(api, **ADDRESS)
    draft = api.get(f"invoices/{invoice_id}").json()
    assert not [w for w in draft["warnings"] if w["severity"] == "error"]
    formats = {row["format"]: row for row in draft["formats"]}
    assert formats["facturx"]["available"] and formats["facturx"]["preferred"]
    assert not formats["xrechnung-ubl"]["available"]
    assert formats["xrechnung-ubl"]["fields"] == ["buyer.email"]
    assert api.post(f"invoices/{invoice_id}/issue").status_code == 200


def test_draft_formats_follow_the_company_profile(api):
    # the company has no phone and e-mail yet: XRechnung is not available, and says why
    invoice_id = _draft(api, **ADDRESS, email="ap@kunde.test")
    formats = {row["format"]: row for row in api.get(f"invoices/{invoice_id}").json()["formats"]}
    assert not formats["xrechnung-cii"]["available"]
    assert {"seller.phone", "seller.email"} <= set(formats["xrechnung-cii"]["fields"])
    assert formats["pdf"]["available"] and formats["facturx"]["available"]
