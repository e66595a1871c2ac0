"""Retainers (issue 14): the billing run turns a month's time lines of the project's draft
into one retainer line at the fee plus an overage line; unused hours roll over (capped) or
expire; the month's usage is a ledger row of its own."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from faktura.billing.inputs import BillingRun, InvoiceLineUpdate
from faktura.billing.models import BillableItem, Invoice, InvoiceLine
from faktura.billing.selectors.items import caught_up_waiting
from faktura.billing.services.generation import billing_run
from faktura.billing.services.invoices import invoice_line_update
from faktura.frameorders.inputs import RetainerCreate
from faktura.frameorders.models import RetainerMonth
from faktura.frameorders.retainers import retainer_create

pytestmark = pytest.mark.django_db


def _retainer(world, project, **kw):
    data = {
        "project_id": project.pk,
        "hours_per_month": Decimal("20"),
        "monthly_fee": Decimal("1800.00"),
        "start_date": dt.date(2026, 1, 1),
        **kw,
    }
    return retainer_create(world.ctx, data=RetainerCreate(**data))


def _work(world, project, month: int, hours: list[int]) -> None:
    for n, h in enumerate(hours):
        task = world.task(project, title=f"Ticket {month}-{n}")
        world.item(task, minutes=h * 60, day=dt.date(2026, month, 10))


def _lines(invoice_id):
    return [
        (line.title, line.unit, line.quantity, line.unit_price, line.net_amount)
        for line in InvoiceLine.objects.filter(invoice_id=invoice_id).order_by("position")
    ]


def test_a_month_within_the_retainer_is_one_line_at_the_fee(world):
    project = world.project(world.contact(language="en"))
    _retainer(world, project)
    _work(world, project, 3, [6, 8])

    result = billing_run(world.ctx, data=BillingRun(period="2026-03"))

    [invoice_id] = result.invoice_ids
    assert _lines(invoice_id) == [
        ("Retainer 2026-03: 20 h included", "MON", Decimal("1.0000"), Decimal("1800.000000"),
         Decimal("1800.00")),
    ]  # fmt: skip
    assert result.net_by_currency == {"EUR": Decimal("1800.00")}
    assert BillableItem.objects.filter(invoice_line__invoice_id=invoice_id).count() == 2
    month = RetainerMonth.objects.get()
    assert (month.used_hours, month.overage_hours, month.expired_hours) == (
        Decimal("14.0000"),
        Decimal("0.0000"),
        Decimal("6.0000"),
    )


def test_rollover_over_three_months_with_cap_and_overage(world):
    # given a 20 h retainer whose unused hours roll over, at most 4 h, overage at 120/h
    project = world.project(world.contact(language="en"))
    _retainer(
        world,
        project,
        rollover="next_month",
        rollover_cap_hours=Decimal("4"),
        overage_rate=Decimal("120"),
    )

    # when three months are billed: 15 h, 22 h, 25 h
    _work(world, project, 3, [15])
    march = billing_run(world.ctx, data=BillingRun(period="2026-03")).invoice_ids[0]
    _work(world, project, 4, [12, 10])
    april = billing_run(world.ctx, data=BillingRun(period="2026-04")).invoice_ids[0]
    _work(world, project, 5, [25])
    may = billing_run(world.ctx, data=BillingRun(period="2026-05")).invoice_ids[0]

    # then 4 of March's 5 unused hours carry into April, April carries 2, May bills 3 h overage
    months = {
        m.month.month: (m.used_hours, m.rolled_in_hours, m.overage_hours, m.carried_hours)
        for m in RetainerMonth.objects.all()
    }
    assert months == {
        3: (Decimal("15"), Decimal("0"), Decimal("0"), Decimal("4")),
        4: (Decimal("22"), Decimal("4"), Decimal("0"), Decimal("2")),
        5: (Decimal("25"), Decimal("2"), Decimal("3"), Decimal("0")),
    }
    assert len(_lines(march)) == len(_lines(april)) == 1
    assert _lines(may)[1] == (
        "Retainer 2026-05: overage",
        "HUR",
        Decimal("3.0000"),
        Decimal("120.000000"),
        Decimal("360.00"),
    )
    fee = InvoiceLine.objects.filter(invoice_id=may).order_by("position").first()
    assert fee.description == (
        "Used 25 h: 2 h rolled over, 20 h included, 3 h overage; 0 h roll over to next month."
    )


def test_running_the_month_again_creates_nothing_twice(world):
    project = world.project(world.contact(language="en"))
    _retainer(world, project)
    _work(world, project, 3, [18])
    first = billing_run(world.ctx, data=BillingRun(period="2026-03")).invoice_ids[0]

    again = billing_run(world.ctx, data=BillingRun(period="2026-03"))

    assert (again.items, again.invoice_ids) == (0, [])
    assert [line[0] for line in _lines(first)] == ["Retainer 2026-03: 20 h included"]
    assert RetainerMonth.objects.get().used_hours == Decimal("18")


def test_a_month_without_time_bills_the_fee_and_rolls_its_hours_over(world):
    # given a 20 h retainer rolling over at most 4 h, and no time logged in March
    project = world.project(world.contact(language="en"))
    _retainer(world, project, rollover="next_month", rollover_cap_hours=Decimal("4"))

    # when March is billed (twice) and then April with 22 h
    march = billing_run(world.ctx, data=BillingRun(period="2026-03"))
    rerun = billing_run(world.ctx, data=BillingRun(period="2026-03"))
    _work(world, project, 4, [22])
    april = billing_run(world.ctx, data=BillingRun(period="2026-04")).invoice_ids[0]

    # then March's draft has the fee line only, once; 4 h carry into April, which uses them
    [invoice_id] = march.invoice_ids
    assert march.drafts_created == 1 and march.items == 0
    assert rerun.invoice_ids == [] and rerun.drafts_created == 0
    assert Invoice.objects.filter(project=project, status="draft").count() == 2
    assert _lines(invoice_id) == [
        ("Retainer 2026-03: 20 h included", "MON", Decimal("1.0000"), Decimal("1800.000000"),
         Decimal("1800.00")),
    ]  # fmt: skip
    invoice = Invoice.objects.get(pk=invoice_id)
    assert (invoice.net_total, invoice.service_period_start) == (
        Decimal("1800.00"),
        dt.date(2026, 3, 1),
    )
    months = {
        m.month.month: (m.used_hours, m.rolled_in_hours, m.overage_hours, m.carried_hours,
                        m.expired_hours)
        for m in RetainerMonth.objects.all()
    }  # fmt: skip
    assert months == {
        3: (Decimal("0"), Decimal("0"), Decimal("0"), Decimal("4"), Decimal("16")),
        4: (Decimal("22"), Decimal("4"), Decimal("0"), Decimal("2"), Decimal("0")),
    }
    assert len(_lines(april)) == 1


def test_a_month_without_time_and_without_rollover_lets_the_hours_expire(world):
    project = world.project(world.contact(language="en"))
    _retainer(world, project, end_date=dt.date(2026, 3, 31))

    billing_run(world.ctx, data=BillingRun(period="2026-03"))
    after_end = billing_run(world.ctx, data=BillingRun(period="2026-04"))

    month = RetainerMonth.objects.get()
    assert (month.used_hours, month.carried_hours, month.expired_hours) == (
        Decimal("0"),
        Decimal("0"),
        Decimal("20"),
    )
    assert after_end.invoice_ids == []


def test_a_reviewers_correction_of_the_retainer_lines_survives_a_rerun(world):
    # given March's draft with fee and overage, corrected by the reviewer
    project = world.project(world.contact(language="en"))
    _retainer(world, project)
    _work(world, project, 3, [23])
    invoice_id = billing_run(world.ctx, data=BillingRun(period="2026-03")).invoice_ids[0]
    fee, overage = InvoiceLine.objects.filter(invoice_id=invoice_id).order_by("position")
    invoice_line_update(
        world.ctx,
        invoice_id=invoice_id,
        line_id=fee.pk,
        data=InvoiceLineUpdate(unit_price=Decimal("1500")),
    )
    invoice_line_update(
        world.ctx,
        invoice_id=invoice_id,
        line_id=overage.pk,
        data=InvoiceLineUpdate(quantity=Decimal("1")),
    )

    # when more March work is logged and the month is run again
    _work(world, project, 3, [2])
    again = billing_run(world.ctx, data=BillingRun(period="2026-03"))

    # then the corrected lines stay; the new work joins the draft as its own time line
    assert again.invoice_ids == [invoice_id]
    lines = _lines(invoice_id)
    assert lines[0][3:] == (Decimal("1500.000000"), Decimal("1500.00"))
    assert lines[1][0] == "Retainer 2026-03: overage" and lines[1][2] == Decimal("1.0000")
    assert [line[1] for line in lines[2:]] == ["HUR"] and lines[2][2] == Decimal("2.0000")
    assert InvoiceLine.objects.filter(invoice_id=invoice_id, unit="MON").count() == 1
    assert RetainerMonth.objects.get().used_hours == Decimal("23")


def test_work_after_the_month_was_issued_does_not_bill_the_fee_again(world):
    project = world.project(world.contact(language="en"))
    _retainer(world, project)
    _work(world, project, 3, [5])
    first = billing_run(world.ctx, data=BillingRun(period="2026-03")).invoice_ids[0]
    world.issue(Invoice.objects.get(pk=first), dt.date(2026, 4, 1))
    _work(world, project, 3, [2])

    [late] = billing_run(world.ctx, data=BillingRun(period="2026-03")).invoice_ids

    assert late != first
    assert [line[1] for line in _lines(late)] == ["HUR"]
    assert RetainerMonth.objects.get().invoice_id == first


def test_without_a_retainer_the_draft_keeps_its_time_lines(world):
    project = world.project(world.contact(language="en"))
    _work(world, project, 3, [6])

    [invoice_id] = billing_run(world.ctx, data=BillingRun(period="2026-03")).invoice_ids

    assert [line[1] for line in _lines(invoice_id)] == ["HUR"]
    assert not RetainerMonth.objects.exists()


def test_retainer_api(world, api):
    project = world.project(world.contact(language="en"))

    created = api.post(
        "retainers",
        {
            "project_id": project.pk,
            "hours_per_month": "10",
            "monthly_fee": "900",
            "rollover": "next_month",
            "rollover_cap_hours": "5",
            "start_date": "2026-01-01",
        },
    )
    bad = api.post("retainers", {"project_id": project.pk, "hours_per_month": "-1",
                                 "monthly_fee": "900", "start_date": "2026-01-01"})  # fmt: skip

    assert created.status_code == 201, created.json()
    assert created.json()["rollover"] == "next_month" and created.json()["months"] == []
    assert bad.status_code == 400 and "hours_per_month" in bad.json()["error"]["fields"]
    listed = api.get("retainers", project_id=project.pk).json()
    assert [r["id"] for r in listed["items"]] == [created.json()["id"]]


def test_retainer_of_another_tenant_is_404(world, api, other_world):
    from faktura.frameorders.retainers import retainer_create as create

    other = create(
        other_world.ctx,
        data=RetainerCreate(
            project_id=other_world.project().pk,
            hours_per_month=Decimal("5"),
            monthly_fee=Decimal("500"),
            start_date=dt.date(2026, 1, 1),
        ),
    )

    assert api.get(f"retainers/{other.pk}").status_code == 404
    foreign = api.post("retainers", {"project_id": other_world.project().pk,
                                     "hours_per_month": "5", "monthly_fee": "500",
                                     "start_date": "2026-01-01"})  # fmt: skip
    assert foreign.status_code == 400 and foreign.json()["error"]["code"] == "not_found"


def test_late_time_of_a_built_month_is_not_caught_up_on_a_later_month(world):
    # given: March built with 6 h; 3 h of March logged afterwards, and 4 h in April
    project = world.project(world.contact(language="en"))
    _retainer(world, project)
    _work(world, project, 3, [6])
    [march] = billing_run(world.ctx, data=BillingRun(period="2026-03")).invoice_ids
    _work(world, project, 3, [3])
    _work(world, project, 4, [4])

    # when: April is run
    [april] = billing_run(world.ctx, data=BillingRun(period="2026-04")).invoice_ids

    # then: April's retainer counts April's 4 h only; the March time waits, not caught up
    assert april != march
    months = {row.month.month: row for row in RetainerMonth.objects.all()}
    assert (months[3].used_hours, months[4].used_hours) == (Decimal("6"), Decimal("4"))
    assert not InvoiceLine.objects.filter(invoice_id=april, caught_up=True).exists()
    [waiting] = BillableItem.objects.filter(status="pending")
    assert waiting.service_date == dt.date(2026, 3, 10)
    assert caught_up_waiting(tenant=world.tenant, today=dt.date(2026, 5, 2)) == 0

    # and running March again puts it on March's draft as a time line, the fee untouched
    billing_run(world.ctx, data=BillingRun(period="2026-03"))
    waiting.refresh_from_db()
    assert waiting.invoice_line.invoice_id == march
    assert [line[1] for line in _lines(march)] == ["MON", "HUR"]
    assert RetainerMonth.objects.get(month=dt.date(2026, 3, 1)).used_hours == Decimal("6")
