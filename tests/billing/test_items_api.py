"""The billable-items API: compile as an operation, listing, filters, detail, roles, tenants."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from faktura.billing.models import BillableItem
from faktura.billing.services.compile import billable_items_compile
from faktura.common.models import Operation
from faktura.work.models import TaskEntry

D = Decimal


@pytest.fixture
def compiled(compile_kit):
    """Two customers' compiled work: time and mileage for one, an expense for the other."""
    kit = compile_kit
    first = kit.task(kit.project(kit.contact("Alpha GmbH"), hourly_rate=D("100")), title="Alpha")
    second = kit.task(kit.project(kit.contact("Beta AG")), title="Beta")
    entries = {
        "time": kit.time(first, day=2, minutes=50),
        "mileage": kit.mileage(first, "12", 30),
        "expense": kit.expense(second, "2", "9.99", date=dt.date(2026, 3, 20)),
    }
    billable_items_compile(kit.ctx)
    return kit, first, second, entries


# --- compile ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_compile_answers_202_and_the_worker_stores_the_counts(api, compile_kit, run_queued_tasks):
    kit = compile_kit
    task = kit.task()
    kit.time(task, day=2)
    kit.mileage(task, "10", 15)

    response = api.post("billable-items/compile", raw="")  # no body at all: compile everything

    assert response.status_code == 202, response.content
    body = response.json()
    assert body["kind"] == "billable_items_compile"
    assert body["status"] == "queued"
    assert BillableItem.objects.count() == 0  # nothing happens before the worker runs

    run_queued_tasks()

    operation = api.get(f"operations/{body['id']}").json()
    assert operation["status"] == "succeeded", operation
    assert operation["progress"] == 100
    assert operation["result"]["entries"] == 2
    assert operation["result"]["created"] == 3
    assert operation["result"]["kinds"] == {
        "task_entry": 1, "transport_distance": 1, "transport_time": 1,
    }  # fmt: skip
    assert api.get("billable-items").json()["count"] == 3


@pytest.mark.django_db(transaction=True)
def test_compile_takes_entry_ids_and_until(api, compile_kit, run_queued_tasks):
    kit = compile_kit
    task = kit.task()
    early, late, other = kit.time(task, day=2), kit.time(task, day=25), kit.time(task, day=3)

    response = api.post(
        "billable-items/compile", {"entry_ids": [early.pk, late.pk], "until": "2026-03-10"}
    )
    assert response.status_code == 202
    run_queued_tasks()

    operation = Operation.objects.get(pk=response.json()["id"])
    assert operation.params == {"entry_ids": sorted([early.pk, late.pk]), "until": "2026-03-10"}
    assert (operation.result["entries"], operation.result["skipped"]) == (1, 1)
    states = dict(TaskEntry.objects.values_list("pk", "billing_state"))
    assert (states[early.pk], states[late.pk], states[other.pk]) == (
        "compiled", "unbilled", "unbilled"
    )  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_the_operation_runs_with_the_starters_role(api_as, compile_kit, run_queued_tasks):
    kit = compile_kit
    kit.time(kit.task())
    billing = api_as("billing")

    response = billing.post("billable-items/compile", {})
    run_queued_tasks()

    operation = Operation.objects.get(pk=response.json()["id"])
    assert operation.created_by == billing.membership.user
    assert operation.status == "succeeded"
    assert operation.result["created"] == 1


@pytest.mark.django_db
def test_compile_refuses_other_tenants_and_unknown_entry_ids(api, other_compile_kit, compile_kit):
    theirs = other_compile_kit.time(other_compile_kit.task())

    for ids in ([theirs.pk], [987_654_321]):
        response = api.post("billable-items/compile", {"entry_ids": ids})
        assert response.status_code == 400
        assert "entry_ids" in response.json()["error"]["fields"]
    assert Operation.objects.filter(kind="billable_items_compile").count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"entry_ids": "all"}, "entry_ids"),
        ({"entry_ids": [1.5]}, "entry_ids.0"),
        ({"until": "31.03.2026"}, "until"),
    ],
)
def test_compile_names_the_bad_field(api, body, field):
    response = api.post("billable-items/compile", body)

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["member", "approver"])
def test_only_invoice_managers_compile_and_read(api_as, compiled, role):
    _kit, _first, _second, _entries = compiled
    client = api_as(role)
    item = BillableItem.objects.first()

    assert client.post("billable-items/compile", {}).status_code == 403
    assert client.get("billable-items").status_code == 403
    assert client.get(f"billable-items/{item.pk}").status_code == 403


@pytest.mark.django_db
def test_billing_may_read_items(api_as, compiled):
    assert api_as("billing").get("billable-items").json()["count"] == 4


# --- reading ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_item_carries_the_fields_of_the_contract(api, compiled):
    kit, first, _second, entries = compiled
    item = BillableItem.objects.get(entry=entries["time"])

    body = api.get(f"billable-items/{item.pk}").json()

    assert body == {
        "id": item.pk,
        "kind": "task_entry",
        "status": "pending",
        "product_id": item.product_id,
        "product_name": "Arbeit",
        "unit": "HUR",
        "quantity": "1.0000",
        "unit_price": "100.000000",
        "amount": "100.00",
        "currency": "EUR",
        "price_source": "project",
        "warnings": [],
        "source": f"entry:{entries['time'].pk}",
        "entry_id": entries["time"].pk,
        "task_id": first.pk,
        "project_id": first.project_id,
        "contact_id": first.client_id,
        "membership_id": kit.owner.pk,
        "service_date": "2026-03-02",
        "service_period_start": None,
        "service_period_end": None,
        "needs_quantity": False,
        "description": "",
        "vat_category": "S",
        "vat_rate": "19.00",
        "logged_seconds": 3000,
        "deferred_until": None,
        "invoice_line_id": None,
        "created_at": body["created_at"],
    }


@pytest.mark.django_db
def test_warnings_are_listed_with_their_code(api, compiled):
    _kit, _first, second, _entries = compiled
    kit = compiled[0]
    no_price = kit.time(second, day=4)
    billable_items_compile(kit.ctx)
    item = BillableItem.objects.get(entry=no_price)

    body = api.get(f"billable-items/{item.pk}").json()

    assert body["price_source"] == "none"
    assert [w["code"] for w in body["warnings"]] == ["no_price"]
    assert body["warnings"][0]["severity"] == "warning"


@pytest.mark.django_db
def test_the_list_filters_by_each_field(api, compiled):
    _kit, first, second, entries = compiled

    def ids(**params) -> set[int]:
        response = api.get("billable-items", **params)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["items"]}

    items = {i.kind: i.pk for i in BillableItem.objects.all()}
    everything = set(items.values())
    assert ids() == everything
    assert ids(status="pending") == everything
    assert ids(status="invoiced") == set()
    assert ids(contact_id=second.client_id) == {items["expense"]}
    assert ids(project_id=first.project_id) == everything - {items["expense"]}
    assert ids(task_id=second.pk) == {items["expense"]}
    assert ids(entry_id=entries["mileage"].pk) == {
        items["transport_distance"], items["transport_time"],
    }  # fmt: skip
    assert ids(kind="transport_time") == {items["transport_time"]}
    assert ids(date_from="2026-03-10") == {items["expense"]}
    assert ids(date_to="2026-03-10") == everything - {items["expense"]}


@pytest.mark.django_db
def test_the_list_is_paginated(api, compiled):
    first = api.get("billable-items", limit=2, offset=0).json()
    rest = api.get("billable-items", limit=2, offset=2).json()

    assert first["count"] == rest["count"] == 4
    assert len(first["items"]) == len(rest["items"]) == 2
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in rest["items"]}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "done"}, "status"),
        ({"kind": "hours"}, "kind"),
        ({"date_from": "x"}, "date_from"),
    ],
)
def test_bad_filters_answer_400_naming_the_field(api, params, field):
    response = api.get("billable-items", **params)

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


@pytest.mark.django_db
def test_another_tenants_items_are_invisible(api, other_api, compiled):
    item = BillableItem.objects.first()

    assert other_api.get(f"billable-items/{item.pk}").status_code == 404
    assert other_api.get("billable-items/987654321").status_code == 404
    assert other_api.get("billable-items").json()["count"] == 0
    assert api.get(f"billable-items/{item.pk}").status_code == 200


# --- deferring --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_deferred_items_wait_and_come_back(api, compiled):
    _kit, _first, _second, entries = compiled
    expense = BillableItem.objects.get(entry=entries["expense"])

    response = api.post("billable-items/defer", {"item_ids": [expense.pk], "until": "2026-04-30"})

    assert response.status_code == 200, response.content
    assert response.json() == {"moved": 1}
    body = api.get(f"billable-items/{expense.pk}").json()
    assert (body["status"], body["deferred_until"]) == ("deferred", "2026-04-30")
    assert TaskEntry.objects.get(pk=entries["expense"].pk).billing_state == "deferred"
    # not yet due
    assert api.post("billable-items/restore", {"due": "2026-04-29"}).json() == {"moved": 0}
    # due
    assert api.post("billable-items/restore", {"due": "2026-04-30"}).json() == {"moved": 1}
    body = api.get(f"billable-items/{expense.pk}").json()
    assert (body["status"], body["deferred_until"]) == ("pending", None)
    assert TaskEntry.objects.get(pk=entries["expense"].pk).billing_state == "compiled"


@pytest.mark.django_db
def test_a_mileage_entry_stays_compiled_while_one_of_its_items_is_pending(api, compiled):
    _kit, _first, _second, entries = compiled
    distance = BillableItem.objects.get(entry=entries["mileage"], kind="transport_distance")

    api.post("billable-items/defer", {"item_ids": [distance.pk], "until": "2026-04-30"})

    assert TaskEntry.objects.get(pk=entries["mileage"].pk).billing_state == "compiled"


@pytest.mark.invariants_broken  # sets billing states by hand, as billing would
@pytest.mark.django_db
def test_deferring_is_all_or_nothing(api, compiled):
    _kit, _first, _second, entries = compiled
    time_item = BillableItem.objects.get(entry=entries["time"])
    expense = BillableItem.objects.get(entry=entries["expense"])
    BillableItem.objects.filter(pk=time_item.pk).update(status="on_draft")

    conflict = api.post(
        "billable-items/defer", {"item_ids": [expense.pk, time_item.pk], "until": "2026-04-30"}
    )
    named = api.post("billable-items/restore", {"item_ids": [expense.pk]})

    assert conflict.status_code == 409
    assert conflict.json()["error"]["code"] == "items_not_in_state"
    assert named.status_code == 409  # it is pending, not deferred
    assert BillableItem.objects.get(pk=expense.pk).status == "pending"


@pytest.mark.django_db
def test_deferring_refuses_other_tenants_items_and_members(api, other_api, api_as, compiled):
    item = BillableItem.objects.first()
    body = {"item_ids": [item.pk], "until": "2026-04-30"}

    theirs = other_api.post("billable-items/defer", body)
    assert theirs.status_code == 400
    assert "item_ids" in theirs.json()["error"]["fields"]
    assert api_as("member").post("billable-items/defer", body).status_code == 403
    assert api.post("billable-items/restore", {}).status_code == 400
    assert BillableItem.objects.get(pk=item.pk).status == "pending"
