"""Unbilled work (WIP, issue 17): pending items at their amounts, approved entries at the
price billing would use, by customer and age; deferred hours. SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from faktura.billing.inputs import ItemsCompile, ItemsDefer
from faktura.billing.models import BillableItem
from faktura.billing.services.compile import billable_items_compile
from faktura.billing.services.compile_deferral import billable_items_defer
from faktura.common.inputs import parse
from faktura.work import services as work
from faktura.work.inputs import EntryCreate, TaskCreate
from faktura.work.models import TaskEntry
from tests.work.work_factories import at, ctx_for, make_contact, make_project

URL = "reports/wip"


def _approved(ctx, task, day, hour, hours, month):
    entry = work.entry_create(
        ctx,
        data=parse(
            EntryCreate,
            dict(
                task_id=task.pk,
                kind="time",
                started_at=at(day, hour, month=month),
                stopped_at=at(day, hour + hours, month=month),
            ),
        ),
    )
    work.entry_submit(ctx, entry_id=entry.pk)
    work.entry_approve(ctx, entry_id=entry.pk)
    return entry


@pytest.fixture
def world(owner):
    """Müller (100/h): 2 h on 2 Mar (compiled: a pending item of 200.00) and 1 h on 10 Jan
    (approved, not compiled: 100.00, 80 days before 31 Mar). Schmidt (90/h): 3 h on 20 Mar
    approved (270.00), 1 h on 21 Mar deferred, and a draft 1 h that is not approved."""
    ctx = ctx_for(owner)
    muller = make_project(ctx, name="Müller support", hourly_rate="100", contact=make_contact(ctx))
    schmidt = make_project(
        ctx, name="Schmidt support", hourly_rate="90", contact=make_contact(ctx, "=Schmidt KG")
    )
    m_task = work.task_create(
        ctx, data=parse(TaskCreate, dict(project_id=muller.pk, title="Printer"))
    )
    s_task = work.task_create(
        ctx, data=parse(TaskCreate, dict(project_id=schmidt.pk, title="Server"))
    )
    compiled = _approved(ctx, m_task, 2, 8, 2, 3)
    billable_items_compile(ctx, data=ItemsCompile(entry_ids=[compiled.pk]))
    _approved(ctx, m_task, 10, 8, 1, 1)
    _approved(ctx, s_task, 20, 8, 3, 3)
    deferred = _approved(ctx, s_task, 21, 8, 1, 3)
    billable_items_compile(ctx, data=ItemsCompile(entry_ids=[deferred.pk]))
    item = BillableItem.objects.get(entry=deferred)
    billable_items_defer(ctx, data=parse(ItemsDefer, dict(item_ids=[item.pk], until="2026-06-30")))
    assert TaskEntry.objects.get(pk=deferred.pk).billing_state == TaskEntry.BillingState.DEFERRED
    work.entry_create(
        ctx,
        data=parse(
            EntryCreate,
            dict(task_id=s_task.pk, kind="time", started_at=at(22, 8), stopped_at=at(22, 9)),
        ),
    )
    return {"compiled": compiled}


def test_wip_by_customer_and_age(api, world):
    response = api.get(URL, period="2026-03")

    assert response.status_code == 200
    body = response.json()
    assert body["as_of"] == "2026-03-31"
    rows = {row["name"]: row for row in body["rows"]}
    muller = rows["Müller Maschinenbau GmbH"]
    assert muller["buckets"] == {
        "0-30": "200.00",
        "31-60": "0.00",
        "61-90": "100.00",
        "90+": "0.00",
    }
    assert (muller["item_value"], muller["entry_value"], muller["value"]) == (
        "200.00",
        "100.00",
        "300.00",
    )
    assert (muller["items"], muller["entries"], muller["entry_hours"]) == (1, 1, "1.00")
    schmidt = rows["=Schmidt KG"]
    assert schmidt["value"] == "270.00" and schmidt["entry_hours"] == "3.00"
    assert schmidt["deferred_hours"] == "1.00" and schmidt["written_off_hours"] == "0.00"
    assert body["totals"] == [
        {
            "currency": "EUR",
            "buckets": {"0-30": "470.00", "31-60": "0.00", "61-90": "100.00", "90+": "0.00"},
            "value": "570.00",
        }
    ]


def test_wip_as_of_an_earlier_day_leaves_later_work_out(api, world):
    body = api.get(URL, **{"from": "2026-01-01", "to": "2026-01-31"}).json()

    assert [(row["value"], row["buckets"]["0-30"]) for row in body["rows"]] == [
        ("100.00", "100.00")
    ]


def test_wip_is_for_the_roles_that_see_money(api_as, world):
    assert api_as("member").get(URL).status_code == 403
    assert api_as("billing").get(URL).status_code == 200


def test_wip_xlsx_export_neutralises_the_customer_name(api, world):
    import io
    import zipfile

    response = api.get(URL, period="2026-03", format="xlsx")

    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        strings = archive.read("xl/sharedStrings.xml").decode()
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "'=Schmidt KG" in strings
    assert "<f>" not in sheet


def test_wip_page(owner, world):
    from django.urls import reverse

    from tests.web.web_helpers import signed_in

    page = signed_in(owner).get(reverse("web:report_wip"), {"period": "2026-03"})

    html = page.content.decode()
    assert page.status_code == 200
    assert "€570.00" in html
    assert "=Schmidt KG" in html
