"""Value groups with cost and utilization (issue 17): the numbers of a small known data set,
through the HTTP API, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from faktura.common.context import CommandContext
from faktura.common.inputs import parse
from faktura.tenancy.inputs import MembershipTermsSet, TeamCreate
from faktura.tenancy.services import team_create
from faktura.tenancy.terms import membership_terms_set
from faktura.work import services as work
from faktura.work.absence import project_absence_set
from faktura.work.inputs import EntryCreate, TaskCreate
from tests.conftest import api_for
from tests.work.work_factories import at, ctx_for, make_project

VG = "reports/value-groups"
UT = "reports/utilization"
MARCH = {"period": "2026-03"}
Q1 = {"period": "2026-Q1"}


def _terms(owner, membership, valid_from, cost_rate=None, weekly_hours=None):
    membership_terms_set(
        ctx_for(owner),
        membership_id=membership.pk,
        data=MembershipTermsSet(
            valid_from=valid_from, cost_rate=cost_rate, weekly_hours=weekly_hours
        ),
    )


def _time(ctx, task, day, hour, hours, minutes=0, month=3):
    stop_hour, stop_minute = divmod(hour * 60 + hours * 60 + minutes, 60)
    work.entry_create(
        ctx,
        data=parse(
            EntryCreate,
            dict(
                task_id=task.pk,
                kind="time",
                started_at=at(day, hour, month=month),
                stopped_at=at(day, stop_hour, stop_minute, month=month),
            ),
        ),
    )


@pytest.fixture
def world(owner, make_member):
    """Owner: cost 60 from January, 80 from March; 40 h a week. Member (team Support): cost
    45 from February, 20 h a week.

    A (customer work): owner 0:20 on 5 Jan (60/h = 20.00), owner 1:30 on 2 Mar (80/h =
    120.00), member 2:00 on 4 Mar (45/h = 90.00); the member's 1:00 on 7 Jan has no rate.
    D (waste, VPN outage): owner 0:45 on 3 Mar (60.00). Absence (C, holiday): member 8:00 on
    5 Mar (360.00)."""
    ctx = ctx_for(owner)
    member = make_member("member", name="Mia Member")
    team = team_create(ctx, data=TeamCreate(name="Support"))
    from faktura.tenancy.inputs import MembershipUpdate
    from faktura.tenancy.services import membership_update

    membership_update(ctx, membership_id=member.pk, data=MembershipUpdate(team_id=team.pk))
    _terms(owner, owner, "2026-01-01", Decimal("60"), Decimal("40"))
    _terms(owner, owner, "2026-03-01", Decimal("80"), Decimal("40"))
    _terms(owner, member, "2026-01-01", None, Decimal("20"))
    _terms(owner, member, "2026-02-01", Decimal("45"), Decimal("20"))
    customer = make_project(ctx, name="Managed services")
    waste = make_project(ctx, name="Technical issues", scope="internal", value_group="D")
    holiday = make_project(ctx, name="Holiday", scope="internal", value_group="C")
    project_absence_set(ctx, project_id=holiday.pk, is_absence=True)
    task = work.task_create(
        ctx, data=parse(TaskCreate, dict(project_id=customer.pk, title="Printer"))
    )
    vpn = work.task_create(
        ctx, data=parse(TaskCreate, dict(project_id=waste.pk, title="VPN outage"))
    )
    leave = work.task_create(
        ctx, data=parse(TaskCreate, dict(project_id=holiday.pk, title="Holiday"))
    )
    mctx = ctx_for(member)
    _time(ctx, task, 5, 8, 0, 20, month=1)
    _time(mctx, task, 7, 8, 1, month=1)
    _time(ctx, task, 2, 8, 1, 30)
    _time(ctx, vpn, 3, 12, 0, 45)
    _time(mctx, task, 4, 9, 2)
    _time(mctx, leave, 5, 7, 8)
    return {"member": member, "team": team, "customer": customer, "waste": waste, "vpn": vpn}


def _row(body, group):
    return next(row for row in body["rows"] if row["value_group"] == group)


def test_cost_at_the_rate_valid_on_the_day(api, world):
    body = api.get(VG, **Q1).json()

    a, c, d = _row(body, "A"), _row(body, "C"), _row(body, "D")
    assert (a["hours"], a["cost"], a["uncosted_hours"]) == ("4.83", "230.00", "1.00")
    assert (c["hours"], c["cost"]) == ("8.00", "360.00")
    assert (d["hours"], d["cost"], d["share"]) == ("0.75", "60.00", 6)
    assert [(m["month"], m["cost"]) for m in a["months"]] == [
        ("2026-01", "20.00"),
        ("2026-02", "0.00"),
        ("2026-03", "210.00"),
    ]
    assert body["totals"]["hours"] == "13.58"
    assert body["totals"]["cost"] == "650.00"
    assert body["totals"]["currency"] == "EUR"
    assert body["waste"]["cost"] == "60.00"
    assert body["waste"]["projects"] == [
        {
            "id": world["waste"].pk,
            "label": "Technical issues",
            "project": "",
            "hours": "0.75",
            "cost": "60.00",
        }
    ]
    assert [t["label"] for t in body["waste"]["tickets"]] == [f"#{world['vpn'].number} VPN outage"]


def test_group_by_team_member_and_project(api, owner, world):
    by_team = api.get(VG, group_by="team", **MARCH).json()["breakdown"]
    assert [(b["key"], b["label"], b["hours"], b["cost"]) for b in by_team] == [
        (str(world["team"].pk), "Support", "10.00", "450.00"),
        ("none", "", "2.25", "180.00"),
    ]
    by_member = api.get(VG, group_by="member", **MARCH).json()["breakdown"]
    assert [(b["label"], b["groups"]["A"]["cost"]) for b in by_member] == [
        ("Mia Member", "90.00"),
        (owner.display_name, "120.00"),
    ]
    by_project = api.get(VG, group_by="project", **MARCH).json()["breakdown"]
    # projects by their number and name, the most hours first
    assert [(b["label"].split(" ", 1)[1], b["hours"]) for b in by_project] == [
        ("Holiday", "8.00"),
        ("Managed services", "3.50"),
        ("Technical issues", "0.75"),
    ]
    assert by_project[1]["label"] == f"{world['customer'].number} Managed services"
    by_month = api.get(VG, **Q1).json()["breakdown"]
    assert [(b["key"], b["hours"]) for b in by_month] == [
        ("2026-01", "1.33"),
        ("2026-02", "0.00"),
        ("2026-03", "12.25"),
    ]


def test_project_breakdown_costs_each_day_at_its_rate(api, owner, world):
    """Issue 17: the project breakdown and the waste group by the day of the last terms change,
    not by the entry's day; the cost must stay the rate valid on each entry's day."""
    # given more changes inside the quarter than the fixture has (Jan 20, Feb 10, Mar 3)
    _terms(owner, owner, "2026-01-20", Decimal("66"), Decimal("40"))
    _terms(owner, world["member"], "2026-02-10", Decimal("50"), Decimal("20"))
    _terms(owner, owner, "2026-03-03", Decimal("90"), Decimal("40"))

    body = api.get(VG, group_by="project", **Q1).json()

    by_project = {b["label"].split(" ", 1)[1]: b for b in body["breakdown"]}
    # owner 0:20 on 5 Jan at 60 = 20.00, 1:30 on 2 Mar at 80 = 120.00 (90 only from 3 Mar);
    # member 1:00 on 7 Jan without a rate, 2:00 on 4 Mar at 50 = 100.00
    assert (by_project["Managed services"]["cost"], by_project["Managed services"]["hours"]) == (
        "240.00",
        "4.83",
    )
    # member 8:00 on 5 Mar at 50; owner 0:45 on 3 Mar at 90
    assert by_project["Holiday"]["cost"] == "400.00"
    assert by_project["Technical issues"]["groups"]["D"]["cost"] == "67.50"
    assert body["waste"]["cost"] == "67.50"
    assert body["waste"]["tickets"][0]["cost"] == "67.50"
    assert body["totals"]["cost"] == "707.50"
    assert _row(body, "A")["uncosted_hours"] == "1.00"


def test_a_member_sees_their_own_hours_and_no_cost(world):
    body = api_for(world["member"]).get(VG, **MARCH).json()

    assert body["totals"]["hours"] == "10.00"
    assert body["totals"]["cost"] is None
    assert _row(body, "A")["cost"] is None
    assert body["waste"]["projects"] == []


def test_bad_group_by_answers_400_naming_it(api):
    response = api.get(VG, group_by="weather")

    assert response.status_code == 400
    assert "group_by" in response.json()["error"]["fields"]


def test_value_groups_export_csv(api, world):
    response = api.get(VG, group_by="member", format="csv", **MARCH)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["Name"], r["A hours"], r["A cost"], r["Cost"]) for r in rows] == [
        ("Mia Member", "2.00", "90.00", "450.00"),
        (rows[1]["Name"], "1.50", "120.00", "180.00"),
    ]


def test_utilization_per_member(api, owner, world):
    body = api.get(UT, **MARCH).json()

    # March 2026 has 22 working days: owner 40 h x 22 / 5 = 176 h; member 20 h -> 88 h less
    # 8 h holiday = 80 h available.
    assert body["working_days"] == 22
    rows = {row["name"]: row for row in body["rows"]}
    assert rows["Mia Member"] == {
        "membership_id": world["member"].pk,
        "name": "Mia Member",
        "billable_hours": "2.00",
        "non_billable_hours": "0.00",
        "absence_hours": "8.00",
        "target_hours": "88.00",
        "available_hours": "80.00",
        "utilization": "2.5",
    }
    mine = rows[owner.display_name]
    assert (mine["billable_hours"], mine["non_billable_hours"], mine["available_hours"]) == (
        "1.50",
        "0.75",
        "176.00",
    )
    assert mine["utilization"] == "0.9"  # 1.5 / 176
    assert body["totals"]["billable_hours"] == "3.50"
    assert body["totals"]["available_hours"] == "256.00"
    assert body["totals"]["utilization"] == "1.4"  # 3.5 / 256


def test_utilization_member_sees_only_their_row(world):
    body = api_for(world["member"]).get(UT, **MARCH).json()

    assert [row["name"] for row in body["rows"]] == ["Mia Member"]


def test_terms_api_is_for_owners_and_admins(api, api_as, owner, world):
    member = world["member"]
    url = f"memberships/{member.pk}/terms"

    listed = api.get(url)
    assert listed.status_code == 200
    assert [(t["valid_from"], t["cost_rate"]) for t in listed.json()] == [
        ("2026-02-01", "45.000000"),
        ("2026-01-01", None),
    ]
    created = api.post(url, {"valid_from": "2026-04-01", "cost_rate": "50", "weekly_hours": "30"})
    assert created.status_code == 200
    assert created.json()["weekly_hours"] == "30.00"
    # the same day again replaces it
    again = api.post(url, {"valid_from": "2026-04-01", "cost_rate": "55"})
    assert again.status_code == 200 and again.json()["id"] == created.json()["id"]
    assert api.delete(f"{url}/{created.json()['id']}").status_code == 204
    assert api_as("billing").get(url).status_code == 403
    assert api_for(member).post(url, {"valid_from": "2026-04-01"}).status_code == 403
    bad = api.post(url, {"valid_from": "2026-04-01", "weekly_hours": "200", "cost_rate": "x"})
    assert bad.status_code == 400
    assert {"weekly_hours", "cost_rate"} <= set(bad.json()["error"]["fields"])


def test_terms_of_another_tenant_are_not_found(other_api, world):
    assert other_api.get(f"memberships/{world['member'].pk}/terms").status_code == 404


def test_absence_only_on_internal_projects(owner, world):
    from faktura.common.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as raised:
        project_absence_set(ctx_for(owner), project_id=world["customer"].pk, is_absence=True)
    assert "is_absence" in raised.value.fields
    system = CommandContext(tenant=owner.tenant, source="cli")
    assert project_absence_set(system, project_id=world["waste"].pk, is_absence=False)


def test_value_groups_page_shows_cost_to_the_owner(owner, world):
    from django.urls import reverse

    from tests.web.web_helpers import signed_in

    page = signed_in(owner).get(reverse("web:reports"), {"period": "2026-03", "group_by": "team"})

    html = page.content.decode()
    assert page.status_code == 200
    assert "€630.00" in html  # March: 210 (A) + 360 (C, holiday) + 60 (D)
    assert "Support" in html  # the team
    assert 'aria-label="Hours per value group and month"' in html
    assert "style=" not in html.split("<main", 1)[-1]


def test_value_groups_page_shows_a_member_only_hours(world):
    from django.urls import reverse

    from tests.web.web_helpers import signed_in

    page = signed_in(world["member"]).get(reverse("web:reports"), {"period": "2026-03"})

    html = page.content.decode()
    assert page.status_code == 200
    assert ">Cost<" not in html
    assert '<th class="col-num">10.00</th>' in html  # her 2 h and 8 h holiday


def test_utilization_page(owner, world):
    from django.urls import reverse

    from tests.web.web_helpers import signed_in

    page = signed_in(owner, "de").get(reverse("web:report_utilization"), {"period": "2026-03"})

    html = page.content.decode()
    assert page.status_code == 200
    assert "Mia Member" in html
    assert "2,5 %" in html  # German number format


def test_settings_member_page_sets_terms_typed(owner, make_member):
    from django.urls import reverse

    from faktura.tenancy.models import MembershipTerms
    from tests.web.web_helpers import signed_in

    member = make_member("member")
    client = signed_in(owner, "de")
    url = reverse("web:member_edit", args=[member.pk])

    bad = client.post(url, {"valid_from": "2026-04-01", "cost_rate": "viel", "weekly_hours": "200"})
    assert bad.status_code == 400
    assert MembershipTerms.objects.count() == 0

    ok = client.post(
        url, {"valid_from": "2026-04-01", "cost_rate": "52,50", "weekly_hours": "38,5"}
    )
    assert ok.status_code == 302
    terms = MembershipTerms.objects.get()
    assert (terms.cost_rate, terms.weekly_hours) == (Decimal("52.5"), Decimal("38.5"))
    page = client.get(url).content.decode()
    assert "38,50" in page
    assert signed_in(make_member("billing")).get(url).status_code == 403
