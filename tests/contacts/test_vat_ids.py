"""One VAT-ID check for contacts, the company profile and the e-invoice checks: an id with an EU
prefix must pass its check digits; a party outside the EU keeps its own id as given."""

from __future__ import annotations

import pytest

from faktura.einvoice.identifiers import vat_id_check


@pytest.mark.parametrize(
    ("value", "country", "expected"),
    [
        ("DE 136 695 976", "DE", ("DE136695976", None)),
        ("DE136695977", "DE", ("DE136695977", "vat_id_invalid")),
        ("ATU13585627", "", ("ATU13585627", None)),
        ("CHE-123.456.789 MWST", "CH", ("CHE123456789MWST", None)),
        ("GB980780684", "GB", ("GB980780684", None)),
        ("CHE-123.456.789", "DE", ("CHE123456789", "vat_id_not_eu")),
        ("123456789", "CH", ("123456789", "vat_id_prefix")),
        ("", "DE", ("", None)),
    ],
)
def test_vat_id_check(value, country, expected):
    assert vat_id_check(value, country) == expected


def test_a_swiss_customer_keeps_its_vat_id_as_given(api):
    r = api.post("contacts", {"name": "Zürich AG", "country": "CH", "vat_id": "CHE-123.456.789"})

    assert r.status_code == 201, r.content
    assert r.json()["vat_id"] == "CHE123456789"


def test_a_german_customer_needs_an_eu_vat_id(api):
    r = api.post("contacts", {"name": "Köln GmbH", "country": "DE", "vat_id": "CHE123456789"})

    assert r.status_code == 400
    assert set(r.json()["error"]["fields"]) == {"vat_id"}


def test_moving_a_customer_into_the_eu_checks_its_vat_id_again(api):
    contact = api.post("contacts", {"name": "Zürich AG", "country": "CH", "vat_id": "CHE123456789"})

    r = api.patch(f"contacts/{contact.json()['id']}", {"country": "AT"})

    assert r.status_code == 400
    assert set(r.json()["error"]["fields"]) == {"vat_id"}
    assert api.get(f"contacts/{contact.json()['id']}").json()["country"] == "CH"


def test_the_company_profile_uses_the_same_check(api):
    assert api.patch("tenant", {"vat_id": "DE136695977"}).status_code == 400
    r = api.patch("tenant", {"country": "CH", "vat_id": "CHE-123.456.789"})
    assert r.status_code == 200, r.content
    assert r.json()["vat_id"] == "CHE123456789"
