"""Generating drafts from selected pending items: grouping modes, lines, idempotency."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction

from faktura.billing.errors import ItemsNotPending
from faktura.billing.inputs import InvoicesGenerate
from faktura.billing.invariants import check_invariants
from faktura.billing.models import BillableItem, Invoice, InvoiceLine
from faktura.billing.services.draft_lines import DraftFill, ItemRow, drafts_fill
from faktura.billing.services.generation import invoices_generate
from faktura.billing.services.invoices import draft_new
from faktura.common.context import CommandContext
from faktura.common.errors import PermissionDenied, ValidationFailed
from faktura.common.inputs import parse
from faktura.common.models import Operation
from faktura.work.models import TaskEntry


def _ids(*items) -> list[int]:
    return [item.pk for item in items]


def test_grouping_per_contact_builds_one_draft_per_customer_with_a_line_per_ticket(world):
    # given: one customer with two tickets in two projects, another customer with one ticket
    acme = world.contact("Acme GmbH")
    printer = world.task(world.project(acme), "Printer")
    network = world.task(world.project(acme, name="Network"), "Network")
    a1 = world.item(printer, minutes=90, unit_price="95", day=dt.date(2026, 3, 2))
    a2 = world.item(printer, minutes=30, unit_price="95", day=dt.date(2026, 3, 9))
    toner = world.item(printer, kind="goods", quantity="2", unit_price="49.9", product_name="Toner")
    n1 = world.item(network, minutes=60, unit_price="95", day=dt.date(2026, 3, 5))
    other = world.item(world.task(world.project(world.contact("Beta AG")), "Mail"), minutes=15)

    # when
    drafts = invoices_generate(
        world.ctx,
        data=InvoicesGenerate(billable_item_ids=_ids(a1, a2, toner, n1, other), grouping="contact"),
    )

    # then: one draft per customer
    assert len(drafts) == 2
    acme_draft = next(d for d in drafts if d.contact_id == acme.pk)
    assert acme_draft.status == "draft" and acme_draft.number is None
    assert acme_draft.grouping == "contact"
    assert acme_draft.project_id is None  # two projects on it
    assert acme_draft.service_period_start == dt.date(2026, 3, 2)
    assert acme_draft.service_period_end == dt.date(2026, 3, 9)
    lines = list(InvoiceLine.objects.filter(invoice=acme_draft).order_by("position"))
    assert [(line.title, line.kind, line.quantity) for line in lines] == [
        (f"#{printer.number} Printer", "task_entry", Decimal("2.0000")),
        (f"#{printer.number} Printer: Toner", "goods", Decimal("2.0000")),
        (f"#{network.number} Network", "task_entry", Decimal("1.0000")),
    ]
    assert [line.net_amount for line in lines] == [
        Decimal("190.00"),
        Decimal("99.80"),
        Decimal("95.00"),
    ]
    assert lines[0].logged_quantity == Decimal("2.0000")
    assert acme_draft.net_total == Decimal("384.80")
    # and every item is on its line, every entry on_draft
    for item, line in ((a1, lines[0]), (a2, lines[0]), (toner, lines[1]), (n1, lines[2])):
        item.refresh_from_db()
        assert (item.status, item.invoice_line_id) == ("on_draft", line.pk)
        assert TaskEntry.objects.get(pk=item.entry_id).billing_state == "on_draft"
    assert check_invariants(tenant=world.tenant) == []


def test_grouping_per_project_and_per_task(world):
    acme = world.contact("Acme GmbH")
    support, rollout = world.project(acme, name="Support"), world.project(acme, name="Rollout")
    t1, t2 = world.task(support, "Printer"), world.task(support, "Mail")
    t3 = world.task(rollout, "Laptops")
    items = [world.item(t1), world.item(t2), world.item(t3), world.item(t3, minutes=30)]

    per_project = invoices_generate(
        world.ctx, data=InvoicesGenerate(billable_item_ids=_ids(*items[:3]), grouping="project")
    )
    assert sorted(d.project_id for d in per_project) == sorted([support.pk, rollout.pk])
    assert all(d.grouping == "project" for d in per_project)
    support_draft = next(d for d in per_project if d.project_id == support.pk)
    assert support_draft.lines.count() == 2

    per_task = invoices_generate(
        world.ctx, data=InvoicesGenerate(billable_item_ids=_ids(items[3]), grouping="task")
    )
    assert len(per_task) == 1
    assert per_task[0].project_id == rollout.pk
    assert per_task[0].lines.get().task_id == t3.pk


def test_lines_split_by_price_and_vat_group_and_items_without_ticket_stand_alone(world):
    task = world.task()
    cheap = world.item(task, minutes=60, unit_price="80")
    dear = world.item(task, minutes=60, unit_price="120")
    reduced = world.item(task, kind="goods", quantity="1", unit_price="10", vat_rate="7")
    free1 = world.item(
        contact=task.client,
        project=task.project,
        kind="product",
        unit_price="5",
        description="Licence A",
    )
    free2 = world.item(
        contact=task.client,
        project=task.project,
        kind="product",
        unit_price="5",
        description="Licence B",
    )

    [draft] = invoices_generate(
        world.ctx,
        data=InvoicesGenerate(
            billable_item_ids=_ids(cheap, dear, reduced, free1, free2), grouping="contact"
        ),
    )

    lines = list(draft.lines.order_by("position"))
    assert len(lines) == 5
    assert {line.unit_price for line in lines[:2]} == {Decimal("80"), Decimal("120")}
    assert [line.title for line in lines[3:]] == ["Licence A", "Licence B"]
    assert lines[2].vat_rate == Decimal("7")


def test_currencies_never_share_a_draft(world):
    contact = world.contact()
    task = world.task(world.project(contact))
    eur = world.item(task)
    usd = world.item(task, currency="USD")
    drafts = invoices_generate(
        world.ctx, data=InvoicesGenerate(billable_item_ids=_ids(eur, usd), grouping="contact")
    )
    assert sorted(d.currency for d in drafts) == ["EUR", "USD"]


def test_reverse_charge_customer_gets_ae_lines_at_zero_percent(world):
    contact = world.contact(
        "Wiener Technik GmbH", country="AT", vat_id="ATU13585627", tax_treatment="reverse_charge"
    )
    item = world.item(world.task(world.project(contact)), vat_rate="19")
    [draft] = invoices_generate(
        world.ctx, data=InvoicesGenerate(billable_item_ids=[item.pk], grouping="contact")
    )
    line = draft.lines.get()
    assert (line.vat_category, line.vat_rate) == ("AE", Decimal("0"))
    assert draft.vat_total == Decimal("0.00")
    assert draft.vat_breakdown[0]["exemption_reason_code"] == "VATEX-EU-AE"


def test_generating_the_same_items_twice_bills_nothing_twice(world):
    task = world.task()
    items = [world.item(task), world.item(task, minutes=30)]
    [first] = invoices_generate(
        world.ctx, data=InvoicesGenerate(billable_item_ids=_ids(*items), grouping="contact")
    )

    with pytest.raises(Exception) as info:
        invoices_generate(
            world.ctx, data=InvoicesGenerate(billable_item_ids=_ids(*items), grouping="contact")
        )

    assert info.value.status == 409
    assert info.value.code == "items_not_pending"
    assert str(items[0].pk) in info.value.message
    assert Invoice.objects.filter(tenant=world.tenant).count() == 1
    assert set(BillableItem.objects.values_list("invoice_line__invoice", flat=True)) == {first.pk}
    assert check_invariants(tenant=world.tenant) == []


def test_generation_is_all_or_nothing(world, other_world):
    task = world.task()
    good = world.item(task)
    taken = world.item(task, minutes=30)
    invoices_generate(
        world.ctx, data=InvoicesGenerate(billable_item_ids=[taken.pk], grouping="contact")
    )
    theirs = other_world.item(other_world.task())

    with pytest.raises(ValidationFailed) as unknown:
        invoices_generate(
            world.ctx,
            data=InvoicesGenerate(billable_item_ids=[good.pk, theirs.pk], grouping="contact"),
        )
    assert list(unknown.value.fields) == ["billable_item_ids"]
    assert str(theirs.pk) in unknown.value.message

    with pytest.raises(Exception) as conflict:
        invoices_generate(
            world.ctx,
            data=InvoicesGenerate(billable_item_ids=[good.pk, taken.pk], grouping="contact"),
        )
    assert conflict.value.status == 409

    good.refresh_from_db()
    assert good.status == "pending" and good.invoice_line_id is None
    assert Invoice.objects.filter(tenant=world.tenant).count() == 1


@pytest.mark.parametrize("grouping", ["customer", "", None, "manual"])
def test_unknown_grouping_is_refused(world, grouping):
    item = world.item(world.task())
    # the input refuses it, before any service runs
    with pytest.raises(ValidationFailed) as info:
        parse(InvoicesGenerate, {"billable_item_ids": [item.pk], "grouping": grouping})
    assert list(info.value.fields) == ["grouping"]


def test_members_cannot_generate(world, make_member):
    member = make_member("member")
    ctx = CommandContext(tenant=world.tenant, membership=member, user=member.user)
    item = world.item(world.task())
    with pytest.raises(PermissionDenied):
        invoices_generate(
            ctx, data=InvoicesGenerate(billable_item_ids=[item.pk], grouping="contact")
        )


# --- API ----------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_api_generate_is_async_and_the_operation_lists_the_drafts(world, api, run_queued_tasks):
    acme, beta = world.contact("Acme GmbH"), world.contact("Beta AG")
    items = [
        world.item(world.task(world.project(acme))),
        world.item(world.task(world.project(beta))),
    ]

    response = api.post(
        "invoices/generate", {"billable_item_ids": _ids(*items), "grouping": "contact"}
    )
    assert response.status_code == 202, response.json()
    op = response.json()
    assert (op["kind"], op["status"]) == ("invoices_generate", "queued")

    run_queued_tasks()

    body = api.get(f"operations/{op['id']}").json()
    assert body["status"] == "succeeded", body
    ids = body["result"]["invoice_ids"]
    assert len(ids) == 2
    detail = api.get(f"invoices/{ids[0]}").json()
    assert detail["status"] == "draft"
    assert detail["lines"][0]["entry_ids"] == [items[0].entry_id]
    assert Operation.objects.get(pk=op["id"]).result["count"] == 2


def test_api_generate_refuses_items_that_are_not_pending_at_once(world, api):
    item = world.item(world.task())
    invoices_generate(
        world.ctx, data=InvoicesGenerate(billable_item_ids=[item.pk], grouping="contact")
    )
    response = api.post("invoices/generate", {"billable_item_ids": [item.pk], "grouping": "task"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "items_not_pending"
    assert not Operation.objects.filter(kind="invoices_generate").exists()


def test_api_generate_names_the_field_for_other_tenants_items(world, other_api):
    item = world.item(world.task())
    response = other_api.post(
        "invoices/generate", {"billable_item_ids": [item.pk], "grouping": "contact"}
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["billable_item_ids"]


@pytest.mark.parametrize("role", ["member", "approver"])
def test_api_generate_needs_manage_invoices(world, api_as, role):
    item = world.item(world.task())
    response = api_as(role).post(
        "invoices/generate", {"billable_item_ids": [item.pk], "grouping": "contact"}
    )
    assert response.status_code == 403


def test_an_item_taken_meanwhile_rolls_the_whole_fill_back(world):
    # given: items read as pending, one of which another caller put on a draft meanwhile
    task = world.task()
    free, taken = world.item(task), world.item(task, minutes=30)
    rows = ItemRow.rows(BillableItem.objects.filter(pk__in=[free.pk, taken.pk]).order_by("pk"))
    for row in rows:
        row.task, row.contact = task, task.client
    invoices_generate(
        world.ctx, data=InvoicesGenerate(billable_item_ids=[taken.pk], grouping="contact")
    )

    # when
    with pytest.raises(ItemsNotPending), transaction.atomic():
        draft = draft_new(world.ctx, contact=task.client, currency="EUR")
        drafts_fill([DraftFill(draft, rows, task.client, fresh=True)])

    # then: nothing of it stayed
    free.refresh_from_db()
    assert (free.status, free.invoice_line_id) == ("pending", None)
    assert Invoice.objects.filter(tenant=world.tenant).count() == 1
    assert check_invariants(tenant=world.tenant) == []


def test_the_items_of_one_entry_are_never_split_across_invoices(world):
    task = world.task(title="Site visit")
    distance = world.item(task, kind="transport_distance", quantity="30", unit_price="0.6")
    travel = world.item(task, kind="transport_time", minutes=36, unit_price="65", with_entry=False)
    BillableItem.objects.filter(pk=travel.pk).update(entry=distance.entry)
    other = world.item(task, minutes=60)

    # only the distance is selected (the travel time was on the next page)
    [draft] = invoices_generate(
        world.ctx,
        data=InvoicesGenerate(billable_item_ids=_ids(distance, other), grouping="contact"),
    )

    # the trip's travel time came along onto the same draft
    for item in (distance, travel, other):
        item.refresh_from_db()
        assert item.status == "on_draft"
        assert item.invoice_line.invoice_id == draft.pk
    assert TaskEntry.objects.get(pk=distance.entry_id).billing_state == "on_draft"
    assert check_invariants(tenant=world.tenant) == []
