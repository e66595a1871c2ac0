"""Task entries through the HTTP API: timer, validation, approval, visibility, isolation."""

from __future__ import annotations

import pytest
from work_factories import at, ctx_for, log_time, make_project, make_task

from faktura.common.inputs import parse
from faktura.work import services
from faktura.work.inputs import EntryCreate, ProjectUpdate
from faktura.work.models import TaskEntry


@pytest.fixture
def task(ctx):
    return make_task(ctx)


@pytest.fixture
def member_api(api_as):
    return api_as("member")


@pytest.fixture
def approver_api(api_as):
    return api_as("approver")


def _time(task, start="2026-03-02T08:00:00Z", stop="2026-03-02T09:30:00Z", **extra):
    return {"task_id": task.pk, "kind": "time", "started_at": start, "stopped_at": stop, **extra}


def _error(r, status):
    assert r.status_code == status, r.json()
    return r.json()["error"]


# --- logging ----------------------------------------------------------------------------------


def test_log_a_stopped_time_entry(api, task, owner):
    r = api.post("entries", _time(task, description="Toner"))
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["task_id"] == task.pk
    assert body["project_id"] == task.project_id
    assert body["membership_id"] == owner.pk
    assert body["duration_seconds"] == 5400
    assert body["date"] == "2026-03-02"
    assert body["running"] is False
    assert (body["approval_status"], body["billing_state"]) == ("draft", "unbilled")
    assert api.get(f"entries/{body['id']}").json() == body


def test_date_is_derived_in_the_tenants_time_zone(api, task):
    r = api.post("entries", _time(task, "2026-03-01T23:30:00Z", "2026-03-02T00:10:00Z"))
    assert r.json()["date"] == "2026-03-02"  # Europe/Berlin


def test_other_kinds(api, member_api, task):
    r = api.post(
        "entries",
        {"task_id": task.pk, "kind": "mileage", "distance_km": "42.5", "transport_minutes": 30,
         "date": "2026-03-03"},
    )  # fmt: skip
    assert r.status_code == 201, r.json()
    assert (r.json()["distance_km"], r.json()["transport_minutes"]) == ("42.50", 30)
    r = api.post(
        "entries",
        {"task_id": task.pk, "kind": "expense", "quantity": "1", "unit_price": "19.99",
         "description": "Parking"},
    )  # fmt: skip
    assert (r.json()["quantity"], r.json()["unit_price"]) == ("1.0000", "19.990000")
    # a member logs goods with a price but never sees unit prices
    r = member_api.post(
        "entries", {"task_id": task.pk, "kind": "goods", "quantity": "2", "unit_price": "35"}
    )
    assert r.status_code == 201, r.json()
    assert r.json()["unit_price"] is None
    assert r.json()["quantity"] == "2.0000"
    assert [e["unit_price"] for e in member_api.get("entries").json()["items"]] == [None]
    entry = TaskEntry.objects.get(pk=r.json()["id"])
    assert str(entry.unit_price) == "35.000000"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (
            {"started_at": "2026-03-02T10:00:00Z", "stopped_at": "2026-03-02T09:00:00Z"},
            "stopped_at",
        ),
        ({"started_at": "2026-03-02T10:00:00"}, "started_at"),
        ({"started_at": "2026-03-02T10:00:00Z", "stopped_at": "2026-03-02T11:00:00"}, "stopped_at"),
        ({"started_at": "not a time"}, "started_at"),
        ({"kind": "mileage", "distance_km": "-0.5"}, "distance_km"),
        ({"kind": "mileage", "distance_km": "1.555"}, "distance_km"),
        ({"kind": "mileage", "distance_km": "1", "transport_minutes": -1}, "transport_minutes"),
        ({"kind": "goods", "quantity": "-1"}, "quantity"),
        ({"kind": "goods", "quantity": "0"}, "quantity"),
        ({"kind": "goods", "quantity": "1.12345"}, "quantity"),
        ({"kind": "expense", "quantity": "1", "unit_price": "1.1234567"}, "unit_price"),
        ({"kind": "expense", "quantity": "abc"}, "quantity"),
        ({"kind": "expense"}, "quantity"),
        ({"kind": "holiday"}, "kind"),
        ({"task_id": 999999}, "task_id"),
        ({"task_id": "x"}, "task_id"),
        ({"date": "01.03.2026"}, "date"),
        ({"membership_id": 999999}, "membership_id"),
    ],
)
def test_bad_input_is_400_naming_the_field(api, task, payload, field):
    r = api.post("entries", {"task_id": task.pk, **payload})
    error = _error(r, 400)
    assert field in error["fields"], error
    assert not TaskEntry.objects.exists()


def test_malformed_json_is_400(api):
    error = _error(api.post("entries", raw="{not json"), 400)
    assert error["code"] == "invalid"


def test_other_tenants_task_is_400(other_api, task):
    error = _error(other_api.post("entries", _time(task)), 400)
    assert set(error["fields"]) == {"task_id"}


def test_paused_project_is_422(api, ctx, task):
    services.project_update(
        ctx, project_id=task.project_id, data=parse(ProjectUpdate, dict(status="on_hold"))
    )
    assert _error(api.post("entries", _time(task)), 422)["code"] == "project_closed"


def test_member_cannot_log_for_someone_else(member_api, owner, task):
    r = member_api.post("entries", _time(task, membership_id=owner.pk))
    assert _error(r, 403)["code"] == "permission_denied"


# --- the timer --------------------------------------------------------------------------------


def test_timer_rule(api, member_api, task):
    # a POST with neither started_at nor stopped_at starts a timer now
    r = api.post("entries", {"task_id": task.pk})
    assert r.status_code == 201, r.json()
    timer = r.json()
    assert timer["running"] is True and timer["stopped_at"] is None
    error = _error(api.post("entries", {"task_id": task.pk}), 409)
    assert error["code"] == "timer_running"
    assert str(timer["id"]) in error["message"]
    error = _error(api.post("entries", _time(task, stop=None)), 409)
    assert error["code"] == "timer_running"
    # another member runs a timer of their own
    assert member_api.post("entries", {"task_id": task.pk}).status_code == 201
    assert api.get("entries", running="true").json()["count"] == 2
    # stop now, then a new timer works
    r = api.post(f"entries/{timer['id']}/stop")
    assert r.status_code == 200, r.json()
    assert r.json()["running"] is False
    assert r.json()["stopped_at"] is not None
    assert _error(api.post(f"entries/{timer['id']}/stop"), 409)["code"] == "timer_not_running"
    assert api.post("entries", {"task_id": task.pk}).status_code == 201


def test_stop_at_a_given_time(api, task):
    timer = api.post("entries", _time(task, stop=None)).json()
    url = f"entries/{timer['id']}/stop"
    error = _error(api.post(url, {"stopped_at": "2026-03-02T07:00:00Z"}), 400)
    assert set(error["fields"]) == {"stopped_at"}
    error = _error(api.post(url, {"stopped_at": "2026-03-02T10:00:00"}), 400)
    assert set(error["fields"]) == {"stopped_at"}
    r = api.post(url, {"stopped_at": "2026-03-02T10:15:30+01:00"})
    assert r.status_code == 200, r.json()
    assert r.json()["duration_seconds"] == 3600 + 15 * 60 + 30


def test_submitting_a_running_timer_is_409(api, task):
    timer = api.post("entries", {"task_id": task.pk}).json()
    assert _error(api.post(f"entries/{timer['id']}/submit"), 409)["code"] == "entry_running"


# --- editing and approval ---------------------------------------------------------------------


def test_patch_and_delete_a_draft(api, task):
    entry = api.post("entries", _time(task)).json()
    r = api.patch(f"entries/{entry['id']}", {"stopped_at": "2026-03-02T10:00:00Z"})
    assert r.status_code == 200, r.json()
    assert r.json()["duration_seconds"] == 7200
    error = _error(api.patch(f"entries/{entry['id']}", {"started_at": "2026-03-02T11:00:00Z"}), 400)
    assert set(error["fields"]) == {"stopped_at"}
    error = _error(api.patch(f"entries/{entry['id']}", {"distance_km": "3"}), 400)
    assert set(error["fields"]) == {"distance_km"}
    assert api.delete(f"entries/{entry['id']}").status_code == 204
    assert api.get(f"entries/{entry['id']}").status_code == 404


def test_approval_flow(api, member_api, approver_api, task):
    entry = member_api.post("entries", _time(task)).json()
    url = f"entries/{entry['id']}"
    assert member_api.post(f"{url}/submit").json()["approval_status"] == "submitted"
    # submitted entries are locked for their author
    assert _error(member_api.patch(url, {"description": "x"}), 409)["code"] == "entry_locked"
    assert _error(member_api.delete(url), 409)["code"] == "entry_locked"
    # members cannot decide
    for action in ("approve", "reopen"):
        assert _error(member_api.post(f"{url}/{action}"), 403)["code"] == "permission_denied"
    assert member_api.post(f"{url}/reject", {"reason": "no"}).status_code == 403
    # rejected with a reason, edited, submitted again
    error = _error(approver_api.post(f"{url}/reject", {}), 400)
    assert set(error["fields"]) == {"reason"}
    r = approver_api.post(f"{url}/reject", {"reason": "Wrong ticket"})
    assert (r.json()["approval_status"], r.json()["rejection_reason"]) == (
        "rejected",
        "Wrong ticket",
    )
    assert member_api.patch(url, {"description": "Right ticket"}).status_code == 200
    member_api.post(f"{url}/submit")
    r = approver_api.post(f"{url}/approve")
    assert r.status_code == 200, r.json()
    assert r.json()["approval_status"] == "approved"
    assert r.json()["approved_by_id"] == approver_api.membership.pk
    # approved entries are locked for everyone until an approver reopens them
    for client in (member_api, approver_api, api):
        assert _error(client.patch(url, {"description": "x"}), 409)["code"] == "entry_locked"
        assert _error(client.delete(url), 409)["code"] == "entry_locked"
    assert _error(approver_api.post(f"{url}/approve"), 409)["code"] == "invalid_transition"
    assert approver_api.post(f"{url}/reopen").json()["approval_status"] == "draft"
    assert member_api.patch(url, {"description": "Fixed"}).status_code == 200


def test_approver_cannot_approve_own_entry(approver_api, task):
    entry = approver_api.post("entries", _time(task)).json()
    approver_api.post(f"entries/{entry['id']}/submit")
    assert _error(approver_api.post(f"entries/{entry['id']}/approve"), 403)["code"] == "own_entry"


@pytest.mark.invariants_broken  # sets billing states by hand, as billing would
def test_billed_entries_are_409(api, task):
    entry = api.post("entries", _time(task)).json()
    TaskEntry.objects.filter(pk=entry["id"]).update(billing_state="invoiced")
    url = f"entries/{entry['id']}"
    assert _error(api.patch(url, {"description": "x"}), 409)["code"] == "entry_billed"
    assert _error(api.delete(url), 409)["code"] == "entry_billed"


def test_billing_state_is_read_only(api, task):
    entry = api.post("entries", _time(task)).json()
    api.patch(
        f"entries/{entry['id']}", {"billing_state": "invoiced", "approval_status": "approved"}
    )
    assert api.get(f"entries/{entry['id']}").json()["billing_state"] == "unbilled"
    assert api.get(f"entries/{entry['id']}").json()["approval_status"] == "draft"


def test_bulk_actions(api, member_api, approver_api, task):
    a = member_api.post("entries", _time(task)).json()
    b = member_api.post("entries", _time(task, "2026-03-03T08:00:00Z", "2026-03-03T09:00:00Z"))
    b = b.json()
    running = member_api.post("entries", {"task_id": task.pk}).json()
    error = _error(member_api.post("entries/submit", {"ids": [a["id"], running["id"]]}), 409)
    assert error["fields"] == {"ids": str(running["id"])}
    assert member_api.get(f"entries/{a['id']}").json()["approval_status"] == "draft"
    r = member_api.post("entries/submit", {"ids": [a["id"], b["id"]]})
    assert r.status_code == 200, r.json()
    assert [e["approval_status"] for e in r.json()] == ["submitted", "submitted"]
    assert member_api.post("entries/approve", {"ids": [a["id"]]}).status_code == 403
    r = approver_api.post("entries/approve", {"ids": [a["id"], b["id"]]})
    assert [e["approval_status"] for e in r.json()] == ["approved", "approved"]
    assert _error(api.post("entries/approve", {"ids": []}), 400)["fields"].keys() == {"ids"}
    # at most 500 entries at a time (EntryIds); one more is refused before anything moves
    too_many = {"ids": list(range(1, 502))}
    assert _error(api.post("entries/submit", too_many), 400)["fields"].keys() == {"ids"}
    assert _error(api.post("entries/approve", too_many), 400)["code"] == "invalid"


# --- visibility and isolation -----------------------------------------------------------------


def test_members_see_only_their_own_entries(api, member_api, api_as, task):
    theirs = api_as("member").post("entries", _time(task)).json()
    mine = member_api.post("entries", _time(task)).json()
    owners = api.post("entries", _time(task)).json()
    assert [e["id"] for e in member_api.get("entries").json()["items"]] == [mine["id"]]
    for entry in (theirs, owners):
        url = f"entries/{entry['id']}"
        assert member_api.get(url).status_code == 404
        assert member_api.patch(url, {"description": "x"}).status_code == 404
        assert member_api.delete(url).status_code == 404
        assert member_api.post(f"{url}/submit").status_code == 404
        assert member_api.post(f"{url}/stop").status_code == 404
    assert member_api.post("entries/submit", {"ids": [theirs["id"]]}).status_code == 404
    for role in ("approver", "billing", "admin"):
        assert api_as(role).get("entries").json()["count"] == 3
    assert api.get("entries").json()["count"] == 3


def test_other_tenants_entries_are_404(api, other_api, task):
    entry = api.post("entries", _time(task)).json()
    url = f"entries/{entry['id']}"
    assert other_api.get(url).status_code == 404
    assert other_api.patch(url, {"description": "x"}).status_code == 404
    assert other_api.delete(url).status_code == 404
    for action in ("stop", "submit", "approve", "reopen"):
        assert other_api.post(f"{url}/{action}").status_code == 404
    assert other_api.post(f"{url}/reject", {"reason": "x"}).status_code == 404
    assert other_api.post("entries/approve", {"ids": [entry["id"]]}).status_code == 404
    assert other_api.get("entries").json()["count"] == 0
    assert api.get(url).json()["description"] == ""


def test_anonymous_is_401(anon_api):
    assert anon_api.get("entries").status_code == 401
    assert anon_api.post("entries", {"task_id": 1}).status_code == 401


@pytest.mark.parametrize("token", ["", "fk_revoked-or-wrong"])
def test_writes_without_a_valid_token_are_401_even_with_csrf_checks(db, token):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)  # as a real HTTP client: no CSRF exemption
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    for method, path in (("post", "entries"), ("patch", "entries/1"), ("delete", "entries/1")):
        response = getattr(client, method)(
            f"/api/v1/{path}", data="{}", content_type="application/json", **headers
        )
        assert response.status_code == 401, (method, response.content)
        assert response.json()["error"]["code"]


# --- list -------------------------------------------------------------------------------------


@pytest.mark.invariants_broken  # sets billing states by hand, as billing would
def test_entry_filters_and_order(api, ctx, task, make_member):
    dev = make_member("member")
    other_project = make_project(ctx, name="Other")
    other_task = make_task(ctx, other_project)
    e1 = log_time(ctx, task, at(2, 8))
    e2 = log_time(ctx, task, at(2, 14), membership_id=dev.pk)
    e3 = log_time(ctx, other_task, at(5, 9))
    e4 = services.entry_create(
        ctx,
        data=parse(
            EntryCreate, dict(task_id=task.pk, kind="mileage", distance_km="5", date="2026-03-04")
        ),
    )
    e5 = services.entry_create(
        ctx, data=parse(EntryCreate, dict(task_id=other_task.pk, started_at=at(6, 7)))
    )
    services.entry_submit(ctx, entry_id=e3.pk)
    TaskEntry.objects.filter(pk=e4.pk).update(billing_state="compiled")

    def ids(**params):
        return [e["id"] for e in api.get("entries", **params).json()["items"]]

    assert ids() == [e5.pk, e3.pk, e4.pk, e2.pk, e1.pk]  # newest first
    assert ids(task_id=task.pk) == [e4.pk, e2.pk, e1.pk]
    assert ids(project_id=other_project.pk) == [e5.pk, e3.pk]
    assert ids(membership_id=dev.pk) == [e2.pk]
    assert ids(kind="mileage") == [e4.pk]
    assert ids(approval_status="submitted") == [e3.pk]
    assert ids(billing_state="compiled") == [e4.pk]
    assert ids(date_from="2026-03-04", date_to="2026-03-05") == [e3.pk, e4.pk]
    assert ids(running="true") == [e5.pk]
    assert ids(running="false") == [e3.pk, e4.pk, e2.pk, e1.pk]
    assert api.get("entries", date_from="yesterday").status_code == 400


def test_entry_list_has_no_n_plus_one(api, ctx, django_assert_max_num_queries):
    project = make_project(ctx)
    for n in range(20):
        log_time(ctx, make_task(ctx, project), at(1 + n, 9))
    with django_assert_max_num_queries(5):
        r = api.get("entries", limit=50)
    assert r.status_code == 200
    assert len(r.json()["items"]) == 20
    assert {e["project_id"] for e in r.json()["items"]} == {project.pk}


def test_member_list_shows_own_timer(member_api, task):
    member = member_api.membership
    timer = services.entry_create(
        ctx_for(member), data=parse(EntryCreate, dict(task_id=task.pk, started_at=at(2, 9)))
    )
    r = member_api.get("entries", running="true")
    assert [e["id"] for e in r.json()["items"]] == [timer.pk]
