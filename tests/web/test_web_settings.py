"""Settings → Company: documents (logo, footers, timesheet appendix) and e-mail texts."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from faktura.tenancy.models import Tenant
from tests.images import png
from tests.web.web_helpers import field_error, signed_in

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="10"><rect width="40"/></svg>'


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def form_data(tenant: Tenant, **changes) -> dict:
    """What the company form posts for the tenant as it is, with `changes`."""
    data = {
        "name": tenant.name,
        "street": tenant.street,
        "postal_code": tenant.postal_code,
        "city": tenant.city,
        "country": tenant.country,
        "vat_id": tenant.vat_id,
        "currency": tenant.currency,
        "timezone": tenant.timezone,
        "language": tenant.language,
        "payment_terms_days": str(tenant.payment_terms_days),
        "invoice_number_format": tenant.invoice_number_format,
        "credit_note_number_format": tenant.credit_note_number_format,
        "number_reset": tenant.number_reset,
        "require_approval": "on",
        "accent_color": tenant.accent_color,
        "invoice_footer": tenant.invoice_footer,
        "invoice_footer_en": tenant.invoice_footer_en,
        "email_subject_de": tenant.email_subject_de,
        "email_body_de": tenant.email_body_de,
        "email_subject_en": tenant.email_subject_en,
        "email_body_en": tenant.email_body_en,
        "tr_increment": "15",
        "tr_direction": "up",
        "tr_minimum": "0",
        "tr_level": "entry",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_the_page_groups_documents_and_e_mail(browser):
    page = browser.get(reverse("web:settings")).content.decode()

    assert 'enctype="multipart/form-data"' in page
    documents = page.split("<legend>Documents</legend>")[1].split("</fieldset>")[0]
    for name in ("logo", "accent_color", "timesheet_appendix", "invoice_footer",
                 "invoice_footer_en"):  # fmt: skip
        assert f'data-field="{name}"' in documents, name
    assert 'data-field="logo_remove"' not in documents  # nothing to remove yet
    email = page.split("<legend>E-mail</legend>")[1].split("</fieldset>")[0]
    for name in ("email_subject_de", "email_body_de", "email_subject_en", "email_body_en"):
        assert f'data-field="{name}"' in email, name
    for placeholder in ("{number}", "{kind}", "{customer}", "{company}", "{gross}", "{due_date}"):
        assert f"<code>{placeholder}</code>" in email, placeholder


def test_save_footers_e_mail_texts_and_timesheet_switch(browser, tenant):
    response = browser.post(
        reverse("web:settings"),
        form_data(
            tenant,
            invoice_footer="Vielen Dank für Ihren Auftrag.",
            invoice_footer_en="Thank you for your business.",
            timesheet_appendix="on",
            email_subject_en="{kind} {number} – {company}",
            email_body_en="Dear {customer},\n\nplease pay {gross} by {due_date}.",
        ),
    )

    assert response.status_code == 302
    tenant.refresh_from_db()
    assert tenant.invoice_footer == "Vielen Dank für Ihren Auftrag."
    assert tenant.invoice_footer_en == "Thank you for your business."
    assert tenant.timesheet_appendix is True
    assert tenant.email_subject_en == "{kind} {number} – {company}"
    assert tenant.email_body_en.startswith("Dear {customer},")
    page = browser.get(reverse("web:settings")).content.decode()
    assert "Thank you for your business." in page


def test_an_unknown_placeholder_is_shown_at_its_field(browser, tenant):
    response = browser.post(
        reverse("web:settings"), form_data(tenant, email_subject_de="Rechnung {nummer}")
    )

    assert response.status_code == 200
    assert "Unknown placeholder" in field_error(response.content.decode(), "email_subject_de")
    assert Tenant.objects.get(pk=tenant.pk).email_subject_de != "Rechnung {nummer}"


def test_upload_preview_and_remove_the_logo(browser, tenant):
    # when: a PNG is posted with the form
    logo = SimpleUploadedFile("firmenlogo.png", png(2, 2), content_type="image/png")
    response = browser.post(reverse("web:settings"), {**form_data(tenant), "logo": logo})

    # then: it is stored by its hash and previewed through the tenant-scoped view
    assert response.status_code == 302
    tenant.refresh_from_db()
    digest = hashlib.sha256(png(2, 2)).hexdigest()
    assert tenant.logo.name == f"logos/{tenant.pk}/{digest}.png"
    page = browser.get(reverse("web:settings")).content.decode()
    src = re.search(r'<img src="([^"]+)"[^>]*class="logo-preview"', page)
    assert src and src.group(1).startswith(reverse("web:settings_logo"))
    assert "/media/" not in page
    assert 'data-field="logo_remove"' in page
    preview = browser.get(src.group(1))
    assert preview.status_code == 200
    assert preview["Content-Type"] == "image/png"
    assert preview.content == png(2, 2)

    # when: the remove box is ticked
    response = browser.post(reverse("web:settings"), form_data(tenant, logo_remove="on"))

    # then
    assert response.status_code == 302
    tenant.refresh_from_db()
    assert tenant.logo.name == ""
    assert browser.get(reverse("web:settings_logo")).status_code == 404


def test_a_text_file_named_png_is_refused_and_nothing_is_saved(browser, tenant):
    fake = SimpleUploadedFile("logo.png", b"not an image at all\n", content_type="image/png")

    response = browser.post(
        reverse("web:settings"), {**form_data(tenant, phone="+49 30 999"), "logo": fake}
    )

    assert response.status_code == 200
    assert "PNG, JPEG or SVG" in field_error(response.content.decode(), "logo")
    tenant.refresh_from_db()
    assert tenant.logo.name == ""
    assert tenant.phone == ""  # the rest of the form was not saved either


def test_a_logo_over_1_mb_is_refused(browser, tenant):
    big = SimpleUploadedFile("logo.svg", SVG + b" " * (1024 * 1024), content_type="image/svg+xml")

    response = browser.post(reverse("web:settings"), {**form_data(tenant), "logo": big})

    assert "At most 1 MB." in field_error(response.content.decode(), "logo")
    assert Tenant.objects.get(pk=tenant.pk).logo.name == ""


@pytest.mark.parametrize("role", ["billing", "member"])
def test_other_roles_cannot_post_a_logo(browser_as, tenant, role):
    client, _ = browser_as(role)
    logo = SimpleUploadedFile("logo.svg", SVG, content_type="image/svg+xml")

    response = client.post(reverse("web:settings"), {**form_data(tenant), "logo": logo})

    assert response.status_code == 403
    assert Tenant.objects.get(pk=tenant.pk).logo.name == ""


def test_the_logo_view_serves_only_the_signed_in_tenants_logo(browser, tenant, other_owner):
    logo = SimpleUploadedFile("logo.svg", SVG, content_type="image/svg+xml")
    browser.post(reverse("web:settings"), {**form_data(tenant), "logo": logo})

    mine = browser.get(reverse("web:settings_logo"))
    assert mine.status_code == 200
    assert mine["Content-Type"] == "image/svg+xml"
    assert "sandbox" in mine["Content-Security-Policy"]
    theirs = signed_in(other_owner).get(reverse("web:settings_logo"))
    assert theirs.status_code == 404
    assert SVG not in theirs.content


def test_the_company_peppol_id(browser, tenant):
    """Issue 9: the seller's Peppol ID is set in the company settings, checked on input."""
    response = browser.post(reverse("web:settings"), form_data(tenant, peppol_id="0088:123"))
    assert "GLN" in field_error(response.content.decode(), "peppol_id")
    tenant.refresh_from_db()
    assert tenant.peppol_id == ""
    browser.post(reverse("web:settings"), form_data(tenant, peppol_id="0088:4012345000009"))
    tenant.refresh_from_db()
    assert tenant.peppol_id == "0088:4012345000009"
