"""GET /api/v1/reports/value-groups: the reports page's figures as JSON (DESIGN.md 6.2)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from faktura.reports.selectors import value_groups
from faktura.work import services as work
from faktura.work.models import Project
from tests.conftest import api_for
from tests.web.web_helpers import signed_in
from tests.work.work_factories import at, ctx_for, make_project

URL = "reports/value-groups"


@pytest.fixture
def logged(owner, make_member):
    """Value group A: the owner's 1:30 and the member's 2:00 in March 2026, the owner's 0:20
    in January; D: the owner's 0:45 in March; a mileage entry that is no time."""
    ctx = ctx_for(owner)
    member = make_member("member")
    customer_work = make_project(ctx, name="Managed services")
    waste = make_project(ctx, name="Technical issues", scope="internal", value_group="D")
    task = work.task_create(ctx, project_id=customer_work.pk, title="Printer")
    waste_task = work.task_create(ctx, project_id=waste.pk, title="VPN outage")
    work.entry_create(
        ctx, task_id=task.pk, kind="time", started_at=at(2, 8), stopped_at=at(2, 9, 30)
    )
    work.entry_create(
        ctx,
        task_id=task.pk,
        kind="time",
        started_at=at(5, 8, month=1),
        stopped_at=at(5, 8, 20, month=1),
    )
    work.entry_create(
        ctx, task_id=waste_task.pk, kind="time", started_at=at(3, 12), stopped_at=at(3, 12, 45)
    )
    work.entry_create(ctx, task_id=task.pk, kind="mileage", distance_km="42", date="2026-03-02")
    work.entry_create(
        ctx_for(member), task_id=task.pk, kind="time", started_at=at(4, 9), stopped_at=at(4, 11)
    )
    return member


def _row(body, group):
    return next(row for row in body["rows"] if row["value_group"] == group)


def test_value_groups_per_month_with_hours_as_decimal_strings(api, logged):
    response = api.get(URL, **{"from": "2026-01-01", "to": "2026-03-31"})

    assert response.status_code == 200
    body = response.json()
    assert body["period"] == {"from": "2026-01-01", "to": "2026-03-31"}
    assert [row["value_group"] for row in body["rows"]] == ["A", "B", "C", "D"]
    a, d = _row(body, "A"), _row(body, "D")
    assert a["label"] == str(Project.ValueGroup.A.label)
    assert a["hours"] == "3.83"  # 0:20 + 1:30 + 2:00 = 230 minutes
    assert a["months"] == [
        {"month": "2026-01", "hours": "0.33", "share": 100, "cost": "0.00"},
        {"month": "2026-02", "hours": "0.00", "share": 0, "cost": "0.00"},
        {"month": "2026-03", "hours": "3.50", "share": 82, "cost": "0.00"},
    ]
    assert d["hours"] == "0.75" and d["months"][2] == {
        "month": "2026-03",
        "hours": "0.75",
        "share": 18,
        "cost": "0.00",
    }
    assert _row(body, "B")["hours"] == "0.00" and _row(body, "B")["share"] == 0
    assert (a["share"], d["share"]) == (84, 16)
    # nobody has a cost rate yet: no cost, every hour uncosted
    assert body["totals"] == {
        "hours": "4.58",
        "cost": "0.00",
        "uncosted_hours": "4.58",
        "currency": "EUR",
        "months": [
            {"month": "2026-01", "hours": "0.33", "cost": "0.00"},
            {"month": "2026-02", "hours": "0.00", "cost": "0.00"},
            {"month": "2026-03", "hours": "4.25", "cost": "0.00"},
        ],
    }


def test_the_period_bounds_are_days_not_months(api, logged):
    body = api.get(URL, **{"from": "2026-03-03", "to": "2026-03-03"}).json()

    # only the 0:45 of March 3rd
    assert body["totals"]["hours"] == "0.75"
    assert _row(body, "A")["hours"] == "0.00"
    assert body["period"] == {"from": "2026-03-03", "to": "2026-03-03"}


def test_the_default_period_is_three_months_up_to_today(api, logged, tenant):
    body = api.get(URL).json()

    today = dt.date.fromisoformat(body["period"]["to"])
    first = dt.date.fromisoformat(body["period"]["from"])
    assert first.day == 1 and len(body["totals"]["months"]) == 3
    assert (today.year * 12 + today.month) - (first.year * 12 + first.month) == 2


def test_a_member_sees_only_their_own_time(logged):
    body = api_for(logged).get(URL, **{"from": "2026-01-01", "to": "2026-03-31"}).json()

    assert body["totals"]["hours"] == "2.00"
    # a member sees no money
    assert _row(body, "A")["months"][2] == {
        "month": "2026-03",
        "hours": "2.00",
        "share": 100,
        "cost": None,
    }
    assert _row(body, "D")["hours"] == "0.00"
    assert body["totals"]["cost"] is None


def test_an_approver_sees_everyones_time(api_as, logged):
    body = api_as("approver").get(URL, **{"from": "2026-01-01", "to": "2026-03-31"}).json()

    assert body["totals"]["hours"] == "4.58"


def test_the_same_figures_as_the_reports_page(api, owner, logged):
    page = signed_in(owner).get(reverse("web:reports"), {"period": "2026-Q1"}).content.decode()
    body = api.get(URL, period="2026-Q1").json()

    # A: 3.83 hours, 84 % of the period's time, on both; the total 4.58
    assert '<td class="col-num">3.83</td><td class="col-num">84 %</td>' in page
    assert (_row(body, "A")["hours"], _row(body, "A")["share"]) == ("3.83", 84)
    assert '<th class="col-num">4.58</th>' in page
    assert body["totals"]["hours"] == "4.58"


def test_another_tenants_time_is_not_counted(other_api, logged):
    body = other_api.get(URL, **{"from": "2026-01-01", "to": "2026-03-31"}).json()

    assert body["totals"]["hours"] == "0.00"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-03-02", "to": "2026-03-01"}, "to"),
        ({"from": "2020-01-01", "to": "2026-01-01"}, "to"),
        ({"from": "2026-02-30"}, "from"),
        ({"to": "0001-01-01"}, "to"),
        ({"from": "1899-12-31", "to": "1900-01-31"}, "from"),
        ({"to": "9999-12-31"}, "to"),
    ],
)
def test_a_period_it_cannot_cover_answers_400_naming_the_field(api, params, field):
    response = api.get(URL, **params)

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_it_needs_a_token(anon_api):
    assert anon_api.get(URL).status_code == 401


def test_the_selector_refuses_a_period_that_ends_before_it_starts(owner):
    from faktura.reports.errors import PeriodInvalid

    with pytest.raises(PeriodInvalid) as raised:
        value_groups(
            tenant=owner.tenant,
            viewer=owner,
            date_from=dt.date(2026, 3, 2),
            date_to=dt.date(2026, 3, 1),
        )
    assert raised.value.fields == {"to": "The end of the period is before its start."}
