"""The searching task picker (issue 15): type a ticket number or words, recent tasks first."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from faktura.common.inputs import parse
from faktura.work import services as work
from faktura.work.inputs import EntryCreate, ProjectCreate, TaskCreate, TaskUpdate
from faktura.work.models import Task
from tests.web.web_helpers import ctx_for, signed_in

URL = reverse("web:task_search")


def option_ids(html: str) -> list[int]:
    return [
        int(v) for v in re.findall(r'role="option" id="task-option-\d+" data-value="(\d+)"', html)
    ]


def search(client, q: str = "") -> tuple[int, str]:
    response = client.get(URL, {"q": q}, HTTP_HX_REQUEST="true")
    return response.status_code, response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("printer", ["task"]),  # a word of the title
        ("PRINTER floor", ["task"]),  # every word must match, in any case
        ("laptop kaya", ["other_task"]),
        ("Müller", ["task", "other_task"]),  # the project's customer
        ("managed", ["task", "other_task"]),  # the project's name
        ("vpn", ["waste_task"]),
        ("nothing-like-this", []),
    ],
)
def test_search_by_title_project_and_customer(browser, web_data, query, expected):
    status, html = search(browser, query)

    assert status == 200
    assert sorted(option_ids(html)) == sorted(getattr(web_data, n).pk for n in expected)


def test_search_by_ticket_number(browser, web_data):
    status, html = search(browser, f"#{web_data.other_task.number}")

    assert status == 200
    assert option_ids(html) == [web_data.other_task.pk]


def test_the_options_form_an_accessible_listbox(browser, web_data):
    _, html = search(browser, "printer")

    assert f'<li role="option" id="task-option-{web_data.task.pk}"' in html
    assert 'aria-selected="false"' in html
    assert f"#{web_data.task.number} Printer on floor 2 jams" in html
    assert "Managed services" in html and "Müller Maschinenbau GmbH" in html


def test_no_match_says_so_in_the_users_language(owner, web_data):
    _, english = search(signed_in(owner), "zzz")
    _, german = search(signed_in(owner, language="de"), "zzz")

    assert 'aria-disabled="true"' in english and "No open task matches “zzz”." in english
    assert "Keine offene Aufgabe passt zu „zzz“." in german


def test_recent_tasks_of_the_member_come_first(browser, owner, web_data):
    # the owner logged on the task and on the waste task in web_data; log on other_task now
    work.entry_create(
        ctx_for(owner),
        data=parse(
            EntryCreate,
            dict(task_id=web_data.other_task.pk, kind="time", date="2026-03-10", duration=30),
        ),
    )

    _, html = search(browser)

    ids = option_ids(html)
    assert ids[0] == web_data.other_task.pk
    assert set(ids) == {web_data.task.pk, web_data.other_task.pk, web_data.waste_task.pk}


def test_done_tasks_and_other_tenants_tasks_are_not_offered(browser, owner, other_owner, web_data):
    work.task_update(
        ctx_for(owner),
        task_id=web_data.other_task.pk,
        data=parse(TaskUpdate, dict(status=Task.Status.DONE)),
    )
    other_ctx = ctx_for(other_owner)
    project = work.project_create(
        other_ctx,
        data=parse(
            ProjectCreate, dict(name="Managed elsewhere", scope="internal", value_group="D")
        ),
    )
    theirs = work.task_create(
        other_ctx, data=parse(TaskCreate, dict(project_id=project.pk, title="Printer too"))
    )

    _, html = search(browser, "printer")
    _, managed = search(browser, "managed")

    assert option_ids(html) == [web_data.task.pk]
    assert theirs.pk not in option_ids(managed)
    assert web_data.other_task.pk not in option_ids(managed)


@pytest.mark.parametrize("query", ["a" * 5000, "%", "_", "#99999999999999999999"])
def test_odd_queries_answer_200(browser, web_data, query):
    status, html = search(browser, query)

    assert status == 200
    assert option_ids(html) == []


def test_a_nul_in_the_query_is_refused_by_the_request_checks(browser, web_data):
    status, _ = search(browser, "\x00")

    assert status == 400


def test_signed_out_search_goes_to_login(client):
    response = client.get(URL, {"q": "x"})

    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_entry_forms_mark_their_task_select_for_the_picker(browser, web_data):
    html = browser.get(reverse("web:my_time")).content.decode()

    assert html.count(f'data-task-picker="{URL}"') == 2  # the timer and the entry form
