"""Billable items: compile and generation as operations the page polls, price sources,
warnings and filters."""

from __future__ import annotations

import pytest
from django.urls import reverse

from faktura.billing.models import BillableItem, Invoice
from faktura.common.models import Operation


@pytest.mark.django_db(transaction=True)
def test_compile_runs_as_an_operation_and_the_page_polls_it(browser, world, run_queued_tasks):
    # given: an approved, unbilled time entry on a billable ticket
    task = world.task(title="Firewall update")
    entry = world.entry(task, minutes=50)

    # when: the compile button is pressed (htmx)
    response = browser.post(reverse("web:billing_compile"), HTTP_HX_REQUEST="true")

    # then: the fragment polls the queued operation ...
    assert response.status_code == 200
    op = Operation.objects.get(kind="billable_items_compile")
    poll_url = reverse("web:billing_operation", args=[op.pk])
    body = response.content.decode()
    assert poll_url in body and 'hx-trigger="load delay:1s"' in body
    assert browser.get(poll_url, HTTP_HX_REQUEST="true").has_header("HX-Trigger") is False
    # ... and once a worker ran it, shows the summary and asks the list to reload
    run_queued_tasks()
    done = browser.get(
        poll_url,
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver" + reverse("web:billing_items"),
    )
    assert done["HX-Trigger"] == "itemsChanged"
    text = done.content.decode()
    assert "Compiled 1 entry into billable items (1 created)." in text
    assert "hx-trigger" not in text
    item = BillableItem.objects.get(entry=entry)
    assert item.status == "pending"
    page = browser.get(reverse("web:billing_items")).content.decode()
    assert f'data-item="{item.pk}"' in page
    assert "Firewall update" in page


def test_items_show_price_source_and_warnings(browser, world):
    task = world.task(title="Goodwill visit")
    item = world.item(task, minutes=30, unit_price="0", price_source="none")
    BillableItem.objects.filter(pk=item.pk).update(
        warnings=[{"code": "no_price", "message": "No price was found for this item."}]
    )
    world.item(task, minutes=60, price_source="price_list")

    page = browser.get(reverse("web:billing_items")).content.decode()

    assert "Price list" in page
    assert "No price" in page
    assert 'title="No price was found for this item.">no price</span>' in page
    assert "0:30 h" in page  # billed time shown as H:MM


def test_item_filters(browser, world):
    first = world.task(title="Alpha ticket")
    second = world.task(title="Beta ticket")  # another customer
    world.item(first, minutes=30)
    world.item(second, minutes=30)
    world.item(first, kind="expense", quantity="2", unit_price="12.50")

    by_contact = browser.get(reverse("web:billing_items"), {"contact": first.client_id})
    by_kind = browser.get(reverse("web:billing_items"), {"kind": "expense"})
    on_drafts = browser.get(reverse("web:billing_items"), {"status": "on_draft"})

    assert "Alpha ticket" in by_contact.content.decode()
    assert "Beta ticket" not in by_contact.content.decode()
    assert by_kind.content.decode().count("data-item=") == 1
    assert "No billable items match these filters." in on_drafts.content.decode()


@pytest.mark.django_db(transaction=True)
def test_generate_runs_as_an_operation_the_review_shows(browser, world, run_queued_tasks):
    task = world.task(title="Printer")
    other = world.task(task.project, title="Scanner")
    items = [world.item(task, minutes=30), world.item(other, minutes=45)]
    left = world.item(task, minutes=15)

    response = browser.post(
        reverse("web:billing_generate"),
        {"grouping": "task", "ids": [str(i.pk) for i in items]},
    )

    # the request only queues the generation; the review page polls it
    assert response.status_code == 302
    op = Operation.objects.get(kind="invoices_generate")
    assert response["Location"] == f"{reverse('web:billing_review')}?operation={op.pk}"
    assert not Invoice.objects.filter(tenant=world.tenant).exists()
    queued = browser.get(response["Location"]).content.decode()
    assert reverse("web:billing_operation", args=[op.pk]) in queued
    assert "Generating the drafts is queued" in queued

    run_queued_tasks()
    drafts = Invoice.objects.filter(tenant=world.tenant, status="draft")
    assert drafts.count() == 2
    assert {d.grouping for d in drafts} == {"task"}
    left.refresh_from_db()
    assert left.status == "pending"
    review = browser.get(response["Location"]).content.decode()
    assert "2 drafts generated from 2 items." in review
    assert review.count("data-invoice=") == 2
    done = browser.get(
        reverse("web:billing_operation", args=[op.pk]),
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver" + reverse("web:billing_items"),
    )
    assert done["HX-Trigger"] == "invoiceChanged"  # the review list reloads itself
    assert f'href="{reverse("web:billing_review")}"' in done.content.decode()


def test_review_ignores_an_operation_it_cannot_show(browser, world, other_world):
    foreign = Operation.objects.create(tenant=other_world.tenant, kind="billing_run")
    for value in ("nonsense", str(foreign.pk)):
        page = browser.get(f"{reverse('web:billing_review')}?operation={value}")
        assert page.status_code == 200
        assert 'id="operation-status"' not in page.content.decode()


@pytest.mark.django_db(transaction=True)
def test_generate_all_matching_the_filters(browser, world, run_queued_tasks):
    mine = world.task(title="Mine")
    theirs = world.task(title="Theirs")  # another customer
    wanted = [world.item(mine, minutes=30), world.item(mine, minutes=60)]
    world.item(theirs, minutes=30)

    browser.post(
        reverse("web:billing_generate"),
        {"grouping": "contact", "scope": "all", "contact": str(mine.client_id)},
    )
    run_queued_tasks()

    [draft] = Invoice.objects.filter(tenant=world.tenant, status="draft")
    assert draft.contact_id == mine.client_id
    assert set(BillableItem.objects.filter(status="on_draft").values_list("pk", flat=True)) == {
        i.pk for i in wanted
    }


def test_generate_refuses_items_not_pending(browser, world, draft):
    taken = BillableItem.objects.filter(status="on_draft").first()

    response = browser.post(
        reverse("web:billing_generate"),
        {"grouping": "contact", "ids": [str(taken.pk)]},
        follow=True,
    )

    assert "not pending" in response.content.decode()
    assert Invoice.objects.filter(tenant=world.tenant).count() == 1
