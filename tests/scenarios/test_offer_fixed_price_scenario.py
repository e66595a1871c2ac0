"""Issue 13: an offer is sent, accepted (a fixed-price project bills it), billed 30 % by a
partial invoice, issued, then by the final invoice that lists the offer's positions and deducts
the partial invoice with its VAT; both issued invoices pass the official rules of every format.
Through the HTTP API only; the invariants (tests/conftest) are checked afterwards on either
database."""

from __future__ import annotations

from decimal import Decimal

import facturx
import pytest
from django.core import mail

from einvoice.official import make_validator, require_official_rules

FORMATS = ("xrechnung-ubl", "xrechnung-cii", "peppol", "facturx")


@pytest.fixture(scope="module")
def validator():
    require_official_rules()
    return make_validator()


def _ok(response, status=200):
    assert response.status_code == status, response.content[:500]
    return response.json()


@pytest.fixture
def customer(api, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    _ok(api.patch("tenant", {"email": "rechnung@acme.test", "phone": "+49 30 1234567",
                             "iban": "DE89370400440532013000", "bic": "COBADEFFXXX"}))  # fmt: skip
    return _ok(
        api.post("contacts", {
            "name": "Kreis Nord", "street": "Industriestraße 5", "postal_code": "70173",
            "city": "Stuttgart", "email": "einkauf@kreis-nord.test",
            "vat_id": "DE136695976",
        }),
        201,
    )  # fmt: skip


def _valid_everywhere(api, validator, invoice_id: int) -> None:
    for fmt in FORMATS:
        r = api.get(f"invoices/{invoice_id}/einvoice", format=fmt)
        assert r.status_code == 200, (fmt, r.content[:300])
        fatal = [p for p in validator.validate(r.content) if p.fatal]
        assert fatal == [], (fmt, fatal)
    pdf = api.get(f"invoices/{invoice_id}/pdf")
    assert pdf.status_code == 200
    _name, xml = facturx.get_xml_from_pdf(pdf.content, check_xsd=True)
    assert [p for p in validator.validate(pdf.content) if p.fatal] == []
    assert xml


def test_offer_accepted_billed_partially_then_finally(api, customer, validator):
    # given a draft offer with two positions at 19 %
    offer = _ok(
        api.post("offers", {
            "contact_id": customer["id"], "title": "Relaunch Website",
            "valid_until": "2099-12-31",
            "lines": [
                {"title": "Konzept", "quantity": "1", "unit": "C62", "unit_price": "2500",
                 "vat_rate": "19"},
                {"title": "Umsetzung", "quantity": "40", "unit": "HUR", "unit_price": "93.33",
                 "vat_rate": "19"},
            ],
        }),
        201,
    )  # fmt: skip
    assert offer["totals"] == {"net": "6233.20", "vat": "1184.31", "gross": "7417.51"}
    assert (offer["status"], offer["number"]) == ("draft", None)

    # when it is sent, it takes the first number of its own series and goes out with its PDF
    sent = _ok(api.post(f"offers/{offer['id']}/send", {}))
    assert sent["status"] == "sent" and sent["number"].startswith("A-")
    assert sent["number"].endswith("-0001")
    [message] = mail.outbox
    assert message.to == ["einkauf@kreis-nord.test"]
    assert message.attachments[0][1][:5] == b"%PDF-"
    assert api.patch(f"offers/{offer['id']}", {"title": "x"}).status_code == 409

    # and accepted: a fixed-price single project for the net total
    accepted = _ok(api.post(f"offers/{offer['id']}/accept", {}))
    project = _ok(api.get(f"projects/{accepted['project_id']}"))
    assert (project["kind"], project["billing_model"]) == ("single", "fixed_price")
    assert Decimal(project["fixed_price"]) == Decimal("6233.20")
    pid = project["id"]

    # when 30 % are billed and issued
    partial = _ok(api.post(f"projects/{pid}/partial-invoice", {"percent": "30"}), 201)
    detail = _ok(api.get(f"invoices/{partial['id']}"))
    [line] = detail["lines"]
    assert line["title"].startswith("Abschlagsrechnung 1 (30")
    assert detail["totals"] == {"net": "1869.96", "vat": "355.29", "gross": "2225.25"}
    # a final invoice waits for the partial invoice to be issued
    assert api.post(f"projects/{pid}/final-invoice").json()["error"]["code"] == (
        "partial_invoice_not_issued"
    )
    issued_partial = _ok(api.post(f"invoices/{partial['id']}/issue"))
    _valid_everywhere(api, validator, partial["id"])

    # more than the remaining 70 % is refused, nothing is created
    over = api.post(f"projects/{pid}/partial-invoice", {"percent": "70.01"})
    assert over.status_code == 422 and over.json()["error"]["code"] == "partial_beyond_price"

    # then the final invoice lists the positions and deducts the partial one with its VAT
    final = _ok(api.post(f"projects/{pid}/final-invoice"), 201)
    detail = _ok(api.get(f"invoices/{final['id']}"))
    titles = [row["title"] for row in detail["lines"]]
    assert titles[:2] == ["Konzept", "Umsetzung"]
    assert titles[2].startswith(f"abzüglich Abschlagsrechnung {issued_partial['number']}")
    assert detail["lines"][2]["net_amount"] == "-1869.96"
    # remaining: 6233.20 - 1869.96 net; VAT 19 % of it; gross = offer gross - partial gross
    # (up to the cent the per-document VAT rounding may differ)
    assert detail["totals"]["net"] == "4363.24"
    assert detail["totals"]["vat"] == "829.02"
    assert detail["totals"]["gross"] == "5192.26"
    assert Decimal("5192.26") + Decimal("2225.25") == Decimal("7417.51")
    _ok(api.post(f"invoices/{final['id']}/issue"))
    _valid_everywhere(api, validator, final["id"])

    # a fixed price is billed once
    again = api.post(f"projects/{pid}/final-invoice")
    assert again.status_code == 409 and again.json()["error"]["code"] == "project_fully_billed"
    more = api.post(f"projects/{pid}/partial-invoice", {"amount": "1.00"})
    assert more.status_code == 409
    billing = _ok(api.get(f"projects/{pid}/billing"))
    assert (billing["billed"], billing["remaining"], billing["final"]) == (
        "6233.20", "0.00", True,
    )  # fmt: skip
