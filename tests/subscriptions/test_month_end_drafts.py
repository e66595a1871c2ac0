"""Where subscription items go at month-end: a subscription without a project on the
customer's own draft of the month (apart from the project drafts); periods caught up after
their month wait, flagged, for a person instead of joining a later month's draft."""

from __future__ import annotations

import datetime as dt

from faktura.billing.models import BillableItem, Invoice
from faktura.subscriptions.selectors import caught_up_waiting
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


def test_caught_up_periods_wait_flagged_instead_of_joining_the_month(world, owner):
    # given: a subscription from January, first billed at the end of March
    contact = world.contact()
    world.subscription(contact=contact)

    # when
    month_close(world.ctx, period="2026-03")

    # then: March is on the draft; January and February wait, flagged as caught up
    [draft] = Invoice.objects.filter(tenant=world.tenant)
    assert [line.period_start for line in draft.lines.all()] == [dt.date(2026, 3, 1)]
    waiting = BillableItem.objects.filter(status="pending").order_by("service_date")
    assert [i.service_date for i in waiting] == [dt.date(2026, 1, 1), dt.date(2026, 2, 1)]
    assert all(i.warnings[-1]["code"] == "caught_up" for i in waiting)
    on_draft = BillableItem.objects.get(status="on_draft")
    assert [w["code"] for w in on_draft.warnings] == []
    assert caught_up_waiting(tenant=world.tenant, before=dt.date(2026, 4, 1)) == 2

    # and the invoice review says so, with a way to them
    page = signed_in(owner).get("/billing/review/").content.decode()
    assert 'data-testid="caught-up"' in page
    assert "/billing/items/?kind=subscription&amp;status=pending" in page
    items = signed_in(owner).get("/billing/items/", {"kind": "subscription"}).content.decode()
    assert "caught up" in items

    # and closing February puts February's period on February's draft, nothing twice
    month_close(world.ctx, period="2026-02")
    assert BillableItem.objects.filter(status="pending").count() == 1
    assert Invoice.objects.filter(tenant=world.tenant).count() == 2
