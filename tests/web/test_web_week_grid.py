"""The week grid (issue 15): tasks x days, hours typed into cells, saved as entries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from faktura.common.inputs import parse
from faktura.work import services as work
from faktura.work.inputs import EntryCreate, ProjectCreate, ProjectUpdate, TaskCreate
from faktura.work.models import Project, TaskEntry
from tests.web.web_helpers import ctx_for, signed_in

WEEK = "2026-03-02"  # a Monday; web_data logs time on the 2nd and 3rd
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def other_tenant_task(other_owner):
    ctx = ctx_for(other_owner)
    project = work.project_create(
        ctx,
        data=parse(ProjectCreate, dict(name="Their project", scope="internal", value_group="D")),
    )
    return work.task_create(
        ctx, data=parse(TaskCreate, dict(project_id=project.pk, title="Their secret task"))
    )


def grid_url(**params) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"week": WEEK, **params}.items())
    return f"{reverse('web:time_week')}?{query}"


def cell(task, day: str) -> str:
    return f"c-{task.pk}-{day}"


def durations(membership, task) -> dict[dt.date, list[int]]:
    found: dict[dt.date, list[int]] = {}
    for entry in TaskEntry.objects.filter(membership=membership, task=task, kind="time"):
        found.setdefault(entry.date, []).append(entry.duration_seconds)
    return found


def test_the_grid_shows_the_week_per_task_and_day(browser, web_data):
    response = browser.get(grid_url())

    html = response.content.decode()
    assert response.status_code == 200
    # the approved clock-time entry on the 2nd: shown, not typed into
    assert f"#{web_data.task.number} Printer on floor 2 jams" in html
    assert f'name="{cell(web_data.task, "2026-03-02")}"' not in html
    assert 'class="week-locked"' in html and "1:30" in html
    # an empty day of the same task takes hours
    assert f'name="{cell(web_data.task, "2026-03-04")}"' in html
    # total of the week: 1:30 + 0:45 (mileage is no time)
    assert 'data-testid="week-total">2:15<' in html


def test_typing_hours_into_empty_cells_logs_duration_entries(browser, owner, web_data):
    # given a row added for a task without time this week
    url = grid_url(add=web_data.other_task.pk)
    assert f'name="{cell(web_data.other_task, "2026-03-05")}"' in browser.get(url).content.decode()

    # when
    response = browser.post(
        grid_url(),
        {
            "row": [web_data.other_task.pk],
            cell(web_data.other_task, "2026-03-05"): "1:30",
            cell(web_data.other_task, "2026-03-06"): "2,5",
            cell(web_data.other_task, "2026-03-07"): "",
        },
    )

    # then
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('web:time_week')}?week={WEEK}"
    assert durations(owner, web_data.other_task) == {
        dt.date(2026, 3, 5): [90 * 60],
        dt.date(2026, 3, 6): [150 * 60],
    }
    entry = TaskEntry.objects.get(membership=owner, task=web_data.other_task, date="2026-03-05")
    assert entry.started_at is None and entry.stopped_at is None
    assert entry.approval_status == TaskEntry.Approval.DRAFT
    page = browser.get(grid_url()).content.decode()
    assert "2 days saved." in page
    assert f'name="{cell(web_data.other_task, "2026-03-05")}" id=' in page
    assert 'value="1:30"' in page and 'value="2:30"' in page


def test_changing_and_clearing_a_cell_updates_and_deletes_its_entry(browser, owner, web_data):
    ctx = ctx_for(owner)
    entry = work.entry_create(
        ctx,
        data=parse(
            EntryCreate,
            dict(task_id=web_data.other_task.pk, kind="time", date="2026-03-04", duration=60),
        ),
    )
    other = work.entry_create(
        ctx,
        data=parse(
            EntryCreate,
            dict(task_id=web_data.other_task.pk, kind="time", date="2026-03-05", duration=30),
        ),
    )

    response = browser.post(
        grid_url(),
        {
            cell(web_data.other_task, "2026-03-04"): "1h 15m",
            cell(web_data.other_task, "2026-03-05"): "0",
        },
    )

    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.duration_seconds == 75 * 60
    assert not TaskEntry.objects.filter(pk=other.pk).exists()


def test_an_unchanged_grid_saves_nothing(browser, owner, web_data):
    before = TaskEntry.objects.count()

    response = browser.post(grid_url(), {cell(web_data.task, "2026-03-04"): ""}, follow=True)

    assert response.status_code == 200
    assert TaskEntry.objects.count() == before
    assert "Nothing changed." in response.content.decode()


def test_an_unreadable_cell_saves_nothing_and_names_the_day(browser, owner, web_data):
    before = TaskEntry.objects.count()

    response = browser.post(
        grid_url(),
        {
            "row": [web_data.other_task.pk],
            cell(web_data.other_task, "2026-03-04"): "2:00",
            cell(web_data.other_task, "2026-03-05"): "lots",
        },
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert TaskEntry.objects.count() == before
    assert "Enter a duration like 1:30." in html
    assert 'value="lots"' in html and 'aria-invalid="true"' in html
    assert 'value="2:00"' in html  # what was typed is kept


def test_an_unreadable_cell_in_german(owner, web_data):
    browser = signed_in(owner, language="de")

    response = browser.post(
        grid_url(),
        {"row": [web_data.other_task.pk], cell(web_data.other_task, "2026-03-05"): "viel"},
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "Wochenraster" in html
    assert "Bitte eine Dauer wie 1:30 eingeben." in html


def test_a_locked_cell_cannot_be_overwritten_from_the_grid(browser, owner, web_data):
    response = browser.post(grid_url(), {cell(web_data.task, "2026-03-02"): "3:00"})

    assert response.status_code == 400
    assert "change it in My time" in response.content.decode()
    web_data.time_entry.refresh_from_db()
    assert web_data.time_entry.duration_seconds == 90 * 60


def test_a_refused_cell_is_marked_and_the_others_are_saved(browser, owner, web_data):
    closed = work.task_create(
        ctx_for(owner),
        data=parse(TaskCreate, dict(project_id=web_data.project.pk, title="Closed one")),
    )
    work.project_update(
        ctx_for(owner),
        project_id=web_data.project.pk,
        data=parse(ProjectUpdate, dict(status=Project.Status.ON_HOLD)),
    )

    response = browser.post(
        grid_url(),
        {
            "row": [closed.pk, web_data.waste_task.pk],
            cell(closed, "2026-03-04"): "1:00",
            cell(web_data.waste_task, "2026-03-04"): "0:30",
        },
    )

    html = response.content.decode()
    assert response.status_code == 422
    assert "takes no new entries" in html
    assert durations(owner, closed) == {}
    assert dt.date(2026, 3, 4) in durations(owner, web_data.waste_task)


def test_htmx_gets_the_grid_back_with_its_errors(browser, web_data):
    response = browser.post(
        grid_url(),
        {"row": [web_data.other_task.pk], cell(web_data.other_task, "2026-03-05"): "x"},
        **HTMX,
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="week-grid"' in html and "data-swap-errors" in html

    response = browser.post(
        grid_url(day="2026-03-05"),
        {
            "row": [web_data.other_task.pk],
            "day": "2026-03-05",
            cell(web_data.other_task, "2026-03-05"): "1",
        },
        **HTMX,
    )
    assert response.status_code == 200
    assert "1 day saved." in response.content.decode()


def test_a_member_sees_only_their_own_time_in_the_grid(web_data):
    client = signed_in(web_data.member)

    html = client.get(grid_url()).content.decode()

    # the member's submitted entry on the 4th (2 hours, locked); none of the owner's
    assert f"#{web_data.other_task.number} New laptop" in html
    assert "Printer on floor 2 jams</a>" not in html
    assert 'data-testid="week-total">2:00<' in html


def test_another_tenants_task_cannot_be_added(browser, web_data, other_tenant_task):
    before = TaskEntry.objects.count()

    html = browser.get(grid_url(add=other_tenant_task.pk)).content.decode()
    response = browser.post(
        grid_url(), {"row": [other_tenant_task.pk], cell(other_tenant_task, "2026-03-04"): "1"}
    )

    assert other_tenant_task.title not in html
    assert response.status_code == 302  # the unknown row is no row: nothing to save
    assert TaskEntry.objects.count() == before


@pytest.mark.parametrize("week", ["2026-02-30", "9999-12-31"])
def test_an_impossible_week_answers_400(browser, week):
    assert browser.get(f"{reverse('web:time_week')}?week={week}").status_code == 400


def test_the_phone_layout_shows_the_chosen_day(browser, web_data):
    html = browser.get(grid_url(day="2026-03-04")).content.decode()

    assert 'data-selected-day="2026-03-04"' in html
    assert html.count('class="week-day-tab is-active"') == 1
    assert 'data-day="2026-03-04" aria-current="true"' in html


def test_the_grid_reads_a_fixed_number_of_queries(browser, owner, web_data):
    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert browser.get(grid_url()).status_code == 200
        return len(queries.captured_queries)

    few = count()
    ctx = ctx_for(owner)
    for i in range(6):
        task = work.task_create(
            ctx, data=parse(TaskCreate, dict(project_id=web_data.project.pk, title=f"Task {i}"))
        )
        work.entry_create(
            ctx,
            data=parse(
                EntryCreate,
                dict(task_id=task.pk, kind="time", date=f"2026-03-0{2 + i % 5}", duration=30),
            ),
        )

    assert count() == few  # no query per row or cell


@pytest.mark.parametrize("value", [str(2**64), "-1", "abc", "0", ""])
def test_odd_row_ids_are_ignored(browser, web_data, value):
    assert browser.get(grid_url(add=value)).status_code == 200
    response = browser.post(grid_url(), {"row": [value], f"c-{value}-2026-03-04": "1"})
    assert response.status_code == 302
