"""What billing asks the catalog: which product applies, at what price, and default products."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from faktura.catalog import selectors, services
from faktura.catalog.inputs import (
    PriceListCreate,
    PriceSet,
    ProductAssignmentCreate,
    ProductCreate,
    ProductUpdate,
    UnitUpdate,
)
from faktura.catalog.models import LineKind, Product, Unit
from faktura.catalog.services import products as product_services
from faktura.common.context import CommandContext
from faktura.common.errors import ValidationFailed
from faktura.common.models import AuditEvent


def _product(ctx, name: str) -> Product:
    return services.product_create(ctx, data=ProductCreate(name=name, unit="HUR"))


@pytest.fixture
def targets(owner, make_contact, make_task, make_team, make_member):
    """A task of a customer, worked on by a member of a team."""
    contact = make_contact()
    team = make_team()
    member = make_member("member", team_id=team.pk)
    return {
        "task": make_task(contact).pk,
        "contact": contact.pk,
        "membership": member.pk,
        "team": team.pk,
    }


def _resolve(tenant, targets, line_kind="task_entry"):
    kwargs = {f"{scope}_id": target for scope, target in targets.items()}
    assignment, scope = selectors.product_resolve(tenant=tenant, line_kind=line_kind, **kwargs)
    # The in-memory index used for bulk compiles must agree with the query.
    index = selectors.assignment_index(tenant=tenant)
    assert index.resolve(line_kind=line_kind, **kwargs) == (assignment, scope)
    return (assignment.product.name if assignment else None), scope


def test_product_resolution_goes_task_contact_membership_team_tenant(ctx, targets):
    # given an assignment at every scope, each with its own product
    assignments = {}
    for scope in ("task", "contact", "membership", "team", "tenant"):
        assignments[scope] = services.product_assignment_create(
            ctx,
            data=ProductAssignmentCreate(
                scope=scope,
                scope_id=targets.get(scope),
                line_kind="task_entry",
                product_id=_product(ctx, f"{scope} product").pk,
            ),
        )
    # when they are removed from the most specific one on, the next one wins each time
    for scope in ("task", "contact", "membership", "team", "tenant"):
        assert _resolve(ctx.tenant, targets) == (f"{scope} product", scope)
        services.product_assignment_delete(ctx, assignment_id=assignments[scope].pk)
    # then nothing is left
    assert _resolve(ctx.tenant, targets) == (None, None)


def test_product_resolution_is_per_line_kind(ctx, targets):
    services.product_assignment_create(
        ctx,
        data=ProductAssignmentCreate(
            scope="task",
            scope_id=targets["task"],
            line_kind="goods",
            product_id=_product(ctx, "Hardware").pk,
        ),
    )
    services.product_assignment_create(
        ctx,
        data=ProductAssignmentCreate(
            scope="tenant", line_kind="task_entry", product_id=_product(ctx, "Work").pk
        ),
    )
    assert _resolve(ctx.tenant, targets, "task_entry") == ("Work", "tenant")
    assert _resolve(ctx.tenant, targets, "goods") == ("Hardware", "task")
    assert _resolve(ctx.tenant, targets, "expense") == (None, None)


def test_product_resolution_skips_targets_not_given(ctx, targets):
    services.product_assignment_create(
        ctx,
        data=ProductAssignmentCreate(
            scope="team",
            scope_id=targets["team"],
            line_kind="task_entry",
            product_id=_product(ctx, "Team product").pk,
        ),
    )
    assert _resolve(ctx.tenant, targets) == ("Team product", "team")
    assert _resolve(ctx.tenant, {**targets, "team": None}) == (None, None)
    # another team has no assignment
    assert _resolve(ctx.tenant, {"team": targets["team"] + 1000}) == (None, None)


def test_product_resolution_ignores_other_tenants(ctx, other_owner):
    other_ctx = CommandContext(tenant=other_owner.tenant, membership=other_owner)
    services.product_assignment_create(
        other_ctx,
        data=ProductAssignmentCreate(
            scope="tenant", line_kind="task_entry", product_id=_product(other_ctx, "X").pk
        ),
    )
    assert _resolve(ctx.tenant, {}) == (None, None)


def test_product_resolution_is_one_query(ctx, targets, django_assert_num_queries):
    price_list = services.price_list_create(ctx, data=PriceListCreate(name="Standard"))
    services.product_assignment_create(
        ctx,
        data=ProductAssignmentCreate(
            scope="contact",
            scope_id=targets["contact"],
            line_kind="task_entry",
            product_id=_product(ctx, "Support").pk,
            price_list_id=price_list.pk,
        ),
    )
    with django_assert_num_queries(1):
        assignment, scope = selectors.product_resolve(
            tenant=ctx.tenant, line_kind="task_entry", contact_id=targets["contact"]
        )
        assert (assignment.product.unit.code, assignment.price_list.name) == ("HUR", "Standard")
    assert scope == "contact"


def test_price_list_price_of_the_resolved_assignment(ctx, targets):
    product = _product(ctx, "Support")
    price_list = services.price_list_create(ctx, data=PriceListCreate(name="Standard"))
    services.price_list_item_set(
        ctx, price_list_id=price_list.pk, product_id=product.pk, data=PriceSet(unit_price="92.50")
    )
    services.product_assignment_create(
        ctx,
        data=ProductAssignmentCreate(
            scope="tenant",
            line_kind="task_entry",
            product_id=product.pk,
            price_list_id=price_list.pk,
        ),
    )
    assignment, _ = selectors.product_resolve(tenant=ctx.tenant, line_kind="task_entry")
    price = selectors.price_list_price(price_list=assignment.price_list, product=product)
    assert price == Decimal("92.50")
    assert selectors.price_list_price(price_list=None, product=product) is None


# --- default products ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line_kind", "name", "unit", "price"),
    [
        (LineKind.TASK_ENTRY, "Arbeit", "HUR", None),
        (LineKind.GOODS, "Arbeit", "HUR", None),
        (LineKind.EXPENSE, "Arbeit", "HUR", None),
        (LineKind.TRANSPORT_DISTANCE, "Fahrtkosten", "KMT", Decimal("5.00")),
        (LineKind.TRANSPORT_TIME, "Reisezeit", "HUR", Decimal("1000.00")),
    ],
)
def test_default_product_per_line_kind(tenant, line_kind, name, unit, price):
    product = services.default_product_ensure(tenant=tenant, line_kind=line_kind)
    product.refresh_from_db()
    assert (product.name, product.unit.code, product.default_unit_price) == (name, unit, price)
    assert (product.auto_created, product.auto_created_for) == (True, line_kind)
    assert (product.vat_category, product.vat_rate) == ("S", Decimal("19.00"))


def test_default_product_is_created_once(tenant):
    first = services.default_product_ensure(tenant=tenant, line_kind="task_entry")
    second = services.default_product_ensure(tenant=tenant, line_kind="task_entry")
    assert first.pk == second.pk
    assert Product.objects.filter(tenant=tenant, auto_created=True).count() == 1
    assert AuditEvent.objects.filter(action="default_product_ensure").count() == 1


def test_goods_expense_and_time_each_get_their_own_default_row(tenant):
    rows = {
        kind: services.default_product_ensure(tenant=tenant, line_kind=kind).pk
        for kind in ("task_entry", "goods", "expense")
    }
    assert len(set(rows.values())) == 3


def test_default_product_survives_a_renamed_default(ctx, tenant):
    product = services.default_product_ensure(tenant=tenant, line_kind="task_entry")
    services.product_update(ctx, product_id=product.pk, data=ProductUpdate(name="Arbeitszeit"))
    again = services.default_product_ensure(tenant=tenant, line_kind="task_entry")
    assert (again.pk, again.name) == (product.pk, "Arbeitszeit")


def test_default_product_recreates_a_missing_standard_unit(ctx, tenant):
    hour = Unit.objects.get(tenant=tenant, code="HUR")
    services.unit_update(ctx, unit_id=hour.pk, data=UnitUpdate(code="MIN"))
    product = services.default_product_ensure(tenant=tenant, line_kind="task_entry")
    assert product.unit.code == "HUR"
    assert product.unit.pk != hour.pk


def test_default_product_created_concurrently_is_reused(tenant, monkeypatch):
    # given another caller created the row after this one looked and found none
    theirs = services.default_product_ensure(tenant=tenant, line_kind="transport_distance")
    lookups = []
    real_lookup = product_services._auto_created_product

    def stale_lookup(**kwargs):
        lookups.append(kwargs)
        return None if len(lookups) == 1 else real_lookup(**kwargs)

    monkeypatch.setattr(product_services, "_auto_created_product", stale_lookup)
    # when this caller inserts, the unique constraint refuses and it reads the winner's row
    mine = services.default_product_ensure(tenant=tenant, line_kind="transport_distance")
    # then both hold the same row and nothing else was created
    assert mine.pk == theirs.pk
    assert len(lookups) == 2
    assert Product.objects.filter(tenant=tenant).count() == 1


def test_default_product_is_per_tenant(tenant, other_owner):
    mine = services.default_product_ensure(tenant=tenant, line_kind="task_entry")
    theirs = services.default_product_ensure(tenant=other_owner.tenant, line_kind="task_entry")
    assert mine.pk != theirs.pk
    assert theirs.unit.tenant_id == other_owner.tenant_id


@pytest.mark.parametrize("line_kind", ["product", "manual", "subscription", "nonsense"])
def test_no_default_product_for_other_line_kinds(tenant, line_kind):
    with pytest.raises(ValidationFailed) as info:
        services.default_product_ensure(tenant=tenant, line_kind=line_kind)
    assert list(info.value.fields) == ["line_kind"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_default_product_ensure_creates_one_row(owner):
    if connection.vendor != "postgresql":
        pytest.skip("needs real parallel connections (PostgreSQL)")
    tenant = owner.tenant
    barrier = threading.Barrier(4)
    results: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            product = services.default_product_ensure(tenant=tenant, line_kind="goods")
            results.append(product.pk)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(results) == 4
    assert len(set(results)) == 1
    assert Product.objects.filter(tenant=tenant, auto_created_for="goods").count() == 1


def test_default_products_are_named_in_the_companys_language(tenant):
    tenant.language = "en"
    tenant.save(update_fields=["language"])
    travel = services.default_product_ensure(tenant=tenant, line_kind=LineKind.TRANSPORT_TIME)
    work = services.default_product_ensure(tenant=tenant, line_kind=LineKind.TASK_ENTRY)
    assert (travel.name, work.name) == ("Transport Time", "Work")
