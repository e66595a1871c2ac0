"""Issued invoices: the list, the frozen document, downloads, sending by e-mail and the
history (issue 10)."""

from __future__ import annotations

import pytest
from billing_web import ISSUE_DAY
from django.urls import reverse

from faktura.billing.inputs import InvoiceIssue, InvoicesGenerate
from faktura.billing.models import Invoice
from faktura.billing.services.generation import invoices_generate
from faktura.billing.services.issue import invoice_issue

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
    # (BT-49 missing), so only the PDF with Factur-X is offered, and the page says why. The
    # Factur-X is that PDF: one button, labelled for what it is.
    assert reverse("web:invoice_download", args=[issued.pk, "pdf"]) in page
    assert reverse("web:invoice_download", args=[issued.pk, "facturx"]) not in page
    assert 'data-testid="download-pdf" download>PDF (Factur-X)</a>' in page
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
    [draft] = invoices_generate(
        world.ctx,
        data=InvoicesGenerate(billable_item_ids=[world.item(task).pk], grouping="contact"),
    )
    invoice = invoice_issue(world.ctx, invoice_id=draft.pk, data=InvoiceIssue(issue_date=ISSUE_DAY))
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


def test_the_vat_column_names_the_category(browser, world):
    eu = world.contact("Wiener Datentechnik GmbH", country="AT", vat_id="ATU13585627")
    item = world.item(contact=eu, vat_category="AE", vat_rate="0")
    [draft] = invoices_generate(
        world.ctx, data=InvoicesGenerate(billable_item_ids=[item.pk], grouping="contact")
    )
    issued = invoice_issue(world.ctx, invoice_id=draft.pk, data=InvoiceIssue(issue_date=ISSUE_DAY))

    page = browser.get(reverse("web:invoice_detail", args=[issued.pk])).content.decode()
    lines = page[page.index("<tbody") :]
    assert '<span class="vat-label" title="AE">Reverse charge</span>' in lines
