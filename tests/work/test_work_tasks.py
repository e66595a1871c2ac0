"""Tasks (tickets): numbering, defaults, price permissions, logged time; services and API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from work_factories import at, ctx_for, log_time, make_contact, make_project, make_task

from faktura.catalog.models import PriceList, Product, Unit
from faktura.common.errors import PermissionDenied, ValidationFailed
from faktura.common.inputs import parse
from faktura.work import services
from faktura.work.inputs import EntryCreate, TaskUpdate
from faktura.work.models import Task


def _product(tenant, name="Support hour"):
    unit = Unit.objects.get(tenant=tenant, code="HUR")
    return Product.objects.create(tenant=tenant, name=name, unit=unit)


# --- services ---------------------------------------------------------------------------------


def test_numbers_are_sequential_per_tenant(ctx, other_owner):
    other = ctx_for(other_owner)
    first = make_task(ctx)
    second = make_task(ctx, project=first.project)
    other_first = make_task(other)
    third = make_task(ctx, project=first.project)
    assert [first.number, second.number, third.number] == [1, 2, 3]
    assert other_first.number == 1
    assert make_task(other, project=other_first.project).number == 2


def test_number_follows_the_highest(ctx):
    task = make_task(ctx)
    Task.objects.filter(pk=task.pk).update(number=41)
    assert make_task(ctx, project=task.project).number == 42


def test_client_defaults_to_the_projects_customer(ctx):
    customer = make_contact(ctx)
    project = make_project(ctx, contact=customer)
    assert make_task(ctx, project).client == customer
    other = make_contact(ctx, name="Schmidt KG")
    assert make_task(ctx, project, client_id=other.pk).client == other
    assert make_task(ctx, project, client_id=None).client is None
    internal = make_project(ctx, name="Admin", scope="internal")
    assert make_task(ctx, internal).client is None


def test_billable_defaults_to_the_projects_billing_model(ctx):
    assert make_task(ctx).billable is True
    internal = make_project(ctx, name="Admin", scope="internal")
    assert make_task(ctx, internal).billable is False
    assert make_task(ctx, internal, billable=True).billable is True


def test_closing_sets_closed_at_and_reopening_clears_it(ctx):
    task = make_task(ctx)
    assert task.closed_at is None
    task = services.task_update(ctx, task_id=task.pk, data=parse(TaskUpdate, dict(status="closed")))
    assert task.closed_at is not None
    closed_at = task.closed_at
    task = services.task_update(
        ctx, task_id=task.pk, data=parse(TaskUpdate, dict(title="Printer jams"))
    )
    assert task.closed_at == closed_at  # editing a closed task keeps when it was closed
    task = services.task_update(
        ctx, task_id=task.pk, data=parse(TaskUpdate, dict(status="in_progress"))
    )
    assert task.closed_at is None
    assert make_task(ctx, task.project, status="closed").closed_at is not None


@pytest.mark.parametrize("role", ["member", "approver"])
def test_price_fields_need_set_task_prices(ctx, make_member, tenant, role):
    member = ctx_for(make_member(role))
    project = make_project(ctx)
    price_list = PriceList.objects.create(tenant=tenant, name="2026", currency="EUR")
    for field, value in (
        ("product_id", _product(tenant).pk),
        ("price_list_id", price_list.pk),
        ("unit_price", "95"),
    ):
        with pytest.raises(PermissionDenied):
            make_task(member, project, **{field: value})
    task = make_task(member, project, unit="HUR", estimate_hours="2.5")  # no price fields
    with pytest.raises(PermissionDenied):
        services.task_update(member, task_id=task.pk, data=parse(TaskUpdate, dict(unit_price=None)))
    task = services.task_update(
        member, task_id=task.pk, data=parse(TaskUpdate, dict(status="done", title="Fixed"))
    )
    assert (task.status, task.title) == ("done", "Fixed")


def test_billing_sets_prices(ctx, make_member, tenant):
    billing = ctx_for(make_member("billing"))
    product = _product(tenant)
    price_list = PriceList.objects.create(tenant=tenant, name="2026", currency="EUR")
    task = make_task(
        billing, product_id=product.pk, price_list_id=price_list.pk, unit_price="95.123456"
    )
    assert (task.product, task.price_list, task.unit_price) == (
        product,
        price_list,
        Decimal("95.123456"),
    )


def test_price_list_currency_must_match_the_project(ctx, tenant):
    usd = PriceList.objects.create(tenant=tenant, name="US", currency="USD")
    with pytest.raises(ValidationFailed) as exc:
        make_task(ctx, price_list_id=usd.pk)
    assert set(exc.value.fields) == {"price_list_id"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "  "),
        ("task_type", "bug"),
        ("status", "waiting"),
        ("unit", "XXX"),
        ("unit_price", "1.1234567"),
        ("unit_price", "-1"),
        ("estimate_hours", "1.001"),
        ("assignee_id", 999999),
        ("client_id", 999999),
        ("product_id", 999999),
    ],
)
def test_invalid_task_fields_are_named(ctx, field, value):
    with pytest.raises(ValidationFailed) as exc:
        make_task(ctx, **{field: value})
    assert set(exc.value.fields) == {field}


def test_other_tenants_references_are_refused(ctx, other_owner):
    other = ctx_for(other_owner)
    foreign_project = make_project(other)
    with pytest.raises(ValidationFailed) as exc:
        make_task(ctx, foreign_project)
    assert set(exc.value.fields) == {"project_id"}
    with pytest.raises(ValidationFailed) as exc:
        make_task(ctx, assignee_id=other_owner.pk)
    assert set(exc.value.fields) == {"assignee_id"}
    with pytest.raises(ValidationFailed) as exc:
        make_task(ctx, client_id=foreign_project.contact_id)
    assert set(exc.value.fields) == {"client_id"}


# --- API --------------------------------------------------------------------------------------


@pytest.fixture
def project(ctx):
    return make_project(ctx)


def test_api_create_task(api, project, owner):
    r = api.post(
        "tasks",
        {"project_id": project.pk, "title": "Mail server down", "task_type": "incident",
         "assignee_id": owner.pk, "unit": "hur", "unit_price": "120.5", "estimate_hours": "3"},
    )  # fmt: skip
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["number"] == 1
    assert body["client_id"] == project.contact_id
    assert body["billable"] is True
    assert body["unit"] == "HUR"
    assert body["unit_price"] == "120.500000"
    assert body["estimate_hours"] == "3.00"
    assert body["logged_seconds"] == 0
    assert body["status"] == "open"
    assert api.get(f"tasks/{body['id']}").json() == body


def test_api_members_create_tasks_but_see_no_prices(api, api_as, project):
    task = api.post(
        "tasks", {"project_id": project.pk, "title": "Backup", "unit_price": "99"}
    ).json()
    member = api_as("member")
    assert member.get(f"tasks/{task['id']}").json()["unit_price"] is None
    assert [t["unit_price"] for t in member.get("tasks").json()["items"]] == [None]
    r = member.post("tasks", {"project_id": project.pk, "title": "Laptop"})
    assert r.status_code == 201
    r = member.post("tasks", {"project_id": project.pk, "title": "Laptop", "unit_price": "1"})
    assert r.status_code == 403
    r = member.patch(f"tasks/{task['id']}", {"status": "in_progress"})
    assert r.status_code == 200
    r = member.patch(f"tasks/{task['id']}", {"product_id": None})
    assert r.status_code == 403
    assert api_as("billing").get(f"tasks/{task['id']}").json()["unit_price"] == "99.000000"


def test_api_task_validation(api, project):
    cases = [
        ({"title": "No project"}, "project_id"),
        ({"project_id": project.pk}, "title"),
        ({"project_id": project.pk, "title": "x", "unit_price": "1.0000001"}, "unit_price"),
        ({"project_id": project.pk, "title": "x", "status": "paused"}, "status"),
        ({"project_id": project.pk, "title": "x", "unit": "ZZZ"}, "unit"),
        ({"project_id": "abc", "title": "x"}, "project_id"),
        ({"project_id": 999999, "title": "x"}, "project_id"),
    ]
    for payload, field in cases:
        r = api.post("tasks", payload)
        assert r.status_code == 400, (payload, r.json())
        assert field in r.json()["error"]["fields"], (payload, r.json())


def test_api_task_filters(api, ctx, project, make_member):
    dev = make_member("member")
    other_customer = make_contact(ctx, name="Schmidt KG")
    internal = make_project(ctx, name="Admin", scope="internal")
    make_task(ctx, project, title="Printer jams", assignee_id=dev.pk)
    make_task(ctx, project, title="VPN", status="closed")
    make_task(ctx, project, title="Firewall", client_id=other_customer.pk)
    make_task(ctx, internal, title="Holiday plan")

    def titles(**params):
        return sorted(t["title"] for t in api.get("tasks", **params).json()["items"])

    assert titles(search="print") == ["Printer jams"]
    assert titles(search="#2") == ["VPN"]
    assert titles(search="admin") == ["Holiday plan"]  # the project's name
    assert titles(project_id=internal.pk) == ["Holiday plan"]
    assert titles(client_id=other_customer.pk) == ["Firewall"]
    assert titles(status="closed") == ["VPN"]
    assert titles(billable="false") == ["Holiday plan"]
    assert titles(assignee_id=dev.pk) == ["Printer jams"]
    numbers = [t["number"] for t in api.get("tasks").json()["items"]]
    assert numbers == [4, 3, 2, 1]  # newest ticket first


def test_api_logged_seconds_sum_time_entries_only(api, ctx, project):
    task = make_task(ctx, project)
    log_time(ctx, task, at(2, 9), minutes=90)
    log_time(ctx, task, at(3, 9), minutes=30)
    services.entry_create(
        ctx, data=parse(EntryCreate, dict(task_id=task.pk, kind="mileage", distance_km="12"))
    )
    other = make_task(ctx, project)
    log_time(ctx, other, at(4, 9), minutes=15)
    services.entry_create(
        ctx, data=parse(EntryCreate, dict(task_id=other.pk, started_at=at(5, 9)))
    )  # running: counts 0
    assert api.get(f"tasks/{task.pk}").json()["logged_seconds"] == 2 * 3600
    by_id = {t["id"]: t["logged_seconds"] for t in api.get("tasks").json()["items"]}
    assert by_id == {task.pk: 7200, other.pk: 900}


def test_api_task_list_has_no_n_plus_one(
    api, ctx, project, make_member, django_assert_max_num_queries
):
    dev = make_member("member")
    for n in range(20):
        task = make_task(ctx, project, title=f"Ticket {n}", assignee_id=dev.pk, unit="HUR")
        log_time(ctx, task, at(1 + n % 20, 8) + dt.timedelta(hours=n % 3), minutes=10 + n)
    # auth (token, last use) + count + page: the same for 20 tasks as for one
    with django_assert_max_num_queries(5):
        r = api.get("tasks", limit=50)
    assert r.status_code == 200
    items = r.json()["items"]
    assert len(items) == 20
    assert {t["logged_seconds"] for t in items} == {(10 + n) * 60 for n in range(20)}


def test_api_other_tenant_tasks_are_404(api, other_api, ctx, project):
    task = make_task(ctx, project)
    assert other_api.get(f"tasks/{task.pk}").status_code == 404
    assert other_api.patch(f"tasks/{task.pk}", {"title": "x"}).status_code == 404
    assert other_api.get("tasks").json()["count"] == 0
    r = other_api.post("tasks", {"project_id": project.pk, "title": "x"})
    assert r.status_code == 400
    assert set(r.json()["error"]["fields"]) == {"project_id"}


# --- issue 10: billing fields and price lists are billing's -----------------------------------


@pytest.mark.parametrize("role", ["member", "approver"])
def test_api_billing_fields_of_a_task_need_set_task_billing(api, api_as, ctx, project, role):
    # given: a task, a second customer and a second project
    other_contact = make_contact(ctx, name="Zweite Kundin GmbH")
    other_project = make_project(ctx, contact=other_contact, name="Other")
    task = api.post("tasks", {"project_id": project.pk, "title": "Backup"}).json()
    member = api_as(role)

    # when / then: changing what is billed or to whom is refused, naming the field
    for field, value in (
        ("billable", False),
        ("client_id", other_contact.pk),
        ("project_id", other_project.pk),
    ):
        r = member.patch(f"tasks/{task['id']}", {field: value})
        assert r.status_code == 403, (field, r.json())
        error = r.json()["error"]
        assert error["code"] == "permission_denied"
        assert "set_task_billing" in error["message"]
        assert list(error["fields"]) == [field]
    after = api.get(f"tasks/{task['id']}").json()
    assert (after["billable"], after["client_id"], after["project_id"]) == (
        True,
        project.contact_id,
        project.pk,
    )
    # the same values, and every other field, stay open to the role
    unchanged = {"billable": True, "client_id": project.contact_id, "project_id": project.pk}
    r = member.patch(f"tasks/{task['id']}", {**unchanged, "title": "Backup (weekly)"})
    assert r.status_code == 200, r.json()
    # creating with another customer or not billable is refused, with the defaults allowed
    r = member.post(
        "tasks", {"project_id": project.pk, "title": "x", "client_id": other_contact.pk}
    )
    assert r.status_code == 403 and list(r.json()["error"]["fields"]) == ["client_id"]
    r = member.post("tasks", {"project_id": project.pk, "title": "x", "billable": False})
    assert r.status_code == 403 and list(r.json()["error"]["fields"]) == ["billable"]
    r = member.post("tasks", {"project_id": project.pk, "title": "x", "billable": True})
    assert r.status_code == 201


def test_api_billing_changes_the_billing_fields_of_a_task(api, api_as, ctx, project):
    other_contact = make_contact(ctx, name="Zweite Kundin GmbH")
    task = api.post("tasks", {"project_id": project.pk, "title": "Backup"}).json()

    r = api_as("billing").patch(
        f"tasks/{task['id']}", {"billable": False, "client_id": other_contact.pk}
    )

    assert r.status_code == 200, r.json()
    assert (r.json()["billable"], r.json()["client_id"]) == (False, other_contact.pk)


def test_api_members_see_no_price_list_on_tasks_and_contacts(api, api_as, ctx, tenant, project):
    price_list = PriceList.objects.create(tenant=tenant, name="Gold", currency="EUR")
    task = api.post(
        "tasks", {"project_id": project.pk, "title": "Backup", "price_list_id": price_list.pk}
    ).json()
    api.patch(f"contacts/{project.contact_id}", {"price_list_id": price_list.pk})
    member = api_as("member")

    assert member.get(f"tasks/{task['id']}").json()["price_list_id"] is None
    assert [t["price_list_id"] for t in member.get("tasks").json()["items"]] == [None]
    assert member.get(f"contacts/{project.contact_id}").json()["price_list_id"] is None
    assert {c["price_list_id"] for c in member.get("contacts").json()["items"]} == {None}
    # roles that see rates still do
    assert api_as("billing").get(f"tasks/{task['id']}").json()["price_list_id"] == price_list.pk
    assert api.get(f"contacts/{project.contact_id}").json()["price_list_id"] == price_list.pk
