"""Every page renders for the owner, with data and on an empty tenant; sign-in is required."""

from __future__ import annotations

import pytest
from django.urls import reverse

from faktura.contacts.inputs import ContactCreate
from faktura.tenancy.middleware import SESSION_KEY
from tests.web.web_helpers import ctx_for, signed_in

LIST_PAGES = [
    "web:task_list",
    "web:project_list",
    "web:my_time",
    "web:approvals",
    "web:billing",
    "web:receivables",
    "web:reports",
    "web:product_list",
    "web:pricelist_list",
    "web:unit_list",
    "web:assignment_list",
    "web:contact_list",
    "web:settings",
    "web:token_list",
    "web:member_list",
    "web:team_list",
    "web:task_create",
    "web:project_create",
    "web:contact_create",
    "web:product_create",
    "web:pricelist_create",
    "web:assignment_create",
]


def object_pages(data) -> list[str]:
    """Detail and edit pages of the objects in `web_data`."""
    return [
        reverse("web:task_detail", args=[data.task.pk]),
        reverse("web:task_edit", args=[data.task.pk]),
        reverse("web:project_detail", args=[data.project.pk]),
        reverse("web:project_edit", args=[data.project.pk]),
        reverse("web:project_detail", args=[data.internal.pk]),
        reverse("web:contact_detail", args=[data.customer.pk]),
        reverse("web:contact_edit", args=[data.customer.pk]),
        reverse("web:product_edit", args=[data.product.pk]),
        reverse("web:pricelist_detail", args=[data.price_list.pk]),
        reverse("web:pricelist_edit", args=[data.price_list.pk]),
        reverse("web:entry_edit", args=[data.time_entry.pk]),
        reverse("web:member_edit", args=[data.member.pk]),
    ]


@pytest.mark.parametrize("name", LIST_PAGES)
def test_pages_need_sign_in(client, db, name):
    url = reverse(name)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))
    assert "next=" in response["Location"]


def test_home_is_the_overview(browser, web_data):
    response = browser.get("/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Overview</h1>" in page
    for part in ("timer", "week", "value-groups", "waste", "drafts", "unbilled", "overdue"):
        assert f'data-testid="overview-{part}"' in page, part
    assert page.count('role="img"') == 2  # the small value-group and waste charts


def test_the_overview_shows_money_only_to_those_allowed(browser_as, web_data):
    client, _member = browser_as("member")
    page = client.get("/").content.decode()

    assert 'data-testid="overview-week"' in page
    assert 'data-testid="overview-value-groups"' in page and "My time per value group" in page
    assert 'data-testid="overview-unbilled"' not in page
    assert 'data-testid="overview-overdue"' not in page
    assert 'data-testid="overview-waste"' not in page


def test_login_with_email_and_password(client, owner):
    page = client.get(reverse("web:login"))
    assert page.status_code == 200
    assert b'name="username"' in page.content

    response = client.post(
        reverse("web:login"),
        {"username": "OWNER@acme.test", "password": "correct-horse-9"},
    )

    assert response.status_code == 302
    assert client.get(reverse("web:task_list")).status_code == 200


def test_login_with_a_wrong_password_shows_an_error(client, owner):
    response = client.post(
        reverse("web:login"), {"username": "owner@acme.test", "password": "wrong-password"}
    )

    assert response.status_code == 200
    assert b"message-error" in response.content
    assert client.get(reverse("web:task_list")).status_code == 302


def test_logout_is_a_post(browser):
    assert browser.get(reverse("web:logout")).status_code == 405

    response = browser.post(reverse("web:logout"))

    assert response.status_code == 302
    assert browser.get(reverse("web:task_list")).status_code == 302


@pytest.mark.parametrize("name", LIST_PAGES)
def test_every_page_renders_on_an_empty_tenant(browser, name):
    response = browser.get(reverse(name))

    assert response.status_code == 200, name
    assert b"<main" in response.content


@pytest.mark.parametrize("name", LIST_PAGES)
def test_every_page_renders_with_data(browser, web_data, name):
    response = browser.get(reverse(name))

    assert response.status_code == 200, name


def test_object_pages_render_with_data(browser, web_data):
    for url in object_pages(web_data):
        response = browser.get(url)
        assert response.status_code == 200, url


def test_lists_show_the_data(browser, web_data):
    tasks = browser.get(reverse("web:task_list")).content.decode()
    contacts = browser.get(reverse("web:contact_list")).content.decode()
    projects = browser.get(reverse("web:project_list")).content.decode()

    assert "Printer on floor 2 jams" in tasks
    assert f"#{web_data.task.number}" in tasks
    assert "1:30" in tasks  # the approved 90 minutes, as H:MM
    assert "Müller Maschinenbau GmbH" in contacts
    assert "Wiener Datentechnik GmbH" in contacts
    assert "Managed services" in projects and "Technical issues" in projects


def test_list_filters(browser, web_data):
    url = reverse("web:task_list")

    by_project = browser.get(url, {"project": web_data.internal.pk}).content.decode()
    by_search = browser.get(url, {"q": "laptop"}).content.decode()
    by_number = browser.get(url, {"q": f"#{web_data.task.number}"}).content.decode()
    by_assignee = browser.get(url, {"assignee": web_data.member.pk}).content.decode()
    nothing = browser.get(url, {"q": "no such task"}).content.decode()

    assert "VPN outage" in by_project and "Printer on floor 2" not in by_project
    assert "New laptop" in by_search and "VPN outage" not in by_search
    assert "Printer on floor 2" in by_number and "New laptop" not in by_number
    assert "Printer on floor 2" in by_assignee and "New laptop" not in by_assignee
    assert "No tasks match these filters." in nothing

    contacts = browser.get(reverse("web:contact_list"), {"tax_treatment": "reverse_charge"})
    assert "Wiener Datentechnik" in contacts.content.decode()
    assert "Müller Maschinenbau" not in contacts.content.decode()
    by_country = browser.get(reverse("web:contact_list"), {"country": "DE"}).content.decode()
    assert "Müller Maschinenbau" in by_country and "Wiener Datentechnik" not in by_country


def test_pagination_keeps_the_filters(browser, owner):
    from faktura.contacts.services import contact_create

    ctx = ctx_for(owner)
    for n in range(55):
        contact_create(ctx, data=ContactCreate(name=f"Kunde {n:02d}", city="Bonn"))

    first = browser.get(reverse("web:contact_list"), {"q": "Kunde"}).content.decode()
    second = browser.get(reverse("web:contact_list"), {"q": "Kunde", "page": 2}).content.decode()

    assert "q=Kunde&amp;page=2" in first
    assert "Kunde 00" in first and "Kunde 54" not in first
    assert "Kunde 54" in second and "51\u201355 of 55" in second


def test_contact_detail_lists_its_projects(browser, web_data):
    page = browser.get(reverse("web:contact_detail", args=[web_data.customer.pk]))

    assert "Managed services" in page.content.decode()
    assert "Technical issues" not in page.content.decode()


def test_billing_shows_approved_unbilled_entries_per_customer(browser, web_data):
    page = browser.get(reverse("web:billing")).content.decode()

    # the approved 1:30 and the mileage on the billable task; the internal time is not billable
    assert "Müller Maschinenbau GmbH" in page
    assert "Managed services" in page
    assert "1:30" in page
    assert "Technical issues" not in page


def test_reports_sum_hours_per_value_group(browser, web_data):
    page = browser.get(reverse("web:reports"), {"period": "2026-Q1"}).content.decode()

    # value group A: the owner's 1:30 and the member's 2:00 in March; D: 0:45
    assert 'role="img"' in page and "<desc>" in page  # the chart
    assert '<td class="col-num">3.50</td><td class="col-num">82 %</td>' in page
    assert '<td class="col-num">0.75</td><td class="col-num">18 %</td>' in page
    assert '<th class="col-num">4.25</th>' in page  # the total
    assert 'href="/api/v1/reports/value-groups?period=2026-Q1&amp;format=xlsx"' in page
    assert 'name="period" value="2026-Q1"' in page


def test_reports_on_an_empty_tenant(browser):
    page = browser.get(reverse("web:reports"))

    assert page.status_code == 200
    assert "No time logged in this period." in page.content.decode()


def test_tenant_switcher(owner, other_owner):
    from faktura.common.context import CommandContext
    from faktura.tenancy.inputs import MembershipProvision
    from faktura.tenancy.services import membership_provision

    membership_provision(
        CommandContext(tenant=other_owner.tenant, source="cli"),
        data=MembershipProvision(email=owner.user.email, password="", role="admin"),
    )
    client = signed_in(owner)
    page = client.get(reverse("web:task_list")).content.decode()
    assert 'id="tenant-select"' in page and "Other Systems AG" in page

    response = client.post(reverse("web:tenant_switch"), {"tenant_id": other_owner.tenant_id})

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == other_owner.tenant_id
    page = client.get(reverse("web:task_list")).content.decode()
    assert "<title>Tasks · Other Systems AG</title>" in page


def test_tenant_switch_to_a_foreign_tenant_is_ignored(browser, owner, other_owner):
    browser.post(reverse("web:tenant_switch"), {"tenant_id": other_owner.tenant_id})

    page = browser.get(reverse("web:task_list")).content.decode()

    assert "Acme IT GmbH" in page
    assert "Other Systems AG" not in page


def test_language_switch_to_german(browser):
    response = browser.post("/i18n/setlang/", {"language": "de", "next": reverse("web:task_list")})
    assert response.status_code == 302

    page = browser.get(reverse("web:task_list")).content.decode()

    assert '<html lang="de">' in page
    assert "Aufgaben" in page
    assert "Neue Aufgabe" in page
    assert "Abrechnung" in page  # navigation: Billing


def test_german_labels_numbers_and_choices(owner, web_data):
    client = signed_in(owner, language="de")

    tasks = client.get(reverse("web:task_list")).content.decode()
    project = client.get(reverse("web:project_detail", args=[web_data.project.pk])).content

    assert '<html lang="de">' in tasks
    for label in ("Aufgaben", "Projekt", "Kunde", "Zuständig", "Erfasst", "Schätzung", "Offen"):
        assert label in tasks, label
    assert "120,00" in tasks  # the unit price, with a decimal comma
    assert "98,50\xa0€" in project.decode()  # the project's hourly rate
    assert "Nach Aufwand" in project.decode()  # the billing model's label
