"""The offer number format is a company setting like the invoice number format (the same
format rules from `core.numbering`); the offers' counter restarts every year, so the format
needs the year."""

from __future__ import annotations

import pytest

from tests.web.web_helpers import signed_in

LINE = {"title": "Workshop", "quantity": "1", "unit": "DAY", "unit_price": "960.00",
        "vat_rate": "19"}  # fmt: skip


@pytest.fixture
def customer(api, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    created = api.post("contacts", {"name": "Kunde GmbH", "email": "a@kunde.test"})
    assert created.status_code == 201
    return created.json()


def _send(api, customer) -> dict:
    offer = api.post("offers", {"contact_id": customer["id"], "title": "T", "lines": [LINE]})
    assert offer.status_code == 201, offer.content
    sent = api.post(f"offers/{offer.json()['id']}/send", {})
    assert sent.status_code == 200, sent.content
    return sent.json()


def test_the_company_sets_the_offer_number_format(api, customer):
    assert api.get("tenant").json()["offer_number_format"] == "A-{YYYY}-{seq:04}"
    first = _send(api, customer)
    year = first["offer_date"][:4]
    assert first["number"] == f"A-{year}-0001"

    changed = api.patch("tenant", {"offer_number_format": "ANG/{YY}/{seq:03}"})
    assert changed.status_code == 200, changed.content
    assert changed.json()["offer_number_format"] == "ANG/{YY}/{seq:03}"

    # the series goes on with the new format: the counter is the same
    assert _send(api, customer)["number"] == f"ANG/{year[2:]}/002"


@pytest.mark.parametrize(
    ("value", "code"),
    [("ANG-{seq:04}", "period"), ("ANG-{YYYY}", "seq"), ("ANG-{foo}-{seq}", "token"), ("", "")],
)
def test_a_bad_offer_number_format_answers_400_naming_the_field(api, value, code):
    refused = api.patch("tenant", {"offer_number_format": value})
    assert refused.status_code == 400, refused.content
    assert "offer_number_format" in refused.json()["error"]["fields"]
    assert api.get("tenant").json()["offer_number_format"] == "A-{YYYY}-{seq:04}"


def test_the_setting_is_on_the_company_page(owner):
    browser = signed_in(owner)
    page = browser.get("/settings/").content.decode()
    assert 'name="offer_number_format"' in page and 'value="A-{YYYY}-{seq:04}"' in page


def test_the_company_form_saves_the_offer_number_format(owner):
    from django.urls import reverse

    from tests.web.test_web_settings import form_data

    tenant = owner.tenant
    browser = signed_in(owner)
    saved = browser.post(
        reverse("web:settings"), form_data(tenant, offer_number_format="AN-{YY}-{seq}")
    )
    assert saved.status_code == 302
    tenant.refresh_from_db()
    assert tenant.offer_number_format == "AN-{YY}-{seq}"

    # without the year the page shows the error next to the field, and nothing changes
    bad = browser.post(reverse("web:settings"), form_data(tenant, offer_number_format="AN-{seq}"))
    assert "offer_number_format" in bad.context["form"].errors
    tenant.refresh_from_db()
    assert tenant.offer_number_format == "AN-{YY}-{seq}"
    # left out (an older form) or empty: the format stays
    kept = browser.post(reverse("web:settings"), form_data(tenant))
    assert kept.status_code == 302
    tenant.refresh_from_db()
    assert tenant.offer_number_format == "AN-{YY}-{seq}"
