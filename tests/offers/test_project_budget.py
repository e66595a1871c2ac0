"""Hours on a fixed-price project are not billed by the hour; they are tracked against the
budget the offer sold, with a warning at the project's percentage."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail  # noqa: F401 - the locmem backend collects the offer mail

from faktura.billing.inputs import ItemsCompile
from faktura.billing.models import BillableItem
from faktura.billing.services.compile import billable_items_compile
from faktura.common.inputs import parse
from faktura.work import services as work
from faktura.work.inputs import EntryCreate, TaskCreate
from faktura.work.models import TaskEntry

START = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


def _ok(response, status=200):
    assert response.status_code == status, response.content[:500]
    return response.json()


@pytest.fixture
def project(api, settings):
    """A fixed-price project from an accepted offer selling 10 hours and a licence."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    customer = _ok(api.post("contacts", {"name": "Kunde GmbH", "email": "k@kunde.test"}), 201)
    offer = _ok(
        api.post("offers", {
            "contact_id": customer["id"], "title": "Migration",
            "lines": [
                {"title": "Umsetzung", "quantity": "10", "unit": "HUR", "unit_price": "100",
                 "vat_rate": "19"},
                {"title": "Lizenz", "quantity": "1", "unit": "C62", "unit_price": "500",
                 "vat_rate": "19"},
            ],
        }),
        201,
    )  # fmt: skip
    _ok(api.post(f"offers/{offer['id']}/send", {}))
    accepted = _ok(api.post(f"offers/{offer['id']}/accept", {}))
    return _ok(api.get(f"projects/{accepted['project_id']}"))


def _log(ctx, task_id: int, day: int, hours: float) -> TaskEntry:
    started = START + dt.timedelta(days=day)
    entry = work.entry_create(
        ctx,
        data=parse(
            EntryCreate,
            dict(
                task_id=task_id,
                kind="time",
                started_at=started.isoformat(),
                stopped_at=(started + dt.timedelta(minutes=int(hours * 60))).isoformat(),
            ),
        ),
    )
    work.entry_submit(ctx, entry_id=entry.pk)
    work.entry_approve(ctx, entry_id=entry.pk)
    return entry


def test_hours_are_tracked_against_the_budget_and_never_compiled(api, ctx, project):
    assert (project["budget_hours"], project["budget_warning_percent"]) == ("10.00", 80)
    task = work.task_create(
        ctx, data=parse(TaskCreate, dict(project_id=project["id"], title="Umzug"))
    )
    _log(ctx, task.pk, 0, 4)
    budget = _ok(api.get(f"projects/{project['id']}/billing"))["budget"]
    assert (budget["actual_hours"], budget["percent"], budget["warning"]) == (
        "4.00", "40.00", False,
    )  # fmt: skip

    # when the hours reach 85 % of the budget, the project warns
    _log(ctx, task.pk, 1, 4.5)
    budget = _ok(api.get(f"projects/{project['id']}/billing"))["budget"]
    assert (budget["actual_hours"], budget["percent"], budget["warning"]) == (
        "8.50", "85.00", True,
    )  # fmt: skip
    # a higher threshold set on the project lifts the warning
    _ok(api.patch(f"projects/{project['id']}", {"budget_warning_percent": 90}))
    budget = _ok(api.get(f"projects/{project['id']}/billing"))["budget"]
    assert (budget["warning"], budget["over_budget"]) == (False, False)

    # and compiling bills none of these hours
    billable_items_compile(ctx, data=ItemsCompile(until=dt.date(2026, 3, 31)))
    assert not BillableItem.objects.filter(project_id=project["id"]).exists()
    assert set(TaskEntry.objects.values_list("billing_state", flat=True)) == {"unbilled"}


def test_a_warning_percentage_outside_1_to_1000_is_refused(api, project):
    r = api.patch(f"projects/{project['id']}", {"budget_warning_percent": 0})
    assert r.status_code == 400 and "budget_warning_percent" in r.json()["error"]["fields"]
