"""List pages run a bounded number of queries, however many rows they show."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from faktura.common.inputs import parse
from faktura.contacts.inputs import ContactCreate
from faktura.contacts.services import contact_create
from faktura.work import services
from faktura.work.inputs import EntryCreate, ProjectCreate, TaskCreate
from tests.web.web_helpers import at, ctx_for

ROWS = 30


@pytest.fixture
def many(owner, make_member):
    """30 customers, each with a project and a task with a submitted time entry by its own
    member; every second entry is approved."""
    ctx = ctx_for(owner)
    for n in range(ROWS):
        contact = contact_create(ctx, data=ContactCreate(name=f"Kunde {n:02d}", city="Bonn"))
        project = services.project_create(
            ctx, data=parse(ProjectCreate, dict(name=f"Projekt {n:02d}", contact_id=contact.pk))
        )
        member = make_member("member")
        task = services.task_create(
            ctx,
            data=parse(
                TaskCreate,
                dict(project_id=project.pk, title=f"Ticket {n:02d}", assignee_id=member.pk),
            ),
        )
        start = at(2, 8) + dt.timedelta(days=n % 5)
        entry = services.entry_create(
            ctx_for(member),
            data=parse(
                EntryCreate,
                dict(
                    task_id=task.pk,
                    kind="time",
                    started_at=start,
                    stopped_at=start + dt.timedelta(minutes=30 + n),
                ),
            ),
        )
        services.entry_submit(ctx_for(member), entry_id=entry.pk)
        if n % 2:  # half approved (billing shows them), half waiting (approvals shows them)
            services.entry_approve(ctx, entry_id=entry.pk)


@pytest.mark.parametrize(
    ("name", "marker"),
    [
        ("web:task_list", "Ticket 29"),
        ("web:contact_list", "Kunde 29"),
        ("web:project_list", "Projekt 29"),
        ("web:approvals", "Kunde"),
        ("web:billing", "Kunde"),
        ("web:reports", "value group"),
    ],
)
def test_list_queries_are_bounded(browser, many, django_assert_max_num_queries, name, marker):
    browser.get(reverse(name))  # warm the session and caches

    with django_assert_max_num_queries(12):
        response = browser.get(reverse(name))

    assert response.status_code == 200
    assert marker.lower() in response.content.decode().lower()


def test_task_list_shows_all_rows_with_assignee_and_logged_time(browser, many):
    page = browser.get(reverse("web:task_list")).content.decode()

    assert page.count('href="/work/tasks/') >= ROWS
    assert "Member 30" in page  # the assignee's name, from the joined membership
    assert "0:59" in page  # ticket 29: 30 + 29 minutes
