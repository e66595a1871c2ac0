"""Time entries logged as a bare duration (no From/To) and entries past midnight."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from work_factories import at, ctx_for, log_time, make_task

from faktura.common.errors import ValidationFailed
from faktura.common.inputs import parse
from faktura.work import selectors, services
from faktura.work.inputs import EntryCreate, EntryUpdate
from faktura.work.models import TaskEntry

DAY = dt.date(2026, 3, 2)


@pytest.fixture
def task(ctx):
    return make_task(ctx)


def _duration(ctx, task, duration, **kw):
    return services.entry_create(
        ctx,
        data=parse(
            EntryCreate, dict(task_id=task.pk, kind="time", date=DAY, duration=duration, **kw)
        ),
    )


@pytest.mark.parametrize("duration", [90, "1:30", "1,5", "90m", "1h 30m"])
def test_a_duration_entry_is_finished_work_without_a_clock_time(ctx, task, duration):
    entry = _duration(ctx, task, duration)

    entry.refresh_from_db()
    assert entry.duration_seconds == 5400
    assert (entry.started_at, entry.stopped_at, entry.date) == (None, None, DAY)
    assert not entry.is_running
    assert selectors.running_timer(membership=ctx.membership) is None


def test_an_integer_duration_is_minutes_but_a_bare_number_typed_is_hours(ctx, task):
    assert _duration(ctx, task, 2).duration_seconds == 120
    assert _duration(ctx, task, "2").duration_seconds == 2 * 3600


def test_many_duration_entries_and_a_running_timer_live_side_by_side(ctx, task):
    first = _duration(ctx, task, "1:00")
    second = _duration(ctx, task, "0:30")
    timer = services.entry_create(
        ctx, data=parse(EntryCreate, dict(task_id=task.pk))
    )  # neither end, no duration: a timer

    assert timer.is_running
    assert selectors.running_timer(membership=ctx.membership) == timer
    running = selectors.entry_list(tenant=ctx.tenant, viewer=ctx.membership, running=True)
    finished = selectors.entry_list(tenant=ctx.tenant, viewer=ctx.membership, running=False)
    assert list(running) == [timer]
    assert set(finished) == {first, second}


@pytest.mark.parametrize("duration", ["", "abc", "1:75", "0", 0, -5, 24 * 60 + 1, "25:00", True])
def test_a_bad_duration_is_refused_naming_the_field(ctx, task, duration):
    with pytest.raises(ValidationFailed) as caught:
        _duration(ctx, task, duration)

    assert set(caught.value.fields) == {"duration"}
    assert "Enter a duration like 1:30." in str(caught.value.fields["duration"])
    assert not TaskEntry.objects.exists()


def test_a_duration_with_a_start_or_stop_is_refused(ctx, task):
    with pytest.raises(ValidationFailed) as caught:
        _duration(ctx, task, "1:30", started_at=at(2, 8))
    assert set(caught.value.fields) == {"duration"}
    with pytest.raises(ValidationFailed):
        services.entry_create(
            ctx,
            data=parse(
                EntryCreate, dict(task_id=task.pk, kind="mileage", distance_km="3", duration=30)
            ),
        )
    assert not TaskEntry.objects.exists()


def test_a_stop_without_a_start_is_still_refused(ctx, task):
    with pytest.raises(ValidationFailed) as caught:
        services.entry_create(
            ctx, data=parse(EntryCreate, dict(task_id=task.pk, kind="time", stopped_at=at(2, 9)))
        )
    assert "started_at" in caught.value.fields


def test_editing_switches_between_clock_times_and_a_duration(ctx, task):
    entry = log_time(ctx, task, at(2, 8), minutes=60)

    entry = services.entry_update(
        ctx,
        entry_id=entry.pk,
        data=parse(EntryUpdate, dict(started_at=None, stopped_at=None, duration="2:15")),
    )
    assert (entry.started_at, entry.stopped_at, entry.duration_seconds) == (None, None, 8100)
    assert entry.date == DAY

    entry = services.entry_update(
        ctx, entry_id=entry.pk, data=parse(EntryUpdate, dict(description="Toner"))
    )
    assert entry.duration_seconds == 8100 and not entry.is_running

    entry = services.entry_update(
        ctx,
        entry_id=entry.pk,
        data=parse(EntryUpdate, dict(started_at=at(2, 8), stopped_at=at(2, 9))),
    )
    assert entry.duration_seconds == 3600


def test_a_duration_entry_is_approved_and_counts_for_the_budget(ctx, task, make_member):
    member_ctx = ctx_for(make_member("member"))
    entry = _duration(member_ctx, task, "1:30")

    services.entry_submit(member_ctx, entry_id=entry.pk)
    services.entry_approve(ctx, entry_id=entry.pk)

    entry.refresh_from_db()
    assert entry.approval_status == "approved"
    budget = selectors.project_budget(tenant=ctx.tenant, project=task.project)
    assert budget.actual_hours == Decimal("1.50")


def test_an_entry_past_midnight_through_the_service(ctx, task):
    entry = log_time(ctx, task, at(2, 22), minutes=210)  # 22:00 to 01:30 the next day

    assert entry.duration_seconds == 3 * 3600 + 30 * 60
    assert entry.stopped_at.date() == dt.date(2026, 3, 3)


# --- API --------------------------------------------------------------------------------------


@pytest.mark.parametrize("duration", [90, "1:30"])
def test_the_api_takes_a_duration_in_minutes_or_h_mm(api, task, duration):
    r = api.post("entries", {"task_id": task.pk, "date": "2026-03-02", "duration": duration})

    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["duration_seconds"] == 5400
    assert (body["started_at"], body["stopped_at"], body["running"]) == (None, None, False)


@pytest.mark.parametrize("duration", [0, -1, 24 * 60 + 1, "1:75", "x" * 21, "soon"])
def test_the_api_refuses_a_bad_duration_with_400(api, task, duration):
    r = api.post("entries", {"task_id": task.pk, "duration": duration})

    assert r.status_code == 400, r.json()
    assert "duration" in r.json()["error"]["fields"]
    assert not TaskEntry.objects.exists()
