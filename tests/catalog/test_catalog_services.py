"""Use cases of the catalog: units, products, price lists, prices and product assignments."""

from __future__ import annotations

from contextlib import contextmanager
from decimal import Decimal

import pytest
from pydantic import ValidationError

from faktura.catalog import selectors, services
from faktura.catalog.inputs import (
    PriceListCreate,
    PriceListUpdate,
    PriceSet,
    ProductAssignmentCreate,
    ProductAssignmentUpdate,
    ProductCreate,
    ProductUpdate,
    UnitCreate,
    UnitUpdate,
)
from faktura.catalog.models import PriceList, PriceListItem, Product, ProductAssignment, Unit
from faktura.common.context import CommandContext
from faktura.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from faktura.common.models import AuditEvent


@contextmanager
def _fails(field: str, code: str | None = None):
    """Expect the typed input (pydantic) or the service (ValidationFailed) to refuse exactly
    `field` (and with `code`, if given)."""
    with pytest.raises((ValidationFailed, ValidationError)) as info:
        yield info
    if isinstance(info.value, ValidationError):
        errors = info.value.errors()
        assert [err["loc"][0] for err in errors] == [field], errors
        return
    assert list(info.value.fields) == [field], info.value.fields
    if code is not None:
        assert info.value.code == code


def _product(ctx, **kw) -> Product:
    data = {"name": "Support", "unit": "HUR", "default_unit_price": Decimal("95")} | kw
    return services.product_create(ctx, data=ProductCreate(**data))


def _member_ctx(make_member, role: str) -> CommandContext:
    member = make_member(role)
    return CommandContext(tenant=member.tenant, membership=member, user=member.user)


# --- units ---------------------------------------------------------------------------------


def test_tenants_start_with_the_default_units(tenant):
    codes = set(Unit.objects.filter(tenant=tenant).values_list("code", flat=True))
    assert codes == {"HUR", "KMT", "C62", "MON", "DAY", "LS"}


def test_unit_create_fills_name_and_symbol_of_a_known_code(ctx):
    unit = services.unit_create(ctx, data=UnitCreate(code="kgm"))
    assert (unit.code, unit.name, unit.symbol) == ("KGM", "Kilogram", "kg")
    assert AuditEvent.objects.filter(action="unit_create", object_id=str(unit.pk)).exists()


def test_unit_create_with_an_unknown_code_needs_a_name(ctx):
    with _fails("name", "required"):
        services.unit_create(ctx, data=UnitCreate(code="XPK"))
    unit = services.unit_create(ctx, data=UnitCreate(code="XPK", name="Package", symbol="pk"))
    assert unit.name == "Package"


@pytest.mark.parametrize("code", ["H", "HOUR", "H-R", "", "  ", "hü"])
def test_unit_code_must_be_a_rec20_code(ctx, code):
    with _fails("code"):
        services.unit_create(ctx, data=UnitCreate(code=code, name="Something"))
    assert Unit.objects.filter(tenant=ctx.tenant).count() == 6


def test_unit_code_is_unique_per_tenant(ctx, other_owner):
    with _fails("code", "duplicate"):
        services.unit_create(ctx, data=UnitCreate(code="HUR", name="Stunde"))
    hour = Unit.objects.get(tenant=ctx.tenant, code="HUR")
    with _fails("code", "duplicate"):
        services.unit_update(ctx, unit_id=hour.pk, data=UnitUpdate(code="KMT"))
    # Another tenant's units do not collide.
    other_ctx = CommandContext(tenant=other_owner.tenant, membership=other_owner)
    assert services.unit_create(other_ctx, data=UnitCreate(code="MIN")).code == "MIN"
    assert services.unit_create(ctx, data=UnitCreate(code="MIN")).code == "MIN"


def test_unit_update(ctx, other_owner):
    hour = Unit.objects.get(tenant=ctx.tenant, code="HUR")
    unit = services.unit_update(ctx, unit_id=hour.pk, data=UnitUpdate(name="Stunde", symbol="Std."))
    assert (unit.name, unit.symbol) == ("Stunde", "Std.")
    theirs = Unit.objects.get(tenant=other_owner.tenant, code="HUR")
    with pytest.raises(NotFound):
        services.unit_update(ctx, unit_id=theirs.pk, data=UnitUpdate(name="Mine"))
    theirs.refresh_from_db()
    assert theirs.name == "Hour"


def test_members_cannot_manage_units(make_member, tenant):
    with pytest.raises(PermissionDenied):
        services.unit_create(_member_ctx(make_member, "member"), data=UnitCreate(code="MIN"))
    assert not Unit.objects.filter(tenant=tenant, code="MIN").exists()


# --- products ------------------------------------------------------------------------------


def test_product_create(ctx):
    product = _product(
        ctx,
        name=" Remote support ",
        sku="SUP-1",
        kind="service",
        default_unit_price="95.5",
        description="Per hour",
    )
    product.refresh_from_db()
    assert product.name == "Remote support"
    assert product.unit.code == "HUR"
    assert product.default_unit_price == Decimal("95.500000")
    assert (product.vat_category, product.vat_rate) == ("S", Decimal("19.00"))
    assert product.auto_created is False
    assert AuditEvent.objects.filter(action="product_create", object_id=str(product.pk)).exists()


def test_product_price_keeps_six_decimals(ctx):
    product = _product(ctx, default_unit_price=Decimal("0.012345"))
    product.refresh_from_db()
    assert product.default_unit_price == Decimal("0.012345")
    assert str(product.default_unit_price) == "0.012345"


@pytest.mark.parametrize(
    ("category", "rate"), [("S", Decimal("19.00")), ("AE", Decimal("0.00")), ("E", Decimal("0"))]
)
def test_product_vat_rate_defaults_to_the_category(ctx, category, rate):
    product = _product(ctx, vat_category=category)
    assert product.vat_rate == rate


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"unit": "HOUR"}, "unit"),
        ({"unit": "XPK"}, "unit"),
        ({"unit": None}, "unit"),
        ({"name": "  "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"kind": "hardware"}, "kind"),
        ({"default_unit_price": Decimal("-0.01")}, "default_unit_price"),
        ({"default_unit_price": Decimal("1.1234567")}, "default_unit_price"),
        ({"default_unit_price": "abc"}, "default_unit_price"),
        ({"default_unit_price": Decimal("1E+13")}, "default_unit_price"),
        ({"vat_category": "S", "vat_rate": Decimal("0")}, "vat_rate"),
        ({"vat_category": "AE", "vat_rate": Decimal("19")}, "vat_rate"),
        ({"vat_category": "Z", "vat_rate": Decimal("7")}, "vat_rate"),
        ({"vat_rate": Decimal("101")}, "vat_rate"),
        ({"vat_rate": Decimal("-7")}, "vat_rate"),
        ({"vat_rate": Decimal("7.125")}, "vat_rate"),
        ({"vat_category": "X"}, "vat_category"),
    ],
)
def test_product_validation_names_the_field(ctx, changes, field):
    with _fails(field):
        _product(ctx, **changes)
    assert not Product.objects.filter(tenant=ctx.tenant).exists()


def test_standard_rate_needs_a_positive_rate_and_names_the_rule(ctx):
    with _fails("vat_rate", "vat_rate_must_be_positive"):
        _product(ctx, vat_category="S", vat_rate=Decimal("0"))
    with _fails("vat_rate", "vat_rate_must_be_zero"):
        _product(ctx, vat_category="AE", vat_rate=Decimal("19"))


def test_product_sku_is_unique_per_tenant(ctx, other_owner):
    _product(ctx, sku="SUP-1")
    with _fails("sku", "duplicate"):
        _product(ctx, name="Other", sku="SUP-1")
    # Products without an article number never collide.
    _product(ctx, name="A")
    _product(ctx, name="B")
    other_ctx = CommandContext(tenant=other_owner.tenant, membership=other_owner)
    assert _product(other_ctx, sku="SUP-1").sku == "SUP-1"


def test_product_update(ctx):
    product = _product(ctx, sku="SUP-1")
    other = _product(ctx, name="Other", sku="SUP-2")
    updated = services.product_update(
        ctx,
        product_id=product.pk,
        data=ProductUpdate(unit="day", default_unit_price=None, is_active=False),
    )
    assert updated.unit.code == "DAY"
    assert updated.default_unit_price is None
    assert updated.is_active is False
    with _fails("sku", "duplicate"):
        services.product_update(ctx, product_id=other.pk, data=ProductUpdate(sku="SUP-1"))


def test_product_update_checks_rate_against_the_category(ctx):
    product = _product(ctx)
    # Z with the stored 19 % is invalid; both together are fine.
    with _fails("vat_rate"):
        services.product_update(ctx, product_id=product.pk, data=ProductUpdate(vat_category="Z"))
    product.refresh_from_db()
    assert product.vat_category == "S"
    updated = services.product_update(
        ctx, product_id=product.pk, data=ProductUpdate(vat_category="Z", vat_rate=Decimal("0"))
    )
    assert (updated.vat_category, updated.vat_rate) == ("Z", Decimal("0.00"))


def test_product_of_another_tenant_is_not_found(ctx, other_owner):
    other_ctx = CommandContext(tenant=other_owner.tenant, membership=other_owner)
    theirs = _product(other_ctx)
    with pytest.raises(NotFound):
        services.product_update(ctx, product_id=theirs.pk, data=ProductUpdate(name="Mine"))
    with pytest.raises(NotFound):
        selectors.product_get(tenant=ctx.tenant, product_id=theirs.pk)


@pytest.mark.parametrize("role", ["member", "approver"])
def test_only_catalog_managers_write_products(make_member, role):
    with pytest.raises(PermissionDenied):
        _product(_member_ctx(make_member, role))
    assert not Product.objects.exists()


def test_billing_role_writes_products(make_member):
    assert _product(_member_ctx(make_member, "billing")).pk


# --- price lists ---------------------------------------------------------------------------


def test_price_list_create_defaults_to_the_tenant_currency(ctx):
    price_list = services.price_list_create(ctx, data=PriceListCreate(name="Standard"))
    assert price_list.currency == ctx.tenant.currency == "EUR"
    assert price_list.is_tenant_default is False


@pytest.mark.parametrize(
    ("data", "field", "code"),
    [
        ({"name": "USD", "currency": "XYZ"}, "currency", "invalid"),
        ({"name": "USD", "currency": "dollar"}, "currency", "invalid"),
        ({"name": " "}, "name", "required"),
        ({"name": "Standard"}, "name", "duplicate"),
        ({"name": "Off", "is_tenant_default": True, "is_active": False}, "is_active", "invalid"),
    ],
)
def test_price_list_validation(ctx, data, field, code):
    services.price_list_create(ctx, data=PriceListCreate(name="Standard"))
    with _fails(field, code):
        services.price_list_create(ctx, data=PriceListCreate(**data))
    assert PriceList.objects.filter(tenant=ctx.tenant).count() == 1


def test_one_default_price_list_per_currency(ctx):
    # given a default EUR list
    first = services.price_list_create(
        ctx, data=PriceListCreate(name="2024", is_tenant_default=True)
    )
    # when another EUR list becomes the default
    second = services.price_list_create(
        ctx, data=PriceListCreate(name="2025", is_tenant_default=True)
    )
    # then the first one no longer is, and a USD default is independent of both
    usd = services.price_list_create(
        ctx, data=PriceListCreate(name="US", currency="usd", is_tenant_default=True)
    )
    first.refresh_from_db()
    assert not first.is_tenant_default
    assert selectors.price_list_default(tenant=ctx.tenant, currency="EUR") == second
    assert selectors.price_list_default(tenant=ctx.tenant, currency="USD") == usd
    # switching back by update unsets the second
    services.price_list_update(
        ctx, price_list_id=first.pk, data=PriceListUpdate(is_tenant_default=True)
    )
    second.refresh_from_db()
    assert not second.is_tenant_default
    assert selectors.price_list_default(tenant=ctx.tenant, currency="EUR").pk == first.pk
    assert AuditEvent.objects.filter(
        action="price_list_update", object_id=str(second.pk), data__replaced_by=first.pk
    ).exists()


def test_moving_a_default_list_to_another_currency_replaces_that_currencys_default(ctx):
    eur = services.price_list_create(ctx, data=PriceListCreate(name="EUR", is_tenant_default=True))
    usd = services.price_list_create(
        ctx, data=PriceListCreate(name="USD", currency="USD", is_tenant_default=True)
    )
    services.price_list_update(ctx, price_list_id=eur.pk, data=PriceListUpdate(currency="USD"))
    usd.refresh_from_db()
    assert not usd.is_tenant_default
    assert selectors.price_list_default(tenant=ctx.tenant, currency="USD").pk == eur.pk
    assert selectors.price_list_default(tenant=ctx.tenant, currency="EUR") is None


def test_the_default_list_stays_active(ctx):
    default = services.price_list_create(
        ctx, data=PriceListCreate(name="Standard", is_tenant_default=True)
    )
    with _fails("is_active"):
        services.price_list_update(
            ctx, price_list_id=default.pk, data=PriceListUpdate(is_active=False)
        )
    archived = services.price_list_create(ctx, data=PriceListCreate(name="Old", is_active=False))
    with _fails("is_tenant_default"):
        services.price_list_update(
            ctx, price_list_id=archived.pk, data=PriceListUpdate(is_tenant_default=True)
        )


def test_price_list_currency_is_fixed_once_it_has_prices(ctx):
    price_list = services.price_list_create(ctx, data=PriceListCreate(name="Standard"))
    services.price_list_update(
        ctx, price_list_id=price_list.pk, data=PriceListUpdate(currency="CHF")
    )
    product = _product(ctx)
    services.price_list_item_set(
        ctx, price_list_id=price_list.pk, product_id=product.pk, data=PriceSet(unit_price="90")
    )
    with pytest.raises(Conflict) as info:
        services.price_list_update(
            ctx, price_list_id=price_list.pk, data=PriceListUpdate(currency="EUR")
        )
    assert info.value.fields == {"currency": "The price list is in use."}
    price_list.refresh_from_db()
    assert price_list.currency == "CHF"


def test_price_list_currency_is_fixed_once_a_customer_uses_it(ctx, make_contact):
    price_list = services.price_list_create(ctx, data=PriceListCreate(name="Standard"))
    make_contact(price_list_id=price_list.pk)
    with pytest.raises(Conflict):
        services.price_list_update(
            ctx, price_list_id=price_list.pk, data=PriceListUpdate(currency="USD")
        )


def test_price_items_set_replace_and_delete(ctx):
    price_list = services.price_list_create(ctx, data=PriceListCreate(name="Standard"))
    product = _product(ctx)
    assert selectors.price_list_price(price_list=price_list, product=product) is None

    item = services.price_list_item_set(
        ctx, price_list_id=price_list.pk, product_id=product.pk, data=PriceSet(unit_price="90.5")
    )
    assert item.unit_price == Decimal("90.500000")
    assert selectors.price_list_price(price_list=price_list, product=product) == Decimal("90.5")

    again = services.price_list_item_set(
        ctx,
        price_list_id=price_list.pk,
        product_id=product.pk,
        data=PriceSet(unit_price=Decimal("85")),
    )
    assert again.pk == item.pk
    assert PriceListItem.objects.count() == 1
    assert selectors.price_list_price(price_list=price_list, product=product) == Decimal("85")
    event = AuditEvent.objects.filter(action="price_list_item_set").first()
    assert event.data["previous"] == "90.500000"
    assert event.data["unit_price"] == "85.000000"

    services.price_list_item_delete(ctx, price_list_id=price_list.pk, product_id=product.pk)
    assert selectors.price_list_price(price_list=price_list, product=product) is None
    with pytest.raises(NotFound):
        services.price_list_item_delete(ctx, price_list_id=price_list.pk, product_id=product.pk)


def test_a_zero_price_is_a_price(ctx):
    price_list = services.price_list_create(ctx, data=PriceListCreate(name="Goodwill"))
    product = _product(ctx)
    services.price_list_item_set(
        ctx, price_list_id=price_list.pk, product_id=product.pk, data=PriceSet(unit_price="0")
    )
    assert selectors.price_list_price(price_list=price_list, product=product) == Decimal("0")


@pytest.mark.parametrize("price", ["-1", "1.1234567", None, "ten", "1E+13"])
def test_price_item_validation(ctx, price):
    price_list = services.price_list_create(ctx, data=PriceListCreate(name="Standard"))
    product = _product(ctx)
    with _fails("unit_price"):
        services.price_list_item_set(
            ctx, price_list_id=price_list.pk, product_id=product.pk, data=PriceSet(unit_price=price)
        )
    assert not PriceListItem.objects.exists()


def test_price_items_of_another_tenant_are_not_found(ctx, other_owner):
    other_ctx = CommandContext(tenant=other_owner.tenant, membership=other_owner)
    mine = services.price_list_create(ctx, data=PriceListCreate(name="Mine"))
    theirs = services.price_list_create(other_ctx, data=PriceListCreate(name="Theirs"))
    my_product, their_product = _product(ctx), _product(other_ctx)
    with pytest.raises(NotFound):
        services.price_list_item_set(
            ctx, price_list_id=mine.pk, product_id=their_product.pk, data=PriceSet(unit_price="1")
        )
    with pytest.raises(NotFound):
        services.price_list_item_set(
            ctx, price_list_id=theirs.pk, product_id=my_product.pk, data=PriceSet(unit_price="1")
        )
    assert not PriceListItem.objects.exists()


def test_prices_of_several_lists_in_one_query(ctx, django_assert_num_queries):
    a = services.price_list_create(ctx, data=PriceListCreate(name="A"))
    b = services.price_list_create(ctx, data=PriceListCreate(name="B"))
    p1, p2 = _product(ctx, name="P1"), _product(ctx, name="P2")
    for price_list, product, price in ((a, p1, "1"), (a, p2, "2"), (b, p1, "3")):
        services.price_list_item_set(
            ctx, price_list_id=price_list.pk, product_id=product.pk, data=PriceSet(unit_price=price)
        )
    with django_assert_num_queries(1):
        prices = selectors.price_list_prices(tenant=ctx.tenant, price_list_ids=[a.pk, b.pk])
    assert prices == {
        (a.pk, p1.pk): Decimal("1"),
        (a.pk, p2.pk): Decimal("2"),
        (b.pk, p1.pk): Decimal("3"),
    }


# --- product assignments -------------------------------------------------------------------


def test_assignments_at_every_scope(ctx, owner, make_contact, make_task, make_team):
    product = _product(ctx)
    contact = make_contact()
    targets = {
        "task": make_task(contact).pk,
        "contact": contact.pk,
        "membership": owner.pk,
        "team": make_team().pk,
        "tenant": None,
    }
    for scope, scope_id in targets.items():
        assignment = services.product_assignment_create(
            ctx,
            data=ProductAssignmentCreate(
                scope=scope, scope_id=scope_id, line_kind="task_entry", product_id=product.pk
            ),
        )
        assert (assignment.scope, assignment.scope_id) == (scope, scope_id)
    assert ProductAssignment.objects.filter(tenant=ctx.tenant).count() == 5
    assert AuditEvent.objects.filter(action="product_assignment_create").count() == 5


@pytest.mark.parametrize("scope", ["task", "contact", "membership", "team"])
def test_assignment_target_of_another_tenant_names_scope_id(
    ctx, other_owner, make_contact, make_task, make_team, scope
):
    # given a target of every kind in the other tenant
    theirs = {
        "task": lambda: make_task(membership=other_owner).pk,
        "contact": lambda: make_contact(membership=other_owner).pk,
        "membership": lambda: other_owner.pk,
        "team": lambda: make_team(membership=other_owner).pk,
    }[scope]()
    product = _product(ctx)
    # when assigning to it, then the id is unknown here
    with _fails("scope_id", "not_found"):
        services.product_assignment_create(
            ctx,
            data=ProductAssignmentCreate(
                scope=scope, scope_id=theirs, line_kind="task_entry", product_id=product.pk
            ),
        )
    assert not ProductAssignment.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"scope": "task"}, "scope_id"),
        ({"scope": "tenant", "scope_id": 1}, "scope_id"),
        ({"scope": "contact", "scope_id": "abc"}, "scope_id"),
        ({"scope": "project"}, "scope"),
        ({"line_kind": "hours"}, "line_kind"),
        ({"product_id": 987654}, "product_id"),
        ({"price_list_id": 987654}, "price_list_id"),
    ],
)
def test_assignment_validation_names_the_field(ctx, data, field):
    product = _product(ctx)
    payload = {"scope": "tenant", "line_kind": "task_entry", "product_id": product.pk} | data
    with _fails(field):
        services.product_assignment_create(ctx, data=ProductAssignmentCreate(**payload))
    assert not ProductAssignment.objects.exists()


def test_assignment_needs_an_active_product(ctx):
    product = _product(ctx, is_active=False)
    with _fails("product_id", "inactive"):
        services.product_assignment_create(
            ctx,
            data=ProductAssignmentCreate(
                scope="tenant", line_kind="task_entry", product_id=product.pk
            ),
        )


def test_assignment_price_list_must_match_the_customers_currency(ctx, make_contact):
    contact = make_contact(currency="EUR")
    usd = services.price_list_create(ctx, data=PriceListCreate(name="US", currency="USD"))
    with _fails("price_list_id"):
        services.product_assignment_create(
            ctx,
            data=ProductAssignmentCreate(
                scope="contact",
                scope_id=contact.pk,
                line_kind="task_entry",
                product_id=_product(ctx).pk,
                price_list_id=usd.pk,
            ),
        )


@pytest.mark.parametrize("scope", ["task", "contact", "membership", "team", "tenant"])
def test_one_assignment_per_target_and_line_kind(
    ctx, owner, make_contact, make_task, make_team, scope
):
    target = {
        "task": lambda: make_task().pk,
        "contact": lambda: make_contact().pk,
        "membership": lambda: owner.pk,
        "team": lambda: make_team().pk,
        "tenant": lambda: None,
    }[scope]()
    product = _product(ctx)
    base = {"scope": scope, "scope_id": target, "product_id": product.pk}
    services.product_assignment_create(
        ctx, data=ProductAssignmentCreate(line_kind="task_entry", **base)
    )
    with _fails("line_kind", "duplicate"):
        services.product_assignment_create(
            ctx, data=ProductAssignmentCreate(line_kind="task_entry", **base)
        )
    # another line kind at the same target is fine
    services.product_assignment_create(ctx, data=ProductAssignmentCreate(line_kind="goods", **base))
    assert ProductAssignment.objects.filter(scope=scope).count() == 2


def test_assignment_update_moves_it_to_another_scope(ctx, make_contact):
    contact = make_contact()
    product, other = _product(ctx, name="A"), _product(ctx, name="B")
    tenant_wide = services.product_assignment_create(
        ctx,
        data=ProductAssignmentCreate(scope="tenant", line_kind="task_entry", product_id=product.pk),
    )
    # a new non-tenant scope needs its target
    with _fails("scope_id", "required"):
        services.product_assignment_update(
            ctx, assignment_id=tenant_wide.pk, data=ProductAssignmentUpdate(scope="contact")
        )
    moved = services.product_assignment_update(
        ctx,
        assignment_id=tenant_wide.pk,
        data=ProductAssignmentUpdate(scope="contact", scope_id=contact.pk, product_id=other.pk),
    )
    moved.refresh_from_db()
    assert (moved.scope, moved.contact_id, moved.product_id) == ("contact", contact.pk, other.pk)
    back = services.product_assignment_update(
        ctx, assignment_id=moved.pk, data=ProductAssignmentUpdate(scope="tenant")
    )
    back.refresh_from_db()
    assert (back.scope, back.contact_id) == ("tenant", None)


def test_assignment_update_to_a_taken_target_is_a_duplicate(ctx):
    product = _product(ctx)
    services.product_assignment_create(
        ctx,
        data=ProductAssignmentCreate(scope="tenant", line_kind="task_entry", product_id=product.pk),
    )
    goods = services.product_assignment_create(
        ctx, data=ProductAssignmentCreate(scope="tenant", line_kind="goods", product_id=product.pk)
    )
    with _fails("line_kind", "duplicate"):
        services.product_assignment_update(
            ctx, assignment_id=goods.pk, data=ProductAssignmentUpdate(line_kind="task_entry")
        )
    goods.refresh_from_db()
    assert goods.line_kind == "goods"


def test_assignment_delete(ctx, other_owner):
    product = _product(ctx)
    assignment = services.product_assignment_create(
        ctx,
        data=ProductAssignmentCreate(scope="tenant", line_kind="task_entry", product_id=product.pk),
    )
    other_ctx = CommandContext(tenant=other_owner.tenant, membership=other_owner)
    with pytest.raises(NotFound):
        services.product_assignment_delete(other_ctx, assignment_id=assignment.pk)
    services.product_assignment_delete(ctx, assignment_id=assignment.pk)
    assert not ProductAssignment.objects.exists()
    assert AuditEvent.objects.filter(
        action="product_assignment_delete", object_id=str(assignment.pk)
    ).exists()


def test_members_cannot_manage_assignments(ctx, make_member):
    product = _product(ctx)
    with pytest.raises(PermissionDenied):
        services.product_assignment_create(
            _member_ctx(make_member, "member"),
            data=ProductAssignmentCreate(
                scope="tenant", line_kind="task_entry", product_id=product.pk
            ),
        )
