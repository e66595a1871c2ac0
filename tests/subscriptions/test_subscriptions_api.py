"""The subscriptions API, project products, manual items and the due run operation."""

from __future__ import annotations

import pytest

from faktura.billing.models import BillableItem
from faktura.subscriptions.models import Subscription


def _create(api, world, **kw):
    contact = kw.pop("contact", None) or world.contact()
    product = kw.pop("product", None) or world.product()
    body = {"contact_id": contact.pk, "product_id": product.pk, "start_date": "2026-01-01", **kw}
    return api.post("subscriptions", body)


def test_create_read_update_list(api, world):
    response = _create(api, world, quantity=None, unit_price="12.50", description="Per user")
    assert response.status_code == 201, response.json()
    sub = response.json()
    assert (sub["quantity"], sub["unit_price"], sub["status"], sub["next_due"]) == (
        None, "12.500000", "active", "2026-01-01",
    )  # fmt: skip

    patched = api.patch(
        f"subscriptions/{sub['id']}",
        {
            "end_date": "2026-06-30",
            "prices": [{"effective_from": "2026-04-01", "unit_price": "14"}],
        },
    )
    assert patched.status_code == 200, patched.json()
    assert patched.json()["end_date"] == "2026-06-30"
    assert patched.json()["prices"] == [{"effective_from": "2026-04-01", "unit_price": "14.000000"}]
    assert api.get(f"subscriptions/{sub['id']}").json()["description"] == "Per user"
    listed = api.get("subscriptions", status="active").json()
    assert [row["id"] for row in listed["items"]] == [sub["id"]]


def test_bad_input_names_the_field_and_changes_nothing(api, world, other_world):
    theirs = other_world.contact()
    cases = [
        ({"contact": theirs}, "contact_id"),
        ({"interval": "weekly"}, "interval"),
        ({"quantity": "-1"}, "quantity"),
        ({"end_date": "2025-12-31"}, "end_date"),
        ({"unit_price": "1.1234567"}, "unit_price"),
    ]
    for kw, field in cases:
        response = _create(api, world, **kw)
        assert response.status_code == 400, (kw, response.json())
        assert field in str(response.json()["error"]["fields"]), (kw, response.json())
    assert not Subscription.objects.exists()


def test_other_tenants_subscription_is_404(api, other_world):
    theirs = other_world.subscription()
    assert api.get(f"subscriptions/{theirs.pk}").status_code == 404
    assert api.patch(f"subscriptions/{theirs.pk}", {"status": "ended"}).status_code == 404


def test_idempotency_key_replays_the_subscription(api, world):
    contact, product = world.contact(), world.product()
    body = {"contact_id": contact.pk, "product_id": product.pk, "start_date": "2026-01-01"}
    first = api.post("subscriptions", body, HTTP_IDEMPOTENCY_KEY="abc")
    second = api.post("subscriptions", body, HTTP_IDEMPOTENCY_KEY="abc")
    assert first.json()["id"] == second.json()["id"]
    assert Subscription.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_due_run_operation(api, world, run_queued_tasks):
    sub = _create(api, world).json()

    response = api.post("subscriptions/due-run", {"until": "2026-02-01"})

    assert response.status_code == 202
    run_queued_tasks()
    op = api.get(f"operations/{response.json()['id']}").json()
    assert op["status"] == "succeeded", op
    assert op["result"]["items"] == 2
    items = api.get("billable-items", status="pending").json()["items"]
    assert {(i["source"], i["needs_quantity"]) for i in items} == {
        (f"subscription:{sub['id']}:2026-01-01", False),
        (f"subscription:{sub['id']}:2026-02-01", False),
    }
    assert {i["service_period_end"] for i in items} == {"2026-01-31", "2026-02-28"}


def test_project_products_and_manual_items(api, world):
    project = world.project()
    fee = world.product("Setup fee", "500.00", "LS")

    created = api.post(f"projects/{project.pk}/products", {"product_id": fee.pk, "quantity": "1"})
    assert created.status_code == 201, created.json()
    listed = api.get(f"projects/{project.pk}/products").json()
    assert [(p["product_name"], p["billed"]) for p in listed] == [("Setup fee", False)]

    manual = api.post(
        "billable-items",
        {"project_id": project.pk, "title": "Travel Berlin", "quantity": "1", "unit": "LS",
         "unit_price": "180.00", "vat_rate": "19", "service_date": "2026-03-10"},
    )  # fmt: skip
    assert manual.status_code == 201, manual.json()
    item = manual.json()
    assert (item["kind"], item["amount"], item["contact_id"]) == (
        "manual", "180.00", project.contact_id,
    )  # fmt: skip
    assert api.post("billable-items", {"title": "x", "unit_price": "1"}).status_code == 400
    assert BillableItem.objects.count() == 1


def test_other_tenants_project_products_are_404(api, other_world):
    theirs = other_world.project()
    assert api.get(f"projects/{theirs.pk}/products").status_code == 404
    product = other_world.product()
    response = api.post(f"projects/{theirs.pk}/products", {"product_id": product.pk})
    assert response.status_code == 404


def test_members_cannot_create_subscriptions(api_as, world):
    member = api_as("member")
    contact, product = world.contact(), world.product()
    body = {"contact_id": contact.pk, "product_id": product.pk, "start_date": "2026-01-01"}
    assert member.post("subscriptions", body).status_code == 403
    assert member.get("subscriptions").status_code == 403


def test_tenant_month_end_day(api):
    assert api.patch("tenant", {"month_end_day": 3}).json()["month_end_day"] == 3
    assert api.patch("tenant", {"month_end_day": 32}).status_code == 400
    assert api.patch("tenant", {"month_end_day": None}).json()["month_end_day"] is None
