"""Peppol IDs and the preferred e-invoice format of customers and of the company (issue 9)."""

from __future__ import annotations

import pytest

from faktura.contacts.models import Contact


def test_a_contact_takes_a_peppol_id_and_a_format(api):
    r = api.post(
        "contacts",
        {
            "name": "Werft & Technik AG",
            "peppol_id": " 0088:4000001000005 ",
            "einvoice_format": "peppol",
        },
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["peppol_id"] == "0088:4000001000005"
    assert body["einvoice_format"] == "peppol"
    r = api.patch(f"contacts/{body['id']}", {"peppol_id": "9930:de136695976"})
    assert r.json()["peppol_id"] == "9930:DE136695976"
    r = api.patch(f"contacts/{body['id']}", {"einvoice_format": "xrechnung-cii"})
    assert r.json()["einvoice_format"] == "xrechnung-cii"


def test_the_format_defaults_by_kind_of_customer(api):
    business = api.post("contacts", {"name": "Bäckerei Kröger KG"}).json()
    assert business["einvoice_format"] == "facturx"
    assert business["peppol_id"] == ""
    public = api.post(
        "contacts", {"name": "Stadt Musterstadt", "leitweg_id": "04011000-1234512345-06"}
    ).json()
    assert public["einvoice_format"] == "xrechnung-ubl"
    # "" means automatic on an update too
    r = api.patch(f"contacts/{business['id']}", {"einvoice_format": ""})
    assert r.json()["einvoice_format"] == "facturx"


@pytest.mark.parametrize(
    "value",
    [
        "EM:rechnung@example.com",
        "4012345000009",
        "0088:4012345000008",
        "1234:x",
        "0204:123",
        "0192:987654321",
    ],
)
def test_an_invalid_peppol_id_is_a_400_naming_the_field(api, value):
    r = api.post("contacts", {"name": "Kunde", "peppol_id": value})
    assert r.status_code == 400
    assert set(r.json()["error"]["fields"]) == {"peppol_id"}
    assert not Contact.objects.exists()


@pytest.mark.parametrize("value", ["pdf", "ubl", None, "XRECHNUNG-UBL"])
def test_an_unknown_format_is_a_400_naming_the_field(api, value):
    contact = api.post("contacts", {"name": "Kunde"}).json()
    r = api.patch(f"contacts/{contact['id']}", {"einvoice_format": value})
    assert r.status_code == 400
    assert set(r.json()["error"]["fields"]) == {"einvoice_format"}


def test_the_company_takes_a_peppol_id(api):
    r = api.patch("tenant", {"peppol_id": "0088:4012345000009"})
    assert r.status_code == 200
    assert r.json()["peppol_id"] == "0088:4012345000009"
    r = api.patch("tenant", {"peppol_id": "EM:rechnung@acme.test"})
    assert r.status_code == 400
    assert set(r.json()["error"]["fields"]) == {"peppol_id"}
    assert api.get("tenant").json()["peppol_id"] == "0088:4012345000009"
    assert api.patch("tenant", {"peppol_id": ""}).json()["peppol_id"] == ""
