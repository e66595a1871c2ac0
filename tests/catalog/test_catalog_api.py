"""The catalog over HTTP: units, products, price lists and their prices, assignments."""

from __future__ import annotations

from decimal import Decimal

import pytest

from faktura.catalog.models import PriceList, PriceListItem, Product, ProductAssignment, Unit


def _create_product(api, **kw) -> dict:
    payload = {"name": "Remote support", "unit": "HUR", "default_unit_price": "95.00"} | kw
    r = api.post("products", payload)
    assert r.status_code == 201, r.json()
    return r.json()


def _create_price_list(api, **kw) -> dict:
    r = api.post("price-lists", {"name": "Standard"} | kw)
    assert r.status_code == 201, r.json()
    return r.json()


def _error_fields(r, status: int = 400) -> dict:
    assert r.status_code == status, r.content
    return r.json()["error"]["fields"]


# --- units ---------------------------------------------------------------------------------


def test_unit_list_create_patch(api):
    r = api.get("units")
    assert r.status_code == 200
    assert r.json()["count"] == 6
    assert {u["code"] for u in r.json()["items"]} == {"HUR", "KMT", "C62", "MON", "DAY", "LS"}

    r = api.post("units", {"code": "kwh"})
    assert r.status_code == 201, r.json()
    unit = r.json()
    assert (unit["code"], unit["name"], unit["symbol"]) == ("KWH", "Kilowatt hour", "kWh")

    r = api.patch(f"units/{unit['id']}", {"name": "Kilowattstunde"})
    assert r.status_code == 200, r.json()
    assert r.json()["name"] == "Kilowattstunde"
    assert api.get(f"units/{unit['id']}").json()["name"] == "Kilowattstunde"
    assert api.get("units", search="kilowatt").json()["count"] == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"code": "HOURS", "name": "Hours"}, "code"),
        ({"code": "h", "name": "Hours"}, "code"),
        ({"code": "HUR", "name": "Hour again"}, "code"),
        ({"code": "XPK"}, "name"),
        ({"name": "No code"}, "code"),
        ({"code": 12, "name": "Twelve"}, "code"),
    ],
)
def test_unit_validation(api, payload, field):
    assert field in _error_fields(api.post("units", payload))
    assert Unit.objects.count() == 6


def test_other_tenants_unit_is_not_found(api, other_owner):
    theirs = Unit.objects.get(tenant=other_owner.tenant, code="HUR")
    assert api.get(f"units/{theirs.pk}").status_code == 404
    assert api.patch(f"units/{theirs.pk}", {"name": "Mine"}).status_code == 404


def test_members_read_units_but_do_not_write_them(api_as):
    member = api_as("member")
    assert member.get("units").json()["count"] == 6
    r = member.post("units", {"code": "MIN"})
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "permission_denied"


# --- products ------------------------------------------------------------------------------


def test_product_create_and_read(api):
    body = _create_product(api, sku="SUP-1", default_unit_price="95.5")
    unit = Unit.objects.get(code="HUR", tenant__name="Acme IT GmbH")
    assert body["unit"] == "HUR"
    assert body["unit_id"] == unit.pk
    assert body["default_unit_price"] == "95.500000"
    assert body["vat_category"] == "S"
    assert body["vat_rate"] == "19.00"
    assert body["kind"] == "service"
    assert (body["auto_created"], body["auto_created_for"]) == (False, "")
    assert api.get(f"products/{body['id']}").json() == body


def test_product_without_a_price(api):
    body = _create_product(api, default_unit_price=None, vat_category="AE")
    assert body["default_unit_price"] is None
    assert body["vat_rate"] == "0.00"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"unit": "HOURS"}, "unit"),
        ({"unit": "XPK"}, "unit"),
        ({"default_unit_price": "-1"}, "default_unit_price"),
        ({"default_unit_price": "1.1234567"}, "default_unit_price"),
        ({"default_unit_price": "lots"}, "default_unit_price"),
        ({"vat_category": "S", "vat_rate": "0"}, "vat_rate"),
        ({"vat_category": "AE", "vat_rate": "19"}, "vat_rate"),
        ({"vat_rate": "19.001"}, "vat_rate"),
        ({"vat_rate": "150"}, "vat_rate"),
        ({"vat_category": "Q"}, "vat_category"),
        ({"kind": "hardware"}, "kind"),
        ({"name": ""}, "name"),
        ({"is_active": "maybe"}, "is_active"),
    ],
)
def test_product_validation_names_the_field(api, changes, field):
    payload = {"name": "Remote support", "unit": "HUR"} | changes
    assert field in _error_fields(api.post("products", payload))
    assert not Product.objects.exists()


def test_product_requires_name_and_unit(api):
    fields = _error_fields(api.post("products", {}))
    assert "name" in fields
    assert "unit" in _error_fields(api.post("products", {"name": "X"}))


def test_product_read_only_fields_are_ignored_on_input(api):
    body = _create_product(api, auto_created=True, auto_created_for="goods")
    assert (body["auto_created"], body["auto_created_for"]) == (False, "")


def test_duplicate_sku(api):
    _create_product(api, sku="SUP-1")
    r = api.post("products", {"name": "Other", "unit": "HUR", "sku": "SUP-1"})
    assert _error_fields(r) == {"sku": "Another product has the article number SUP-1."}
    assert r.json()["error"]["code"] == "duplicate"


def test_product_patch(api):
    body = _create_product(api)
    r = api.patch(
        f"products/{body['id']}",
        {"unit": "DAY", "default_unit_price": "720", "description": "Per day"},
    )
    assert r.status_code == 200, r.json()
    assert (r.json()["unit"], r.json()["default_unit_price"]) == ("DAY", "720.000000")
    r = api.patch(f"products/{body['id']}", {"default_unit_price": None})
    assert r.json()["default_unit_price"] is None
    assert "vat_rate" in _error_fields(api.patch(f"products/{body['id']}", {"vat_category": "E"}))
    assert "name" in _error_fields(api.patch(f"products/{body['id']}", {"name": None}))


def test_product_list_filters_and_pagination(api, tenant):
    from faktura.catalog.services import default_product_ensure

    for n in range(5):
        _create_product(api, name=f"Service {n}", sku=f"S-{n}")
    _create_product(api, name="Laptop", kind="goods", unit="C62", sku="HW-1")
    _create_product(api, name="Old service", is_active=False)
    default_product_ensure(tenant=tenant, line_kind="task_entry")

    page = api.get("products", limit=3, offset=0).json()
    assert page["count"] == 8
    # the default product is named in the company's language (German)
    assert [p["name"] for p in page["items"]] == ["Arbeit", "Laptop", "Old service"]
    page2 = api.get("products", limit=3, offset=3).json()
    assert [p["name"] for p in page2["items"]] == ["Service 0", "Service 1", "Service 2"]

    assert api.get("products", search="hw-1").json()["count"] == 1
    assert api.get("products", search="service").json()["count"] == 6
    assert [p["name"] for p in api.get("products", kind="goods").json()["items"]] == ["Laptop"]
    assert api.get("products", is_active="false").json()["count"] == 1
    auto = api.get("products", auto_created="true").json()
    assert [(p["name"], p["auto_created_for"]) for p in auto["items"]] == [("Arbeit", "task_entry")]
    assert api.get("products", auto_created="false").json()["count"] == 7
    assert "kind" in _error_fields(api.get("products", kind="hardware"))


def test_product_list_query_count_does_not_grow(api, django_assert_max_num_queries):
    for n in range(20):
        _create_product(api, name=f"Service {n}")
    # auth (token + membership), count, page: no query per product for its unit
    with django_assert_max_num_queries(6):
        r = api.get("products", limit=20)
    assert len(r.json()["items"]) == 20


def test_members_see_products_without_prices(api, api_as):
    body = _create_product(api, default_unit_price="95.00")
    member = api_as("member")
    listed = member.get("products").json()["items"]
    assert [(p["name"], p["default_unit_price"]) for p in listed] == [("Remote support", None)]
    assert member.get(f"products/{body['id']}").json()["default_unit_price"] is None
    # roles with view_rates see it
    assert api_as("billing").get(f"products/{body['id']}").json()["default_unit_price"] == (
        "95.000000"
    )


@pytest.mark.parametrize("role", ["member", "approver"])
def test_only_catalog_managers_write_products(api, api_as, role):
    client = api_as(role)
    assert client.post("products", {"name": "X", "unit": "HUR"}).status_code == 403
    body = _create_product(api)
    assert client.patch(f"products/{body['id']}", {"name": "Y"}).status_code == 403
    assert Product.objects.get().name == "Remote support"


def test_other_tenants_product_is_not_found(api, other_api):
    theirs = _create_product(other_api)
    assert api.get(f"products/{theirs['id']}").status_code == 404
    assert api.patch(f"products/{theirs['id']}", {"name": "Mine"}).status_code == 404
    assert api.get("products").json()["count"] == 0


def test_float_like_prices_stay_exact(api):
    # 0.1 + 0.2 style values survive as decimal strings.
    body = _create_product(api, default_unit_price="0.300001")
    assert body["default_unit_price"] == "0.300001"
    assert Product.objects.get().default_unit_price == Decimal("0.300001")


# --- price lists ---------------------------------------------------------------------------


def test_price_list_create_patch_and_default_switch(api):
    first = _create_price_list(api, name="2024", is_tenant_default=True)
    assert (first["currency"], first["is_tenant_default"]) == ("EUR", True)
    second = _create_price_list(api, name="2025", is_tenant_default=True)
    assert api.get(f"price-lists/{first['id']}").json()["is_tenant_default"] is False
    defaults = api.get("price-lists", is_tenant_default="true").json()
    assert [p["name"] for p in defaults["items"]] == ["2025"]

    r = api.patch(f"price-lists/{first['id']}", {"is_tenant_default": True, "name": "2024 EUR"})
    assert r.status_code == 200, r.json()
    assert r.json()["name"] == "2024 EUR"
    assert api.get(f"price-lists/{second['id']}").json()["is_tenant_default"] is False
    assert PriceList.objects.filter(is_tenant_default=True).count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "X", "currency": "XYZ"}, "currency"),
        ({"name": "X", "currency": "EURO"}, "currency"),
        ({"name": "Standard"}, "name"),
        ({"currency": "EUR"}, "name"),
        ({"name": "X", "is_tenant_default": True, "is_active": False}, "is_active"),
    ],
)
def test_price_list_validation(api, payload, field):
    _create_price_list(api)
    assert field in _error_fields(api.post("price-lists", payload))
    assert PriceList.objects.count() == 1


def test_price_list_currency_change_when_in_use_is_a_conflict(api):
    price_list = _create_price_list(api)
    product = _create_product(api)
    api.put(f"price-lists/{price_list['id']}/items/{product['id']}", {"unit_price": "90"})
    r = api.patch(f"price-lists/{price_list['id']}", {"currency": "USD"})
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "price_list_in_use"


def test_price_items_set_list_and_delete(api):
    price_list = _create_price_list(api)
    support = _create_product(api, name="Support")
    backup = _create_product(api, name="Backup", unit="MON")
    items = f"price-lists/{price_list['id']}/items"

    r = api.put(f"{items}/{support['id']}", {"unit_price": "95.00"})
    assert r.status_code == 200, r.json()
    assert r.json()["unit_price"] == "95.000000"
    assert (r.json()["product_name"], r.json()["unit"]) == ("Support", "HUR")
    api.put(f"{items}/{backup['id']}", {"unit_price": "29.9"})
    r = api.put(f"{items}/{support['id']}", {"unit_price": "99.5"})
    assert r.json()["unit_price"] == "99.500000"

    listed = api.get(items).json()
    assert listed["count"] == 2
    assert [(i["product_name"], i["unit_price"]) for i in listed["items"]] == [
        ("Backup", "29.900000"),
        ("Support", "99.500000"),
    ]
    assert api.get(items, search="supp").json()["count"] == 1

    r = api.delete(f"{items}/{support['id']}")
    assert r.status_code == 204
    assert api.get(items).json()["count"] == 1
    assert api.delete(f"{items}/{support['id']}").status_code == 404


@pytest.mark.parametrize(
    "payload", [{"unit_price": "-1"}, {"unit_price": "1.1234567"}, {"unit_price": "x"}, {}]
)
def test_price_item_validation(api, payload):
    price_list = _create_price_list(api)
    product = _create_product(api)
    r = api.put(f"price-lists/{price_list['id']}/items/{product['id']}", payload)
    assert "unit_price" in _error_fields(r)
    assert not PriceListItem.objects.exists()


def test_price_items_with_other_tenants_ids_are_not_found(api, other_api):
    mine = _create_price_list(api)
    my_product = _create_product(api)
    theirs = _create_price_list(other_api)
    their_product = _create_product(other_api)
    r = api.put(f"price-lists/{mine['id']}/items/{their_product['id']}", {"unit_price": "1"})
    assert r.status_code == 404
    r = api.put(f"price-lists/{theirs['id']}/items/{my_product['id']}", {"unit_price": "1"})
    assert r.status_code == 404
    assert api.get(f"price-lists/{theirs['id']}/items").status_code == 404
    assert api.get(f"price-lists/{theirs['id']}").status_code == 404
    assert not PriceListItem.objects.exists()


@pytest.mark.parametrize("role", ["member", "approver"])
def test_price_lists_are_hidden_from_roles_without_rates(api, api_as, role):
    price_list = _create_price_list(api)
    product = _create_product(api)
    client = api_as(role)
    base = f"price-lists/{price_list['id']}"
    for r in (
        client.get("price-lists"),
        client.get(base),
        client.get(f"{base}/items"),
        client.post("price-lists", {"name": "Mine"}),
        client.patch(base, {"name": "Mine"}),
        client.put(f"{base}/items/{product['id']}", {"unit_price": "1"}),
        client.delete(f"{base}/items/{product['id']}"),
    ):
        assert r.status_code == 403, r.request
        assert r.json()["error"]["code"] == "permission_denied"
    assert PriceList.objects.get().name == "Standard"


def test_billing_role_manages_price_lists(api_as):
    billing = api_as("billing")
    price_list = _create_price_list(billing)
    product = _create_product(billing)
    r = billing.put(f"price-lists/{price_list['id']}/items/{product['id']}", {"unit_price": "1"})
    assert r.status_code == 200


# --- product assignments -------------------------------------------------------------------


def test_assignment_create_read_patch_delete(api, make_contact):
    contact = make_contact()
    product = _create_product(api)
    other = _create_product(api, name="Premium support")
    price_list = _create_price_list(api)
    r = api.post(
        "product-assignments",
        {
            "scope": "contact",
            "scope_id": contact.pk,
            "line_kind": "task_entry",
            "product_id": product["id"],
            "price_list_id": price_list["id"],
        },
    )
    assert r.status_code == 201, r.json()
    body = r.json()
    assert (body["scope"], body["scope_id"], body["line_kind"]) == (
        "contact",
        contact.pk,
        "task_entry",
    )
    assert (body["product_name"], body["price_list_id"]) == ("Remote support", price_list["id"])
    assert api.get(f"product-assignments/{body['id']}").json() == body

    r = api.patch(
        f"product-assignments/{body['id']}", {"product_id": other["id"], "price_list_id": None}
    )
    assert r.status_code == 200, r.json()
    assert (r.json()["product_name"], r.json()["price_list_id"]) == ("Premium support", None)

    assert api.delete(f"product-assignments/{body['id']}").status_code == 204
    assert api.get(f"product-assignments/{body['id']}").status_code == 404
    assert not ProductAssignment.objects.exists()


def test_tenant_scope_takes_no_scope_id(api):
    product = _create_product(api)
    payload = {"scope": "tenant", "line_kind": "task_entry", "product_id": product["id"]}
    r = api.post("product-assignments", payload)
    assert r.status_code == 201, r.json()
    assert r.json()["scope_id"] is None
    fields = _error_fields(api.post("product-assignments", payload | {"scope_id": 1}))
    assert list(fields) == ["scope_id"]


def test_assignment_to_another_tenants_target_names_scope_id(api, other_owner, make_contact):
    theirs = make_contact(membership=other_owner)
    product = _create_product(api)
    r = api.post(
        "product-assignments",
        {
            "scope": "contact",
            "scope_id": theirs.pk,
            "line_kind": "task_entry",
            "product_id": product["id"],
        },
    )
    assert _error_fields(r) == {"scope_id": "No such contact."}
    assert r.json()["error"]["code"] == "not_found"


def test_assignment_with_another_tenants_product_names_product_id(api, other_api):
    theirs = _create_product(other_api)
    r = api.post(
        "product-assignments",
        {"scope": "tenant", "line_kind": "task_entry", "product_id": theirs["id"]},
    )
    assert list(_error_fields(r)) == ["product_id"]


def test_duplicate_assignment_is_a_400(api, make_task):
    task = make_task()
    product = _create_product(api)
    payload = {
        "scope": "task",
        "scope_id": task.pk,
        "line_kind": "goods",
        "product_id": product["id"],
    }
    assert api.post("product-assignments", payload).status_code == 201
    r = api.post("product-assignments", payload)
    assert list(_error_fields(r)) == ["line_kind"]
    assert r.json()["error"]["code"] == "duplicate"
    assert ProductAssignment.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"scope": "project", "scope_id": 1}, "scope"),
        ({"line_kind": "hours"}, "line_kind"),
        ({"scope": "task"}, "scope_id"),
        ({"scope_id": "abc"}, "scope_id"),
        ({"product_id": None}, "product_id"),
    ],
)
def test_assignment_validation(api, changes, field):
    product = _create_product(api)
    payload = {"scope": "tenant", "line_kind": "task_entry", "product_id": product["id"]}
    assert field in _error_fields(api.post("product-assignments", payload | changes))


def test_assignment_list_filters(api, owner, make_contact, make_task):
    contact = make_contact()
    task = make_task(contact)
    support = _create_product(api, name="Support")
    km = _create_product(api, name="Kilometre", unit="KMT", kind="transport")
    for payload in (
        {"scope": "tenant", "line_kind": "task_entry", "product_id": support["id"]},
        {"scope": "tenant", "line_kind": "transport_distance", "product_id": km["id"]},
        {"scope": "contact", "scope_id": contact.pk, "line_kind": "task_entry"},
        {"scope": "task", "scope_id": task.pk, "line_kind": "task_entry"},
        {"scope": "membership", "scope_id": owner.pk, "line_kind": "transport_distance"},
    ):
        r = api.post("product-assignments", {"product_id": support["id"]} | payload)
        assert r.status_code == 201, r.json()

    def scopes(**params) -> list[tuple[str, str]]:
        body = api.get("product-assignments", **params).json()
        return sorted((a["scope"], a["line_kind"]) for a in body["items"])

    assert len(scopes()) == 5
    assert scopes(scope="tenant") == [("tenant", "task_entry"), ("tenant", "transport_distance")]
    assert scopes(line_kind="transport_distance") == [
        ("membership", "transport_distance"),
        ("tenant", "transport_distance"),
    ]
    assert scopes(product_id=km["id"]) == [("tenant", "transport_distance")]
    assert scopes(scope="contact", scope_id=contact.pk) == [("contact", "task_entry")]
    assert scopes(scope="task", scope_id=contact.pk + task.pk + 1000) == []
    assert scopes(scope="tenant", scope_id=1) == []
    page = api.get("product-assignments", limit=2, offset=4).json()
    assert (page["count"], len(page["items"])) == (5, 1)
    assert "scope" in _error_fields(api.get("product-assignments", scope="project"))


def test_members_see_assignments_without_price_lists(api, api_as):
    product = _create_product(api)
    price_list = _create_price_list(api)
    api.post(
        "product-assignments",
        {
            "scope": "tenant",
            "line_kind": "task_entry",
            "product_id": product["id"],
            "price_list_id": price_list["id"],
        },
    )
    member = api_as("member")
    items = member.get("product-assignments").json()["items"]
    assert [(a["product_name"], a["price_list_id"]) for a in items] == [("Remote support", None)]
    r = member.post(
        "product-assignments",
        {"scope": "tenant", "line_kind": "goods", "product_id": product["id"]},
    )
    assert r.status_code == 403
    assert member.delete(f"product-assignments/{items[0]['id']}").status_code == 403
    assert ProductAssignment.objects.count() == 1


def test_other_tenants_assignment_is_not_found(api, other_api):
    product = _create_product(other_api)
    r = other_api.post(
        "product-assignments",
        {"scope": "tenant", "line_kind": "task_entry", "product_id": product["id"]},
    )
    theirs = r.json()["id"]
    assert api.get(f"product-assignments/{theirs}").status_code == 404
    assert api.patch(f"product-assignments/{theirs}", {"line_kind": "goods"}).status_code == 404
    assert api.delete(f"product-assignments/{theirs}").status_code == 404
    assert api.get("product-assignments").json()["count"] == 0
    assert ProductAssignment.objects.get().line_kind == "task_entry"


# --- hostile input -------------------------------------------------------------------------

HUGE_ID = 99_999_999_999_999_999_999


def test_hostile_input_is_a_400_or_404_never_a_500(api):
    product = _create_product(api)
    price_list = _create_price_list(api)
    items = f"price-lists/{price_list['id']}/items"
    expectations = [
        # NUL characters cannot be stored in PostgreSQL text columns
        (api.post("products", {"name": "A\x00B", "unit": "HUR"}), 400, "name"),
        (api.post("products", {"name": "A", "unit": "H\x00R"}), 400, "unit"),
        (api.patch(f"products/{product['id']}", {"sku": "\x00"}), 400, "sku"),
        (api.post("price-lists", {"name": "\x00"}), 400, "name"),
        (api.post("units", {"code": "A\x00", "name": "x"}), 400, "code"),
        # ids beyond any database integer
        (api.get("product-assignments", scope_id=HUGE_ID), 400, "scope_id"),
        (api.get("product-assignments", product_id=HUGE_ID), 400, "product_id"),
        (api.delete(f"{items}/{HUGE_ID}"), 404, None),
        (api.put(f"{items}/{HUGE_ID}", {"unit_price": "1"}), 404, None),
        (api.get(f"products/{HUGE_ID}"), 404, None),
        # numbers that are not prices
        (api.post("products", {"name": "A", "unit": "HUR", "default_unit_price": "NaN"}), 400,
         "default_unit_price"),
        (api.post("products", {"name": "A", "unit": "HUR", "vat_rate": "Infinity"}), 400,
         "vat_rate"),
        (api.put(f"{items}/{product['id']}", {"unit_price": "1e400"}), 400, "unit_price"),
    ]  # fmt: skip
    for r, status, field in expectations:
        assert r.status_code == status, r.content
        if field:
            assert field in r.json()["error"]["fields"], r.content
    for path in ("units", "products", "price-lists", items):
        r = api.get(path, search="a\x00b")
        assert r.status_code == 400, path
        assert list(r.json()["error"]["fields"]) == ["search"]
    assert Product.objects.count() == 1
