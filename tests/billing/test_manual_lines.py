"""Manual lines: what a reviewer may type in."""

from __future__ import annotations

import pytest

from faktura.billing.inputs import InvoiceCreate
from faktura.billing.services.invoices import invoice_create

LINE = {"title": "Travel Hamburg", "quantity": "1", "unit": "C62", "unit_price": "100"}


@pytest.mark.parametrize("rate", ["100.01", "999", "-1"])
def test_a_vat_rate_outside_0_to_100_percent_is_refused(world, api, rate):
    draft = invoice_create(world.ctx, data=InvoiceCreate(contact_id=world.contact().pk))

    response = api.post(f"invoices/{draft.pk}/lines", {**LINE, "vat_rate": rate})

    assert response.status_code == 400
    assert "vat_rate" in response.json()["error"]["fields"]
    assert not draft.lines.exists()


REASON = "Steuerfrei nach § 4 Nr. 8 UStG"


def test_an_exempt_manual_line_names_its_reason(world, api):
    # given: a domestic customer (no exemption reason of its own)
    draft = invoice_create(world.ctx, data=InvoiceCreate(contact_id=world.contact().pk))
    url = f"invoices/{draft.pk}/lines"

    # an exempt line without a reason is refused, naming the field
    missing = api.post(url, {**LINE, "vat_category": "E"})
    assert missing.status_code == 400
    assert list(missing.json()["error"]["fields"]) == ["exemption_reason"]
    # a reason on a line that is not exempt is refused too
    stray = api.post(url, {**LINE, "vat_rate": "19", "exemption_reason": REASON})
    assert stray.status_code == 400
    assert list(stray.json()["error"]["fields"]) == ["exemption_reason"]
    assert not draft.lines.exists()

    line = api.post(url, {**LINE, "vat_category": "E", "exemption_reason": REASON}).json()
    assert (line["vat_category"], line["vat_rate"], line["exemption_reason"]) == (
        "E",
        "0.00",
        REASON,
    )
    detail = api.get(f"invoices/{draft.pk}").json()
    [row] = detail["vat_breakdown"]
    assert (row["category"], row["exemption_reason"]) == ("E", REASON)

    # a changed rate keeps the reason; a new reason replaces it; leaving E drops it
    patch = f"{url}/{line['id']}"
    assert api.patch(patch, {"vat_rate": "0"}).json()["exemption_reason"] == REASON
    changed = api.patch(patch, {"exemption_reason": "Steuerfrei nach § 4 Nr. 11 UStG"})
    assert changed.json()["exemption_reason"] == "Steuerfrei nach § 4 Nr. 11 UStG"
    no_rate = api.patch(patch, {"vat_category": "S"})
    assert no_rate.status_code == 400 and list(no_rate.json()["error"]["fields"]) == ["vat_rate"]
    standard = api.patch(patch, {"vat_category": "S", "vat_rate": "19"}).json()
    assert (standard["vat_category"], standard["exemption_reason"]) == ("S", "")
    zero = api.patch(patch, {"vat_category": "Z"}).json()  # the rate follows the category
    assert (zero["vat_category"], zero["vat_rate"]) == ("Z", "0.00")
    wrong = api.patch(patch, {"vat_rate": "7"})
    assert wrong.status_code == 400 and list(wrong.json()["error"]["fields"]) == ["vat_rate"]
