"""Billing trigger (issue 13): with `on_close`, a ticket's finished work becomes billable only
when the ticket is closed (a single project's when the project is ready to bill); the
billable items page lists the tickets that wait."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from faktura.billing.models import BillableItem
from faktura.billing.services.compile import billable_items_compile
from faktura.work.models import Project, Task
from faktura.work.selectors import entries_billable_candidates, tasks_waiting_to_close


def _compiled(world) -> set[int]:
    billable_items_compile(world.ctx)
    return set(BillableItem.objects.values_list("task_id", flat=True))


def test_on_close_waits_for_the_ticket(world, api):
    # given a company billing on close, an open and a closed ticket with work
    assert api.patch("tenant", {"billing_trigger": "on_close"}).status_code == 200
    world.tenant.refresh_from_db()
    project = world.project(hourly_rate=Decimal("100"))
    open_ticket = world.task(project, "Printer")
    closed = world.task(project, "Mail", status=Task.Status.CLOSED)
    world.entry(open_ticket, day=dt.date(2026, 3, 3))
    world.entry(closed, day=dt.date(2026, 3, 4))

    # then only the closed ticket's work is compiled; the open one waits, listed
    assert _compiled(world) == {closed.pk}
    waiting = list(tasks_waiting_to_close(tenant=world.tenant, require_approval=True))
    assert [(t.pk, t.waiting_entries) for t in waiting] == [(open_ticket.pk, 1)]

    # when the ticket is closed, the next compile takes its work
    Task.objects.filter(pk=open_ticket.pk).update(status=Task.Status.CLOSED)
    assert _compiled(world) == {closed.pk, open_ticket.pk}
    assert not tasks_waiting_to_close(tenant=world.tenant, require_approval=True).exists()


def test_a_single_project_waits_until_ready_to_bill(world):
    world.tenant.billing_trigger = "on_close"
    world.tenant.save()
    project = world.project(kind="single", hourly_rate=Decimal("100"))
    ticket = world.task(project, "Workshop", status=Task.Status.CLOSED)
    world.entry(ticket)
    assert _compiled(world) == set()
    Project.objects.filter(pk=project.pk).update(status=Project.Status.READY_TO_BILL)
    assert _compiled(world) == {ticket.pk}


def test_the_project_overrides_the_company(world, api):
    project = world.project(hourly_rate=Decimal("100"))
    response = api.patch(f"projects/{project.pk}", {"billing_trigger": "on_close"})
    assert response.status_code == 200, response.json()
    assert response.json()["billing_trigger"] == "on_close"
    other = world.project(hourly_rate=Decimal("100"))
    world.entry(world.task(project, "Waits"))
    goes = world.task(other, "Goes")
    world.entry(goes)
    candidates = entries_billable_candidates(tenant=world.tenant, require_approval=True)
    assert {e.task_id for e in candidates} == {goes.pk}
    assert _compiled(world) == {goes.pk}
    assert api.patch(f"projects/{project.pk}", {"billing_trigger": "weekly"}).status_code == 400
