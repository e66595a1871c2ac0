"""Roles and tenants in the UI: 403 for pages a role may not open, 404 for other tenants."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.web.web_helpers import build_web_data, signed_in

MANAGER_ONLY = [
    "web:product_list",
    "web:product_create",
    "web:pricelist_list",
    "web:pricelist_create",
    "web:unit_list",
    "web:assignment_list",
    "web:assignment_create",
    "web:settings",
    "web:member_list",
    "web:team_list",
    "web:contact_create",
    "web:project_create",
    "web:billing",
    "web:receivables",
    "web:approvals",
]


@pytest.mark.parametrize("name", MANAGER_ONLY)
def test_member_gets_403(browser_as, name):
    client, _ = browser_as("member")

    response = client.get(reverse(name))

    assert response.status_code == 403
    assert "Not allowed" in response.content.decode()


def test_member_gets_403_on_object_pages_of_managers(browser_as, web_data):
    client, _ = browser_as("member")

    for url in (
        reverse("web:product_edit", args=[web_data.product.pk]),
        reverse("web:pricelist_detail", args=[web_data.price_list.pk]),
        reverse("web:contact_edit", args=[web_data.customer.pk]),
        reverse("web:project_edit", args=[web_data.project.pk]),
        reverse("web:member_edit", args=[web_data.member.pk]),
    ):
        assert client.get(url).status_code == 403, url
    response = client.post(
        reverse("web:pricelist_price_set", args=[web_data.price_list.pk, web_data.product.pk]),
        {"unit_price": "1"},
    )
    assert response.status_code == 403


def test_member_navigation_hides_what_they_cannot_open(web_data):
    client = signed_in(web_data.member)

    page = client.get(reverse("web:task_list")).content.decode()

    assert 'data-section="work"' in page and 'data-section="contacts"' in page
    for section in ("billing", "receivables", "catalog"):
        assert f'data-section="{section}"' not in page
    # the time reports show a member their own time
    assert 'data-section="reports"' in page
    # Settings leads a member to their own API tokens
    assert f'href="{reverse("web:token_list")}" class="nav-item' in page


def test_member_sees_no_rates_or_prices(web_data):
    client = signed_in(web_data.member)

    tasks = client.get(reverse("web:task_list")).content.decode()
    task = client.get(reverse("web:task_detail", args=[web_data.task.pk])).content.decode()
    project = client.get(reverse("web:project_detail", args=[web_data.project.pk])).content
    edit = client.get(reverse("web:task_edit", args=[web_data.task.pk])).content.decode()
    my_time = client.get(reverse("web:my_time")).content.decode()

    assert "Unit price" not in tasks and "120.00" not in tasks
    assert "Unit price" not in task and "120.00" not in task
    assert b"Hourly rate" not in project and b"98.50" not in project and b"80.00" not in project
    assert b"member-rates" not in project
    assert 'name="unit_price"' not in edit and 'name="product_id"' not in edit
    assert 'name="unit_price"' not in my_time


def test_owner_sees_rates_and_prices(browser, web_data):
    tasks = browser.get(reverse("web:task_list")).content.decode()
    project = browser.get(reverse("web:project_detail", args=[web_data.project.pk]))

    assert "Unit price" in tasks and "120.00" in tasks
    assert "€98.50" in project.content.decode()  # the project's rate
    assert "€80.00" in project.content.decode()  # the member's rate on the project


def test_member_sees_only_own_entries_on_a_task(web_data):
    client = signed_in(web_data.member)

    page = client.get(reverse("web:task_detail", args=[web_data.other_task.pk])).content.decode()
    owner_view = client.get(reverse("web:task_detail", args=[web_data.task.pk])).content.decode()

    assert "Set up the laptop" in page
    assert "Only your own entries are shown." in page
    assert "No entries on this task yet." in owner_view  # the owner's entries are hidden


def test_member_cannot_edit_someone_elses_entry(web_data):
    client = signed_in(web_data.member)

    response = client.get(reverse("web:entry_edit", args=[web_data.time_entry.pk]))

    assert response.status_code == 404


def test_approver_can_approve_but_not_manage_catalog(web_data):
    client = signed_in(web_data.approver)

    assert client.get(reverse("web:approvals")).status_code == 200
    assert client.get(reverse("web:product_list")).status_code == 403
    assert client.get(reverse("web:settings")).status_code == 403


def test_other_tenants_objects_answer_404(browser, other_owner):
    theirs = build_web_data(other_owner, _maker(other_owner))
    urls = [
        reverse("web:task_detail", args=[theirs.task.pk]),
        reverse("web:task_edit", args=[theirs.task.pk]),
        reverse("web:project_detail", args=[theirs.project.pk]),
        reverse("web:project_edit", args=[theirs.project.pk]),
        reverse("web:contact_detail", args=[theirs.customer.pk]),
        reverse("web:contact_edit", args=[theirs.customer.pk]),
        reverse("web:product_edit", args=[theirs.product.pk]),
        reverse("web:pricelist_detail", args=[theirs.price_list.pk]),
        reverse("web:pricelist_edit", args=[theirs.price_list.pk]),
        reverse("web:entry_edit", args=[theirs.time_entry.pk]),
        reverse("web:member_edit", args=[theirs.member.pk]),
    ]
    for url in urls:
        response = browser.get(url)
        assert response.status_code == 404, url
        assert "Not found" in response.content.decode()

    posts = [
        reverse("web:entry_approve", args=[theirs.submitted.pk]),
        reverse("web:entry_submit", args=[theirs.submitted.pk]),
        reverse("web:entry_delete", args=[theirs.submitted.pk]),
        reverse("web:pricelist_price_set", args=[theirs.price_list.pk, theirs.product.pk]),
    ]
    for url in posts:
        assert browser.post(url, {"unit_price": "1"}).status_code == 404, url
    theirs.submitted.refresh_from_db()
    assert theirs.submitted.approval_status == "submitted"


def test_other_tenants_ids_are_not_offered_or_accepted(browser, web_data, other_owner):
    theirs = build_web_data(other_owner, _maker(other_owner))
    theirs.project.name = "Their secret project"
    theirs.project.save(update_fields=["name"])

    page = browser.get(reverse("web:task_create")).content.decode()
    response = browser.post(
        reverse("web:task_create"), {"project_id": theirs.project.pk, "title": "Sneaky"}
    )

    assert "Managed services" in page and theirs.project.name not in page
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert "Sneaky" not in browser.get(reverse("web:task_list")).content.decode()


def _maker(owner):
    from faktura.common.context import CommandContext
    from faktura.tenancy.inputs import MembershipProvision
    from faktura.tenancy.services import membership_provision

    counter = iter(range(1, 100))

    def make(role: str = "member", **kwargs):
        n = next(counter)
        ctx = CommandContext(tenant=owner.tenant, source="cli")
        data = MembershipProvision(
            email=f"{role}{n}@other.test",
            role=role,
            name=kwargs.pop("name", f"{role} {n}"),
            password="correct-horse-9",
            **kwargs,
        )
        return membership_provision(ctx, data=data)

    return make


def test_ids_beyond_64_bits_answer_404_or_are_ignored(browser):
    from faktura.web.urls import urlpatterns

    too_big = str(2**64)
    for pattern in urlpatterns:
        route = str(pattern.pattern)
        if "<id:" not in route:
            continue
        url = "/" + route.replace("<id:task_id>", too_big)
        for name in pattern.pattern.converters:
            url = url.replace(f"<id:{name}>", too_big)
        assert browser.get(url).status_code == 404, url
    # filters with such ids match nothing instead of failing
    for name in ("web:billing_review", "web:billing_items", "web:invoice_list", "web:receivables",
                 "web:task_list"):  # fmt: skip
        response = browser.get(reverse(name), {"contact": too_big, "project": too_big})
        assert response.status_code == 200, name


def test_members_see_no_price_list_of_a_customer(browser_as, web_data, browser):
    """Issue 10: the customer list showed members a "Price list" column."""
    customer = web_data.customer
    member_browser, _ = browser_as("member")

    listing = member_browser.get(reverse("web:contact_list")).content.decode()
    detail = member_browser.get(reverse("web:contact_detail", args=[customer.pk])).content.decode()

    assert "Price list" not in listing
    assert "Price list" not in detail
    assert "Price list" in browser.get(reverse("web:contact_list")).content.decode()
