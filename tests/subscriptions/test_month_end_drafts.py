"""Where subscription items go at month-end: a subscription without a project on the
customer's own draft of the month (apart from the project drafts); periods of earlier months
still pending (caught up after their month, or their draft deleted) join the next run's draft,
flagged for the reviewer (issue 13), and later periods wait for their month. Other pending
items of earlier months (work logged or approved after its month's run, manual items) are
caught up the same way."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from faktura.billing.inputs import BillingRun, InvoiceIssue, ItemsDefer, ManualItemCreate
from faktura.billing.models import BillableItem, Invoice
from faktura.billing.selectors.items import caught_up_waiting
from faktura.billing.services.compile_deferral import billable_items_defer
from faktura.billing.services.generation import billing_run
from faktura.billing.services.invoices import invoice_delete
from faktura.billing.services.issue import invoice_issue
from faktura.billing.services.manual_items import manual_item_create
from faktura.subscriptions.inputs import DueRun
from faktura.subscriptions.services.due import due_run
from faktura.subscriptions.services.month_end import month_close
from tests.web.web_helpers import signed_in


def _lines(invoice) -> list[str]:
    return [line.title for line in invoice.lines.order_by("position")]


def test_a_subscription_without_a_project_gets_the_customers_own_draft(world):
    # given: ticket work on an ongoing project, a project subscription and one without
    contact = world.contact()
    project = world.project(contact)
    world.entry(world.task(project, title="Printer"), minutes=60, day=dt.date(2026, 3, 10))
    world.subscription(contact=contact, start_date=dt.date(2026, 3, 1))
    world.subscription(
        contact=contact, project=project, product=world.product("Licence"),
        start_date=dt.date(2026, 3, 1),
    )  # fmt: skip

    # when
    month_close(world.ctx, period="2026-03")

    # then: two drafts: the project's (work + its subscription), the customer's own (hosting)
    drafts = {d.project_id: d for d in Invoice.objects.filter(tenant=world.tenant)}
    assert set(drafts) == {project.pk, None}
    assert _lines(drafts[None]) == ["Hosting"]
    assert "Licence" in _lines(drafts[project.pk]) and len(_lines(drafts[project.pk])) == 2
    # a rerun changes nothing
    month_close(world.ctx, period="2026-03")
    assert Invoice.objects.filter(tenant=world.tenant).count() == 2


def test_caught_up_periods_join_the_next_runs_draft_flagged(world, owner, api):
    # given: a subscription from January, first billed at the end of March; the review in
    # April says that three periods of earlier months wait
    contact = world.contact()
    world.subscription(contact=contact)
    due_run_only(world, until=dt.date(2026, 3, 31))
    assert caught_up_waiting(tenant=world.tenant, today=dt.date(2026, 4, 1)) == 3
    page = signed_in(owner).get("/billing/review/").content.decode()
    assert 'data-testid="caught-up"' in page

    # when: March is closed
    month_close(world.ctx, period="2026-03")

    # then: January and February are on March's draft with March, the draft serves all three
    # months, and the two earlier lines carry the caught_up warning
    [draft] = Invoice.objects.filter(tenant=world.tenant)
    lines = list(draft.lines.order_by("position"))
    assert [(line.period_start, line.caught_up) for line in lines] == [
        (dt.date(2026, 1, 1), True),
        (dt.date(2026, 2, 1), True),
        (dt.date(2026, 3, 1), False),
    ]
    assert (draft.service_period_start, draft.service_period_end) == (
        dt.date(2026, 1, 1),
        dt.date(2026, 3, 31),
    )
    assert not BillableItem.objects.filter(status="pending").exists()
    assert caught_up_waiting(tenant=world.tenant, today=dt.date(2026, 4, 1)) == 0

    # and the API and the review show the warning on those lines
    body = api.get(f"invoices/{draft.pk}").json()
    flagged = [w for w in body["warnings"] if w["code"] == "caught_up"]
    assert [w["path"] for w in flagged] == ["lines[0].period_start", "lines[1].period_start"]
    assert all(w["severity"] == "warning" for w in flagged)
    assert "2026-01-01 to 2026-01-31" in flagged[0]["message"]
    assert [line["caught_up"] for line in body["lines"]] == [True, True, False]
    review = signed_in(owner).get(f"/billing/invoices/{draft.pk}/").content.decode()
    assert "2026-02-01 to 2026-02-28" in review

    # and a rerun (and closing April) bills none of them twice
    month_close(world.ctx, period="2026-03")
    assert draft.lines.count() == 3
    billing_run(world.ctx, data=BillingRun(period="2026-04"))
    assert BillableItem.objects.filter(status="on_draft", invoice_line__invoice=draft).count() == 3
    assert (
        BillableItem.objects.filter(invoice_line__isnull=False)
        .exclude(invoice_line__invoice=draft)
        .count()
        == 0
    )


def test_a_period_whose_draft_was_deleted_joins_the_next_months_draft(world):
    # given: February billed on February's draft, which the reviewer deletes after March ran
    contact = world.contact()
    world.subscription(contact=contact, start_date=dt.date(2026, 2, 1))
    month_close(world.ctx, period="2026-02")
    month_close(world.ctx, period="2026-03")
    february = Invoice.objects.get(service_period_start=dt.date(2026, 2, 1))
    invoice_delete(world.ctx, invoice_id=february.pk)

    # when: April is run
    billing_run(world.ctx, data=BillingRun(period="2026-04"))

    # then: February's period is on April's draft, flagged; March's draft is untouched
    april = Invoice.objects.get(draft_key__endswith=":2026-04:EUR")
    assert [(line.period_start, line.caught_up) for line in april.lines.all()] == [
        (dt.date(2026, 2, 1), True)
    ]
    assert april.service_period_start == dt.date(2026, 2, 1)
    march = Invoice.objects.get(draft_key__endswith=":2026-03:EUR")
    assert [line.period_start for line in march.lines.all()] == [dt.date(2026, 3, 1)]


def test_a_later_period_is_not_pulled_onto_an_earlier_months_draft(world):
    # given: the due run billed through May (advance), March's and April's periods pending
    contact = world.contact()
    world.subscription(contact=contact, start_date=dt.date(2026, 3, 1))
    due_run_only(world, until=dt.date(2026, 5, 1))

    # when: March is run
    billing_run(world.ctx, data=BillingRun(period="2026-03"))

    # then: only March is billed; April and May wait for their months
    [draft] = Invoice.objects.filter(tenant=world.tenant)
    assert [line.period_start for line in draft.lines.all()] == [dt.date(2026, 3, 1)]
    assert draft.service_period_end == dt.date(2026, 3, 31)
    pending = BillableItem.objects.filter(status="pending").order_by("service_date")
    assert [i.service_date for i in pending] == [dt.date(2026, 4, 1), dt.date(2026, 5, 1)]


def test_a_project_subscriptions_earlier_period_joins_the_projects_draft(world):
    # given: a project subscription from January whose January period is still pending, and
    # the project's issued February invoice
    contact = world.contact()
    project = world.project(contact)
    world.subscription(project=project, start_date=dt.date(2026, 1, 1))
    due_run_only(world, until=dt.date(2026, 2, 28))
    billing_run(world.ctx, data=BillingRun(period="2026-02"))  # takes January along
    [february] = Invoice.objects.filter(tenant=world.tenant)
    invoice_issue(world.ctx, invoice_id=february.pk, data=parse_issue(dt.date(2026, 3, 1)))

    # then: both periods are on the project's February invoice, January flagged
    assert february.project_id == project.pk
    assert [(line.period_start, line.caught_up) for line in february.lines.all()] == [
        (dt.date(2026, 1, 1), True),
        (dt.date(2026, 2, 1), False),
    ]
    # and a run of a later month bills neither again
    billing_run(world.ctx, data=BillingRun(period="2026-03"))
    assert BillableItem.objects.filter(kind="subscription").count() == 2
    assert not BillableItem.objects.filter(status__in=["pending", "on_draft"]).exists()


def test_late_time_joins_the_next_runs_project_draft_flagged(world, api):
    # given: March was closed; afterwards time of 10 March is logged and approved
    contact = world.contact()
    project = world.project(contact)
    task = world.task(project, title="Printer")
    world.entry(task, minutes=60, day=dt.date(2026, 3, 5))
    month_close(world.ctx, period="2026-03")
    late = world.entry(world.task(project, title="Mail"), minutes=90, day=dt.date(2026, 3, 10))
    world.entry(world.task(project, title="VPN"), minutes=30, day=dt.date(2026, 4, 7))

    # when: April is closed
    month_close(world.ctx, period="2026-04")

    # then: the late March time is on the project's April draft, flagged; March's draft keeps
    # its own line
    april = Invoice.objects.get(draft_key__endswith=":2026-04:EUR")
    assert april.project_id == project.pk
    assert sorted((line.title.split()[-1], line.caught_up) for line in april.lines.all()) == [
        ("Mail", True),
        ("VPN", False),
    ]
    assert (april.service_period_start, april.service_period_end) == (
        dt.date(2026, 3, 10),
        dt.date(2026, 4, 30),
    )
    march = Invoice.objects.get(draft_key__endswith=":2026-03:EUR")
    assert [line.title.split()[-1] for line in march.lines.all()] == ["Printer"]
    assert BillableItem.objects.get(entry=late).status == "on_draft"
    codes = [w["code"] for w in api.get(f"invoices/{april.pk}").json()["warnings"]]
    assert codes.count("caught_up") == 1

    # and a rerun of April, or the run of May, bills it nothing twice
    month_close(world.ctx, period="2026-04")
    billing_run(world.ctx, data=BillingRun(period="2026-05"))
    assert Invoice.objects.filter(tenant=world.tenant).count() == 2
    assert april.lines.count() == 2
    assert BillableItem.objects.filter(entry=late).count() == 1


def test_manual_items_of_an_earlier_month_join_the_next_runs_drafts(world):
    # given: manual items of February entered after February's run, for a customer without a
    # project and for an ongoing project, and one of April
    contact = world.contact()
    project = world.project(contact)
    billing_run(world.ctx, data=BillingRun(period="2026-02"))
    common = {"unit_price": Decimal("80.00"), "service_date": dt.date(2026, 2, 20)}
    own = manual_item_create(
        world.ctx, data=ManualItemCreate(contact_id=contact.pk, title="Cables", **common)
    )
    of_project = manual_item_create(
        world.ctx, data=ManualItemCreate(project_id=project.pk, title="Workshop", **common)
    )
    later = manual_item_create(
        world.ctx,
        data=ManualItemCreate(
            contact_id=contact.pk, title="Licence", unit_price=Decimal("10.00"),
            service_date=dt.date(2026, 4, 2),
        ),
    )  # fmt: skip

    assert caught_up_waiting(tenant=world.tenant, today=dt.date(2026, 3, 15)) == 2

    # when: March is run (twice)
    billing_run(world.ctx, data=BillingRun(period="2026-03"))
    again = billing_run(world.ctx, data=BillingRun(period="2026-03"))

    # then: each joins the March draft it would have gone to, flagged; April's item waits
    drafts = {d.project_id: d for d in Invoice.objects.filter(tenant=world.tenant)}
    assert set(drafts) == {None, project.pk}
    for project_id, title in ((None, "Cables"), (project.pk, "Workshop")):
        draft = drafts[project_id]
        assert draft.draft_key.endswith(":2026-03:EUR")
        assert [(line.title, line.caught_up) for line in draft.lines.all()] == [(title, True)]
        assert draft.service_period_start == dt.date(2026, 2, 20)
        assert draft.net_total == Decimal("80.00")
    assert again.items == 0
    assert caught_up_waiting(tenant=world.tenant, today=dt.date(2026, 3, 15)) == 0
    own.refresh_from_db(), of_project.refresh_from_db(), later.refresh_from_db()
    assert (own.status, of_project.status, later.status) == ("on_draft", "on_draft", "pending")


def test_a_deferred_item_of_an_earlier_month_waits_until_it_is_restored(world):
    # given: February work deferred until mid-May
    project = world.project()
    item = world.item(world.task(project), day=dt.date(2026, 2, 10))
    billable_items_defer(world.ctx, data=ItemsDefer(item_ids=[item.pk], until=dt.date(2026, 5, 15)))

    # when: March and April are run
    billing_run(world.ctx, data=BillingRun(period="2026-03"))
    billing_run(world.ctx, data=BillingRun(period="2026-04"))

    # then: it is not pulled; it stays deferred, on no draft
    item.refresh_from_db()
    assert (item.status, item.invoice_line_id) == ("deferred", None)
    assert not Invoice.objects.filter(tenant=world.tenant).exists()


def due_run_only(world, *, until: dt.date) -> None:
    due_run(world.ctx, data=DueRun(until=until))


def parse_issue(day: dt.date):
    return InvoiceIssue(issue_date=day)
