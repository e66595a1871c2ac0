import pytest

from faktura.contacts.models import Contact


def test_create_contact_with_defaults(api, tenant):
    r = api.post(
        "contacts",
        {"name": "Müller Maschinenbau GmbH", "street": "Werkstr. 5", "postal_code": "80331",
         "city": "München", "vat_id": "DE 136 695 976", "email": "rechnung@mueller.test"},
    )  # fmt: skip
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["vat_id"] == "DE136695976"
    assert body["currency"] == tenant.currency
    assert body["language"] == tenant.language
    assert body["customer_number"]
    assert body["tax_treatment"] == "domestic"


def test_reverse_charge_requires_vat_id(api):
    r = api.post(
        "contacts", {"name": "Wien GmbH", "country": "AT", "tax_treatment": "reverse_charge"}
    )
    assert r.status_code == 400
    assert r.json()["error"]["fields"] == {"vat_id": "Reverse charge needs the customer's VAT ID."}
    assert not Contact.objects.exists()
    r = api.post(
        "contacts",
        {"name": "Wien GmbH", "country": "AT", "tax_treatment": "reverse_charge",
         "vat_id": "ATU13585627"},
    )  # fmt: skip
    assert r.status_code == 201, r.json()


def test_exempt_requires_reason(api):
    r = api.post("contacts", {"name": "Verein e.V.", "tax_treatment": "exempt"})
    assert r.status_code == 400
    assert "exemption_reason" in r.json()["error"]["fields"]


def test_public_sector_contact_with_leitweg_id(api):
    r = api.post("contacts", {"name": "Stadt Musterhausen", "leitweg_id": "04011000-1234512345-06"})
    assert r.status_code == 201, r.json()
    assert r.json()["leitweg_id"] == "04011000-1234512345-06"
    r = api.post("contacts", {"name": "Stadt Falsch", "leitweg_id": "04011000-1234512345-07"})
    assert r.status_code == 400
    assert "leitweg_id" in r.json()["error"]["fields"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "A", "vat_id": "DE123456789"}, "vat_id"),
        ({"name": "A", "country": "Germany"}, "country"),
        ({"name": "A", "currency": "XYZ"}, "currency"),
        ({"name": "A", "language": "fr"}, "language"),
        ({"name": "A", "email": "nope"}, "email"),
        ({"name": "A", "tax_treatment": "offshore"}, "tax_treatment"),
        ({"name": "A", "payment_terms_days": 400}, "payment_terms_days"),
        ({"name": "A", "price_list_id": 999999}, "price_list_id"),
        ({"name": ""}, "name"),
        ({"name": 12}, "name"),
        ({}, "name"),
    ],
)
def test_bad_contact_input_is_400_naming_the_field(api, payload, field):
    r = api.post("contacts", payload)
    assert r.status_code == 400, r.json()
    assert field in r.json()["error"]["fields"], r.json()
    assert not Contact.objects.exists()


def test_patch_contact_and_duplicate_customer_number(api):
    a = api.post("contacts", {"name": "A GmbH", "customer_number": "K-1"}).json()
    b = api.post("contacts", {"name": "B GmbH"}).json()
    r = api.patch(f"contacts/{b['id']}", {"customer_number": "K-1"})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "duplicate"
    r = api.patch(f"contacts/{a['id']}", {"city": "Hamburg", "payment_terms_days": 30})
    assert r.status_code == 200
    assert (r.json()["city"], r.json()["payment_terms_days"]) == ("Hamburg", 30)


def test_list_filters_and_pagination(api):
    for i in range(7):
        api.post("contacts", {"name": f"Kunde {i}", "country": "AT" if i % 2 else "DE"})
    page = api.get("contacts", limit=3, offset=0).json()
    assert page["count"] == 7
    assert len(page["items"]) == 3
    assert api.get("contacts", country="AT").json()["count"] == 3
    assert api.get("contacts", search="Kunde 4").json()["count"] == 1


def test_list_query_count_is_constant(api, django_assert_max_num_queries):
    for i in range(30):
        api.post("contacts", {"name": f"Kunde {i}"})
    with django_assert_max_num_queries(8):
        assert api.get("contacts", limit=30).status_code == 200


@pytest.mark.parametrize("role", ["member", "approver"])
def test_roles_without_contact_management_cannot_write(api_as, role):
    client = api_as(role)
    assert client.get("contacts").status_code == 200
    assert client.post("contacts", {"name": "X"}).status_code == 403


def test_other_tenants_contact_is_404(api, other_api):
    theirs = other_api.post("contacts", {"name": "Secret Customer"}).json()
    assert api.get(f"contacts/{theirs['id']}").status_code == 404
    assert api.patch(f"contacts/{theirs['id']}", {"name": "Hijacked"}).status_code == 404
    assert Contact.objects.get(pk=theirs["id"]).name == "Secret Customer"
    assert all(c["name"] != "Secret Customer" for c in api.get("contacts").json()["items"])


@pytest.mark.parametrize(
    ("value", "stored"),
    [("CHE-123.456.789", "CHE123456789"), ("GB123456789", "GB123456789"),
     ("NO 923 609 016", "NO923609016")],
)  # fmt: skip
def test_non_eu_vat_ids_are_kept_in_compact_form(api, value, stored):
    response = api.post("contacts", {"name": "Export AG", "country": "CH", "vat_id": value})

    assert response.status_code == 201, response.content
    assert response.json()["vat_id"] == stored


@pytest.mark.parametrize("value", ["12345678", "X", "ZZ", "DE123"])
def test_vat_ids_without_country_code_or_check_digits_name_the_field(api, value):
    response = api.post("contacts", {"name": "Odd GmbH", "vat_id": value})

    assert response.status_code == 400
    assert "vat_id" in response.json()["error"]["fields"]


def test_a_wrong_leitweg_id_is_explained_in_the_readers_language(api):
    wrong = {"name": "Stadt Falsch", "leitweg_id": "04011000-1234512345-07"}

    english = api.post("contacts", wrong)
    german = api.post("contacts", wrong, HTTP_ACCEPT_LANGUAGE="de")

    assert english.status_code == german.status_code == 400
    assert english.json()["error"]["fields"]["leitweg_id"] == (
        "The check number does not match (expected 06)."
    )
    assert german.json()["error"]["fields"]["leitweg_id"] == (
        "Die Prüfziffer stimmt nicht (erwartet 06)."
    )
