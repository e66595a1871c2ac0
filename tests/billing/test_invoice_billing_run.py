"""The billing run: one open draft per customer, project and period, reused by later runs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from faktura.billing.inputs import BillingRun, InvoiceIssue
from faktura.billing.invariants import check_invariants
from faktura.billing.models import BillableItem, Invoice
from faktura.billing.services.generation import billing_run
from faktura.billing.services.issue import invoice_issue
from faktura.common.errors import ValidationFailed
from faktura.common.inputs import parse
from faktura.work.models import Project

MARCH = "2026-03"


def _day(day: int, month: int = 3) -> dt.date:
    return dt.date(2026, month, day)


def test_run_creates_one_draft_per_customer_project_and_period(world):
    acme = world.contact("Acme GmbH")
    support, rollout = world.project(acme, name="Support"), world.project(acme, name="Rollout")
    items = [
        world.item(world.task(support, "Printer"), day=_day(3)),
        world.item(world.task(support, "Mail"), day=_day(17)),
        world.item(world.task(rollout, "Laptops"), day=_day(9)),
    ]
    april = world.item(world.task(support, "VPN"), day=_day(1, 4))

    result = billing_run(world.ctx, data=BillingRun(period=MARCH))

    assert (result.drafts_created, result.drafts_updated, result.items) == (2, 0, 3)
    assert result.net_by_currency == {"EUR": Decimal("300.00")}
    drafts = Invoice.objects.filter(tenant=world.tenant, status="draft")
    assert {(d.project_id, d.grouping) for d in drafts} == {
        (support.pk, "run"),
        (rollout.pk, "run"),
    }
    support_draft = drafts.get(project=support)
    assert support_draft.draft_key == f"run:{acme.pk}:{support.pk}:{MARCH}:EUR"
    assert (support_draft.service_period_start, support_draft.service_period_end) == (
        _day(1),
        _day(31),
    )
    assert support_draft.lines.count() == 2
    assert all(BillableItem.objects.get(pk=i.pk).status == "on_draft" for i in items)
    april.refresh_from_db()
    assert april.status == "pending"  # another period
    assert check_invariants(tenant=world.tenant) == []


def test_running_twice_changes_nothing_and_new_items_join_the_same_draft(world, api):
    # given: a run made the March draft and the reviewer corrected the Printer line
    project = world.project()
    printer = world.task(project, "Printer")
    world.item(printer, minutes=60, day=_day(3))
    billing_run(world.ctx, data=BillingRun(period=MARCH))
    draft = Invoice.objects.get(tenant=world.tenant, status="draft")
    line = draft.lines.get()
    api.patch(f"invoices/{draft.pk}/lines/{line.pk}", {"quantity": "1.5"})
    before = Invoice.objects.get(pk=draft.pk).updated_at

    # when: the run runs again without new work
    again = billing_run(world.ctx, data=BillingRun(period=MARCH))

    # then: nothing changes
    assert (again.drafts_created, again.drafts_updated, again.items) == (0, 0, 0)
    assert Invoice.objects.get(pk=draft.pk).updated_at == before

    # when: more work of the period was compiled, on the same and on a new ticket
    world.item(printer, minutes=30, day=_day(20))
    world.item(world.task(project, "Mail"), minutes=45, day=_day(21))
    grown = billing_run(world.ctx, data=BillingRun(period=MARCH))

    # then: the same draft grows; the Printer line keeps the reviewer's +0:30
    assert (grown.drafts_created, grown.drafts_updated, grown.items) == (0, 1, 2)
    assert grown.invoice_ids == [draft.pk]
    assert Invoice.objects.filter(tenant=world.tenant).count() == 1
    body = api.get(f"invoices/{draft.pk}").json()
    printer_line = next(x for x in body["lines"] if x["id"] == line.pk)
    assert (printer_line["logged_quantity"], printer_line["quantity"]) == ("1.5000", "2.0000")
    assert printer_line["correction"] == "0.5000"
    assert len(body["lines"]) == 2
    assert body["totals"]["net"] == "275.00"  # (2 + 0.75) h x 100
    assert body["service_period_end"] == "2026-03-31"
    assert check_invariants(tenant=world.tenant) == []


def test_do_not_bill_lines_take_no_new_items(world, api):
    task = world.task()
    world.item(task, day=_day(3))
    billing_run(world.ctx, data=BillingRun(period=MARCH))
    draft = Invoice.objects.get(tenant=world.tenant)
    line = draft.lines.get()
    api.patch(f"invoices/{draft.pk}/lines/{line.pk}", {"do_not_bill": True})
    late = world.item(task, day=_day(4))
    billing_run(world.ctx, data=BillingRun(period=MARCH))
    late.refresh_from_db()
    assert late.status == "on_draft" and late.invoice_line_id != line.pk
    assert draft.lines.count() == 2


def test_after_the_draft_is_issued_a_new_draft_opens(world):
    task = world.task()
    world.item(task, day=_day(3))
    billing_run(world.ctx, data=BillingRun(period=MARCH))
    first = Invoice.objects.get(tenant=world.tenant)
    invoice_issue(world.ctx, invoice_id=first.pk, data=InvoiceIssue(issue_date=_day(31)))
    world.item(task, day=_day(30))

    result = billing_run(world.ctx, data=BillingRun(period=MARCH))

    assert result.drafts_created == 1
    first.refresh_from_db()
    assert first.draft_key == ""  # an issued document holds no open key
    assert Invoice.objects.filter(tenant=world.tenant, status="draft").count() == 1


def test_single_projects_are_billed_when_ready(world):
    contact = world.contact()
    single = world.project(contact, kind="single", name="Server migration")
    early = world.item(world.task(single, "Plan"), day=_day(10, 1))
    late = world.item(world.task(single, "Move"), day=_day(12))

    assert billing_run(world.ctx, data=BillingRun(period=MARCH)).items == 0  # still active

    Project.objects.filter(pk=single.pk).update(status="ready_to_bill")
    result = billing_run(world.ctx, data=BillingRun(period=MARCH))

    assert (result.drafts_created, result.items) == (1, 2)
    draft = Invoice.objects.get(tenant=world.tenant)
    assert draft.draft_key.endswith(":single:EUR")
    period = (draft.service_period_start, draft.service_period_end)
    assert period == (early.service_date, late.service_date)


def test_items_without_project_go_on_the_customers_draft_of_their_month(world):
    # Issue 13: a customer's subscription or manual item without a project reaches the review
    # by itself, on the customer's own draft of the period.
    contact = world.contact()
    loose = world.item(contact=contact, kind="product", description="Licence", day=_day(5))
    later = world.item(contact=contact, kind="manual", description="Travel", day=_day(2, 4))
    result = billing_run(world.ctx, data=BillingRun(period=MARCH))
    assert (result.items, result.drafts_created) == (1, 1)
    loose.refresh_from_db()
    later.refresh_from_db()
    assert (loose.status, later.status) == ("on_draft", "pending")
    draft = loose.invoice_line.invoice
    assert (draft.contact_id, draft.project_id) == (contact.pk, None)
    assert billing_run(world.ctx, data=BillingRun(period=MARCH)).items == 0


@pytest.mark.parametrize("period", ["2026-13", "2026-3", "March", "", None, "1969-12"])
def test_period_must_be_a_month(world, period):
    # the input refuses it, before any service runs
    with pytest.raises(ValidationFailed) as info:
        parse(BillingRun, {"period": period})
    assert list(info.value.fields) == ["period"]


def test_run_is_per_tenant(world, other_world):
    world.item(world.task(), day=_day(3))
    theirs = other_world.item(other_world.task(), day=_day(3))
    billing_run(world.ctx, data=BillingRun(period=MARCH))
    theirs.refresh_from_db()
    assert theirs.status == "pending"
    assert not Invoice.objects.filter(tenant=other_world.tenant).exists()


@pytest.mark.django_db(transaction=True)
def test_api_billing_run_is_async(world, api, run_queued_tasks):
    world.item(world.task(), day=_day(3))
    response = api.post("billing-runs", {"period": MARCH})
    assert response.status_code == 202, response.json()
    run_queued_tasks()
    body = api.get(f"operations/{response.json()['id']}").json()
    assert body["status"] == "succeeded", body
    assert body["result"]["drafts_created"] == 1
    assert body["result"]["net_by_currency"] == {"EUR": "100.00"}
    assert api.post("billing-runs", {"period": "2026-3"}).status_code == 400
