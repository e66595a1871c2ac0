"""The draft overlay: inline edits checked against what the service says, manual items,
header fields, settling and the PDF preview (issue 9)."""

from __future__ import annotations

import re
from html import unescape

import pytest
from billing_web import edit_url, htmx, line_of
from django.urls import reverse

from faktura.billing.inputs import InvoicesGenerate
from faktura.billing.models import BillableItem, Invoice, NumberSequence
from faktura.billing.services.generation import invoices_generate
from faktura.work.models import TaskEntry
from tests.web.web_helpers import signed_in

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
    [invoice] = invoices_generate(
        world.ctx, data=InvoicesGenerate(billable_item_ids=[item.pk], grouping="contact")
    )
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
    [invoice] = invoices_generate(
        world.ctx, data=InvoicesGenerate(billable_item_ids=[item.pk], grouping="contact")
    )

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


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "contains characters the invoice fonts cannot print"),
        ("de", "enthält Zeichen, die die Schriften der Rechnung nicht drucken können"),
    ],
)
def test_the_draft_review_says_in_the_readers_language_which_text_cannot_print(
    world, draft, owner, language, expected
):
    from faktura.billing.models import InvoiceLine

    InvoiceLine.objects.filter(invoice=draft).update(title="打印机")
    client = signed_in(owner, language)

    page = htmx(client, reverse("web:invoice_detail", args=[draft.pk]), method="get")

    assert page.status_code == 200
    text = page.content.decode()
    assert expected in text
    assert "打印机" in text and "U+6253" in text


def test_an_implausible_quantity_is_flagged_on_the_draft(api, browser, world, draft):
    line = line_of(world, draft.pk)  # 10:45 logged
    url = edit_url(draft.pk, line.pk)

    page = htmx(browser, url, {"quantity": "99999999"}).content.decode()

    # billed 99,999,999 h against 10:45 logged: a warning, not a block
    assert "Printer: Billed 99999999:00, logged 10:45: more than 3 times apart." in page
    assert "Printer: The line amount" in page and "looks implausibly high" in page
    codes = {w["code"] for w in api.get(f"invoices/{draft.pk}").json()["warnings"]}
    assert {"quantity_implausible", "amount_implausible"} <= codes
    assert 'data-testid="settle" disabled' not in page
    # back to what was logged: no warning
    page = htmx(browser, url, {"quantity": "11:00"}).content.decode()
    assert "times apart" not in page and "implausibly high" not in page


def test_the_plausibility_limits_are_settings(settings, api, browser, world, draft):
    line = line_of(world, draft.pk)
    settings.FAKTURA_SANITY_FACTOR = "1.2"
    page = htmx(browser, edit_url(draft.pk, line.pk), {"quantity": "13:00"}).content.decode()
    assert "more than 1.2 times apart" in page
    settings.FAKTURA_SANITY_FACTOR = "0"  # off
    page = htmx(browser, edit_url(draft.pk, line.pk), {"quantity": "13:00"}).content.decode()
    assert "times apart" not in page


def test_the_draft_names_its_problems_in_german(api, owner, world, draft):
    # given: a line billed far beyond what was logged, a company without VAT ID or tax number,
    # a customer whose XRechnung needs a buyer reference and an electronic address
    world.tenant.vat_id = ""
    world.tenant.tax_number = ""
    world.tenant.save(update_fields=["vat_id", "tax_number"])
    line = line_of(world, draft.pk)
    german = signed_in(owner, "de")

    # when: the reviewer reads the draft in German
    page = htmx(german, edit_url(draft.pk, line.pk), {"quantity": "99999999"}).content.decode()

    # then: the draft's own checks, the plausibility warning (numbers as the page writes them)
    # and core's messages are German; the API keeps the same codes and paths
    page = unescape(page)
    assert "Das Unternehmensprofil braucht eine USt-IdNr. oder eine Steuernummer." in page
    assert "Printer: Abgerechnet 99999999:00, erfasst 10:45: mehr als das 3-Fache" in page
    assert "Printer: Der Positionsbetrag" in page
    warnings = {w["code"]: w for w in api.get(f"invoices/{draft.pk}").json()["warnings"]}
    implausible = warnings["quantity_implausible"]
    assert implausible["path"] == "lines[0].quantity"
    assert implausible["params"] == {"billed": "99999999.0000", "logged": "10.7500", "factor": "3"}
    assert implausible["message"] == (
        "#1 Printer: Billed 99999999.0000, logged 10.7500: more than 3 times apart. "
        "Check the quantity."
    )
    assert warnings["seller_tax_id_missing"]["path"] == "seller.vat_id"
    german = api.client.get(
        f"/api/v1/invoices/{draft.pk}",
        HTTP_AUTHORIZATION=f"Bearer {api.token}",
        HTTP_ACCEPT_LANGUAGE="de",
    ).json()
    assert {w["code"]: w["message"] for w in german["warnings"]}["seller_tax_id_missing"] == (
        "Das Unternehmensprofil braucht eine USt-IdNr. oder eine Steuernummer."
    )
