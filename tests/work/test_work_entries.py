"""Task entries through the services: kinds, the timer, approval, billing hand-over, selectors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from work_factories import at, ctx_for, log_time, make_project, make_task

from faktura.common.errors import (
    BusinessRuleViolation,
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from faktura.common.inputs import parse
from faktura.common.models import AuditEvent
from faktura.work import selectors, services
from faktura.work.inputs import EntryCreate, EntryIds, EntryReject, EntryStop, EntryUpdate
from faktura.work.models import Project, TaskEntry


@pytest.fixture
def task(ctx):
    return make_task(ctx)


@pytest.fixture
def member(make_member):
    return make_member("member")


@pytest.fixture
def member_ctx(member):
    return ctx_for(member)


@pytest.fixture
def approver_ctx(make_member):
    return ctx_for(make_member("approver"))


# --- kinds and fields -------------------------------------------------------------------------


def test_stopped_time_entry(ctx, task):
    entry = services.entry_create(
        ctx,
        data=parse(
            EntryCreate,
            dict(
                task_id=task.pk,
                started_at=at(2, 8, 0),
                stopped_at=at(2, 9, 30) + dt.timedelta(seconds=59, microseconds=999_999),
                description="Replaced toner",
            ),
        ),
    )
    assert entry.kind == "time"
    assert entry.duration_seconds == 90 * 60 + 59  # whole seconds, never rounded up
    assert entry.date == dt.date(2026, 3, 2)
    assert (entry.approval_status, entry.billing_state) == ("draft", "unbilled")
    assert entry.membership == ctx.membership
    assert AuditEvent.objects.filter(action="entry_create", object_id=str(entry.pk)).exists()


def test_date_is_the_day_in_the_tenants_time_zone(ctx, task, tenant):
    assert tenant.timezone == "Europe/Berlin"
    entry = log_time(ctx, task, dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.UTC), minutes=20)
    assert entry.date == dt.date(2026, 3, 2)  # 00:30 in Berlin
    tenant.timezone = "America/New_York"
    tenant.save()
    entry = log_time(ctx, task, dt.datetime(2026, 3, 2, 3, 0, tzinfo=dt.UTC), minutes=20)
    assert entry.date == dt.date(2026, 3, 1)  # 22:00 the evening before in New York


def test_other_kinds_are_dated_today_in_the_tenants_zone(ctx, task):
    # 23:30 UTC on 1 March is already 2 March in Berlin
    now = dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.UTC)
    entry = services.entry_create(
        ctx,
        now=now,
        data=parse(EntryCreate, dict(task_id=task.pk, kind="mileage", distance_km="0")),
    )
    assert entry.date == dt.date(2026, 3, 2)
    entry = services.entry_create(
        ctx,
        now=now,
        data=parse(
            EntryCreate, dict(task_id=task.pk, kind="goods", quantity="1", date="2026-02-27")
        ),
    )
    assert entry.date == dt.date(2026, 2, 27)  # an explicit date wins


def test_mileage_expense_goods(ctx, task):
    mileage = services.entry_create(
        ctx,
        data=parse(
            EntryCreate,
            dict(task_id=task.pk, kind="mileage", distance_km="42.50", transport_minutes=35),
        ),
    )
    assert (mileage.distance_km, mileage.transport_minutes) == (Decimal("42.50"), 35)
    expense = services.entry_create(
        ctx,
        data=parse(
            EntryCreate,
            dict(
                task_id=task.pk,
                kind="expense",
                quantity="1",
                unit_price="12.345678",
                description="Parking",
            ),
        ),
    )
    assert (expense.quantity, expense.unit_price) == (Decimal("1"), Decimal("12.345678"))
    goods = services.entry_create(
        ctx, data=parse(EntryCreate, dict(task_id=task.pk, kind="goods", quantity="2.5"))
    )
    assert goods.unit_price is None
    assert goods.duration_seconds == 0


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"started_at": at(2, 10), "stopped_at": at(2, 9, 59)}, "stopped_at"),
        ({"started_at": at(2, 10), "stopped_at": at(3, 10, 1)}, "stopped_at"),  # > 24 h
        ({"stopped_at": at(2, 10)}, "started_at"),
        ({"started_at": dt.datetime(2026, 3, 2, 10, 0)}, "started_at"),  # naive
        ({"started_at": "2026-03-02T10:00:00"}, "started_at"),  # naive string
        ({"started_at": at(2, 9), "stopped_at": dt.datetime(2026, 3, 2, 10)}, "stopped_at"),
        ({"started_at": "yesterday"}, "started_at"),
        ({"started_at": dt.datetime(1900, 1, 1, tzinfo=dt.UTC)}, "started_at"),
        ({"kind": "mileage"}, "distance_km"),
        ({"kind": "mileage", "distance_km": "-1"}, "distance_km"),
        ({"kind": "mileage", "distance_km": "1.234"}, "distance_km"),
        ({"kind": "mileage", "distance_km": "100000000"}, "distance_km"),
        ({"kind": "mileage", "distance_km": "1", "transport_minutes": -5}, "transport_minutes"),
        ({"kind": "mileage", "distance_km": "1", "transport_minutes": 1.5}, "transport_minutes"),
        ({"kind": "goods"}, "quantity"),
        ({"kind": "goods", "quantity": "0"}, "quantity"),
        ({"kind": "goods", "quantity": "-2"}, "quantity"),
        ({"kind": "expense", "quantity": "1.00001"}, "quantity"),
        ({"kind": "expense", "quantity": "1", "unit_price": "-0.01"}, "unit_price"),
        ({"kind": "expense", "quantity": "1", "unit_price": "0.0000001"}, "unit_price"),
        ({"kind": "expense", "quantity": "NaN"}, "quantity"),
        ({"kind": "goods", "quantity": "1", "distance_km": "3"}, "distance_km"),
        ({"kind": "time", "started_at": at(2, 9), "quantity": "3"}, "quantity"),
        ({"kind": "mileage", "distance_km": "1", "started_at": at(2, 9)}, "started_at"),
        ({"kind": "call"}, "kind"),
        ({"date": "2026-13-01"}, "date"),
        ({"description": "a\x00b"}, "description"),
    ],
)
def test_invalid_entries_name_the_field(ctx, task, data, field):
    with pytest.raises(ValidationFailed) as exc:
        services.entry_create(ctx, data=parse(EntryCreate, dict(task_id=task.pk, **data)))
    assert set(exc.value.fields) == {field}
    assert not TaskEntry.objects.exists()


def test_entries_go_to_tasks_of_the_tenant(ctx, other_owner):
    foreign = make_task(ctx_for(other_owner))
    with pytest.raises(ValidationFailed) as exc:
        services.entry_create(
            ctx, data=parse(EntryCreate, dict(task_id=foreign.pk, started_at=at(2, 9)))
        )
    assert set(exc.value.fields) == {"task_id"}
    with pytest.raises(ValidationFailed) as exc:
        services.entry_create(ctx, data=parse(EntryCreate, dict(task_id=None)))
    assert set(exc.value.fields) == {"task_id"}


@pytest.mark.parametrize("status", ["on_hold", "archived"])
def test_no_entries_on_paused_or_archived_projects(ctx, task, status):
    Project.objects.filter(pk=task.project_id).update(status=status)
    with pytest.raises(BusinessRuleViolation) as exc:
        log_time(ctx, task, at(2, 9))
    assert exc.value.code == "project_closed"


def test_logging_for_someone_else_needs_view_all_entries(
    ctx, task, member, member_ctx, make_member
):
    entry = log_time(ctx, task, at(2, 9), membership_id=member.pk)
    assert entry.membership == member
    colleague = make_member("member")
    with pytest.raises(PermissionDenied):
        log_time(member_ctx, task, at(2, 11), membership_id=colleague.pk)
    assert log_time(member_ctx, task, at(2, 11), membership_id=member.pk).membership == member


# --- the timer --------------------------------------------------------------------------------


def test_one_running_timer_per_member(ctx, task, member_ctx):
    running = services.entry_create(
        ctx, data=parse(EntryCreate, dict(task_id=task.pk, started_at=at(2, 9)))
    )
    assert running.is_running and running.duration_seconds == 0
    with pytest.raises(Conflict) as exc:
        services.entry_create(
            ctx, data=parse(EntryCreate, dict(task_id=task.pk, started_at=at(2, 10)))
        )
    assert exc.value.code == "timer_running"
    assert str(running.pk) in exc.value.message
    # a stopped entry may still be logged meanwhile
    log_time(ctx, task, at(1, 9))
    # another member has a timer of their own
    theirs = services.entry_create(
        member_ctx, data=parse(EntryCreate, dict(task_id=task.pk, started_at=at(2, 9, 5)))
    )
    assert theirs.is_running
    stopped = services.entry_stop(
        ctx, entry_id=running.pk, now=at(2, 9, 45), data=parse(EntryStop, dict())
    )
    assert (stopped.stopped_at, stopped.duration_seconds) == (at(2, 9, 45), 45 * 60)
    again = services.entry_create(
        ctx, data=parse(EntryCreate, dict(task_id=task.pk, started_at=at(2, 10)))
    )
    assert again.is_running
    assert selectors.running_timer(membership=ctx.membership) == again


def test_timer_starts_now_without_times(ctx, task):
    now = dt.datetime(2026, 3, 2, 7, 15, 30, 123456, tzinfo=dt.UTC)
    entry = services.entry_create(ctx, now=now, data=parse(EntryCreate, dict(task_id=task.pk)))
    assert entry.started_at == now.replace(microsecond=0)
    assert entry.stopped_at is None
    assert entry.date == dt.date(2026, 3, 2)
    entry = services.entry_stop(
        ctx, entry_id=entry.pk, now=now + dt.timedelta(minutes=20), data=parse(EntryStop, dict())
    )
    assert entry.duration_seconds == 20 * 60


def test_stop_at_a_given_time(ctx, task):
    entry = services.entry_create(
        ctx, data=parse(EntryCreate, dict(task_id=task.pk, started_at=at(2, 9)))
    )
    with pytest.raises(ValidationFailed) as exc:
        services.entry_stop(
            ctx, entry_id=entry.pk, data=parse(EntryStop, dict(stopped_at=at(2, 8)))
        )
    assert set(exc.value.fields) == {"stopped_at"}
    with pytest.raises(ValidationFailed) as exc:
        services.entry_stop(
            ctx,
            entry_id=entry.pk,
            data=parse(EntryStop, dict(stopped_at=dt.datetime(2026, 3, 2, 10))),
        )
    assert set(exc.value.fields) == {"stopped_at"}
    entry = services.entry_stop(
        ctx, entry_id=entry.pk, data=parse(EntryStop, dict(stopped_at="2026-03-02T11:30:00+01:00"))
    )
    assert entry.duration_seconds == 90 * 60
    with pytest.raises(Conflict) as exc:
        services.entry_stop(ctx, entry_id=entry.pk, data=parse(EntryStop, dict()))
    assert exc.value.code == "timer_not_running"


def test_reopening_a_stopped_entry_as_a_timer_respects_the_rule(ctx, task):
    done = log_time(ctx, task, at(2, 8))
    services.entry_create(ctx, data=parse(EntryCreate, dict(task_id=task.pk, started_at=at(2, 10))))
    with pytest.raises(Conflict) as exc:
        services.entry_update(ctx, entry_id=done.pk, data=parse(EntryUpdate, dict(stopped_at=None)))
    assert exc.value.code == "timer_running"


def test_database_keeps_one_timer_even_without_the_check(ctx, task):
    # The partial unique index backs the service check against concurrent requests.
    from faktura.work.services import entries as entry_services

    services.entry_create(ctx, data=parse(EntryCreate, dict(task_id=task.pk, started_at=at(2, 9))))
    second = TaskEntry(
        tenant=ctx.tenant, task=task, membership=ctx.membership, kind="time",
        date=dt.date(2026, 3, 2), started_at=at(2, 10),
    )  # fmt: skip
    with pytest.raises(Conflict) as exc:
        entry_services._save(second)
    assert exc.value.code == "timer_running"


# --- editing ----------------------------------------------------------------------------------


def test_update_moves_date_with_started_at(ctx, task):
    entry = log_time(ctx, task, at(2, 9))
    entry = services.entry_update(
        ctx,
        entry_id=entry.pk,
        data=parse(EntryUpdate, dict(started_at=at(5, 22, 30), stopped_at=at(5, 23, 15))),
    )
    assert entry.date == dt.date(2026, 3, 5)  # 23:30 Berlin
    assert entry.duration_seconds == 45 * 60
    entry = services.entry_update(
        ctx, entry_id=entry.pk, data=parse(EntryUpdate, dict(started_at=at(5, 23, 0)))
    )
    assert entry.date == dt.date(2026, 3, 6)  # midnight in Berlin
    entry = services.entry_update(
        ctx, entry_id=entry.pk, data=parse(EntryUpdate, dict(date="2026-03-05"))
    )
    assert entry.date == dt.date(2026, 3, 5)


def test_kind_cannot_change(ctx, task):
    entry = log_time(ctx, task, at(2, 9))
    with pytest.raises(ValidationFailed) as exc:
        services.entry_update(
            ctx, entry_id=entry.pk, data=parse(EntryUpdate, dict(kind="mileage", distance_km="3"))
        )
    assert set(exc.value.fields) == {"kind"}


def test_members_see_and_edit_only_their_own_entries(ctx, task, member_ctx, make_member):
    mine = log_time(member_ctx, task, at(2, 9))
    owners = log_time(ctx, task, at(2, 9))
    colleague = ctx_for(make_member("member"))
    for action in (
        lambda c: services.entry_update(
            c, entry_id=mine.pk, data=parse(EntryUpdate, dict(description="x"))
        ),
        lambda c: services.entry_delete(c, entry_id=mine.pk),
        lambda c: services.entry_submit(c, entry_id=mine.pk),
    ):
        with pytest.raises(NotFound):
            action(colleague)
    with pytest.raises(NotFound):
        selectors.entry_get(tenant=ctx.tenant, viewer=member_ctx.membership, entry_id=owners.pk)
    visible = selectors.entry_list(tenant=ctx.tenant, viewer=member_ctx.membership)
    assert list(visible) == [mine]
    assert set(selectors.entry_list(tenant=ctx.tenant, viewer=ctx.membership)) == {mine, owners}
    # someone who sees all entries may edit a draft of another member
    assert (
        services.entry_update(
            ctx, entry_id=mine.pk, data=parse(EntryUpdate, dict(description="ok"))
        ).description
        == "ok"
    )


def test_delete_draft(ctx, task):
    entry = log_time(ctx, task, at(2, 9))
    services.entry_delete(ctx, entry_id=entry.pk)
    assert not TaskEntry.objects.exists()
    assert AuditEvent.objects.filter(action="entry_delete", object_id=str(entry.pk)).exists()


# --- approval ---------------------------------------------------------------------------------


def test_approval_round_trip(ctx, task, member_ctx, approver_ctx):
    entry = log_time(member_ctx, task, at(2, 9))
    entry = services.entry_submit(member_ctx, entry_id=entry.pk)
    assert entry.approval_status == "submitted"
    entry = services.entry_reject(
        approver_ctx, entry_id=entry.pk, data=parse(EntryReject, dict(reason=" Wrong ticket "))
    )
    assert (entry.approval_status, entry.rejection_reason) == ("rejected", "Wrong ticket")
    entry = services.entry_update(
        member_ctx, entry_id=entry.pk, data=parse(EntryUpdate, dict(description="Moved"))
    )
    assert entry.approval_status == "rejected"
    entry = services.entry_submit(member_ctx, entry_id=entry.pk)
    entry = services.entry_approve(approver_ctx, entry_id=entry.pk, now=at(3, 12))
    assert entry.approval_status == "approved"
    assert (entry.approved_by, entry.approved_at) == (approver_ctx.membership, at(3, 12))
    assert entry.rejection_reason == ""
    entry = services.entry_reopen(approver_ctx, entry_id=entry.pk)
    assert (entry.approval_status, entry.approved_by, entry.approved_at) == ("draft", None, None)
    actions = list(
        AuditEvent.objects.filter(object_id=str(entry.pk), object_type="taskentry")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "entry_create", "entry_submit", "entry_reject", "entry_update", "entry_submit",
        "entry_approve", "entry_reopen",
    ]  # fmt: skip


# Which transitions each status allows (action -> allowed from).
ALLOWED_FROM = {
    "submit": {"draft", "rejected"},
    "approve": {"submitted"},
    "reject": {"submitted"},
    "reopen": {"submitted", "approved", "rejected"},
}
RESULT = {"submit": "submitted", "approve": "approved", "reject": "rejected", "reopen": "draft"}


def _run(action, ctx, entry_id):
    if action == "reject":
        return services.entry_reject(
            ctx, entry_id=entry_id, data=parse(EntryReject, dict(reason="No"))
        )
    return getattr(services, f"entry_{action}")(ctx, entry_id=entry_id)


@pytest.mark.parametrize("status", ["draft", "submitted", "approved", "rejected"])
@pytest.mark.parametrize("action", ["submit", "approve", "reject", "reopen"])
def test_every_transition(task, member_ctx, approver_ctx, status, action):
    entry = log_time(member_ctx, task, at(2, 9))
    TaskEntry.objects.filter(pk=entry.pk).update(approval_status=status)
    if status in ALLOWED_FROM[action]:
        assert _run(action, approver_ctx, entry.pk).approval_status == RESULT[action]
    else:
        with pytest.raises(Conflict) as exc:
            _run(action, approver_ctx, entry.pk)
        assert exc.value.code == "invalid_transition"
        entry.refresh_from_db()
        assert entry.approval_status == status


@pytest.mark.parametrize("action", ["approve", "reject", "reopen"])
@pytest.mark.parametrize("role", ["member", "billing"])
def test_only_approvers_decide(ctx, task, make_member, action, role):
    entry = log_time(ctx, task, at(2, 9))
    services.entry_submit(ctx, entry_id=entry.pk)
    with pytest.raises(PermissionDenied):
        _run(action, ctx_for(make_member(role)), entry.pk)


def test_submit_by_author_or_approver_only(ctx, task, member, make_member, approver_ctx):
    entry = log_time(ctx, task, at(2, 9), membership_id=member.pk)
    with pytest.raises(PermissionDenied):
        services.entry_submit(ctx_for(make_member("billing")), entry_id=entry.pk)
    assert services.entry_submit(approver_ctx, entry_id=entry.pk).approval_status == "submitted"


def test_self_approval(ctx, task, approver_ctx, make_member):
    own = log_time(approver_ctx, task, at(2, 9))
    services.entry_submit(approver_ctx, entry_id=own.pk)
    with pytest.raises(PermissionDenied) as exc:
        services.entry_approve(approver_ctx, entry_id=own.pk)
    assert exc.value.code == "own_entry"
    for role in ("owner", "admin"):
        boss = ctx if role == "owner" else ctx_for(make_member("admin"))
        entry = log_time(boss, task, at(3 + len(role), 9))
        services.entry_submit(boss, entry_id=entry.pk)
        assert services.entry_approve(boss, entry_id=entry.pk).approval_status == "approved"


def test_running_timer_cannot_be_submitted(ctx, task):
    entry = services.entry_create(
        ctx, data=parse(EntryCreate, dict(task_id=task.pk, started_at=at(2, 9)))
    )
    with pytest.raises(Conflict) as exc:
        services.entry_submit(ctx, entry_id=entry.pk)
    assert exc.value.code == "entry_running"


def test_reject_needs_a_reason(ctx, task, approver_ctx):
    entry = log_time(ctx, task, at(2, 9))
    services.entry_submit(ctx, entry_id=entry.pk)
    with pytest.raises(ValidationFailed) as exc:
        services.entry_reject(
            approver_ctx, entry_id=entry.pk, data=parse(EntryReject, dict(reason="  "))
        )
    assert set(exc.value.fields) == {"reason"}


@pytest.mark.parametrize("status", ["submitted", "approved"])
def test_submitted_and_approved_entries_are_locked(ctx, task, member_ctx, approver_ctx, status):
    entry = log_time(member_ctx, task, at(2, 9))
    services.entry_submit(member_ctx, entry_id=entry.pk)
    if status == "approved":
        services.entry_approve(approver_ctx, entry_id=entry.pk)
    for actor in (member_ctx, approver_ctx, ctx):
        with pytest.raises(Conflict) as exc:
            services.entry_update(
                actor, entry_id=entry.pk, data=parse(EntryUpdate, dict(description="changed"))
            )
        assert exc.value.code == "entry_locked"
        with pytest.raises(Conflict) as exc:
            services.entry_delete(actor, entry_id=entry.pk)
        assert exc.value.code == "entry_locked"
    services.entry_reopen(approver_ctx, entry_id=entry.pk)
    assert services.entry_update(
        member_ctx, entry_id=entry.pk, data=parse(EntryUpdate, dict(description="ok"))
    ).description


@pytest.mark.parametrize(
    "state", ["compiled", "on_draft", "invoiced", "deferred", "written_off", "not_billable"]
)
@pytest.mark.invariants_broken  # sets billing states by hand, as billing would
def test_billed_entries_cannot_change(ctx, task, approver_ctx, state):
    entry = log_time(ctx, task, at(2, 9))
    services.entry_submit(ctx, entry_id=entry.pk)
    services.entry_approve(approver_ctx, entry_id=entry.pk)
    draft = log_time(ctx, task, at(3, 9))
    TaskEntry.objects.filter(pk__in=[entry.pk, draft.pk]).update(billing_state=state)
    for call in (
        lambda: services.entry_reopen(approver_ctx, entry_id=entry.pk),
        lambda: services.entry_update(
            ctx, entry_id=draft.pk, data=parse(EntryUpdate, dict(description="x"))
        ),
        lambda: services.entry_delete(ctx, entry_id=draft.pk),
    ):
        with pytest.raises(Conflict) as exc:
            call()
        assert exc.value.code == "entry_billed"


@pytest.mark.parametrize(
    ("approval", "billing", "submittable", "editable"),
    [
        ("draft", "unbilled", True, True),
        ("rejected", "unbilled", True, True),
        ("submitted", "unbilled", False, False),
        ("approved", "unbilled", False, False),
        ("draft", "compiled", True, False),
        ("approved", "invoiced", False, False),
        ("rejected", "written_off", True, False),
    ],
)
def test_the_entry_says_whether_it_is_editable(approval, billing, submittable, editable):
    entry = TaskEntry(approval_status=approval, billing_state=billing)
    assert entry.is_submittable is submittable
    assert entry.is_editable is editable


def test_bulk_submit_and_approve_all_or_nothing(ctx, task, member_ctx, approver_ctx):
    a = log_time(member_ctx, task, at(2, 9))
    b = log_time(member_ctx, task, at(3, 9))
    c = services.entry_create(
        member_ctx, data=parse(EntryCreate, dict(task_id=task.pk, started_at=at(4, 9)))
    )  # running
    with pytest.raises(Conflict) as exc:
        services.entries_submit(member_ctx, data=parse(EntryIds, dict(ids=[a.pk, b.pk, c.pk])))
    assert exc.value.fields == {"ids": str(c.pk)}
    assert str(c.pk) in exc.value.message
    assert set(TaskEntry.objects.values_list("approval_status", flat=True)) == {"draft"}
    entries = services.entries_submit(
        member_ctx, data=parse(EntryIds, dict(ids=[b.pk, a.pk, a.pk]))
    )
    assert [e.pk for e in entries] == sorted([a.pk, b.pk])
    with pytest.raises(PermissionDenied):
        services.entries_approve(member_ctx, data=parse(EntryIds, dict(ids=[a.pk])))
    approved = services.entries_approve(approver_ctx, data=parse(EntryIds, dict(ids=[a.pk, b.pk])))
    assert {e.approval_status for e in approved} == {"approved"}
    d = log_time(member_ctx, task, at(5, 9))
    services.entry_submit(member_ctx, entry_id=d.pk)
    with pytest.raises(NotFound) as exc:
        services.entries_approve(approver_ctx, data=parse(EntryIds, dict(ids=[d.pk, 999999])))
    assert exc.value.fields == {"ids": "999999"}
    d.refresh_from_db()
    assert d.approval_status == "submitted"
    with pytest.raises(ValidationFailed) as exc:
        services.entries_submit(member_ctx, data=parse(EntryIds, dict(ids=[])))
    assert set(exc.value.fields) == {"ids"}


# --- billing hand-over ------------------------------------------------------------------------


@pytest.mark.invariants_broken  # sets billing states by hand, as billing would
def test_set_billing_state_moves_only_from_the_given_states(ctx, task, other_owner):
    a = log_time(ctx, task, at(2, 9))
    b = log_time(ctx, task, at(3, 9))
    c = log_time(ctx, task, at(4, 9))
    TaskEntry.objects.filter(pk=c.pk).update(billing_state="written_off")
    foreign = log_time(ctx_for(other_owner), make_task(ctx_for(other_owner)), at(2, 9))
    before = {e.pk: e.updated_at for e in TaskEntry.objects.all()}
    moved = services.entry_set_billing_state(
        ctx,
        entry_ids=[a.pk, b.pk, c.pk, foreign.pk],
        from_states=["unbilled"],
        to_state="compiled",
    )
    assert moved == 2
    states = dict(TaskEntry.objects.values_list("pk", "billing_state"))
    assert states == {a.pk: "compiled", b.pk: "compiled", c.pk: "written_off",
                      foreign.pk: "unbilled"}  # fmt: skip
    # running it again moves nothing: the update is conditional
    assert (
        services.entry_set_billing_state(
            ctx, entry_ids=[a.pk, b.pk], from_states=["unbilled"], to_state="compiled"
        )
        == 0
    )
    assert {e.pk: e.updated_at for e in TaskEntry.objects.all()} == before
    with pytest.raises(ValidationFailed):
        services.entry_set_billing_state(
            ctx, entry_ids=[a.pk], from_states=["compiled"], to_state="paid"
        )


def test_set_billing_state_needs_invoice_rights(member_ctx, task):
    with pytest.raises(PermissionDenied):
        services.entry_set_billing_state(
            member_ctx, entry_ids=[1], from_states=["unbilled"], to_state="compiled"
        )


# --- billable candidates ----------------------------------------------------------------------


@pytest.mark.invariants_broken  # sets billing states by hand, as billing would
def test_billable_candidates(ctx, tenant, task, approver_ctx):
    def approved(entry):
        services.entry_submit(ctx, entry_id=entry.pk)
        services.entry_approve(approver_ctx, entry_id=entry.pk)
        return entry

    included = {
        "time": approved(log_time(ctx, task, at(2, 9))),
        "mileage": approved(
            services.entry_create(
                ctx,
                data=parse(EntryCreate, dict(task_id=task.pk, kind="mileage", distance_km="10")),
            )
        ),
        "goods": approved(
            services.entry_create(
                ctx, data=parse(EntryCreate, dict(task_id=task.pk, kind="goods", quantity="1"))
            )
        ),
    }
    excluded = {}
    excluded["running"] = services.entry_create(
        ctx, data=parse(EntryCreate, dict(task_id=task.pk, started_at=at(9, 9)))
    )
    excluded["draft"] = log_time(ctx, task, at(3, 9))
    excluded["submitted"] = log_time(ctx, task, at(4, 9))
    services.entry_submit(ctx, entry_id=excluded["submitted"].pk)
    excluded["rejected"] = log_time(ctx, task, at(5, 9))
    services.entry_submit(ctx, entry_id=excluded["rejected"].pk)
    services.entry_reject(
        approver_ctx, entry_id=excluded["rejected"].pk, data=parse(EntryReject, dict(reason="No"))
    )
    excluded["compiled"] = approved(log_time(ctx, task, at(6, 9)))
    TaskEntry.objects.filter(pk=excluded["compiled"].pk).update(billing_state="compiled")
    not_billable_task = make_task(ctx, task.project, billable=False)
    excluded["task not billable"] = approved(log_time(ctx, not_billable_task, at(7, 9)))
    no_client = make_task(ctx, task.project, client_id=None)
    excluded["no client"] = approved(log_time(ctx, no_client, at(8, 9)))
    fixed = make_project(ctx, name="Fixed", billing_model="fixed_price", fixed_price="5000")
    excluded["fixed price"] = approved(log_time(ctx, make_task(ctx, fixed), at(10, 9)))
    goodwill = make_project(ctx, name="Goodwill", billing_model="non_billable")
    goodwill_task = make_task(ctx, goodwill, billable=True)
    excluded["non-billable project"] = approved(log_time(ctx, goodwill_task, at(11, 9)))

    with_approval = set(selectors.entries_billable_candidates(tenant=tenant, require_approval=True))
    assert with_approval == set(included.values())
    without_approval = set(
        selectors.entries_billable_candidates(tenant=tenant, require_approval=False)
    )
    # without required approval drafts, submitted and rejected entries are billed too
    assert without_approval == set(included.values()) | {
        excluded["draft"], excluded["submitted"], excluded["rejected"],
    }  # fmt: skip


def test_billable_candidates_are_per_tenant(ctx, task, other_owner):
    other = ctx_for(other_owner)
    log_time(other, make_task(other), at(2, 9))
    mine = log_time(ctx, task, at(2, 9))
    found = selectors.entries_billable_candidates(tenant=ctx.tenant, require_approval=False)
    assert list(found) == [mine]


@pytest.mark.invariants_broken  # sets billing states by hand, as billing would
def test_set_billing_state_in_chunks(ctx, task, monkeypatch):
    from faktura.work.services import entries as entry_services

    monkeypatch.setattr(entry_services, "_UPDATE_CHUNK", 2)
    entries = [log_time(ctx, task, at(1 + n, 9)) for n in range(5)]
    TaskEntry.objects.filter(pk=entries[2].pk).update(billing_state="compiled")
    moved = services.entry_set_billing_state(
        ctx, entry_ids=[e.pk for e in entries], from_states=["unbilled"], to_state="on_draft"
    )
    assert moved == 4
    assert TaskEntry.objects.filter(billing_state="on_draft").count() == 4
    audit = AuditEvent.objects.get(action="entry_set_billing_state")
    assert (audit.data["requested"], audit.data["moved"]) == (5, 4)


def test_a_running_timer_cannot_start_in_the_future(ctx, task):
    now = at(9, 9)
    with pytest.raises(ValidationFailed) as raised:
        services.entry_create(
            ctx,
            now=now,
            data=parse(EntryCreate, dict(task_id=task.pk, started_at=at(9, 11).isoformat())),
        )

    assert "started_at" in raised.value.fields
    # a couple of minutes of clock skew is fine
    entry = services.entry_create(
        ctx,
        now=now,
        data=parse(EntryCreate, dict(task_id=task.pk, started_at=at(9, 9, 2).isoformat())),
    )
    assert entry.stopped_at is None
