"""The timer (htmx start/stop), "My time" and approvals through the UI."""

from __future__ import annotations

import pytest
from django.urls import reverse

from faktura.common.inputs import parse
from faktura.work.inputs import EntryCreate, ProjectCreate, TaskCreate
from faktura.work.models import RUNNING_TIMER, TaskEntry
from tests.web.web_helpers import signed_in

HTMX = {"HTTP_HX_REQUEST": "true"}


def running(membership) -> list[TaskEntry]:
    return list(TaskEntry.objects.filter(RUNNING_TIMER, membership=membership))


def test_start_and_stop_the_timer_with_htmx(browser, owner, web_data):
    response = browser.post(
        reverse("web:timer_start"),
        {"task_id": web_data.task.pk, "description": "Replacing the fuser"},
        **HTMX,
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert response["HX-Trigger"] == "timerChanged"
    assert html.startswith('<div id="timer" class="timer is-running"')
    assert f"#{web_data.task.number} Printer on floor 2 jams" in html
    assert 'id="flash" hx-swap-oob="true"' in html and "Timer started" in html
    [entry] = running(owner)
    assert entry.task_id == web_data.task.pk and entry.description == "Replacing the fuser"
    # every page shows the running timer in the header
    page = browser.get(reverse("web:contact_list")).content.decode()
    assert "timer is-running" in page and 'data-testid="timer-stop"' in page

    response = browser.post(reverse("web:timer_stop"), **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="timer"' in html and "No timer running" in html
    assert "Timer stopped" in html
    assert running(owner) == []
    entry.refresh_from_db()
    assert entry.stopped_at is not None and entry.stopped_at >= entry.started_at


def test_only_one_timer_runs_at_a_time(browser, owner, web_data):
    browser.post(reverse("web:timer_start"), {"task_id": web_data.task.pk}, **HTMX)

    response = browser.post(reverse("web:timer_start"), {"task_id": web_data.other_task.pk}, **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert "already running" in html and "message-error" in html
    [entry] = running(owner)
    assert entry.task_id == web_data.task.pk  # the first timer keeps running
    assert f"#{web_data.task.number} Printer" in html


def test_each_member_has_their_own_timer(browser, owner, web_data):
    member = signed_in(web_data.member)

    browser.post(reverse("web:timer_start"), {"task_id": web_data.task.pk}, **HTMX)
    member.post(reverse("web:timer_start"), {"task_id": web_data.task.pk}, **HTMX)
    member.post(reverse("web:timer_stop"), **HTMX)

    assert len(running(owner)) == 1
    assert running(web_data.member) == []


def test_stop_without_a_running_timer(browser, web_data):
    response = browser.post(reverse("web:timer_stop"), **HTMX)

    assert response.status_code == 200
    assert "No timer is running." in response.content.decode()


def test_timer_without_htmx_redirects_back(browser, owner, web_data):
    detail = reverse("web:task_detail", args=[web_data.task.pk])

    response = browser.post(
        reverse("web:timer_start"), {"task_id": web_data.task.pk, "next": detail}
    )

    assert response.status_code == 302 and response["Location"] == detail
    page = browser.get(detail).content.decode()
    assert "Stop timer" in page and "Timer started" in page
    response = browser.post(reverse("web:timer_stop"), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("web:my_time")
    assert running(owner) == []


def test_htmx_request_after_sign_out_sends_the_page_to_login(client, db):
    response = client.post(
        reverse("web:timer_stop"),
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/work/time/",
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == f"{reverse('web:login')}?next=/work/time/"


def test_timer_endpoints_only_take_posts(browser):
    assert browser.get(reverse("web:timer_start")).status_code == 405
    assert browser.get(reverse("web:timer_stop")).status_code == 405


def test_timer_on_another_tenants_task_is_refused(browser, owner, other_owner):
    from web_helpers import ctx_for

    from faktura.work import services

    ctx = ctx_for(other_owner)
    project = services.project_create(
        ctx, data=parse(ProjectCreate, dict(name="Theirs", scope="internal", value_group="C"))
    )
    task = services.task_create(
        ctx, data=parse(TaskCreate, dict(project_id=project.pk, title="Their task"))
    )

    response = browser.post(reverse("web:timer_start"), {"task_id": task.pk}, **HTMX)

    assert "No such task" in response.content.decode()
    assert running(owner) == []


def test_log_entries_on_my_time(browser, owner, web_data):
    url = reverse("web:my_time")
    base = {"task_id": web_data.task.pk, "date": "2026-03-05", "description": "On site"}

    time = browser.post(url, {**base, "kind": "time", "start_time": "09:00", "end_time": "10:15"})
    missing = browser.post(url, {**base, "kind": "time", "start_time": "11:00"})
    mileage = browser.post(url, {**base, "kind": "mileage", "distance_km": "23.5"})
    expense = browser.post(url, {**base, "kind": "expense", "quantity": "2", "unit_price": "9.90"})

    # after logging, the form keeps the kind and the task for the next entry
    assert time.status_code == 302
    assert time["Location"] == f"{url}?week=2026-03-05&task={web_data.task.pk}&kind=time"
    assert mileage["Location"].endswith(f"&task={web_data.task.pk}&kind=mileage")
    again = browser.get(mileage["Location"]).content.decode()
    assert '<option value="mileage" selected>' in again
    assert f'<option value="{web_data.task.pk}" selected>' in again
    assert "Enter the time." in missing.content.decode()
    assert mileage.status_code == 302 and expense.status_code == 302
    entries = TaskEntry.objects.filter(membership=owner, date="2026-03-05").order_by("id")
    assert [(e.kind, e.duration_seconds) for e in entries] == [
        ("time", 4500),
        ("mileage", 0),
        ("expense", 0),
    ]
    # 09:00 Berlin is 08:00 UTC in March
    assert entries[0].started_at.hour == 8

    week = browser.get(url, {"week": "2026-03-05"}).content.decode()
    assert "1:15" in week and "23.5 km" in week
    assert "Thursday" in week


def test_an_entry_past_midnight_ends_the_next_day(browser, owner, web_data):
    url = reverse("web:my_time")
    base = {"task_id": web_data.task.pk, "date": "2026-03-05", "kind": "time"}

    response = browser.post(url, {**base, "start_time": "22:00", "end_time": "01:30"})

    assert response.status_code == 302
    entry = TaskEntry.objects.get(membership=owner, date="2026-03-05", kind="time")
    assert entry.duration_seconds == 3 * 3600 + 30 * 60
    # Berlin in March is UTC+1: 22:00 on the 5th to 01:30 on the 6th
    assert entry.started_at.isoformat() == "2026-03-05T21:00:00+00:00"
    assert entry.stopped_at.isoformat() == "2026-03-06T00:30:00+00:00"
    assert not entry.is_running


@pytest.mark.parametrize("typed", ["1:30", "1,5", "1.5", "90m", "1h 30m", "1h30"])
def test_log_a_duration_without_from_and_to(browser, owner, web_data, typed):
    url = reverse("web:my_time")
    base = {"task_id": web_data.task.pk, "date": "2026-03-05", "kind": "time"}

    response = browser.post(url, {**base, "duration": typed})

    assert response.status_code == 302
    entry = TaskEntry.objects.get(membership=owner, date="2026-03-05", kind="time")
    assert entry.duration_seconds == 5400
    assert entry.started_at is None and entry.stopped_at is None
    assert not entry.is_running and running(owner) == []
    week = browser.get(url, {"week": "2026-03-05"}).content.decode()
    assert "1:30" in week
    # the edit form shows the duration again
    edit = browser.get(reverse("web:entry_edit", args=[entry.pk])).content.decode()
    assert 'name="duration" value="1:30"' in edit


@pytest.mark.parametrize(
    ("language", "bad", "both"),
    [
        ("en", "Enter a duration like 1:30.", "Give either a duration or From and To, not both."),
        (
            "de",
            "Bitte eine Dauer wie 1:30 eingeben.",
            "Bitte entweder eine Dauer oder Von und Bis angeben, nicht beides.",
        ),
    ],
)
def test_a_bad_duration_names_the_field(owner, web_data, language, bad, both):
    browser = signed_in(owner, language)
    url = reverse("web:my_time")
    base = {"task_id": web_data.task.pk, "date": "2026-03-05", "kind": "time"}

    typo = browser.post(url, {**base, "duration": "1:75"}).content.decode()
    zero = browser.post(url, {**base, "duration": "0"}).content.decode()
    mixed = browser.post(
        url, {**base, "duration": "1:30", "start_time": "09:00", "end_time": "10:00"}
    ).content.decode()

    assert bad in typo and bad in zero
    assert both in mixed
    assert not TaskEntry.objects.filter(membership=owner, date="2026-03-05").exists()


def test_submit_entries_of_the_week(browser, owner, web_data):
    url = reverse("web:my_time")
    browser.post(
        url,
        {
            "task_id": web_data.task.pk,
            "date": "2026-03-05",
            "kind": "time",
            "start_time": "09:00",
            "end_time": "10:00",
        },
    )
    week = browser.get(url, {"week": "2026-03-02"}).content.decode()
    drafts = TaskEntry.objects.filter(membership=owner, approval_status="draft")
    ids = list(drafts.values_list("pk", flat=True))
    assert len(ids) == 3  # the new time entry, the mileage and the internal time
    for pk in ids:
        assert f'name="ids" value="{pk}"' in week

    response = browser.post(reverse("web:entries_submit"), {"ids": ids, "next": url})

    assert response.status_code == 302
    assert not drafts.exists()


def test_approvals(web_data, owner):
    approver = signed_in(web_data.approver)
    page = approver.get(reverse("web:approvals")).content.decode()
    assert "Set up the laptop" in page and "Mia Member" in page

    reject = approver.post(
        reverse("web:entry_reject", args=[web_data.submitted.pk]), {"reason": ""}
    )
    web_data.submitted.refresh_from_db()
    assert reject.status_code == 302 and web_data.submitted.approval_status == "submitted"

    approver.post(
        reverse("web:entry_reject", args=[web_data.submitted.pk]),
        {"reason": "Please split per day"},
    )
    web_data.submitted.refresh_from_db()
    assert web_data.submitted.approval_status == "rejected"
    assert web_data.submitted.rejection_reason == "Please split per day"

    member = signed_in(web_data.member)
    my_week = member.get(reverse("web:my_time"), {"week": "2026-03-04"}).content.decode()
    assert "Please split per day" in my_week
    member.post(reverse("web:entry_submit", args=[web_data.submitted.pk]))
    web_data.submitted.refresh_from_db()
    assert web_data.submitted.approval_status == "submitted"

    response = approver.post(reverse("web:entries_approve"), {"ids": [web_data.submitted.pk]})

    web_data.submitted.refresh_from_db()
    assert response.status_code == 302
    assert web_data.submitted.approval_status == "approved"
    assert web_data.submitted.approved_by_id == web_data.approver.pk
    empty = approver.get(reverse("web:approvals")).content.decode()
    assert "Nothing to approve" in empty


def test_approver_cannot_approve_own_entry(web_data):
    from web_helpers import at, ctx_for

    from faktura.work import services

    ctx = ctx_for(web_data.approver)
    own = services.entry_create(
        ctx,
        data=parse(
            EntryCreate,
            dict(task_id=web_data.task.pk, kind="time", started_at=at(6, 8), stopped_at=at(6, 9)),
        ),
    )
    services.entry_submit(ctx, entry_id=own.pk)
    approver = signed_in(web_data.approver)

    approver.post(reverse("web:entry_approve", args=[own.pk]))

    own.refresh_from_db()
    assert own.approval_status == "submitted"
    page = approver.get(reverse("web:approvals")).content.decode()
    assert "do not approve their own entries" in page


def test_edit_and_delete_a_draft_entry(browser, owner, web_data):
    mileage = TaskEntry.objects.get(membership=owner, kind="mileage")
    url = reverse("web:entry_edit", args=[mileage.pk])
    page = browser.get(url).content.decode()
    assert 'value="42"' in page

    response = browser.post(
        url,
        {"kind": "time", "task_id": web_data.task.pk, "date": "2026-03-02", "distance_km": "40"},
    )

    mileage.refresh_from_db()
    assert response.status_code == 302
    assert mileage.kind == "mileage" and str(mileage.distance_km) == "40.00"

    locked = browser.post(reverse("web:entry_delete", args=[web_data.time_entry.pk]))
    assert locked.status_code == 302
    assert TaskEntry.objects.filter(pk=web_data.time_entry.pk).exists()  # approved: kept

    browser.post(reverse("web:entry_delete", args=[mileage.pk]))
    assert not TaskEntry.objects.filter(pk=mileage.pk).exists()
