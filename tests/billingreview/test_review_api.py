"""The billing review over HTTP: start, decide, preview, issue; bad input and other tenants."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from faktura.billing.models import Invoice


def _setup(world):
    contact = world.contact()
    task = world.task(world.project(contact, hourly_rate=Decimal("80")))
    entries = [world.entry(task, minutes=60, day=dt.date(2026, 3, d)) for d in (2, 3, 4)]
    return contact, entries


def _start(api, contact):
    return api.post(
        "billing-reviews",
        {"contact_id": contact.pk, "period_start": "2026-03-01", "period_end": "2026-03-31"},
    )


def test_walk_through_the_review(api, world):
    contact, (a, b, c) = _setup(world)

    started = _start(api, contact)
    assert started.status_code == 201, started.content
    review = started.json()
    assert [e["entry_id"] for e in review["entries"]] == [a.pk, b.pk, c.pk]
    assert review["totals"]["bill_hours"] == "3.0000"
    assert review["totals"]["bill_amount"] == "240.00"
    assert review["frame_orders"] == []

    patched = api.patch(
        f"billing-reviews/{review['id']}",
        {
            "decisions": {str(b.pk): "defer", str(c.pk): "write_off"},
            "write_off_reason": "Onboarding",
            "po_number": "PO-9",
        },
    )
    assert patched.status_code == 200, patched.content
    assert patched.json()["totals"]["bill_amount"] == "80.00"
    assert api.get(f"billing-reviews/{review['id']}").json()["po_number"] == "PO-9"

    preview = api.get(f"billing-reviews/{review['id']}/preview")
    assert preview.status_code == 200, preview.content
    body = preview.json()
    assert (body["invoice"]["net"], body["invoice"]["gross"]) == ("80.00", "95.20")
    pdf = api.get(body["pdf"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    issued = api.post(f"billing-reviews/{review['id']}/issue", HTTP_IDEMPOTENCY_KEY="k-1")
    assert issued.status_code == 201, issued.content
    invoice = issued.json()
    assert invoice["status"] == "issued" and invoice["number"] == "2026-0001"
    assert invoice["totals"]["net"] == "80.00"
    replay = api.post(f"billing-reviews/{review['id']}/issue", HTTP_IDEMPOTENCY_KEY="k-1")
    assert replay.status_code == 201 and replay.json()["id"] == invoice["id"]
    again = api.post(f"billing-reviews/{review['id']}/issue")
    assert again.status_code == 409 and again.json()["error"]["code"] == "review_not_open"
    assert Invoice.objects.filter(tenant=world.tenant).count() == 1


def test_second_review_of_the_same_entries_answers_409(api, world):
    contact, _ = _setup(world)
    first, second = _start(api, contact).json(), _start(api, contact).json()
    assert api.post(f"billing-reviews/{first['id']}/draft").status_code == 201
    lost = api.post(f"billing-reviews/{second['id']}/issue")
    assert lost.status_code == 409
    assert lost.json()["error"]["code"] == "review_entries_taken"


def test_bad_input_names_the_field(api, world):
    contact, _ = _setup(world)
    backwards = api.post(
        "billing-reviews",
        {"contact_id": contact.pk, "period_start": "2026-03-31", "period_end": "2026-03-01"},
    )
    assert backwards.status_code == 400
    review = _start(api, contact).json()
    bad = api.patch(f"billing-reviews/{review['id']}", {"decisions": {"1": "maybe"}})
    assert bad.status_code == 400 and "decisions.1" in bad.json()["error"]["fields"]
    unknown = api.patch(f"billing-reviews/{review['id']}", {"frame_order_id": 5})
    assert unknown.status_code == 400
    assert unknown.json()["error"]["fields"] == {
        "frame_order_id": "No open frame order of this customer."
    }


def test_other_tenant(api, world, other_owner):
    from tests.billing.conftest import BillingWorld
    from tests.conftest import api_for

    contact, _ = _setup(world)
    review = _start(api, contact).json()
    other = api_for(other_owner)
    assert other.get(f"billing-reviews/{review['id']}").status_code == 404
    assert other.post(f"billing-reviews/{review['id']}/issue").status_code == 404
    stranger = BillingWorld(other_owner).contact()
    foreign = _start(api, stranger)
    assert foreign.status_code == 400
    assert foreign.json()["error"]["fields"]["contact_id"] == "No such customer."
