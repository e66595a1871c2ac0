"""Sorting list pages by column (issue 15): whitelisted columns, kept in the address."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from faktura.common.inputs import parse
from faktura.contacts.inputs import ContactCreate
from faktura.contacts.services import contact_create
from faktura.work import services as work
from faktura.work.inputs import ProjectCreate, TaskCreate
from tests.web.web_helpers import ctx_for


def names_in_order(html: str, names: list[str]) -> list[str]:
    return sorted(names, key=lambda n: html.index(n))


@pytest.fixture
def contacts(owner):
    ctx = ctx_for(owner)
    for name, city in (("Beta Bau", "Aachen"), ("Alpha Ads", "Zwickau"), ("Gamma Gas", "Münster")):
        contact_create(ctx, data=ContactCreate(name=name, city=city))
    return ["Alpha Ads", "Beta Bau", "Gamma Gas"]


def test_contacts_sort_by_name_and_city_both_ways(browser, contacts):
    url = reverse("web:contact_list")

    by_name = browser.get(url, {"sort": "name"}).content.decode()
    by_name_desc = browser.get(url, {"sort": "-name"}).content.decode()
    by_city = browser.get(url, {"sort": "city"}).content.decode()

    assert names_in_order(by_name, contacts) == ["Alpha Ads", "Beta Bau", "Gamma Gas"]
    assert names_in_order(by_name_desc, contacts) == ["Gamma Gas", "Beta Bau", "Alpha Ads"]
    assert names_in_order(by_city, contacts) == ["Beta Bau", "Gamma Gas", "Alpha Ads"]


def test_the_header_says_the_order_and_links_to_the_reverse(browser, contacts):
    html = browser.get(reverse("web:contact_list"), {"sort": "name", "q": "a"}).content.decode()

    header = re.search(r'<th scope="col" class="sortable" aria-sort="ascending">.*?</th>', html)
    assert header is not None
    assert 'href="?q=a&amp;sort=-name"' in header.group(0)  # filters kept, direction flips
    assert 'href="?q=a&amp;sort=city"' in html  # another column starts ascending
    # the filter form carries the sort along
    assert '<input type="hidden" name="sort" value="name">' in html


@pytest.mark.parametrize(
    "value", ["password", "-", "--name", "name;drop", "tenant__name", "\u00e4", "1" * 500]
)
@pytest.mark.parametrize(
    "url_name", ["web:contact_list", "web:project_list", "web:invoice_list", "web:approvals"]
)
def test_a_bad_sort_value_is_ignored(browser, web_data, url_name, value):
    response = browser.get(reverse(url_name), {"sort": value})

    assert response.status_code == 200
    assert "aria-sort=" not in response.content.decode()


@pytest.mark.parametrize(
    ("url_name", "keys"),
    [
        ("web:contact_list", ["number", "name", "city", "country", "tax_treatment", "status"]),
        ("web:project_list", ["number", "name", "customer", "kind", "value_group",
                              "billing_model", "rate", "open_tasks", "status"]),
        ("web:invoice_list", ["number", "date", "customer", "type", "due", "net", "gross",
                              "status"]),
        ("web:approvals", ["date", "member", "task", "kind", "duration"]),
    ],
)  # fmt: skip
def test_every_sortable_column_sorts_both_ways(browser, web_data, url_name, keys):
    for key in keys:
        for value in (key, f"-{key}"):
            response = browser.get(reverse(url_name), {"sort": value})
            assert response.status_code == 200, value


def test_projects_sort_by_open_tasks(browser, owner, web_data):
    ctx = ctx_for(owner)
    busy = work.project_create(
        ctx, data=parse(ProjectCreate, dict(name="Busy project", scope="internal", value_group="D"))
    )
    for title in ("One", "Two", "Three"):
        work.task_create(ctx, data=parse(TaskCreate, dict(project_id=busy.pk, title=title)))
    names = ["Busy project", "Managed services", "Technical issues"]

    html = browser.get(reverse("web:project_list"), {"sort": "-open_tasks"}).content.decode()

    assert names_in_order(html, names) == ["Busy project", "Managed services", "Technical issues"]


def test_a_member_cannot_sort_projects_by_the_hidden_rate(web_data, browser_as):
    client, _ = browser_as("member")

    html = client.get(reverse("web:project_list"), {"sort": "rate"}).content.decode()

    assert "aria-sort=" not in html  # no column is sorted
    assert "Hourly rate" not in html


def test_approvals_sort_by_duration(browser, web_data):
    html = browser.get(reverse("web:approvals"), {"sort": "-duration"}).content.decode()

    assert 'aria-sort="descending"' in html
    assert f'data-entry="{web_data.submitted.pk}"' in html
