"""Offers through the API: drafts, totals, the number series, sending, the customer's answer,
bad input and other tenants."""

from __future__ import annotations

import pytest
from django.core import mail

from faktura.offers.models import Offer, OfferNumberSequence

LINE = {"title": "Workshop", "quantity": "2", "unit": "DAY", "unit_price": "960.00",
        "vat_rate": "19"}  # fmt: skip


def _ok(response, status=200):
    assert response.status_code == status, response.content[:500]
    return response.json()


@pytest.fixture
def customer(api, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return _ok(
        api.post("contacts", {"name": "Müller Maschinenbau GmbH", "city": "Stuttgart",
                              "email": "einkauf@mueller.test", "language": "en"}),
        201,
    )  # fmt: skip


def _offer(api, customer, **extra) -> dict:
    body = {"contact_id": customer["id"], "title": "Network refresh", "lines": [LINE], **extra}
    return _ok(api.post("offers", body), 201)


def test_a_draft_is_totalled_like_an_invoice_and_changes_until_sent(api, customer):
    offer = _offer(api, customer)
    assert offer["totals"] == {"net": "1920.00", "vat": "364.80", "gross": "2284.80"}
    assert offer["language"] == "en" and offer["currency"] == "EUR"

    # a discount position (negative quantity) is a position like any other
    lines = [LINE, {**LINE, "title": "Goodwill", "quantity": "-1", "unit_price": "192.00"}]
    changed = _ok(api.patch(f"offers/{offer['id']}", {"lines": lines, "title": "Refresh"}))
    assert changed["title"] == "Refresh"
    assert [line["net_amount"] for line in changed["lines"]] == ["1920.00", "-192.00"]
    assert changed["totals"] == {"net": "1728.00", "vat": "328.32", "gross": "2056.32"}

    _ok(api.post(f"offers/{offer['id']}/send", {}))
    refused = api.patch(f"offers/{offer['id']}", {"title": "Other"})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "offer_not_draft"
    assert api.delete(f"offers/{offer['id']}").status_code == 409
    assert Offer.objects.get(pk=offer["id"]).title == "Refresh"


def test_sending_numbers_gaplessly_and_mails_the_pdf(api, customer):
    first, second, unsent = _offer(api, customer), _offer(api, customer), _offer(api, customer)

    a = _ok(api.post(f"offers/{second['id']}/send", {}))
    b = _ok(api.post(f"offers/{first['id']}/send", {"to": "boss@mueller.test"}))

    year = a["offer_date"][:4]
    assert (a["number"], b["number"]) == (f"A-{year}-0001", f"A-{year}-0002")
    assert [m.to for m in mail.outbox] == [["einkauf@mueller.test"], ["boss@mueller.test"]]
    assert mail.outbox[0].subject == f"Offer A-{year}-0001: Network refresh"
    name, content, mime = mail.outbox[0].attachments[0]
    assert (name, mime, content[:5]) == (f"offer-A-{year}-0001.pdf", "application/pdf", b"%PDF-")
    # sending again resends, the number stays
    again = _ok(api.post(f"offers/{second['id']}/send", {}))
    assert again["number"] == a["number"] and len(mail.outbox) == 3
    assert OfferNumberSequence.objects.get().last_value == 2
    assert _ok(api.get(f"offers/{unsent['id']}"))["number"] is None


def test_an_empty_offer_or_one_without_recipient_takes_no_number(api, customer):
    empty = _ok(api.post("offers", {"contact_id": customer["id"], "title": "Empty"}), 201)
    r = api.post(f"offers/{empty['id']}/send", {})
    assert r.status_code == 422 and r.json()["error"]["code"] == "offer_empty"
    silent = _ok(api.post("contacts", {"name": "No Mail GmbH"}), 201)
    offer = _offer(api, silent)
    r = api.post(f"offers/{offer['id']}/send", {})
    assert r.status_code == 422 and r.json()["error"]["code"] == "no_recipient"
    assert not OfferNumberSequence.objects.filter(last_value__gt=0).exists()
    assert mail.outbox == []


def test_accept_links_a_project_of_the_customer_and_decline_ends_an_offer(api, customer):
    offer = _offer(api, customer)
    early = api.post(f"offers/{offer['id']}/accept", {})
    assert early.status_code == 409 and early.json()["error"]["code"] == "offer_not_sent"
    _ok(api.post(f"offers/{offer['id']}/send", {}))
    other = _ok(api.post("contacts", {"name": "Other GmbH"}), 201)
    foreign = _ok(api.post("projects", {"name": "Theirs", "contact_id": other["id"]}), 201)
    own = _ok(api.post("projects", {"name": "Ours", "contact_id": customer["id"]}), 201)

    wrong = api.post(f"offers/{offer['id']}/accept", {"project_id": foreign["id"]})
    assert wrong.status_code == 400 and "project_id" in wrong.json()["error"]["fields"]
    accepted = _ok(api.post(f"offers/{offer['id']}/accept", {"project_id": own["id"]}))
    assert accepted["status"] == "accepted" and accepted["project_id"] == own["id"]
    project = _ok(api.get(f"projects/{own['id']}"))
    assert (project["billing_model"], project["kind"], project["fixed_price"]) == (
        "fixed_price", "single", "1920.00",
    )  # fmt: skip
    assert api.post(f"offers/{offer['id']}/decline").status_code == 409

    declined = _offer(api, customer)
    _ok(api.post(f"offers/{declined['id']}/send", {}))
    assert _ok(api.post(f"offers/{declined['id']}/decline"))["status"] == "declined"
    assert [o["status"] for o in _ok(api.get("offers", status="declined"))["items"]] == ["declined"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": ""}, "title"),
        ({"lines": [{**LINE, "unit_price": "-1"}]}, "unit_price"),
        ({"lines": [{**LINE, "vat_rate": "101"}]}, "vat_rate"),
        ({"lines": [{**LINE, "quantity": "1.00001"}]}, "quantity"),
        ({"lines": [{**LINE, "unit": "XXX"}]}, "lines[0].unit"),
        ({"lines": [{**LINE, "vat_rate": None}]}, "lines[0].vat_rate"),
        ({"lines": [{**LINE, "product_id": 999999}]}, "lines[0].product_id"),
        ({"contact_id": 999999}, "contact_id"),
    ],
)
def test_bad_input_names_the_field_and_creates_nothing(api, customer, body, field):
    r = api.post("offers", {"contact_id": customer["id"], "title": "T", **body})
    assert r.status_code == 400, r.content
    assert any(field in name for name in r.json()["error"]["fields"]), r.json()
    assert not Offer.objects.exists()


def test_another_tenants_offer_is_not_found(api, other_api, customer):
    offer = _offer(api, customer)
    for call in (
        other_api.get(f"offers/{offer['id']}"),
        other_api.patch(f"offers/{offer['id']}", {"title": "Mine"}),
        other_api.post(f"offers/{offer['id']}/send", {}),
        other_api.get(f"offers/{offer['id']}/pdf"),
    ):
        assert call.status_code == 404
    assert _ok(other_api.get("offers"))["count"] == 0
    r = other_api.post("offers", {"contact_id": customer["id"], "title": "T"})
    assert r.status_code == 400 and "contact_id" in r.json()["error"]["fields"]


def test_the_pdf_is_rendered_in_the_customers_language(api, customer):
    offer = _offer(api, customer)
    r = api.get(f"offers/{offer['id']}/pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r.content[:5] == b"%PDF-"


def test_a_member_without_invoice_rights_cannot_send(api_as, api, customer):
    offer = _offer(api, customer)
    r = api_as("member").post(f"offers/{offer['id']}/send", {})
    assert r.status_code == 403
