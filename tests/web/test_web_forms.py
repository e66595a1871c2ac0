"""Forms: create and edit through the services; their errors appear next to the field."""

from __future__ import annotations

import re
from decimal import Decimal

from django.test import Client
from django.urls import reverse

from faktura.catalog.models import PriceListItem, Product, ProductAssignment
from faktura.contacts.models import Contact
from faktura.tenancy.models import ApiToken, Membership, Team
from faktura.work.models import Project, Task
from tests.web.web_helpers import field_error, signed_in

CONTACT = {
    "name": "Stadtwerke Beispielstadt",
    "street": "Rathausplatz 1",
    "postal_code": "50667",
    "city": "Köln",
    "country": "DE",
    "language": "de",
    "currency": "EUR",
    "tax_treatment": "domestic",
    "is_active": "on",
    "tr_direction": "up",
    "tr_level": "entry",
}


def test_contact_with_an_invalid_vat_id_shows_the_error_and_creates_nothing(browser, tenant):
    response = browser.post(reverse("web:contact_create"), {**CONTACT, "vat_id": "DE136695977"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Invalid VAT ID" in field_error(html, "vat_id")
    assert field_error(html, "name") == ""
    assert 'value="Stadtwerke Beispielstadt"' in html  # the input is kept
    assert not Contact.objects.filter(tenant=tenant).exists()


def test_contact_rules_across_fields_name_their_field(browser, tenant):
    response = browser.post(reverse("web:contact_create"), {**CONTACT, "tax_treatment": "exempt"})

    assert "exemption reason" in field_error(response.content.decode(), "exemption_reason")
    assert not Contact.objects.filter(tenant=tenant).exists()


def test_create_and_edit_a_contact(browser, tenant, web_data):
    response = browser.post(
        reverse("web:contact_create"),
        {
            **CONTACT,
            "vat_id": "DE 136 695 976",
            "leitweg_id": "04011000-1234512345-06",
            "payment_terms_days": "30",
            "price_list_id": web_data.price_list.pk,
            "tr_increment": "15",
            "tr_minimum": "30",
        },
    )

    contact = Contact.objects.get(tenant=tenant, name="Stadtwerke Beispielstadt")
    assert response.status_code == 302
    assert response["Location"] == reverse("web:contact_detail", args=[contact.pk])
    assert contact.vat_id == "DE136695976"
    assert contact.leitweg_id == "04011000-1234512345-06"
    assert contact.payment_terms_days == 30
    assert contact.price_list_id == web_data.price_list.pk
    assert contact.time_rounding == {
        "increment_minutes": 15,
        "direction": "up",
        "minimum_minutes": 30,
        "level": "entry",
    }

    edit = browser.get(reverse("web:contact_edit", args=[contact.pk])).content.decode()
    assert 'value="04011000-1234512345-06"' in edit
    response = browser.post(
        reverse("web:contact_edit", args=[contact.pk]),
        {**CONTACT, "name": "Stadtwerke Beispielstadt AöR", "customer_number": "K-7"},
    )
    contact.refresh_from_db()
    assert response.status_code == 302
    assert contact.name == "Stadtwerke Beispielstadt AöR"
    assert contact.customer_number == "K-7"
    assert contact.time_rounding is None  # back to the inherited rule
    assert contact.leitweg_id == ""


def test_task_form_creates_and_edits(browser, tenant, web_data):
    response = browser.post(
        reverse("web:task_create"),
        {
            "project_id": web_data.project.pk,
            "title": "Backup fails nightly",
            "task_type": "incident",
            "status": "open",
            "estimate_hours": "1.5",
            "unit": "HUR",
        },
    )

    task = Task.objects.get(tenant=tenant, title="Backup fails nightly")
    assert response.status_code == 302
    assert task.client_id == web_data.customer.pk  # the project's customer by default
    assert task.billable is True
    assert task.estimate_hours == Decimal("1.50")

    response = browser.post(
        reverse("web:task_edit", args=[task.pk]),
        {
            "project_id": web_data.project.pk,
            "title": "Backup fails nightly",
            "task_type": "incident",
            "status": "done",
            "client_id": web_data.customer.pk,
            "billable": "1",
            "estimate_hours": "1.5",
            "unit": "HUR",
            "unit_price": "-5",
        },
    )
    assert "at least 0" in field_error(response.content.decode(), "unit_price")
    task.refresh_from_db()
    assert task.status == "open"  # nothing saved


def test_project_form_shows_value_group_rule(browser, tenant, web_data):
    data = {
        "name": "Intranet relaunch",
        "contact_id": web_data.customer.pk,
        "kind": "single",
        "scope": "external",
        "value_group": "B",
        "billing_model": "time_and_materials",
        "status": "active",
        "tr_direction": "up",
        "tr_level": "entry",
    }

    response = browser.post(reverse("web:project_create"), data)

    assert "value group A" in field_error(response.content.decode(), "value_group")
    assert not Project.objects.filter(tenant=tenant, name="Intranet relaunch").exists()

    response = browser.post(
        reverse("web:project_create"), {**data, "value_group": "A", "hourly_rate": "110"}
    )
    project = Project.objects.get(tenant=tenant, name="Intranet relaunch")
    assert response.status_code == 302
    assert project.hourly_rate == Decimal("110")
    assert project.currency == "EUR"


def test_project_member_rate(browser, web_data):
    url = reverse("web:project_member_rate", args=[web_data.project.pk])

    response = browser.post(url, {"membership_id": web_data.approver.pk, "hourly_rate": "85.5"})

    assert response.status_code == 302
    page = browser.get(reverse("web:project_detail", args=[web_data.project.pk])).content
    assert "€85.50" in page.decode()


def test_company_settings(browser, tenant):
    page = browser.get(reverse("web:settings")).content.decode()
    assert 'value="Acme IT GmbH"' in page

    data = {
        "name": "Acme IT GmbH",
        "country": "DE",
        "currency": "EUR",
        "timezone": "Europe/Berlin",
        "language": "de",
        "payment_terms_days": "21",
        "invoice_number_format": "RE-{YYYY}-{seq:05}",
        "credit_note_number_format": "GS-{YYYY}-{seq:05}",
        "number_reset": "yearly",
        "require_approval": "",
        "accent_color": "#7a1f5c",
        "tr_increment": "6",
        "tr_direction": "nearest",
        "tr_minimum": "0",
        "tr_level": "task_day",
        "iban": "DE89 3704 0044 0532 0130 00",
        "email_subject_de": "{kind} {number}",
        "email_body_de": "Anbei {kind} {number}.",
        "email_subject_en": "{kind} {number}",
        "email_body_en": "Please find attached {kind} {number}.",
    }
    bad = browser.post(reverse("web:settings"), {**data, "iban": "DE00 1234"})
    assert "Invalid IBAN" in field_error(bad.content.decode(), "iban")

    response = browser.post(reverse("web:settings"), data)

    tenant.refresh_from_db()
    assert response.status_code == 302
    assert tenant.invoice_number_format == "RE-{YYYY}-{seq:05}"
    assert tenant.payment_terms_days == 21
    assert tenant.require_approval is False
    assert tenant.iban == "DE89370400440532013000"
    assert tenant.time_rounding["increment_minutes"] == 6
    assert tenant.time_rounding["level"] == "task_day"
    page = browser.get(reverse("web:task_list")).content.decode()
    theme = re.search(r'href="(/theme\.css\?c=[^"]+)"', page).group(1)
    assert "--accent: #7a1f5c" in browser.get(theme).content.decode()


def test_api_token_is_shown_once(browser, owner):
    response = browser.post(reverse("web:token_list"), {"name": "Accounting sync"})

    html = response.content.decode()
    token = ApiToken.objects.get(membership=owner, name="Accounting sync")
    raw = re.search(r'id="new-token"', html) and re.search(r'value="(fk_[^"]+)"', html).group(1)
    assert raw.startswith(token.prefix)
    assert "shown only once" in html
    assert response["Cache-Control"] == "no-store"
    # the raw key works for the API, and the list never shows it again
    assert browser.get("/api/v1/tenant", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    listing = browser.get(reverse("web:token_list")).content.decode()
    assert raw not in listing and f"{token.prefix}…" in listing

    browser.post(reverse("web:token_revoke", args=[token.pk]))

    token.refresh_from_db()
    assert token.revoked_at is not None


def test_members_and_teams(browser, tenant):
    browser.post(reverse("web:team_list"), {"name": "Field service"})
    team = Team.objects.get(tenant=tenant, name="Field service")

    # inviting shows the link once; nobody joins before accepting it
    response = browser.post(
        reverse("web:member_list"),
        {"email": "Nina@acme.test", "role": "approver", "team_id": team.pk},
    )
    page = response.content.decode()
    assert response.status_code == 200 and 'data-testid="invitation-sent"' in page
    assert response["Cache-Control"] == "no-store"
    assert 'name="password"' not in page and 'name="name"' not in page
    link = re.search(r'value="(http://testserver/invitation/[^"]+)"', page).group(1)
    assert not Membership.objects.filter(tenant=tenant, user__email="nina@acme.test").exists()
    assert "nina@acme.test" in browser.get(reverse("web:member_list")).content.decode()

    joined = Client().post(
        link.removeprefix("http://testserver"),
        {"name": "Nina Neu", "password1": "nina-chooses-9", "password2": "nina-chooses-9"},
    )
    assert joined.status_code == 302
    member = Membership.objects.get(tenant=tenant, user__email="nina@acme.test")
    assert (member.role, member.team_id, member.display_name) == ("approver", team.pk, "Nina Neu")

    browser.post(
        reverse("web:member_edit", args=[member.pk]), {"role": "billing", "is_active": "on"}
    )
    member.refresh_from_db()
    assert member.role == "billing"
    duplicate = browser.post(
        reverse("web:member_list"), {"email": "nina@acme.test", "role": "member"}
    )
    assert "Already a member" in field_error(duplicate.content.decode(), "email")


def test_invitations_are_withdrawn_and_sent_again_in_the_ui(browser, tenant):
    from faktura.tenancy.models import Invitation

    browser.post(reverse("web:member_list"), {"email": "ben@acme.test", "role": "member"})
    invitation = Invitation.objects.get(tenant=tenant, email="ben@acme.test")

    resent = browser.post(reverse("web:invitation_resend", args=[invitation.pk]))
    assert resent.status_code == 200 and 'id="invitation-link"' in resent.content.decode()
    browser.post(reverse("web:invitation_revoke", args=[invitation.pk]))

    invitation.refresh_from_db()
    assert invitation.status == "revoked"
    page = browser.get(reverse("web:member_list")).content.decode()
    assert "was withdrawn" in page and 'data-testid="invitations"' not in page


def test_last_owner_cannot_be_demoted(browser, owner):
    response = browser.post(reverse("web:member_edit", args=[owner.pk]), {"role": "member"})

    assert response.status_code == 200
    assert "at least one active owner" in response.content.decode()
    owner.refresh_from_db()
    assert owner.role == "owner"


def test_catalog_forms(browser, tenant, web_data):
    response = browser.post(
        reverse("web:product_create"),
        {
            "name": "Travel",
            "kind": "transport",
            "unit": "KMT",
            "default_unit_price": "0.42",
            "vat_category": "S",
            "vat_rate": "19",
            "is_active": "on",
        },
    )
    product = Product.objects.get(tenant=tenant, name="Travel")
    assert response.status_code == 302
    assert product.default_unit_price == Decimal("0.42")

    bad = browser.post(
        reverse("web:product_create"),
        {"name": "Export", "kind": "goods", "unit": "C62", "vat_category": "S", "vat_rate": "0"},
    )
    assert field_error(bad.content.decode(), "vat_rate") != ""

    response = browser.post(
        reverse("web:assignment_create"),
        {
            "scope": "team",
            "scope_id": "",
            "line_kind": "transport_distance",
            "product_id": product.pk,
        },
    )
    assert "needs the team's id" in field_error(response.content.decode(), "scope_id")

    targets = browser.get(reverse("web:assignment_targets"), {"scope": "contact"}).content
    assert b"M\xc3\xbcller Maschinenbau GmbH" in targets
    response = browser.post(
        reverse("web:assignment_create"),
        {
            "scope": "contact",
            "scope_id": web_data.customer.pk,
            "line_kind": "transport_distance",
            "product_id": product.pk,
        },
    )
    assert response.status_code == 302
    assignment = ProductAssignment.objects.get(tenant=tenant, line_kind="transport_distance")
    assert assignment.contact_id == web_data.customer.pk
    listing = browser.get(reverse("web:assignment_list")).content.decode()
    assert "Müller Maschinenbau GmbH" in listing and "Travel" in listing


def test_set_a_price_inline_with_htmx(owner, web_data):
    browser = signed_in(owner, language="de")  # German input: a decimal comma
    url = reverse("web:pricelist_price_set", args=[web_data.price_list.pk, web_data.product.pk])

    response = browser.post(url, {"unit_price": "87,25"}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith(f'<tr id="price-{web_data.product.pk}">')
    assert 'value="87,25"' in html and "field-error" not in html
    item = PriceListItem.objects.get(price_list=web_data.price_list, product=web_data.product)
    assert item.unit_price == Decimal("87.25")

    bad = browser.post(url, {"unit_price": "1,1234567"}, HTTP_HX_REQUEST="true").content.decode()
    # in the German UI, in German (it said "At most 6 decimal places" in English)
    assert "Höchstens 6 Nachkommastellen." in bad
    item.refresh_from_db()
    assert item.unit_price == Decimal("87.25")

    browser.post(url, {"remove": "1"}, HTTP_HX_REQUEST="true")
    assert not PriceListItem.objects.filter(pk=item.pk).exists()


def test_units(browser, tenant):
    response = browser.post(reverse("web:unit_list"), {"code": "hur"})
    assert "exists" in field_error(response.content.decode(), "code")

    response = browser.post(reverse("web:unit_list"), {"code": "KGM", "name": "Kilogram"})
    assert response.status_code == 302
    assert "KGM" in browser.get(reverse("web:unit_list")).content.decode()


def test_contact_peppol_id_and_format(browser, tenant):
    """Issue 9: the contact form takes the Peppol ID and the preferred e-invoice format."""
    response = browser.post(
        reverse("web:contact_create"), {**CONTACT, "peppol_id": "EM:rechnung@stadtwerke.test"}
    )
    assert "EAS code list" in field_error(response.content.decode(), "peppol_id")
    assert not Contact.objects.filter(tenant=tenant).exists()

    browser.post(
        reverse("web:contact_create"),
        {**CONTACT, "peppol_id": "0088:4000001000005", "einvoice_format": "peppol"},
    )
    contact = Contact.objects.get(tenant=tenant)
    assert (contact.peppol_id, contact.einvoice_format) == ("0088:4000001000005", "peppol")
    page = browser.get(reverse("web:contact_detail", args=[contact.pk])).content.decode()
    assert "Peppol BIS Billing 3.0" in page and "0088:4000001000005" in page
    # "Automatic": XRechnung for a customer with a Leitweg-ID
    browser.post(
        reverse("web:contact_edit", args=[contact.pk]),
        {
            **CONTACT,
            "customer_number": contact.customer_number,
            "leitweg_id": "04011000-1234512345-06",
            "einvoice_format": "",
        },
    )
    contact.refresh_from_db()
    assert contact.einvoice_format == "xrechnung-ubl"
    assert contact.peppol_id == ""


def test_members_task_form_leaves_billing_to_billing(browser_as, tenant, web_data):
    """Issue 10: a member could change what is billed and to whom."""
    member_browser, _member = browser_as("member")
    task = web_data.task

    # the edit form shows the billing fields, disabled
    page = member_browser.get(reverse("web:task_edit", args=[task.pk])).content.decode()
    for name in ("project_id", "client_id", "billable"):
        assert re.search(rf'<select name="{name}"[^>]*disabled', page), name

    # a crafted post cannot change them, the rest is saved
    response = member_browser.post(
        reverse("web:task_edit", args=[task.pk]),
        {
            "project_id": web_data.internal.pk,
            "title": "Printer on floor 3 jams",
            "task_type": task.task_type,
            "status": "in_progress",
            "client_id": web_data.eu_customer.pk,
            "billable": "0",
        },
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.title, task.status) == ("Printer on floor 3 jams", "in_progress")
    assert (task.project_id, task.client_id, task.billable) == (
        web_data.project.pk,
        web_data.customer.pk,
        True,
    )


def test_control_and_bidi_characters_are_form_errors_naming_the_field(browser, tenant, web_data):
    # issue 9: U+0007 in a customer's name, a bidi override in a task title
    response = browser.post(reverse("web:contact_create"), {**CONTACT, "name": "Stadt\u0007werke"})
    assert "U+0007" in field_error(response.content.decode(), "name")
    assert not Contact.objects.filter(tenant=tenant, name__startswith="Stadt").exists()

    response = browser.post(
        reverse("web:task_create"),
        {
            "project_id": web_data.project.pk,
            "title": "Backup \u202eliaf",
            "task_type": "incident",
            "status": "open",
            "unit": "HUR",
        },
    )
    assert "U+202E" in field_error(response.content.decode(), "title")
    assert not Task.objects.filter(tenant=tenant, title__startswith="Backup").exists()
