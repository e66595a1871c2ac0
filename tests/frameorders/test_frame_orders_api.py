"""The frame-order API (DESIGN.md section 6.1): create, read, change, the ledger, and a draft
that takes `frame_order_id` and draws it down when issued."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import api_for

pytestmark = pytest.mark.django_db


def _create(api, contact, **kw):
    body = {
        "contact_id": contact.pk,
        "po_number": "PO-2026-118",
        "hours": "100",
        "valid_from": "2026-01-01",
        "valid_to": "2026-12-31",
        **kw,
    }
    return api.post("frame-orders", body)


def test_create_read_and_list(world, api):
    contact = world.contact()
    project = world.project(contact)

    created = _create(api, contact, project_ids=[project.pk], overage_policy="warn")

    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["po_number"] == "PO-2026-118"
    assert body["hours"] == "100.00" and body["amount"] is None
    assert body["hours_billed"] == "0.0000" and body["hours_remaining"] == "100.0000"
    assert body["project_ids"] == [project.pk]
    assert body["overage_policy"] == "warn" and body["currency"] == "EUR"
    listed = api.get("frame-orders", contact_id=contact.pk).json()
    assert [row["id"] for row in listed["items"]] == [body["id"]]
    assert api.get(f"frame-orders/{body['id']}").json()["utilization_percent"] == "0.0"


def test_patch_changes_and_closes(world, api):
    frame_order = _create(api, world.contact()).json()

    changed = api.patch(f"frame-orders/{frame_order['id']}", {"hours": "40", "closed": True})

    assert changed.status_code == 200, changed.json()
    assert changed.json()["hours"] == "40.00"
    assert changed.json()["status"] == "closed"


def test_bad_input_names_the_field_and_stores_nothing(world, api):
    contact = world.contact()

    no_pool = _create(api, contact, hours=None)
    backwards = _create(api, contact, valid_to="2025-12-31")
    negative = _create(api, contact, hours="-5")
    foreign = _create(api, contact, project_ids=[world.project(world.contact(name="X")).pk])

    assert no_pool.status_code == 400 and "hours" in no_pool.json()["error"]["fields"]
    assert backwards.status_code == 400 and "valid_to" in backwards.json()["error"]["fields"]
    assert negative.status_code == 400 and "hours" in negative.json()["error"]["fields"]
    assert foreign.status_code == 400
    assert foreign.json()["error"]["fields"] == {
        "project_ids": foreign.json()["error"]["fields"]["project_ids"]
    }
    assert api.get("frame-orders").json()["count"] == 0


def test_other_tenant_answers_404(world, api, other_owner):
    frame_order = _create(api, world.contact()).json()
    other = api_for(other_owner)

    assert other.get(f"frame-orders/{frame_order['id']}").status_code == 404
    assert other.get(f"frame-orders/{frame_order['id']}/ledger").status_code == 404
    assert other.patch(f"frame-orders/{frame_order['id']}", {"hours": "1"}).status_code == 404
    assert other.get("frame-orders").json()["count"] == 0


def test_draft_takes_the_frame_order_and_issue_draws_it(world, api):
    # given
    contact = world.contact()
    frame_order = _create(api, contact, hours="10").json()
    draft = world.draft(world.project(contact), hours=4)

    # when
    patched = api.patch(f"invoices/{draft.pk}", {"frame_order_id": frame_order["id"]})
    issued = api.post(f"invoices/{draft.pk}/issue", {"issue_date": "2026-03-31"})

    # then
    assert patched.status_code == 200 and patched.json()["frame_order_id"] == frame_order["id"]
    assert issued.status_code == 200, issued.json()
    assert issued.json()["po_number"] == "PO-2026-118"
    ledger = api.get(f"frame-orders/{frame_order['id']}/ledger").json()
    assert [(r["invoice_id"], r["number"], r["hours"], r["amount"], r["kind"]) for r in ledger] == [
        (draft.pk, issued.json()["number"], "4.0000", "400.00", "draw")
    ]
    assert api.get(f"frame-orders/{frame_order['id']}").json()["hours_remaining"] == "6.0000"


def test_block_answers_422_naming_the_remaining_hours(world, api):
    contact = world.contact()
    frame_order = _create(api, contact, hours="3").json()
    draft = world.draft(world.project(contact), hours=4)
    api.patch(f"invoices/{draft.pk}", {"frame_order_id": frame_order["id"]})

    refused = api.post(f"invoices/{draft.pk}/issue", {"issue_date": "2026-03-31"})

    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "frame_order_exhausted"
    assert refused.json()["error"]["fields"] == {"frame_order_id": "3 h remaining."}
    assert api.get(f"invoices/{draft.pk}").json()["status"] == "draft"


def test_another_tenants_frame_order_on_a_draft_is_400(world, api, other_world):
    other_frame_order = other_world.frame_order(other_world.contact())
    draft = world.draft(world.project(world.contact()))

    refused = api.patch(f"invoices/{draft.pk}", {"frame_order_id": other_frame_order.pk})

    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "not_found"
    assert "frame_order_id" in refused.json()["error"]["fields"]


def test_list_query_count_does_not_grow_with_frame_orders(world, api):
    contact = world.contact()
    project = world.project(contact)
    for n in range(3):
        world.frame_order(contact, po_number=f"PO-{n}", project_ids=[project.pk])
    api.get("frame-orders")  # the token's first use is recorded once
    with CaptureQueriesContext(connection) as few:
        assert api.get("frame-orders").status_code == 200
    for n in range(3, 9):
        world.frame_order(contact, po_number=f"PO-{n}", project_ids=[project.pk])

    with CaptureQueriesContext(connection) as many:
        assert api.get("frame-orders").json()["count"] == 9

    assert len(many) == len(few)


def test_open_frame_orders_selector_for_the_billing_review(world):
    from faktura.frameorders.selectors import open_frame_orders

    contact = world.contact()
    current = world.frame_order(contact, po_number="PO-NOW")
    world.frame_order(
        contact, po_number="PO-OLD", valid_from=dt.date(2025, 1, 1), valid_to=dt.date(2025, 12, 31)
    )
    world.issue(world.draft(world.project(contact), hours=30, frame_order=current))

    found = open_frame_orders(world.tenant, contact.pk, on=dt.date(2026, 4, 1))

    assert [(f["id"], f["po_number"], str(f["hours_remaining"])) for f in found] == [
        (current.pk, "PO-NOW", "70.0000")
    ]
