"""Compile: which product an item gets, and which price, recorded with its source."""

from __future__ import annotations

from decimal import Decimal

import pytest

from faktura.billing.inputs import ItemsCompile
from faktura.billing.services.compile import billable_items_compile
from faktura.catalog.models import PriceList, Product, ProductAssignment
from faktura.common.inputs import parse
from faktura.tenancy.models import Membership, Team
from faktura.work import services as work
from faktura.work.inputs import ProjectMemberRate
from faktura.work.models import Project, ProjectMember, Task, TaskEntry

pytestmark = pytest.mark.django_db

D = Decimal


def _compile_one(kit, entry, kind: str | None = None):
    billable_items_compile(kit.ctx, data=ItemsCompile(entry_ids=[entry.pk]))
    return kit.item(entry, kind)


# --- product resolution -----------------------------------------------------------------------


def test_product_resolution_goes_task_contact_member_team_tenant_then_default(compile_kit):
    kit = compile_kit
    team = Team.objects.create(tenant=kit.tenant, name="Field service")
    Membership.objects.filter(pk=kit.owner.pk).update(team=team)
    task = kit.task()
    products = {
        scope: kit.product(f"{scope} product", "10")
        for scope in ("task", "contact", "membership", "team", "tenant")
    }
    targets = {
        "task": task,
        "contact": task.client,
        "membership": kit.owner,
        "team": team,
        "tenant": None,
    }
    for scope, product in products.items():
        kit.assign(scope, product, target=targets[scope])
    # an assignment for another line kind never applies to time
    kit.assign("task", kit.product("Mileage", "1", unit="KMT"), "transport_distance", task)

    seen = []
    for scope in ("task", "contact", "membership", "team", "tenant"):
        item = _compile_one(kit, kit.time(task, day=len(seen) + 2))
        seen.append(item.product_name)
        ProductAssignment.objects.filter(tenant=kit.tenant, scope=scope).delete()
    first_default = _compile_one(kit, kit.time(task, day=10))
    second_default = _compile_one(kit, kit.time(task, day=11))

    assert seen == [
        "task product", "contact product", "membership product", "team product",
        "tenant product",
    ]  # fmt: skip
    defaults = Product.objects.filter(tenant=kit.tenant, auto_created=True)
    assert list(defaults.values_list("name", "auto_created_for")) == [("Arbeit", "task_entry")]
    assert first_default.product_id == second_default.product_id == defaults.get().pk


def test_default_products_per_line_kind_are_created_once(compile_kit):
    kit = compile_kit
    task = kit.task()
    kit.mileage(task, "10", 30)
    kit.mileage(task, "20", 15)
    kit.goods(task, "1", "3")

    billable_items_compile(kit.ctx)

    made = Product.objects.filter(tenant=kit.tenant, auto_created=True)
    assert sorted(made.values_list("auto_created_for", "name", "default_unit_price")) == [
        ("goods", "Arbeit", None),
        ("transport_distance", "Fahrtkosten", D("5.000000")),
        ("transport_time", "Reisezeit", D("1000.000000")),
    ]
    goods = kit.items(kind="goods")[0]
    assert goods.unit == "C62"  # pieces, not the default product's hours


def test_the_tasks_own_product_wins_for_the_kind_it_is_made_for(compile_kit):
    kit = compile_kit
    senior = kit.product("Senior consulting", "180")
    task = kit.task(product_id=senior.pk)
    kit.assign("task", kit.product("Assigned", "90"), target=task)
    time = kit.time(task)
    mileage = kit.mileage(task, "10")

    billable_items_compile(kit.ctx)

    item = kit.item(time)
    assert (item.product_id, item.unit_price, item.price_source) == (
        senior.pk, D("180"), "product_default"
    )  # fmt: skip
    assert kit.item(mileage).product_name == "Fahrtkosten"  # a ticket is not sold per km


# --- price precedence -------------------------------------------------------------------------


def test_time_prices_follow_the_standard_order_one_source_after_another(compile_kit, make_member):
    kit = compile_kit
    member = make_member("billing", default_billing_rate=D("110"))
    product = kit.product("Support", "100")
    kit.assign("tenant", product)
    price_list = kit.price_list("Key accounts", {product: "140"})
    project = kit.project(hourly_rate=D("120"))
    task = kit.task(project, unit_price=D("150"), price_list_id=price_list.pk)
    work.project_member_set_rate(
        kit.ctx,
        project_id=project.pk,
        membership_id=member.pk,
        data=parse(ProjectMemberRate, dict(hourly_rate=D("130"))),
    )
    removals = [
        ("task", lambda: Task.objects.filter(pk=task.pk).update(unit_price=None)),
        ("price_list", lambda: Task.objects.filter(pk=task.pk).update(price_list=None)),
        ("project_member", lambda: ProjectMember.objects.filter(project=project).delete()),
        ("project", lambda: Project.objects.filter(pk=project.pk).update(hourly_rate=None)),
        (
            "member_default",
            lambda: Membership.objects.filter(pk=member.pk).update(default_billing_rate=None),
        ),
        (
            "product_default",
            lambda: Product.objects.filter(pk=product.pk).update(default_unit_price=None),
        ),
        ("none", lambda: None),
    ]

    got = []
    for day, (_source, remove) in enumerate(removals, start=2):
        item = _compile_one(kit, kit.time(task, day=day, member=member))
        got.append((item.price_source, item.unit_price))
        remove()

    assert got == [
        ("task", D("150")),
        ("price_list", D("140")),
        ("project_member", D("130")),
        ("project", D("120")),
        ("member_default", D("110")),
        ("product_default", D("100")),
        ("none", D("0")),
    ]


def test_no_price_still_compiles_the_item_at_zero_with_a_warning(compile_kit):
    kit = compile_kit
    entry = kit.time(kit.task(), minutes=90)

    result = billable_items_compile(kit.ctx)

    item = kit.item(entry)
    assert (item.unit_price, item.amount, item.price_source) == (D("0"), D("0"), "none")
    assert [w["code"] for w in item.warnings] == ["no_price"]
    assert item.quantity == D("1.5")
    assert result.warnings == {"no_price": 1}


def test_the_entrys_own_price_beats_the_task_price(compile_kit):
    kit = compile_kit
    task = kit.task(unit_price=D("50"))
    own = kit.expense(task, "2", "12.50")
    without = kit.expense(task, "2")

    billable_items_compile(kit.ctx)

    assert (kit.item(own).price_source, kit.item(own).unit_price) == ("entry", D("12.50"))
    assert (kit.item(without).price_source, kit.item(without).unit_price) == ("task", D("50"))


def test_an_hourly_rate_never_prices_goods(compile_kit):
    kit = compile_kit
    project = kit.project(hourly_rate=D("120"))
    entry = kit.goods(kit.task(project), "3")

    billable_items_compile(kit.ctx)

    item = kit.item(entry)
    assert (item.price_source, item.unit_price) == ("none", D("0"))


def test_price_lists_go_task_assignment_contact_then_company_default(compile_kit):
    kit = compile_kit
    product = kit.product("Support", None)
    lists = {
        name: kit.price_list(name, {product: price})
        for name, price in (("task", "41"), ("assignment", "42"), ("contact", "43"))
    }
    lists["default"] = kit.price_list("Standard", {product: "44"}, is_tenant_default=True)
    # a list in another currency is passed over even when it comes first
    dollars = kit.price_list("Dollars", {product: "99"}, currency="USD")
    contact = kit.contact(price_list_id=lists["contact"].pk)
    task = kit.task(kit.project(contact))
    # the task service refuses a list in another currency; older data may still have one
    Task.objects.filter(pk=task.pk).update(price_list=dollars)
    kit.assign("tenant", product, price_list=lists["assignment"])

    prices = []
    for day, step in enumerate(("dollars", "assignment", "contact", "default"), start=2):
        if step == "dollars":
            prices.append(_compile_one(kit, kit.time(task, day=day)).unit_price)
            Task.objects.filter(pk=task.pk).update(price_list=lists["task"])
            prices.append(_compile_one(kit, kit.time(task, day=day + 10)).unit_price)
            Task.objects.filter(pk=task.pk).update(price_list=None)
        elif step == "assignment":
            prices.append(_compile_one(kit, kit.time(task, day=day)).unit_price)
            ProductAssignment.objects.filter(tenant=kit.tenant).update(price_list=None)
        elif step == "contact":
            prices.append(_compile_one(kit, kit.time(task, day=day)).unit_price)
            contact.price_list = None
            contact.save(update_fields=["price_list"])
        else:
            prices.append(_compile_one(kit, kit.time(task, day=day)).unit_price)

    # with the dollar list on the task, the assignment's EUR list applied
    assert prices == [D("42"), D("41"), D("42"), D("43"), D("44")]
    assert PriceList.objects.filter(tenant=kit.tenant).count() == 5


def test_transport_prices_go_entry_product_default_task(compile_kit):
    kit = compile_kit
    task = kit.task(unit_price=D("0.80"))

    product_default = _compile_one(kit, kit.mileage(task, "10"))
    snapshot = kit.mileage(task, "10")
    # mileage has no price field in the API; a snapshot price comes from older or imported data
    TaskEntry.objects.filter(pk=snapshot.pk).update(unit_price=D("0.42"))
    entry_price = _compile_one(kit, snapshot)
    Product.objects.filter(auto_created_for="transport_distance").update(default_unit_price=None)
    task_price = _compile_one(kit, kit.mileage(task, "10"))

    assert (product_default.price_source, product_default.unit_price) == (
        "product_default", D("5")
    )  # fmt: skip
    assert (entry_price.price_source, entry_price.unit_price) == ("entry", D("0.42"))
    assert (task_price.price_source, task_price.unit_price) == ("task", D("0.80"))
    assert task_price.amount == D("8.00")
