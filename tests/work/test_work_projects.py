"""Projects and project member rates: services and API."""

from __future__ import annotations

from decimal import Decimal

import pytest
from work_factories import make_contact, make_project

from faktura.common.errors import BusinessRuleViolation, PermissionDenied, ValidationFailed
from faktura.common.inputs import parse
from faktura.common.models import AuditEvent
from faktura.work import services
from faktura.work.inputs import ProjectCreate, ProjectMemberRate, ProjectUpdate
from faktura.work.models import Project, ProjectMember

# --- services ---------------------------------------------------------------------------------


def test_external_project_defaults(ctx):
    contact = make_contact(ctx, currency="CHF")
    project = services.project_create(
        ctx, data=parse(ProjectCreate, dict(name="Rollout", contact_id=contact.pk))
    )
    assert project.scope == "external"
    assert project.value_group == "A"
    assert project.billing_model == "time_and_materials"
    assert project.currency == "CHF"  # the customer's
    assert project.number == f"P-{project.pk:05d}"
    assert AuditEvent.objects.filter(action="project_create", object_id=str(project.pk)).exists()


def test_internal_project_defaults(ctx, tenant):
    project = services.project_create(
        ctx, data=parse(ProjectCreate, dict(name="Technical issues", scope="internal"))
    )
    assert project.value_group == "C"
    assert project.billing_model == "non_billable"
    assert project.currency == tenant.currency
    assert project.contact is None


@pytest.mark.parametrize(
    ("scope", "value_group", "ok"),
    [
        ("external", "A", True),
        ("external", "B", False),
        ("external", "D", False),
        ("internal", "A", False),
        ("internal", "B", True),
        ("internal", "C", True),
        ("internal", "D", True),
    ],
)
def test_value_group_follows_scope(ctx, scope, value_group, ok):
    contact = make_contact(ctx)
    data = {"name": "P", "scope": scope, "value_group": value_group, "contact_id": contact.pk}
    if ok:
        assert (
            services.project_create(ctx, data=parse(ProjectCreate, dict(**data))).value_group
            == value_group
        )
    else:
        with pytest.raises(ValidationFailed) as exc:
            services.project_create(ctx, data=parse(ProjectCreate, dict(**data)))
        assert set(exc.value.fields) == {"value_group"}
        assert not Project.objects.exists()


def test_changing_scope_needs_a_matching_value_group(ctx):
    project = make_project(ctx)
    with pytest.raises(ValidationFailed) as exc:
        services.project_update(
            ctx, project_id=project.pk, data=parse(ProjectUpdate, dict(scope="internal"))
        )
    assert set(exc.value.fields) == {"value_group"}
    project = services.project_update(
        ctx,
        project_id=project.pk,
        data=parse(
            ProjectUpdate, dict(scope="internal", value_group="B", billing_model="non_billable")
        ),
    )
    assert (project.scope, project.value_group) == ("internal", "B")


def test_external_project_needs_a_customer(ctx):
    with pytest.raises(ValidationFailed) as exc:
        services.project_create(
            ctx, data=parse(ProjectCreate, dict(name="Rollout", scope="external"))
        )
    assert set(exc.value.fields) == {"contact_id"}
    project = make_project(ctx)
    with pytest.raises(ValidationFailed) as exc:
        services.project_update(
            ctx, project_id=project.pk, data=parse(ProjectUpdate, dict(contact_id=None))
        )
    assert set(exc.value.fields) == {"contact_id"}


@pytest.mark.parametrize("billing_model", ["time_and_materials", "fixed_price"])
def test_internal_projects_are_not_billed(ctx, billing_model):
    with pytest.raises(ValidationFailed) as exc:
        services.project_create(
            ctx,
            data=parse(
                ProjectCreate,
                dict(
                    name="Website", scope="internal", value_group="B", billing_model=billing_model
                ),
            ),
        )
    assert set(exc.value.fields) == {"billing_model"}


def test_currency_must_be_the_customers(ctx):
    contact = make_contact(ctx, currency="EUR")
    with pytest.raises(ValidationFailed) as exc:
        services.project_create(
            ctx, data=parse(ProjectCreate, dict(name="P", contact_id=contact.pk, currency="USD"))
        )
    assert set(exc.value.fields) == {"currency"}
    project = services.project_create(
        ctx, data=parse(ProjectCreate, dict(name="P", contact_id=contact.pk, currency="eur"))
    )
    assert project.currency == "EUR"
    swiss = make_contact(ctx, name="Zürich AG", currency="CHF")
    with pytest.raises(ValidationFailed) as exc:
        services.project_update(
            ctx, project_id=project.pk, data=parse(ProjectUpdate, dict(contact_id=swiss.pk))
        )
    assert set(exc.value.fields) == {"currency"}
    project = services.project_update(
        ctx,
        project_id=project.pk,
        data=parse(ProjectUpdate, dict(contact_id=swiss.pk, currency="CHF")),
    )
    assert project.currency == "CHF"


def test_ready_to_bill_only_for_single_projects(ctx):
    ongoing = make_project(ctx, kind="ongoing")
    with pytest.raises(BusinessRuleViolation) as exc:
        services.project_update(
            ctx, project_id=ongoing.pk, data=parse(ProjectUpdate, dict(status="ready_to_bill"))
        )
    assert exc.value.code == "not_single_project"
    single = make_project(ctx, kind="single")
    single = services.project_update(
        ctx, project_id=single.pk, data=parse(ProjectUpdate, dict(status="ready_to_bill"))
    )
    assert single.status == "ready_to_bill"
    # a single project that is ready to bill cannot turn into ongoing work
    with pytest.raises(BusinessRuleViolation):
        services.project_update(
            ctx, project_id=single.pk, data=parse(ProjectUpdate, dict(kind="ongoing"))
        )


def test_end_date_not_before_start(ctx):
    with pytest.raises(ValidationFailed) as exc:
        make_project(ctx, start_date="2026-03-10", end_date="2026-03-09")
    assert set(exc.value.fields) == {"end_date"}


def test_numbers_are_unique_per_tenant(ctx, other_owner):
    from work_factories import ctx_for

    make_project(ctx, number="2026-01")
    with pytest.raises(ValidationFailed) as exc:
        make_project(ctx, number="2026-01")
    assert exc.value.fields == {"number": "Another project has this number."}
    assert make_project(ctx_for(other_owner), number="2026-01").number == "2026-01"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("hourly_rate", "95.1234567"),
        ("hourly_rate", "-1"),
        ("fixed_price", "100.001"),
        ("fixed_price", "-0.01"),
        ("budget_hours", "1.234"),
        ("kind", "monthly"),
        ("billing_model", "retainer"),
        ("status", "paused"),
        ("currency", "EURO"),
        ("time_rounding", {"increment_minutes": 7}),
    ],
)
def test_invalid_fields_are_named(ctx, field, value):
    with pytest.raises(ValidationFailed) as exc:
        make_project(ctx, **{field: value})
    assert next(iter(exc.value.fields)).split(".")[0] == field


def test_time_rounding_override(ctx):
    project = make_project(ctx, time_rounding={"increment_minutes": 6, "direction": "nearest"})
    assert project.time_rounding["increment_minutes"] == 6
    assert project.time_rounding["direction"] == "nearest"


def test_member_cannot_manage_projects(make_member):
    from work_factories import ctx_for

    member = ctx_for(make_member("member"))
    with pytest.raises(PermissionDenied):
        services.project_create(
            member, data=parse(ProjectCreate, dict(name="Internal", scope="internal"))
        )


def test_member_rates(ctx, make_member):
    project = make_project(ctx)
    dev = make_member("member")
    row = services.project_member_set_rate(
        ctx,
        project_id=project.pk,
        membership_id=dev.pk,
        data=parse(ProjectMemberRate, dict(hourly_rate="110.00")),
    )
    assert row.hourly_rate == Decimal("110.00")
    row = services.project_member_set_rate(
        ctx,
        project_id=project.pk,
        membership_id=dev.pk,
        data=parse(ProjectMemberRate, dict(hourly_rate=None)),
    )
    assert row.hourly_rate is None
    assert ProjectMember.objects.filter(project=project).count() == 1
    services.project_member_remove(ctx, project_id=project.pk, membership_id=dev.pk)
    assert not ProjectMember.objects.exists()


# --- API --------------------------------------------------------------------------------------


@pytest.fixture
def customer(ctx):
    return make_contact(ctx)


def test_api_create_and_read_project(api, customer):
    r = api.post(
        "projects",
        {"name": "Rollout", "contact_id": customer.pk, "kind": "single",
         "hourly_rate": "95.50", "fixed_price": "12000.00", "budget_hours": "120.5"},
    )  # fmt: skip
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["value_group"] == "A"
    assert body["hourly_rate"] == "95.500000"
    assert body["fixed_price"] == "12000.00"
    assert body["currency"] == customer.currency
    r = api.get(f"projects/{body['id']}")
    assert r.status_code == 200
    assert r.json()["number"] == body["number"]


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        ({"name": "X", "scope": "internal", "value_group": "A"}, 400, "value_group"),
        ({"name": "X", "scope": "external", "value_group": "C"}, 400, "value_group"),
        ({"name": "X", "scope": "external"}, 400, "contact_id"),
        ({"name": "X", "scope": "internal", "billing_model": "fixed_price"}, 400, "billing_model"),
        ({"name": "X", "scope": "internal", "hourly_rate": "12.3"}, 201, None),
        ({"name": "X", "scope": "internal", "hourly_rate": "abc"}, 400, "hourly_rate"),
        ({"name": "X", "scope": "internal", "start_date": "2026-02-30"}, 400, "start_date"),
        ({"name": "", "scope": "internal"}, 400, "name"),
        ({"scope": "internal"}, 400, "name"),
        ({"name": "X", "scope": "internal", "contact_id": 999999}, 400, "contact_id"),
        ({"name": "X" * 201, "scope": "internal"}, 400, "name"),
    ],
)
def test_api_project_validation(api, payload, status, field):
    r = api.post("projects", payload)
    assert r.status_code == status, r.json()
    if field:
        assert field in r.json()["error"]["fields"]


def test_api_ready_to_bill_for_ongoing_is_422(api, customer):
    project = api.post("projects", {"name": "Ops", "contact_id": customer.pk}).json()
    r = api.patch(f"projects/{project['id']}", {"status": "ready_to_bill"})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "not_single_project"


def test_api_currency_mismatch(api, customer):
    r = api.post("projects", {"name": "Ops", "contact_id": customer.pk, "currency": "USD"})
    assert r.status_code == 400
    assert set(r.json()["error"]["fields"]) == {"currency"}


def test_api_members_see_no_rates(api, api_as, customer):
    payload = {"name": "Ops", "contact_id": customer.pk, "hourly_rate": "120"}
    project = api.post("projects", {**payload, "kind": "single", "fixed_price": "900"}).json()
    for role in ("member", "approver"):
        client = api_as(role)
        body = client.get(f"projects/{project['id']}").json()
        assert body["hourly_rate"] is None
        assert body["fixed_price"] is None
        listed = client.get("projects").json()["items"]
        assert [p["hourly_rate"] for p in listed] == [None]
    billing = api_as("billing").get(f"projects/{project['id']}").json()
    assert billing["hourly_rate"] == "120.000000"


@pytest.mark.parametrize("role", ["member", "approver"])
def test_api_project_writes_need_manage_projects(api, api_as, customer, role):
    client = api_as(role)
    r = client.post("projects", {"name": "Mine", "scope": "internal"})
    assert r.status_code == 403
    project = api.post("projects", {"name": "Ops", "contact_id": customer.pk}).json()
    r = client.patch(f"projects/{project['id']}", {"name": "Renamed"})
    assert r.status_code == 403


def test_api_billing_role_manages_projects(api_as, customer):
    r = api_as("billing").post("projects", {"name": "Ops", "contact_id": customer.pk})
    assert r.status_code == 201


def test_api_project_filters(api, customer, ctx):
    make_project(ctx, contact=customer, name="Helpdesk Müller", kind="ongoing")
    make_project(ctx, contact=customer, name="Server migration", kind="single")
    make_project(ctx, name="Technical issues", scope="internal", value_group="D")
    make_project(ctx, name="Sales", scope="internal", status="on_hold")

    def names(**params):
        return sorted(p["name"] for p in api.get("projects", **params).json()["items"])

    assert names(search="müller") == ["Helpdesk Müller", "Server migration"]  # customer's name
    assert names(search="migration") == ["Server migration"]
    assert names(contact_id=customer.pk) == ["Helpdesk Müller", "Server migration"]
    assert names(kind="single") == ["Server migration"]
    assert names(scope="internal") == ["Sales", "Technical issues"]
    assert names(value_group="D") == ["Technical issues"]
    assert names(billing_model="non_billable") == ["Sales", "Technical issues"]
    assert names(status="on_hold") == ["Sales"]
    assert names(status="nonsense") == []


def test_api_patch_project(api, customer):
    project = api.post("projects", {"name": "Ops", "contact_id": customer.pk}).json()
    r = api.patch(
        f"projects/{project['id']}",
        {"name": "Operations", "po_number": "PO-77", "start_date": "2026-01-01",
         "time_rounding": {"increment_minutes": 30, "direction": "up"}},
    )  # fmt: skip
    assert r.status_code == 200, r.json()
    body = r.json()
    assert (body["name"], body["po_number"], body["start_date"]) == (
        "Operations",
        "PO-77",
        "2026-01-01",
    )
    assert body["time_rounding"]["increment_minutes"] == 30
    r = api.patch(f"projects/{project['id']}", {"number": ""})
    assert r.status_code == 400
    assert set(r.json()["error"]["fields"]) == {"number"}


def test_api_other_tenants_projects_are_404(api, other_api, customer):
    project = api.post("projects", {"name": "Ops", "contact_id": customer.pk}).json()
    assert other_api.get(f"projects/{project['id']}").status_code == 404
    assert other_api.patch(f"projects/{project['id']}", {"name": "x"}).status_code == 404
    assert other_api.get(f"projects/{project['id']}/members").status_code == 404
    assert other_api.get("projects").json()["count"] == 0
    # another tenant's contact cannot be referenced
    r = other_api.post("projects", {"name": "Ops", "contact_id": customer.pk})
    assert r.status_code == 400
    assert set(r.json()["error"]["fields"]) == {"contact_id"}


def test_api_member_rates(api, api_as, customer, make_member, other_owner):
    project = api.post("projects", {"name": "Ops", "contact_id": customer.pk}).json()
    dev = make_member("member", name="Dana Dev")
    url = f"projects/{project['id']}/members"
    r = api.put(f"{url}/{dev.pk}", {"hourly_rate": "110.00"})
    assert r.status_code == 200, r.json()
    assert r.json() == {"membership_id": dev.pk, "name": "Dana Dev", "hourly_rate": "110.000000"}
    r = api.get(url)
    assert r.json()["items"] == [
        {"membership_id": dev.pk, "name": "Dana Dev", "hourly_rate": "110.000000"}
    ]
    r = api.put(f"{url}/{dev.pk}", {"hourly_rate": "110.1234567"})
    assert r.status_code == 400
    assert set(r.json()["error"]["fields"]) == {"hourly_rate"}
    r = api.put(f"{url}/{dev.pk}", {"hourly_rate": None})
    assert r.status_code == 200
    assert r.json()["hourly_rate"] is None
    # reading needs view_rates, writing manage_projects
    member = api_as("member")
    assert member.get(url).status_code == 403
    assert member.put(f"{url}/{dev.pk}", {"hourly_rate": "1"}).status_code == 403
    assert api_as("approver").get(url).status_code == 403
    assert api_as("billing").get(url).status_code == 200
    # another tenant's membership is unknown here
    assert api.put(f"{url}/{other_owner.pk}", {"hourly_rate": "1"}).status_code == 404
    r = api.delete(f"{url}/{dev.pk}")
    assert r.status_code == 204
    assert api.delete(f"{url}/{dev.pk}").status_code == 404
    assert api.get(url).json()["items"] == []
