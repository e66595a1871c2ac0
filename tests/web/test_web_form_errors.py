"""Issue 15: a form shows all its errors at once, each next to its field, in the page's language
and without internal field names; the values come back as typed."""

from __future__ import annotations

import re
from html import unescape

from django.urls import reverse

from faktura.contacts.models import Contact
from tests.web.test_web_forms import CONTACT
from tests.web.web_helpers import field_error, signed_in

COMPANY = {
    "name": "Acme IT GmbH",
    "country": "DE",
    "currency": "EUR",
    "timezone": "Europe/Berlin",
    "language": "de",
    "payment_terms_days": "14",
    "invoice_number_format": "RE-{YYYY}-{seq:05}",
    "credit_note_number_format": "GS-{YYYY}-{seq:05}",
    "number_reset": "yearly",
    "accent_color": "#1f4e79",
    "tr_increment": "15",
    "tr_direction": "up",
    "tr_minimum": "0",
    "tr_level": "entry",
    "email_subject_de": "{kind} {number}",
    "email_body_de": "Anbei {kind} {number}.",
    "email_subject_en": "{kind} {number}",
    "email_body_en": "Please find attached {kind} {number}.",
}
INTERNAL_NAMES = re.compile(r"payment_terms_days|vat_id|cash_discount|started_at|unit_price")


def _errors(html: str) -> list[str]:
    return [unescape(e) for e in re.findall(r'<p class="field-error"[^>]*>(.*?)</p>', html, re.S)]


def test_a_contact_with_four_mistakes_shows_all_four_at_once(browser, tenant):
    bad = {
        **CONTACT,
        "email": "rechnung@",
        "vat_id": "DE136695977",
        "payment_terms_days": "400",
        "cash_discount_percent": "120",
    }
    response = browser.post(reverse("web:contact_create"), bad)

    html = response.content.decode()
    assert response.status_code == 200
    assert field_error(html, "email") == "Enter a valid e-mail address."
    assert field_error(html, "vat_id") == "Invalid VAT ID: check its digits."
    assert field_error(html, "payment_terms_days") == "Must be at most 365."
    assert field_error(html, "cash_discount_percent") == "Must be at most 99.99."
    assert not Contact.objects.filter(tenant=tenant).exists()


def test_reverse_charge_without_vat_id_is_reported_with_the_field_errors(browser, tenant):
    bad = {**CONTACT, "email": "rechnung@", "tax_treatment": "reverse_charge", "vat_id": ""}
    bad["payment_terms_days"] = "-1"

    html = browser.post(reverse("web:contact_create"), bad).content.decode()

    assert field_error(html, "vat_id") == "Reverse charge needs the customer's VAT ID."
    assert field_error(html, "email") == "Enter a valid e-mail address."
    assert field_error(html, "payment_terms_days") == "Must be at least 0."
    assert not Contact.objects.filter(tenant=tenant).exists()


def test_the_german_contact_form_speaks_german_and_names_no_internal_field(owner, tenant):
    browser = signed_in(owner, "de")
    bad = {
        **CONTACT,
        "email": "rechnung@",
        "vat_id": "DE136695977",
        "payment_terms_days": "400",
        "tax_treatment": "exempt",
    }
    html = browser.post(reverse("web:contact_create"), bad).content.decode()

    assert field_error(html, "email") == "Bitte eine gültige E-Mail-Adresse eingeben."
    assert field_error(html, "vat_id") == "Ungültige USt-IdNr.: Prüfziffer stimmt nicht."
    assert field_error(html, "payment_terms_days") == "Darf höchstens 365 sein."
    assert field_error(html, "exemption_reason") == (
        "Steuerbefreite Kunden brauchen einen Befreiungsgrund."
    )
    assert not any(INTERNAL_NAMES.search(e) for e in _errors(html))


def test_editing_a_contact_clears_an_emptied_field_and_keeps_the_others(browser, tenant):
    browser.post(reverse("web:contact_create"), {**CONTACT, "phone": "0221 123"})
    contact = Contact.objects.get(tenant=tenant)

    edited = {**CONTACT, "customer_number": contact.customer_number, "street": "", "phone": ""}
    response = browser.post(reverse("web:contact_edit", args=[contact.pk]), edited)

    assert response.status_code == 302
    contact.refresh_from_db()
    assert (contact.street, contact.phone, contact.city) == ("", "", "Köln")


def test_company_settings_with_four_mistakes_show_all_four_at_once(browser, tenant):
    bad = {
        **COMPANY,
        "iban": "DE00 1234",
        "bic": "NOTABIC",
        "email": "buchhaltung@",
        "invoice_number_format": "RE-{seq",
    }
    response = browser.post(reverse("web:settings"), bad)

    html = response.content.decode()
    assert response.status_code == 200
    assert field_error(html, "iban") == "Invalid IBAN: check its digits."
    assert field_error(html, "bic") == "Invalid BIC, e.g. COBADEFFXXX."
    assert field_error(html, "email") == "Enter a valid e-mail address."
    assert field_error(html, "invoice_number_format")
    tenant.refresh_from_db()
    assert tenant.payment_terms_days != 14 or tenant.iban == ""


def test_company_settings_in_german(owner, tenant):
    browser = signed_in(owner, "de")
    bad = {**COMPANY, "iban": "DE00 1234", "payment_terms_days": "500", "accent_color": "rot"}

    html = browser.post(reverse("web:settings"), bad).content.decode()

    assert field_error(html, "iban") == "Ungültige IBAN: Prüfziffer stimmt nicht."
    assert field_error(html, "payment_terms_days") == "Darf höchstens 365 sein."
    assert field_error(html, "accent_color")
    assert not any(INTERNAL_NAMES.search(e) for e in _errors(html))


def test_a_wrong_login_speaks_of_the_e_mail_address_not_a_username(owner):
    from django.test import Client

    for language, expected in (
        ("en", "Please enter a correct e-mail address and password."),
        ("de", "Bitte eine gültige E-Mail-Adresse und das richtige Passwort eingeben."),
    ):
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        response = client.post(
            reverse("web:login"), {"username": owner.user.email, "password": "not-the-one-1"}
        )

        text = unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))
        assert expected in text
        assert "username" not in text.lower() and "benutzername" not in text.lower()


def test_an_unreadable_duration_is_explained_in_german(owner, web_data):
    # (an end before the start is no error any more: it ends the next day)
    browser = signed_in(owner, "de")
    entry = {"task_id": web_data.task.pk, "date": "2026-03-05", "kind": "time"}

    response = browser.post(reverse("web:my_time"), {**entry, "duration": "anderthalb"})

    text = unescape(response.content.decode())
    assert "Bitte eine Dauer wie 1:30 eingeben." in text
    assert "duration_seconds" not in text


def test_a_negative_time_quantity_is_a_number():
    from decimal import Decimal

    from faktura.web.forms.billing import parse_quantity

    assert parse_quantity("-0:30") == Decimal("-0.5")
    assert parse_quantity("1:30") == Decimal("1.5")
