"""Cash discount (Skonto, issue 12) in the UI: the company settings, the contact form, the
draft review and the issued invoice."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from faktura.contacts.models import Contact
from tests.web.test_web_forms import CONTACT
from tests.web.web_helpers import field_error


def test_company_settings_and_contact_form_take_the_cash_discount(browser, tenant):
    page = browser.get(reverse("web:settings")).content.decode()
    assert 'name="cash_discount_percent"' in page and 'name="cash_discount_days"' in page

    form = {
        "name": tenant.name, "country": "DE", "currency": "EUR", "timezone": "Europe/Berlin",
        "language": "de", "payment_terms_days": "30", "invoice_number_format": "RE-{seq:05}",
        "credit_note_number_format": "GS-{seq:05}", "number_reset": "never",
        "accent_color": "#1f4e79", "tr_increment": "15", "tr_direction": "up",
        "tr_minimum": "0", "tr_level": "entry", "email_subject_de": "{kind} {number}",
        "email_body_de": "Anbei {kind} {number}.", "email_subject_en": "{kind} {number}",
        "email_body_en": "Attached {kind} {number}.",
    }  # fmt: skip
    bad = browser.post(reverse("web:settings"), {**form, "cash_discount_percent": "100"})
    assert "99.99" in field_error(bad.content.decode(), "cash_discount_percent")

    response = browser.post(
        reverse("web:settings"),
        {**form, "cash_discount_percent": "2", "cash_discount_days": "10"},
    )
    assert response.status_code == 302
    tenant.refresh_from_db()
    assert (tenant.cash_discount_percent, tenant.cash_discount_days) == (Decimal("2.00"), 10)

    response = browser.post(
        reverse("web:contact_create"), {**CONTACT, "cash_discount_percent": "0"}
    )
    assert response.status_code == 302
    contact = Contact.objects.get(tenant=tenant, name=CONTACT["name"])
    assert (contact.cash_discount_percent, contact.cash_discount_days) == (Decimal("0.00"), None)
    edit = browser.get(reverse("web:contact_edit", args=[contact.pk])).content.decode()
    assert 'name="cash_discount_percent"' in edit
