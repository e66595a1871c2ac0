import hashlib

import pytest

from faktura.common.models import AuditEvent
from faktura.tenancy.models import ApiToken, Tenant


def test_tenant_profile_roundtrip(api, tenant):
    # when
    r = api.patch(
        "tenant",
        {
            "name": "Acme IT Services GmbH",
            "iban": "DE89 3704 0044 0532 0130 00",
            "bic": "COBADEFFXXX",
            "vat_id": "DE 136 695 976",
            "invoice_number_format": "RE-{YYYY}-{seq:05}",
            "time_rounding": {"increment_minutes": 6, "direction": "nearest"},
            "require_approval": False,
        },
    )
    # then
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["iban"] == "DE89370400440532013000"
    assert body["vat_id"] == "DE136695976"
    assert body["invoice_number_format"] == "RE-{YYYY}-{seq:05}"
    assert body["time_rounding"]["increment_minutes"] == 6
    assert body["time_rounding"]["direction"] == "nearest"
    assert body["require_approval"] is False
    assert api.get("tenant").json()["name"] == "Acme IT Services GmbH"
    assert AuditEvent.objects.filter(tenant=tenant, action="tenant_update").count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"iban": "DE00 1234"}, "iban"),
        ({"vat_id": "DE123456789"}, "vat_id"),
        ({"country": "XX"}, "country"),
        ({"currency": "EURO"}, "currency"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"invoice_number_format": "RE-{YYYY}"}, "invoice_number_format"),
        ({"time_rounding": {"increment_minutes": 7}}, "time_rounding.increment_minutes"),
        ({"time_rounding": {"direction": "sideways"}}, "time_rounding.direction"),
        ({"payment_terms_days": -1}, "payment_terms_days"),
        ({"payment_terms_days": "soon"}, "payment_terms_days"),
        ({"accent_color": "blue"}, "accent_color"),
        ({"email": "not-an-address"}, "email"),
        ({"name": ""}, "name"),
    ],
)
def test_tenant_patch_rejects_bad_input_naming_the_field(api, tenant, payload, field):
    before = Tenant.objects.get(pk=tenant.pk)
    r = api.patch("tenant", payload)
    assert r.status_code == 400, r.json()
    assert field in r.json()["error"]["fields"], r.json()
    after = Tenant.objects.get(pk=tenant.pk)
    assert [getattr(after, f.name) for f in Tenant._meta.fields if f.name != "updated_at"] == [
        getattr(before, f.name) for f in Tenant._meta.fields if f.name != "updated_at"
    ]


@pytest.mark.parametrize("role", ["admin", "owner"])
def test_settings_roles_may_patch_tenant(api_as, role, tenant):
    assert api_as(role).patch("tenant", {"phone": "+49 30 1234"}).status_code == 200


@pytest.mark.parametrize("role", ["billing", "approver", "member"])
def test_other_roles_may_not_patch_tenant(api_as, role):
    r = api_as(role).patch("tenant", {"phone": "+49 30 1234"})
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "permission_denied"


def test_token_is_shown_once_and_stored_hashed(api, owner):
    r = api.post("tokens", {"name": "accounting export"})
    assert r.status_code == 201
    raw = r.json()["token"]
    token = ApiToken.objects.get(pk=r.json()["id"])
    assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in {token.key_hash, token.prefix, token.name}
    listed = api.get("tokens").json()["items"]
    assert all("token" not in item for item in listed)
    assert {item["name"] for item in listed} >= {"accounting export"}


def test_revoked_token_no_longer_authenticates(api, anon_api):
    created = api.post("tokens", {"name": "temp"}).json()
    anon_api.token = created["token"]
    assert anon_api.get("tenant").status_code == 200
    assert api.delete(f"tokens/{created['id']}").status_code == 200
    r = anon_api.get("tenant")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "not_authenticated"


def test_missing_or_garbage_token_is_401(anon_api):
    assert anon_api.get("contacts").status_code == 401
    anon_api.token = "fk_garbage"
    assert anon_api.get("contacts").status_code == 401


def test_member_cannot_revoke_someone_elses_token(api, api_as):
    owners_token = api.post("tokens", {"name": "owner's"}).json()
    member = api_as("member")
    assert member.delete(f"tokens/{owners_token['id']}").status_code == 404
    assert ApiToken.objects.get(pk=owners_token["id"]).revoked_at is None


def test_members_and_roles(api, api_as):
    r = api.post("memberships", {"email": "Neo@Acme.test", "role": "approver"})
    assert r.status_code == 201, r.json()
    assert (r.json()["email"], r.json()["status"]) == ("neo@acme.test", "pending")
    r = api.post("memberships", {"email": "x@acme.test", "role": "emperor"})
    assert r.status_code == 400
    assert "role" in r.json()["error"]["fields"]
    assert api_as("billing").post("memberships", {"email": "y@acme.test"}).status_code == 403


# --- owners cannot be locked out (issue 10, finding 2) -----------------------------------------


def _code(response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def test_last_owner_cannot_be_demoted(api, owner):
    r = api.patch(f"memberships/{owner.pk}", {"role": "admin"})
    assert _code(r) == (422, "last_owner")


def test_sole_owner_cannot_deactivate_themself(api, owner):
    """Before: the only owner could deactivate themself and leave no active owner."""
    r = api.patch(f"memberships/{owner.pk}", {"is_active": False})

    assert _code(r) == (422, "last_owner")
    assert r.json()["error"]["fields"] == {
        "is_active": "The company keeps at least one active owner."
    }
    owner.refresh_from_db()
    assert owner.is_active


def test_an_admin_cannot_deactivate_demote_or_appoint_an_owner(owner, api_as, make_member):
    """Before: an admin could deactivate the owner."""
    admin = api_as("admin")
    member = make_member("member")

    assert _code(admin.patch(f"memberships/{owner.pk}", {"is_active": False})) == (
        422,
        "owner_protected",
    )
    assert _code(admin.patch(f"memberships/{owner.pk}", {"role": "admin"})) == (
        422,
        "owner_protected",
    )
    assert _code(admin.patch(f"memberships/{member.pk}", {"role": "owner"})) == (
        422,
        "owner_protected",
    )
    owner.refresh_from_db()
    member.refresh_from_db()
    assert (owner.role, owner.is_active, member.role) == ("owner", True, "member")
    # what an admin may still change on an owner
    assert (
        admin.patch(f"memberships/{owner.pk}", {"default_billing_rate": "120"}).status_code == 200
    )


def test_ownership_moves_only_by_an_owner(api, owner, make_member):
    successor = make_member("admin")

    assert api.patch(f"memberships/{successor.pk}", {"role": "owner"}).status_code == 200
    # with a second active owner, the first may step down or deactivate themself
    assert api.patch(f"memberships/{owner.pk}", {"role": "admin"}).status_code == 200
    successor.refresh_from_db()
    assert successor.role == "owner"


def test_an_inactive_owner_does_not_count_as_the_other_owner(api, owner, make_member):
    second = make_member("owner")
    assert api.patch(f"memberships/{second.pk}", {"is_active": False}).status_code == 200

    assert _code(api.patch(f"memberships/{owner.pk}", {"is_active": False})) == (422, "last_owner")


def test_member_sees_no_billing_rates_of_members(api, api_as, make_member):
    make_member("member", default_billing_rate="95.50")
    rates_owner = {m["default_billing_rate"] for m in api.get("memberships").json()["items"]}
    assert "95.500000" in rates_owner
    rates_member = {
        m["default_billing_rate"] for m in api_as("member").get("memberships").json()["items"]
    }
    assert rates_member == {None}


def test_teams(api):
    r = api.post("teams", {"name": "Service desk"})
    assert r.status_code == 201
    assert api.post("teams", {"name": "Service desk"}).status_code == 400
    assert [t["name"] for t in api.get("teams").json()["items"]] == ["Service desk"]


@pytest.mark.parametrize("value", ["abc", 5, [], {"increment_minutes": 6, "colour": "red"}])
def test_a_time_rounding_rule_of_the_wrong_shape_is_refused(api, value):
    before = api.get("tenant").json()["time_rounding"]

    response = api.patch("tenant", {"time_rounding": value})

    assert response.status_code == 400
    assert api.get("tenant").json()["time_rounding"] == before


@pytest.mark.parametrize("field", ["require_approval", "timesheet_appendix"])
def test_null_for_a_switch_is_refused_not_read_as_off(api, field):
    before = api.get("tenant").json()[field]

    response = api.patch("tenant", {field: None})

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert api.get("tenant").json()[field] == before


def test_a_yearly_reset_needs_the_year_in_the_number_format(api):
    response = api.patch(
        "tenant", {"invoice_number_format": "RE-{seq:05}", "number_reset": "yearly"}
    )
    assert response.status_code == 400
    assert "invoice_number_format" in response.json()["error"]["fields"]

    assert api.patch("tenant", {"invoice_number_format": "RE-{seq:05}"}).status_code == 200
    response = api.patch("tenant", {"number_reset": "yearly"})
    assert response.status_code == 400
    assert "number_reset" in response.json()["error"]["fields"]


def test_a_number_format_problem_is_explained_in_the_readers_language(api):
    wrong = {"invoice_number_format": "RE-{YYYY}"}

    english = api.patch("tenant", wrong)
    german = api.patch("tenant", wrong, HTTP_ACCEPT_LANGUAGE="de")

    assert english.status_code == german.status_code == 400
    assert english.json()["error"]["fields"]["invoice_number_format"] == (
        "The format needs one {seq} token."
    )
    assert german.json()["error"]["fields"]["invoice_number_format"] == (
        "Das Format braucht einen Platzhalter {seq}."
    )
