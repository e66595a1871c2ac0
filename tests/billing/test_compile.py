"""Compile: which entries become billable items, as which line kinds, with which quantities."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from faktura.billing.inputs import ItemsCompile
from faktura.billing.models import BillableItem
from faktura.billing.services.compile import billable_items_compile
from faktura.common.errors import PermissionDenied, ValidationFailed
from faktura.common.models import AuditEvent
from faktura.contacts.models import Contact
from faktura.work import services as work
from faktura.work.models import Project, Task, TaskEntry

pytestmark = pytest.mark.django_db

D = Decimal


def _state(entry) -> str:
    return TaskEntry.objects.get(pk=entry.pk).billing_state


def _no_approval(kit) -> None:
    kit.tenant.require_approval = False
    kit.tenant.save(update_fields=["require_approval"])


# --- candidates -------------------------------------------------------------------------------


def test_an_approved_stopped_entry_is_compiled_and_marked_in_the_same_run(compile_kit):
    kit = compile_kit
    entry = kit.time(kit.task(), minutes=60)

    result = billable_items_compile(kit.ctx)

    assert (result.entries, result.created, result.skipped) == (1, 1, 0)
    item = kit.item(entry)
    assert item.status == BillableItem.Status.PENDING
    assert _state(entry) == TaskEntry.BillingState.COMPILED


def test_a_running_timer_is_never_compiled(compile_kit):
    kit = compile_kit
    _no_approval(kit)  # so only the running timer keeps it out
    task = kit.task()
    running = kit.entry(task, kind="time", started_at=dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC))
    stopped = kit.time(task, day=1, approve=False)
    assert running.is_running

    result = billable_items_compile(kit.ctx)

    assert result.entries == 1
    assert kit.items(running) == []
    assert _state(running) == "unbilled"
    assert _state(stopped) == "compiled"


def test_a_duration_entry_is_compiled_like_a_stopped_one(compile_kit):
    kit = compile_kit
    task = kit.task()
    duration = kit.entry(task, kind="time", date=dt.date(2026, 3, 3), duration="1:30")
    timer = kit.entry(task, kind="time", started_at=dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC))
    assert duration.started_at is None and duration.stopped_at is None
    assert not duration.is_running and timer.is_running

    result = billable_items_compile(kit.ctx)

    assert result.entries == 1
    assert kit.item(duration).quantity == D("1.5")
    assert _state(duration) == "compiled"
    assert (kit.items(timer), _state(timer)) == ([], "unbilled")


def test_draft_and_submitted_entries_wait_for_approval_when_the_tenant_requires_it(compile_kit):
    kit = compile_kit
    task = kit.task()
    draft = kit.time(task, day=2, approve=False)
    submitted = kit.time(task, day=3, approve=False)
    work.entry_submit(kit.ctx, entry_id=submitted.pk)
    approved = kit.time(task, day=4)

    result = billable_items_compile(kit.ctx)

    assert result.entries == 1
    assert [i.entry_id for i in kit.items()] == [approved.pk]
    assert (_state(draft), _state(submitted)) == ("unbilled", "unbilled")

    # once approved, the next run takes it
    work.entry_approve(kit.ctx, entry_id=submitted.pk)
    assert billable_items_compile(kit.ctx).entries == 1
    assert _state(submitted) == "compiled"


def test_without_required_approval_draft_entries_are_compiled(compile_kit):
    kit = compile_kit
    _no_approval(kit)
    draft = kit.time(kit.task(), approve=False)
    assert draft.approval_status == "draft"

    assert billable_items_compile(kit.ctx).entries == 1
    assert _state(draft) == "compiled"


def test_a_non_billable_task_is_never_compiled(compile_kit):
    kit = compile_kit
    entry = kit.time(kit.task(billable=False))

    assert billable_items_compile(kit.ctx).entries == 0
    assert _state(entry) == "unbilled"


def test_a_task_without_client_is_never_compiled(compile_kit):
    kit = compile_kit
    task = kit.task()
    entry = kit.time(task)
    Task.objects.filter(pk=task.pk).update(client=None)

    assert billable_items_compile(kit.ctx).entries == 0
    assert _state(entry) == "unbilled"


@pytest.mark.parametrize("model", ["fixed_price", "non_billable"])
def test_fixed_price_and_non_billable_projects_are_never_compiled(compile_kit, model):
    kit = compile_kit
    task = kit.task()
    entry = kit.time(task)
    Project.objects.filter(pk=task.project_id).update(billing_model=model)

    assert billable_items_compile(kit.ctx).entries == 0
    assert _state(entry) == "unbilled"
    assert kit.items() == []


@pytest.mark.invariants_broken  # sets billing states by hand to see compile pass them over
def test_entries_already_in_another_billing_state_are_not_compiled_again(compile_kit):
    kit = compile_kit
    task = kit.task()
    on_draft = kit.time(task, day=2)
    TaskEntry.objects.filter(pk=on_draft.pk).update(billing_state="on_draft")

    assert billable_items_compile(kit.ctx).entries == 0
    assert kit.items() == []


def test_compiling_twice_creates_nothing_the_second_time(compile_kit):
    kit = compile_kit
    task = kit.task()
    kit.time(task, day=2)
    kit.mileage(task, "10", 20)
    kit.goods(task, "2", "5")

    first = billable_items_compile(kit.ctx)
    second = billable_items_compile(kit.ctx)

    assert (first.entries, first.created) == (3, 4)
    assert (second.entries, second.created) == (0, 0)
    assert BillableItem.objects.filter(tenant=kit.tenant).count() == 4
    # one audit row per run, not per item
    runs = AuditEvent.objects.filter(tenant=kit.tenant, action="billable_items_compile")
    assert [run.data["created"] for run in runs.order_by("id")] == [4, 0]


def test_until_takes_only_work_up_to_that_day(compile_kit):
    kit = compile_kit
    task = kit.task()
    early = kit.time(task, day=2)
    late = kit.time(task, day=20)

    result = billable_items_compile(kit.ctx, data=ItemsCompile(until=dt.date(2026, 3, 10)))

    assert result.entries == 1
    assert (_state(early), _state(late)) == ("compiled", "unbilled")


def test_entry_ids_compile_only_those_and_count_the_rest_as_skipped(compile_kit):
    kit = compile_kit
    task = kit.task()
    wanted = kit.time(task, day=2)
    other = kit.time(task, day=3)
    draft = kit.time(task, day=4, approve=False)

    result = billable_items_compile(kit.ctx, data=ItemsCompile(entry_ids=[wanted.pk, draft.pk]))

    assert (result.entries, result.skipped) == (1, 1)
    assert (_state(wanted), _state(other), _state(draft)) == ("compiled", "unbilled", "unbilled")


def test_entry_ids_of_another_tenant_are_refused_naming_the_field(compile_kit, other_compile_kit):
    kit = compile_kit
    theirs = other_compile_kit
    entry = theirs.time(theirs.task())

    with pytest.raises(ValidationFailed) as caught:
        billable_items_compile(kit.ctx, data=ItemsCompile(entry_ids=[entry.pk]))

    assert "entry_ids" in caught.value.fields
    assert _state(entry) == "unbilled"


def test_compile_needs_manage_invoices(compile_kit, make_member):
    kit = compile_kit
    kit.time(kit.task())
    for role in ("member", "approver"):
        with pytest.raises(PermissionDenied):
            billable_items_compile(kit.ctx_of(make_member(role)))
    assert billable_items_compile(kit.ctx_of(make_member("billing"))).entries == 1


# --- line kinds and quantities ----------------------------------------------------------------


def test_time_becomes_a_task_entry_in_rounded_hours_keeping_the_logged_seconds(compile_kit):
    kit = compile_kit
    entry = kit.time(kit.task(), minutes=50, description="Replaced the fuser")

    billable_items_compile(kit.ctx)

    item = kit.item(entry)
    assert item.kind == "task_entry"
    assert item.quantity == D("1.0000")  # 50 min, 15-minute increments rounded up
    assert item.logged_seconds == 3000
    assert item.unit == "HUR"
    assert item.service_date == entry.date
    assert item.description == "Replaced the fuser"
    assert (item.task_id, item.project_id) == (entry.task_id, entry.task.project_id)
    assert item.contact_id == entry.task.client_id
    assert item.membership_id == entry.membership_id


def test_mileage_becomes_distance_and_travel_time(compile_kit):
    kit = compile_kit
    task = kit.task()
    with_time = kit.mileage(task, "12.5", transport_minutes=50)
    distance_only = kit.mileage(task, "7")

    billable_items_compile(kit.ctx)

    distance = kit.item(with_time, "transport_distance")
    travel = kit.item(with_time, "transport_time")
    assert (distance.quantity, distance.unit, distance.logged_seconds) == (D("12.5"), "KMT", None)
    # 50 minutes on the 3-minute travel grid: 51 minutes = 0.85 h, exact; the logged minutes
    # are kept (the time-rounding policy is for logged work, not travel)
    assert (travel.quantity, travel.unit, travel.logged_seconds) == (D("0.85"), "HUR", 3000)
    assert travel.amount == travel.quantity * travel.unit_price  # no hidden decimals
    assert [i.kind for i in kit.items(distance_only)] == ["transport_distance"]


def test_travel_time_quantity_times_price_is_the_amount(compile_kit):
    kit = compile_kit
    task = kit.task()
    kit.assign("tenant", kit.product("Reisezeit", "65.00"), line_kind="transport_time")
    mileage = kit.mileage(task, "30", transport_minutes=35)

    billable_items_compile(kit.ctx)

    travel = kit.item(mileage, "transport_time")
    # 35 minutes: billed 0:36 = 0.60 h x 65.00 = 39.00 (not 0.5833 h x 65.00 = 37.91)
    assert (travel.quantity, travel.unit_price, travel.amount) == (D("0.6"), D("65"), D("39.00"))
    assert travel.logged_seconds == 35 * 60


def test_expenses_and_goods_bill_their_quantity(compile_kit):
    kit = compile_kit
    task = kit.task()
    expense = kit.expense(task, "2", "9.99")
    goods = kit.goods(task, "3.5", "12.00")

    billable_items_compile(kit.ctx)

    e, g = kit.item(expense), kit.item(goods)
    assert (e.kind, e.quantity, e.unit_price, e.amount) == (
        "expense",
        D("2"),
        D("9.99"),
        D("19.98"),
    )
    assert (g.kind, g.quantity, g.amount) == ("goods", D("3.5"), D("42.00"))
    assert e.logged_seconds is None


def test_amount_is_quantity_times_price_rounded_half_up_in_the_projects_currency(compile_kit):
    kit = compile_kit
    swiss = kit.contact("Uhren AG", currency="CHF", country="CH", tax_treatment="export")
    project = kit.project(swiss, hourly_rate=D("98.765"))
    entry = kit.time(kit.task(project), minutes=20)  # 0.5 h

    billable_items_compile(kit.ctx)

    item = kit.item(entry)
    assert item.currency == "CHF"
    assert item.unit_price == D("98.765")
    assert item.amount == D("49.38")  # 49.3825 -> 49.38


# --- time rounding ----------------------------------------------------------------------------


def test_entry_level_rounds_each_entry_on_its_own(compile_kit):
    kit = compile_kit
    task = kit.task()
    entries = [kit.time(task, hour=h, minutes=20) for h in (8, 10, 12)]

    billable_items_compile(kit.ctx)

    assert [kit.item(e).quantity for e in entries] == [D("0.5")] * 3  # 20 -> 30 min each


def test_task_day_level_rounds_a_tickets_entries_of_one_day_together(compile_kit):
    kit = compile_kit
    project = kit.project(time_rounding={"level": "task_day"})
    task = kit.task(project)
    same_day = [kit.time(task, hour=h, minutes=20) for h in (8, 10, 12)]
    next_day = kit.time(task, day=3, minutes=20)
    other_task = kit.time(kit.task(project, title="Router"), hour=14, minutes=20)

    billable_items_compile(kit.ctx)

    quantities = [kit.item(e).quantity for e in same_day]
    assert sum(quantities) == D("1.0000")  # 60 min together, not 3 x 0.5 h
    assert sorted(quantities) == [D("0.3333"), D("0.3333"), D("0.3334")]
    assert kit.item(next_day).quantity == D("0.5")
    assert kit.item(other_task).quantity == D("0.5")
    assert [kit.item(e).logged_seconds for e in same_day] == [1200] * 3


def test_task_day_groups_are_never_split_between_batches(compile_kit):
    kit = compile_kit
    project = kit.project(time_rounding={"level": "task_day"})
    task = kit.task(project)
    other = kit.time(kit.task(project, title="Router"), day=2, minutes=20)
    # logged on another ticket in between, so the day's ids are not adjacent
    group = [kit.time(task, hour=h, minutes=20) for h in (8, 10)]
    group.append(kit.time(task, day=2, hour=12, minutes=20))
    assert other.pk < group[0].pk

    result = billable_items_compile(kit.ctx, batch_size=2)

    assert sum(kit.item(e).quantity for e in group) == D("1.0000")
    assert result.entries == 4


def test_rounding_rule_project_over_customer_over_company(compile_kit):
    kit = compile_kit
    tenant = kit.tenant
    tenant.time_rounding = {"increment_minutes": 10, "direction": "up", "minimum_minutes": 0,
                            "level": "entry"}  # fmt: skip
    tenant.save(update_fields=["time_rounding"])
    plain = kit.contact("Plain GmbH")
    sixes = kit.contact("Sixes GmbH", time_rounding={"increment_minutes": 6})
    strict = kit.contact("Strict GmbH", time_rounding={"increment_minutes": 6, "direction": "down"})
    cases = {
        "company": kit.project(plain),  # 10 up: 50 min -> 50 min
        "customer": kit.project(sixes),  # 6 up: 54 min
        "merged": kit.project(sixes),  # a partial rule below: 6 down, 48 min
        "project": kit.project(strict, time_rounding={"increment_minutes": 60, "direction": "up"}),
    }
    # The API stores complete rules; a partial one (older data) overrides only its fields.
    Project.objects.filter(pk=cases["merged"].pk).update(time_rounding={"direction": "down"})
    entries = {name: kit.time(kit.task(project), minutes=50) for name, project in cases.items()}

    billable_items_compile(kit.ctx)

    got = {name: kit.item(entry).quantity for name, entry in entries.items()}
    assert got == {
        "company": D("0.8333"),
        "customer": D("0.9"),
        "merged": D("0.8"),
        "project": D("1.0"),
    }


def test_a_broken_stored_rule_is_passed_over_with_a_warning(compile_kit):
    kit = compile_kit
    project = kit.project()
    Project.objects.filter(pk=project.pk).update(time_rounding={"increment_minutes": 7})
    entry = kit.time(kit.task(project), minutes=50)

    billable_items_compile(kit.ctx)

    item = kit.item(entry)
    assert item.quantity == D("1.0")  # the company's 15 minutes up
    assert "invalid_rounding_policy" in [w["code"] for w in item.warnings]


# --- VAT from the customer's tax treatment ----------------------------------------------------


@pytest.mark.parametrize(
    ("treatment", "extra", "category"),
    [
        ("reverse_charge", {"vat_id": "ATU13585627", "country": "AT"}, "AE"),
        ("export", {"country": "CH"}, "G"),
        ("exempt", {"exemption_reason": "Heilbehandlung, § 4 Nr. 14 UStG"}, "E"),
    ],
)
def test_the_customers_tax_treatment_overrides_the_products_vat(
    compile_kit, treatment, extra, category
):
    kit = compile_kit
    contact = kit.contact("Kunde", tax_treatment=treatment, **extra)
    entry = kit.time(kit.task(kit.project(contact)))

    billable_items_compile(kit.ctx)

    item = kit.item(entry)
    assert (item.vat_category, item.vat_rate) == (category, D("0"))
    assert "contact_missing_vat_id" not in [w["code"] for w in item.warnings]


def test_domestic_customers_get_the_products_vat(compile_kit):
    kit = compile_kit
    task = kit.task()
    book = kit.product("Handbuch", "20", unit="C62", kind="goods", vat_rate=D("7"))
    kit.assign("tenant", book, line_kind="goods")
    entry = kit.goods(task, "1")

    billable_items_compile(kit.ctx)

    assert (kit.item(entry).vat_category, kit.item(entry).vat_rate) == ("S", D("7"))


def test_reverse_charge_without_vat_id_is_billed_at_zero_with_a_warning(compile_kit):
    kit = compile_kit
    contact = kit.contact(
        "EU Kunde", tax_treatment="reverse_charge", country="AT", vat_id="ATU13585627"
    )
    # the contact rules forbid this; imported or older data may still have it
    Contact.objects.filter(pk=contact.pk).update(vat_id="")
    entry = kit.time(kit.task(kit.project(contact, hourly_rate=D("100"))))

    billable_items_compile(kit.ctx)

    item = kit.item(entry)
    assert (item.vat_category, item.vat_rate) == ("AE", D("0"))
    assert [w["code"] for w in item.warnings] == ["contact_missing_vat_id"]
    assert item.price_source == "project"


@pytest.mark.invariants_broken  # sets billing states by hand, as billing would
def test_compile_takes_exactly_the_work_selectors_candidates(compile_kit):
    """Compile pages through the entry-level rules and checks the task-level ones per batch;
    together they must select what `entries_billable_candidates` selects."""
    from faktura.work.selectors import entries_billable_candidates

    kit = compile_kit
    task = kit.task()
    kit.time(task, day=2)
    kit.time(task, day=3, approve=False)
    kit.entry(task, kind="time", started_at=dt.datetime(2026, 3, 4, 9, tzinfo=dt.UTC))
    kit.mileage(task, "5")
    kit.expense(kit.task(billable=False), "1", "2")
    no_client = kit.task(title="No client")
    kit.goods(no_client, "1", "2")
    Task.objects.filter(pk=no_client.pk).update(client=None)
    fixed = kit.task(title="Fixed")
    kit.time(fixed, day=5)
    Project.objects.filter(pk=fixed.project_id).update(billing_model="fixed_price")
    compiled_before = kit.time(task, day=6)
    TaskEntry.objects.filter(pk=compiled_before.pk).update(billing_state="written_off")
    expected = set(
        entries_billable_candidates(tenant=kit.tenant, require_approval=True).values_list(
            "pk", flat=True
        )
    )

    billable_items_compile(kit.ctx, batch_size=3)

    got = set(
        TaskEntry.objects.filter(tenant=kit.tenant, billing_state="compiled").values_list(
            "pk", flat=True
        )
    )
    assert got == expected
    assert len(expected) == 2
