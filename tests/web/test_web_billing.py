"""The billing screens: billable items and compile, the invoice review with its draft overlay,
issued invoices with documents, sending and credit notes, receivables and numbering.

Every number the pages show comes from the billing services and selectors; these tests change
a draft through the UI and then ask the service (the API) what it says.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from web_helpers import signed_in

from faktura.billing.models import BillableItem, Invoice, NumberSequence
from faktura.billing.selectors.invoices import invoice_detail
from faktura.billing.services.generation import invoices_generate
from faktura.billing.services.issue import invoice_issue
from faktura.common.models import Operation
from faktura.contacts.services import contact_update
from faktura.tenancy.selectors import tenant_today
from faktura.work.models import TaskEntry


def _billing_world_class():
    """`BillingWorld` of the billing tests (tests/billing/conftest.py), loaded by path: both
    test folders have a module called conftest."""
    path = Path(__file__).resolve().parents[1] / "billing" / "conftest.py"
    spec = importlib.util.spec_from_file_location("billing_tests_conftest", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module.BillingWorld


BillingWorld = _billing_world_class()
ISSUE_DAY = dt.date(2026, 4, 1)


@pytest.fixture
def world(owner) -> BillingWorld:
    return BillingWorld(owner)


@pytest.fixture
def other_world(other_owner) -> BillingWorld:
    return BillingWorld(other_owner)


@pytest.fixture
def draft(world):
    """A draft with one ticket: two time entries (10:00 and 0:45 logged) at 100/h."""
    task = world.task(title="Printer", estimate_hours=Decimal("8.00"), task_type="incident")
    items = [world.item(task, minutes=600), world.item(task, minutes=45)]
    [invoice] = invoices_generate(world.ctx, item_ids=[i.pk for i in items], grouping="contact")
    return invoice


@pytest.fixture
def issued(world, draft):
    return invoice_issue(world.ctx, invoice_id=draft.pk, issue_date=ISSUE_DAY)


@pytest.fixture
def issued_in_every_format(world, draft):
    """An invoice to a customer with an invoice e-mail and a Peppol ID: every format is valid."""
    contact_update(
        world.ctx,
        contact_id=draft.contact_id,
        email="rechnung@mueller.test",
        peppol_id="0088:4000001000005",
    )
    return invoice_issue(world.ctx, invoice_id=draft.pk, issue_date=ISSUE_DAY)


def htmx(client, url: str, data: dict | None = None, method: str = "post"):
    """A request as htmx sends it from the overlay."""
    headers = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "draft"}
    return getattr(client, method)(url, data or {}, **headers)


def line_of(world, invoice_id: int, index: int = 0):
    return invoice_detail(tenant=world.tenant, invoice_id=invoice_id).detail_lines[index]


def edit_url(invoice_id: int, line_id: int) -> str:
    return reverse("web:draft_line_edit", args=[invoice_id, line_id])


BILLING_PAGES = [
    "web:billing",
    "web:billing_items",
    "web:billing_review",
    "web:invoice_list",
    "web:receivables",
    "web:numbering",
]


# --- pages and access -------------------------------------------------------------------------


@pytest.mark.parametrize("name", BILLING_PAGES)
def test_billing_pages_render_on_an_empty_tenant(browser, name):
    response = browser.get(reverse(name))

    assert response.status_code == 200
    assert b'class="empty' in response.content or b"<table" in response.content


def test_billing_pages_render_with_data(browser, world, issued):
    # given: an issued invoice, a second draft and a pending item
    task = world.task(title="Mail server")
    world.item(task, minutes=90)
    other = world.item(task, minutes=30)
    invoices_generate(world.ctx, item_ids=[other.pk], grouping="task")

    pages = {name: browser.get(reverse(name)).content.decode() for name in BILLING_PAGES}

    assert "Mail server" in pages["web:billing_items"]
    assert "Müller Maschinenbau GmbH" in pages["web:billing_review"]
    assert issued.number in pages["web:invoice_list"]
    assert issued.number in pages["web:receivables"]
    assert "none" in pages["web:numbering"]  # the gap report: nothing missing
    detail = browser.get(reverse("web:invoice_detail", args=[issued.pk]))
    assert detail.status_code == 200
    assert issued.number in detail.content.decode()


def test_navigation_lists_the_billing_pages(browser):
    page = browser.get(reverse("web:billing_review")).content.decode()

    for label in ("Ready to bill", "Billable items", "Invoice review", "Invoices"):
        assert f">{label}</a>" in page
    settings_page = browser.get(reverse("web:numbering")).content.decode()
    assert ">Numbering</a>" in settings_page


@pytest.mark.parametrize("role", ["member", "approver"])
def test_roles_without_invoices_get_403(browser_as, world, draft, issued, role):
    client, _ = browser_as(role)
    urls = [reverse(name) for name in BILLING_PAGES] + [
        reverse("web:invoice_detail", args=[issued.pk]),
        reverse("web:invoice_download", args=[issued.pk, "pdf"]),
    ]
    for url in urls:
        assert client.get(url).status_code == 403, url
    line = line_of(world, issued.pk)
    for url, data in [
        (reverse("web:billing_compile"), {}),
        (reverse("web:billing_generate"), {"grouping": "contact"}),
        (reverse("web:billing_run"), {"period": "2026-03"}),
        (reverse("web:draft_settle", args=[issued.pk]), {}),
        (edit_url(issued.pk, line.pk), {"title": "x"}),
        (reverse("web:invoice_credit", args=[issued.pk]), {"scope": "all"}),
    ]:
        assert client.post(url, data).status_code == 403, url
    assert Invoice.objects.get(pk=issued.pk).status == "issued"


def test_billing_role_reviews_and_settles(browser_as, world):
    client, _ = browser_as("billing")
    task = world.task(title="Backup")
    item = world.item(task, minutes=60)
    [invoice] = invoices_generate(world.ctx, item_ids=[item.pk], grouping="contact")

    response = client.post(reverse("web:draft_settle", args=[invoice.pk]))

    assert response.status_code == 302
    assert Invoice.objects.get(pk=invoice.pk).number is not None


def test_other_tenants_invoices_are_404(browser, other_world):
    task = other_world.task(title="Foreign")
    item = other_world.item(task, minutes=60)
    [foreign] = invoices_generate(other_world.ctx, item_ids=[item.pk], grouping="contact")
    line = line_of(other_world, foreign.pk)
    foreign_issued_line = line

    assert browser.get(reverse("web:invoice_detail", args=[foreign.pk])).status_code == 404
    fragment = htmx(browser, reverse("web:invoice_detail", args=[foreign.pk]), method="get")
    assert fragment.status_code == 404
    for url, data in [
        (edit_url(foreign.pk, line.pk), {"title": "Mine now"}),
        (edit_url(foreign.pk, line.pk), {"step": "up"}),
        (reverse("web:draft_line_remove", args=[foreign.pk, line.pk]), {}),
        (
            reverse("web:draft_line_add", args=[foreign.pk]),
            {"title": "x", "quantity": "1", "unit": "C62", "unit_price": "1", "vat_rate": "19"},
        ),
        (reverse("web:draft_header", args=[foreign.pk]), {"po_number": "X"}),
        (reverse("web:draft_settle", args=[foreign.pk]), {}),
        (reverse("web:draft_delete", args=[foreign.pk]), {}),
    ]:
        assert browser.post(url, data).status_code == 404, url
    invoice_issue(other_world.ctx, invoice_id=foreign.pk, issue_date=ISSUE_DAY)
    for url in (
        reverse("web:invoice_download", args=[foreign.pk, "pdf"]),
        reverse("web:invoice_detail", args=[foreign.pk]),
    ):
        assert browser.get(url).status_code == 404, url
    for url, data in [
        (reverse("web:invoice_send", args=[foreign.pk]), {"to": "x@example.test"}),
        (reverse("web:invoice_credit", args=[foreign.pk]), {"scope": "all", "entries": "release"}),
    ]:
        assert browser.post(url, data).status_code == 404, url
    foreign.refresh_from_db()
    assert foreign.status == "issued"
    assert line_of(other_world, foreign.pk).title == foreign_issued_line.title
    op = Operation.objects.create(tenant=other_world.tenant, kind="billable_items_compile")
    assert browser.get(reverse("web:billing_operation", args=[op.pk])).status_code == 404


# --- billable items, compile and generation ---------------------------------------------------


@pytest.fixture
def run_queued_tasks():
    """Runs every queued background task in this process, as a worker would."""

    def run() -> None:
        call_command(
            "db_worker", batch=True, reload=False, startup_delay=False, interval=0, verbosity=0
        )

    return run


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


# --- review: manual invoices and the billing run ---------------------------------------------


def test_manual_invoice_opens_in_the_overlay(browser, world):
    contact = world.contact(name="Kanzlei Weber")

    response = browser.post(reverse("web:billing_invoice_new"), {"contact_id": contact.pk})

    invoice = Invoice.objects.get(tenant=world.tenant, contact=contact)
    assert invoice.status == "draft" and invoice.grouping == "manual"
    assert response["Location"] == f"{reverse('web:billing_review')}?open={invoice.pk}"
    review = browser.get(response["Location"]).content.decode()
    detail = reverse("web:invoice_detail", args=[invoice.pk])
    assert f'hx-get="{detail}" hx-trigger="load"' in review


@pytest.mark.django_db(transaction=True)
def test_billing_run_puts_the_periods_items_on_open_drafts(browser, world, run_queued_tasks):
    task = world.task(title="Monthly support")
    world.item(task, minutes=60, day=dt.date(2026, 3, 3))
    world.item(task, minutes=30, day=dt.date(2026, 3, 20))
    world.item(task, minutes=30, day=dt.date(2026, 4, 2))  # next period

    started = browser.post(reverse("web:billing_run"), {"period": "2026-03"})
    assert "The billing run is queued" in browser.get(started["Location"]).content.decode()
    run_queued_tasks()
    response = browser.get(started["Location"])

    [draft] = Invoice.objects.filter(tenant=world.tenant, status="draft")
    assert (draft.service_period_start, draft.service_period_end) == (
        dt.date(2026, 3, 1),
        dt.date(2026, 3, 31),
    )
    assert draft.grouping == "run"
    assert "Billing run 2026-03: 1 drafts created, 0 updated, 2 items added." in (
        response.content.decode()
    )
    again = browser.post(reverse("web:billing_run"), {"period": "2026-03"})
    run_queued_tasks()
    assert "there were no pending items to add" in browser.get(again["Location"]).content.decode()
    bad = browser.post(reverse("web:billing_run"), {"period": "March"}, follow=True)
    assert "Use YYYY-MM" in bad.content.decode()
    assert Invoice.objects.filter(tenant=world.tenant).count() == 1


def test_review_list_shows_the_review_columns(browser, world, draft):
    page = browser.get(reverse("web:billing_review")).content.decode()

    row = re.search(rf'<tr data-invoice="{draft.pk}">(.*?)</tr>', page, re.S).group(1)
    assert "Müller Maschinenbau GmbH" in row
    assert "Support Müller Maschinenbau GmbH" in row  # the project
    assert "Invoice" in row and "Per customer" in row
    assert "03/02/2026 – 03/02/2026" in row  # the service period
    assert "€1,075.00" in row  # net


# --- the draft overlay ------------------------------------------------------------------------


def test_draft_opens_as_overlay_fragment_or_full_page(browser, draft):
    url = reverse("web:invoice_detail", args=[draft.pk])

    fragment = htmx(browser, url, method="get").content.decode()
    full = browser.get(url).content.decode()

    assert fragment.startswith('<div id="draft"')
    assert "<html" not in fragment
    assert 'class="btn btn-ghost overlay-close"' in fragment
    assert "<html" in full and 'id="draft"' in full
    assert "overlay-close" not in full
    for text in ("Printer", "Incident", "8:00", "10:45", "€1,075.00", "€204.25", "€1,279.25"):
        assert text in fragment, text


def test_title_is_edited_inline(api, browser, world, draft):
    line = line_of(world, draft.pk)

    response = htmx(browser, edit_url(draft.pk, line.pk), {"title": "Printer repaired"})

    assert response.status_code == 200
    assert response["HX-Trigger"] == "invoiceChanged"
    assert 'value="Printer repaired"' in response.content.decode()
    assert api.get(f"invoices/{draft.pk}").json()["lines"][0]["title"] == "Printer repaired"


def test_plus_and_minus_step_by_the_rounding_increment(api, browser, world, draft):
    # given: 10:45 logged and billed, the company rounds to 15 minutes
    line = line_of(world, draft.pk)
    url = edit_url(draft.pk, line.pk)

    # when: "+" is pressed
    page = htmx(browser, url, {"step": "up"}).content.decode()

    # then: 11:00 is billed and the overlay shows the correction
    body = api.get(f"invoices/{draft.pk}").json()
    assert body["lines"][0]["quantity"] == "11.0000"
    assert body["lines"][0]["correction_display"] == "+0:15"
    assert 'data-testid="correction">+0:15</span>' in page
    assert 'value="11:00"' in page
    assert body["totals"]["net"] == "1100.00"
    assert "€1,100.00" in page
    # the exact field takes H:MM: 12:00 agreed with the customer
    page = htmx(browser, url, {"quantity": "12:00"}).content.decode()
    assert api.get(f"invoices/{draft.pk}").json()["lines"][0]["correction_display"] == "+1:15"
    assert 'data-testid="correction">+1:15</span>' in page
    # "-" steps down on the same grid, below what was logged
    htmx(browser, url, {"step": "down"})
    htmx(browser, url, {"step": "down"})
    htmx(browser, url, {"step": "down"})
    htmx(browser, url, {"step": "down"})
    htmx(browser, url, {"step": "down"})
    page = htmx(browser, url, {"step": "down"}).content.decode()
    line = api.get(f"invoices/{draft.pk}").json()["lines"][0]
    assert (line["quantity"], line["correction_display"]) == ("10.5000", "-0:15")
    assert 'data-testid="correction">-0:15</span>' in page
    # a decimal works too, in the reader's language
    htmx(browser, url, {"quantity": "9.5"})
    assert api.get(f"invoices/{draft.pk}").json()["lines"][0]["quantity"] == "9.5000"


def test_step_follows_the_projects_rounding_rule(api, browser, world):
    project = world.project(time_rounding={"increment_minutes": 30})
    task = world.task(project, title="Consulting")
    item = world.item(task, minutes=70)
    [invoice] = invoices_generate(world.ctx, item_ids=[item.pk], grouping="contact")
    line = line_of(world, invoice.pk)

    page = htmx(browser, edit_url(invoice.pk, line.pk), {"step": "up"}).content.decode()

    assert api.get(f"invoices/{invoice.pk}").json()["lines"][0]["quantity"] == "1.5000"
    assert 'title="+ 0:30"' in page


def test_invalid_quantity_is_refused_and_nothing_changes(api, browser, world, draft):
    line = line_of(world, draft.pk)

    page = htmx(browser, edit_url(draft.pk, line.pk), {"quantity": "ten"}).content.decode()
    negative = htmx(browser, edit_url(draft.pk, line.pk), {"quantity": "-2"}).content.decode()

    assert "is not a number" in page
    assert "quantity" in negative and "message-error" in negative
    assert api.get(f"invoices/{draft.pk}").json()["lines"][0]["quantity"] == "10.7500"


def test_do_not_bill_and_restore(api, browser, world, draft):
    line = line_of(world, draft.pk)
    entry_ids = sorted(line.entry_ids)

    page = htmx(browser, edit_url(draft.pk, line.pk), {"do_not_bill": "1"}).content.decode()

    body = api.get(f"invoices/{draft.pk}").json()
    assert body["lines"][0]["do_not_bill"] is True
    assert body["totals"] == {"net": "0.00", "vat": "0.00", "gross": "0.00"}
    assert 'class="is-excluded"' in page and 'data-testid="restore"' in page
    assert "The invoice has no line to bill." in page
    states = set(TaskEntry.objects.filter(pk__in=entry_ids).values_list("billing_state", flat=True))
    assert states == {"not_billable"}

    page = htmx(browser, edit_url(draft.pk, line.pk), {"do_not_bill": "0"}).content.decode()

    assert api.get(f"invoices/{draft.pk}").json()["totals"]["net"] == "1075.00"
    assert 'data-testid="do-not-bill"' in page
    states = set(TaskEntry.objects.filter(pk__in=entry_ids).values_list("billing_state", flat=True))
    assert states == {"on_draft"}


def test_unit_price_is_edited_inline(api, browser, world, draft):
    line = line_of(world, draft.pk)

    htmx(browser, edit_url(draft.pk, line.pk), {"unit_price": "120"})

    line = api.get(f"invoices/{draft.pk}").json()["lines"][0]
    assert (line["unit_price"], line["price_source"], line["net_amount"]) == (
        "120.000000",
        "manual",
        "1290.00",
    )


def test_remove_line_returns_its_items_to_pending(api, browser, world, draft):
    line = line_of(world, draft.pk)

    response = htmx(browser, reverse("web:draft_line_remove", args=[draft.pk, line.pk]))

    assert response.status_code == 200
    assert "Printer removed; its items are pending again." in response.content.decode()
    assert api.get(f"invoices/{draft.pk}").json()["lines"] == []
    assert set(
        BillableItem.objects.filter(tenant=world.tenant).values_list("status", flat=True)
    ) == {"pending"}


def test_manual_item_is_added(api, browser, world, draft):
    response = htmx(
        browser,
        reverse("web:draft_line_add", args=[draft.pk]),
        {
            "title": "Travel costs",
            "quantity": "2",
            "unit": "C62",
            "unit_price": "48.50",
            "vat_rate": "7",
        },
    )

    assert response["HX-Trigger"] == "invoiceChanged"
    body = api.get(f"invoices/{draft.pk}").json()
    manual = body["lines"][1]
    assert (manual["title"], manual["quantity"], manual["net_amount"], manual["vat_rate"]) == (
        "Travel costs",
        "2.0000",
        "97.00",
        "7.00",
    )
    assert body["totals"] == {"net": "1172.00", "vat": "211.04", "gross": "1383.04"}
    page = response.content.decode()
    assert "VAT 7 %" in page and "VAT 19 %" in page  # the breakdown per rate
    assert "€211.04" in page


def test_manual_item_errors_stay_on_the_form(api, browser, world, draft):
    response = htmx(
        browser,
        reverse("web:draft_line_add", args=[draft.pk]),
        {"title": "", "quantity": "1", "unit": "C62", "unit_price": "-3", "vat_rate": "19"},
    )

    page = response.content.decode()
    assert 'data-field="title"' in page and "field-error" in page
    assert len(api.get(f"invoices/{draft.pk}").json()["lines"]) == 1
    assert not response.has_header("HX-Trigger")


def test_an_exempt_manual_item_needs_its_reason(api, browser, world, draft):
    url = reverse("web:draft_line_add", args=[draft.pk])
    item = {"title": "Insurance", "quantity": "1", "unit": "C62", "unit_price": "80"}

    # the prefilled 19 % does not apply to an exempt line; the missing reason is named
    missing = htmx(browser, url, {**item, "vat_rate": "19", "vat_category": "E"})
    page = missing.content.decode()
    assert 'data-field="exemption_reason"' in page and "needs the legal reason" in page
    assert len(api.get(f"invoices/{draft.pk}").json()["lines"]) == 1

    reason = "Steuerfrei nach § 4 Nr. 10 UStG"
    added = htmx(
        browser, url, {**item, "vat_rate": "19", "vat_category": "E", "exemption_reason": reason}
    )
    assert added["HX-Trigger"] == "invoiceChanged"
    line = api.get(f"invoices/{draft.pk}").json()["lines"][1]
    assert (line["vat_category"], line["vat_rate"], line["exemption_reason"]) == (
        "E",
        "0.00",
        reason,
    )


def test_header_fields_are_saved(api, browser, world, draft):
    response = htmx(
        browser,
        reverse("web:draft_header", args=[draft.pk]),
        {
            "po_number": "PO-4711",
            "buyer_reference": "04011000-1234512345-06",
            "service_period_start": "2026-03-01",
            "service_period_end": "2026-03-31",
            "intro_text": "Thank you for your order.",
            "closing_text": "",
            "payment_terms_days": "",
        },
    )

    assert response.status_code == 200
    body = api.get(f"invoices/{draft.pk}").json()
    assert body["po_number"] == "PO-4711"
    assert body["buyer_reference"] == "04011000-1234512345-06"
    assert (body["service_period_start"], body["service_period_end"]) == (
        "2026-03-01",
        "2026-03-31",
    )
    assert body["intro_text"] == "Thank you for your order."
    wrong = htmx(
        browser,
        reverse("web:draft_header", args=[draft.pk]),
        {"service_period_start": "2026-03-31", "service_period_end": "2026-03-01"},
    ).content.decode()
    assert "Must not be before the start." in wrong


def test_plain_form_posts_work_without_javascript(api, browser, world, draft):
    line = line_of(world, draft.pk)

    response = browser.post(edit_url(draft.pk, line.pk), {"step": "up"})

    assert response.status_code == 302
    assert response["Location"] == reverse("web:invoice_detail", args=[draft.pk])
    assert api.get(f"invoices/{draft.pk}").json()["lines"][0]["quantity"] == "11.0000"


def test_settle_assigns_the_number_and_redirects(api, browser, world, draft):
    response = htmx(browser, reverse("web:draft_settle", args=[draft.pk]))

    draft.refresh_from_db()
    assert draft.status == "issued"
    assert re.fullmatch(r"\d{4}-0001", draft.number)
    assert response["HX-Redirect"] == reverse("web:invoice_detail", args=[draft.pk])
    page = browser.get(response["HX-Redirect"]).content.decode()
    assert f"Invoice {draft.number} issued." in page
    assert draft.number in page
    assert "Send by e-mail" in page
    # an issued invoice cannot be edited from a stale overlay
    line = line_of(world, draft.pk)
    stale = htmx(browser, edit_url(draft.pk, line.pk), {"title": "Changed later"})
    assert stale["HX-Redirect"] == reverse("web:invoice_detail", args=[draft.pk])
    assert line_of(world, draft.pk).title == line.title


def test_settle_shows_what_blocks_it(browser, world):
    world.tenant.vat_id = ""
    world.tenant.tax_number = ""
    world.tenant.save(update_fields=["vat_id", "tax_number"])
    task = world.task(title="Audit")
    item = world.item(task, minutes=60)
    [invoice] = invoices_generate(world.ctx, item_ids=[item.pk], grouping="contact")

    response = htmx(browser, reverse("web:draft_settle", args=[invoice.pk]))

    page = response.content.decode()
    assert "The invoice cannot be issued yet" in page
    assert "The company profile needs a VAT ID or a tax number." in page
    assert 'data-testid="settle" disabled' in page
    invoice.refresh_from_db()
    assert invoice.number is None


def test_delete_draft_returns_items_to_pending(browser, world, draft):
    response = htmx(browser, reverse("web:draft_delete", args=[draft.pk]))

    assert response["HX-Redirect"] == reverse("web:billing_review")
    assert not Invoice.objects.filter(pk=draft.pk).exists()
    assert set(BillableItem.objects.values_list("status", flat=True)) == {"pending"}


def test_draft_overlay_in_german(world, draft, owner):
    client = signed_in(owner, "de")

    page = htmx(client, reverse("web:invoice_detail", args=[draft.pk]), method="get")

    text = page.content.decode()
    assert "Abrechnen" in text and "Nicht berechnen" in text
    assert "1.075,00\xa0€" in text
    assert "USt 19 %" in text


# --- issued invoices: list, detail, documents, sending, credit notes --------------------------


def test_downloads_return_the_stored_bytes(api, browser, issued_in_every_format):
    issued = issued_in_every_format
    ui = browser.get(reverse("web:invoice_download", args=[issued.pk, "pdf"]))
    via_api = api.get(f"invoices/{issued.pk}/pdf")

    assert ui.status_code == 200
    assert ui["Content-Type"] == "application/pdf"
    assert ui["Content-Disposition"] == f'attachment; filename="{issued.number}.pdf"'
    assert ui.content.startswith(b"%PDF")
    assert ui.content == via_api.content
    assert ui["X-Content-SHA256"] == via_api["X-Content-SHA256"]
    # Factur-X is the same PDF; the XML formats are their own documents
    assert browser.get(reverse("web:invoice_download", args=[issued.pk, "facturx"])).content == (
        ui.content
    )
    for fmt in ("xrechnung-ubl", "xrechnung-cii", "peppol"):
        xml = browser.get(reverse("web:invoice_download", args=[issued.pk, fmt]))
        assert xml.status_code == 200, fmt
        assert xml.content.startswith(b"<?xml"), fmt
        assert xml.content == api.get(f"invoices/{issued.pk}/einvoice", format=fmt).content
    assert browser.get(reverse("web:invoice_download", args=[issued.pk, "docx"])).status_code == 404


def test_a_draft_has_no_downloads(browser, draft):
    response = browser.get(reverse("web:invoice_download", args=[draft.pk, "pdf"]), follow=True)

    assert "A draft has no documents yet; settle it first." in response.content.decode()


def test_invoice_detail_shows_the_frozen_document(browser, issued):
    page = browser.get(reverse("web:invoice_detail", args=[issued.pk])).content.decode()

    assert f'Invoice <span class="mono">{issued.number}</span>' in page
    assert "invoice-status-issued" in page
    assert "04/01/2026" in page  # issue date
    assert "10.75 h" in page and "€1,075.00" in page and "€1,279.25" in page
    # the customer has no e-mail, Leitweg-ID or Peppol ID: no XML format can be valid
    # (BT-49 missing), so only the PDF with Factur-X is offered, and the page says why
    for slug in ("pdf", "facturx"):
        assert reverse("web:invoice_download", args=[issued.pk, slug]) in page
    for slug in ("xrechnung-ubl", "xrechnung-cii", "peppol"):
        assert reverse("web:invoice_download", args=[issued.pk, slug]) not in page
    formats = page[page.index('id="formats"') :]
    assert formats.count('data-testid="format-unavailable"') == 3
    assert "The buyer needs an electronic address (BT-49" in formats
    assert 'data-testid="credit"' in page


def test_an_unavailable_format_is_not_downloaded(browser, issued):
    response = browser.get(
        reverse("web:invoice_download", args=[issued.pk, "xrechnung-ubl"]), follow=True
    )
    assert response.status_code == 200
    assert "xrechnung-ubl is not available for this invoice" in response.content.decode()
    assert response.get("Content-Disposition") is None


def test_invoice_list_filters_and_derives_overdue(browser, world, issued):
    page = browser.get(reverse("web:invoice_list")).content.decode()
    assert issued.number in page
    assert "invoice-status-overdue" in page  # due 2026-04-15, long past

    overdue = browser.get(reverse("web:invoice_list"), {"status": "overdue"}).content.decode()
    paid = browser.get(reverse("web:invoice_list"), {"status": "paid"}).content.decode()
    by_number = browser.get(reverse("web:invoice_list"), {"q": issued.number}).content.decode()
    notes = browser.get(reverse("web:invoice_list"), {"kind": "credit_note"}).content.decode()

    assert issued.number in overdue
    assert issued.number not in paid
    assert issued.number in by_number
    assert "No invoices match these filters." in notes


@pytest.fixture
def mailbox(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DEFAULT_FROM_EMAIL = "billing@acme.test"
    from django.core import mail

    return mail.outbox


def test_send_by_email_prefills_the_buyer_and_records_the_delivery(browser, world, mailbox):
    contact = world.contact(name="Hafen GmbH", email="rechnung@hafen.test")
    task = world.task(world.project(contact), title="Router")
    [draft] = invoices_generate(world.ctx, item_ids=[world.item(task).pk], grouping="contact")
    invoice = invoice_issue(world.ctx, invoice_id=draft.pk, issue_date=ISSUE_DAY)
    url = reverse("web:invoice_detail", args=[invoice.pk])
    assert 'value="rechnung@hafen.test"' in browser.get(url).content.decode()

    response = browser.post(
        reverse("web:invoice_send", args=[invoice.pk]), {"to": "rechnung@hafen.test"}, follow=True
    )

    page = response.content.decode()
    assert "Invoice sent to rechnung@hafen.test." in page
    assert len(mailbox) == 1 and mailbox[0].to == ["rechnung@hafen.test"]
    assert "delivery-sent" in page
    invoice.refresh_from_db()
    assert invoice.status == "sent"
    # a second send needs the explicit resend the page asks to confirm
    assert 'name="resend" value="on"' in page and "Send again" in page
    browser.post(
        reverse("web:invoice_send", args=[invoice.pk]),
        {"to": "rechnung@hafen.test", "resend": "on"},
    )
    assert len(mailbox) == 2


def test_send_failure_is_shown_and_recorded(browser, settings, issued):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nobody listens there

    response = browser.post(
        reverse("web:invoice_send", args=[issued.pk]), {"to": "rechnung@mueller.test"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "The mail server did not accept the message" in page
    assert "delivery-failed" in page
    issued.refresh_from_db()
    assert issued.status == "issued"


def test_credit_note_for_selected_lines_releases_the_entries(browser, world):
    task = world.task(title="Printer")
    second = world.task(task.project, title="Scanner")
    items = [world.item(task, minutes=60), world.item(second, minutes=30)]
    [draft] = invoices_generate(world.ctx, item_ids=[i.pk for i in items], grouping="contact")
    invoice = invoice_issue(world.ctx, invoice_id=draft.pk, issue_date=ISSUE_DAY)
    first_line = line_of(world, invoice.pk, 0)

    response = browser.post(
        reverse("web:invoice_credit", args=[invoice.pk]),
        {"scope": "lines", "line_ids": [str(first_line.pk)], "entries": "release"},
    )

    note = Invoice.objects.get(tenant=world.tenant, kind="credit_note")
    assert response["Location"] == reverse("web:invoice_detail", args=[note.pk])
    assert note.credit_note_of_id == invoice.pk
    assert note.gross_total == Decimal("-119.00")
    invoice.refresh_from_db()
    assert invoice.status == "issued"  # partly credited
    assert TaskEntry.objects.get(pk=items[0].entry_id).billing_state == "unbilled"
    assert TaskEntry.objects.get(pk=items[1].entry_id).billing_state == "invoiced"
    note_page = browser.get(response["Location"]).content.decode()
    assert 'data-testid="original-invoice"' in note_page and invoice.number in note_page
    page = browser.get(reverse("web:invoice_detail", args=[invoice.pk])).content.decode()
    assert note.number in page and "credited" in page
    # the credited line cannot be chosen again
    assert f'value="{first_line.pk}"' not in page


def test_full_credit_note_writes_off_and_voids(browser, world, issued):
    response = browser.post(
        reverse("web:invoice_credit", args=[issued.pk]), {"scope": "all", "entries": "write_off"}
    )

    issued.refresh_from_db()
    assert issued.status == "void"
    assert response.status_code == 302
    assert set(BillableItem.objects.values_list("status", flat=True)) == {"written_off"}
    page = browser.get(reverse("web:invoice_detail", args=[issued.pk])).content.decode()
    assert 'data-testid="credit"' not in page  # nothing left to credit
    assert "invoice-status-void" in page


def test_credit_note_needs_lines_when_lines_are_chosen(browser, issued):
    response = browser.post(
        reverse("web:invoice_credit", args=[issued.pk]), {"scope": "lines", "entries": "release"}
    )

    assert response.status_code == 200
    assert "Select the lines to credit." in response.content.decode()
    assert not Invoice.objects.filter(kind="credit_note").exists()


# --- receivables and numbering ----------------------------------------------------------------


def test_receivables_list_overdue_first_with_totals(browser, world):
    def invoice(title: str, minutes: int, day: dt.date):
        task = world.task(title=title)
        item = world.item(task, minutes=minutes)
        [draft] = invoices_generate(world.ctx, item_ids=[item.pk], grouping="contact")
        return invoice_issue(world.ctx, invoice_id=draft.pk, issue_date=day)

    today = tenant_today(world.tenant)  # the company's date, as the page counts
    late = invoice("Late", 60, today - dt.timedelta(days=30))  # 14 days terms: 16 days overdue
    current = invoice("Current", 30, today)

    page = browser.get(reverse("web:receivables")).content.decode()

    assert page.index(late.number) < page.index(current.number)
    assert page.index("Overdue") < page.index("Not yet due")
    assert "16 days" in page
    assert "€178.50" in page  # 119.00 + 59.50 open in EUR
    assert "€119.00" in page  # of which overdue


def test_numbering_sets_a_starting_counter_and_reports_no_gaps(browser, world, draft):
    response = browser.post(
        reverse("web:numbering"), {"kind": "invoice", "next_value": "1042", "period": ""}
    )
    assert response.status_code == 302

    invoice = invoice_issue(world.ctx, invoice_id=draft.pk, issue_date=ISSUE_DAY)

    assert invoice.number.endswith("-1042")
    sequence = NumberSequence.objects.get(tenant=world.tenant, kind="invoice")
    assert (sequence.first_value, sequence.last_value) == (1042, 1042)
    page = browser.get(reverse("web:numbering")).content.decode()
    row = re.search(r"<table class=\"table gap-report\">(.*?)</table>", page, re.S).group(1)
    assert ">1042<" in row and ">none<" in row
    backwards = browser.post(
        reverse("web:numbering"), {"kind": "invoice", "next_value": "5", "period": ""}
    )
    assert "Must be at least 1043." in backwards.content.decode()


# --- query counts -----------------------------------------------------------------------------

ROWS = 20


@pytest.fixture
def many_drafts(world):
    """20 drafts, one per ticket of 20 customers."""
    items = []
    for n in range(ROWS):
        contact = world.contact(name=f"Kunde {n:02d}")
        items.append(world.item(world.task(world.project(contact), title=f"Ticket {n:02d}")))
    return invoices_generate(world.ctx, item_ids=[i.pk for i in items], grouping="task")


@pytest.mark.parametrize(
    ("name", "issue"),
    [
        ("web:billing_review", False),
        ("web:invoice_list", True),
        ("web:receivables", True),
        ("web:billing_items", False),
    ],
)
def test_list_queries_are_bounded(
    browser, world, many_drafts, django_assert_max_num_queries, name, issue
):
    if issue:
        for draft in many_drafts:
            invoice_issue(world.ctx, invoice_id=draft.pk, issue_date=ISSUE_DAY)
    browser.get(reverse(name))  # warm the session

    with django_assert_max_num_queries(12):
        response = browser.get(reverse(name), {"status": "all"} if "items" in name else {})

    assert response.status_code == 200
    assert response.content.decode().count("data-i") >= ROWS


def test_draft_overlay_queries_do_not_grow_with_lines(
    browser, world, django_assert_max_num_queries
):
    task_items = [world.item(world.task(title=f"Ticket {n}")) for n in range(ROWS)]
    # one customer: all on one draft
    contact = task_items[0].contact
    BillableItem.objects.filter(pk__in=[i.pk for i in task_items]).update(contact=contact)
    [invoice] = invoices_generate(
        world.ctx, item_ids=[i.pk for i in task_items], grouping="contact"
    )
    url = reverse("web:invoice_detail", args=[invoice.pk])
    htmx(browser, url, method="get")

    with django_assert_max_num_queries(12):
        page = htmx(browser, url, method="get").content.decode()

    assert page.count("data-line=") == ROWS


# --- the history of an issued invoice (issue 10) ------------------------------------------------


def test_an_issued_invoice_shows_its_history(browser, world, issued):
    # given: the invoice was credited in full through the UI, with a reason
    response = browser.post(
        reverse("web:invoice_credit", args=[issued.pk]),
        {"scope": "all", "entries": "release", "reason": "Hours booked on the wrong customer"},
    )
    assert response.status_code == 302
    note = Invoice.objects.get(credit_note_of=issued)

    # when
    page = browser.get(reverse("web:invoice_detail", args=[issued.pk])).content.decode()

    # then: who generated, issued and credited it, when, and why
    history = page[page.index('id="history"') :]
    assert history.index("Draft generated") < history.index(f"Issued as {issued.number}")
    assert history.index(f"Issued as {issued.number}") < history.index(
        f"Credited in full by credit note {note.number}: void"
    )
    assert "Hours booked on the wrong customer" in history
    assert world.owner.user.get_full_name() in history
    # the credit note's own page names its issue and the reason too
    note_page = browser.get(reverse("web:invoice_detail", args=[note.pk])).content.decode()
    note_history = note_page[note_page.index('id="history"') :]
    assert f"Credit note {note.number} issued" in note_history
    assert "Hours booked on the wrong customer" in note_history


def test_the_history_names_the_api_reason_of_a_credit_note(api, browser, world, issued):
    response = api.post(f"invoices/{issued.pk}/void", {"reason": "Customer cancelled"})
    assert response.status_code == 201, response.json()

    page = browser.get(reverse("web:invoice_detail", args=[issued.pk])).content.decode()

    assert "Customer cancelled" in page[page.index('id="history"') :]


# --- issue 9: the draft's PDF preview ----------------------------------------------------------


def test_the_draft_review_links_its_pdf_preview_which_stores_nothing(world, draft):
    browser = signed_in(world.owner)
    page = browser.get(reverse("web:invoice_detail", args=[draft.pk])).content.decode()
    preview_url = reverse("web:draft_preview", args=[draft.pk])
    assert f'href="{preview_url}"' in page and 'data-testid="draft-preview"' in page

    response = browser.get(preview_url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    draft.refresh_from_db()
    assert (draft.status, draft.number) == ("draft", None)
    assert not NumberSequence.objects.filter(tenant=world.tenant, last_value__gt=0).exists()


def test_a_preview_that_cannot_print_a_text_says_which(world, draft):
    from faktura.billing.models import InvoiceLine

    InvoiceLine.objects.filter(invoice=draft).update(title="打印机")
    browser = signed_in(world.owner)

    response = browser.get(reverse("web:draft_preview", args=[draft.pk]), follow=True)

    page = response.content.decode()
    assert "打印机" in page and "cannot print" in page
