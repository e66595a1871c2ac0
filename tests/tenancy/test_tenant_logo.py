"""The company logo over the API: upload (PNG, JPEG, SVG by their bytes, at most 1 MB), the
content-addressed file, removal, roles and tenants."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from faktura.billing.inputs import InvoiceCreate, InvoiceLineAdd
from faktura.common.models import AuditEvent
from faktura.contacts.inputs import ContactCreate
from faktura.tenancy.models import Tenant
from tests.images import png

SVG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="10">'
    b'<rect width="40" height="10" fill="#0b7a75"/></svg>'
)


def jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 2), (11, 122, 117)).save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(api, content: bytes, name: str = "logo.png", field: str = "logo"):
    return api.client.post(
        "/api/v1/tenant/logo",
        {field: SimpleUploadedFile(name, content, content_type="image/png")},
        HTTP_AUTHORIZATION=f"Bearer {api.token}",
    )


@pytest.mark.parametrize(
    ("content", "suffix", "content_type"),
    [(png(), "png", "image/png"), (SVG, "svg", "image/svg+xml"), (jpeg(), "jpg", "image/jpeg")],
)
def test_upload_stores_the_logo_under_its_content_hash(api, tenant, content, suffix, content_type):
    # when
    r = upload(api, content, name="whatever.bin")

    # then
    assert r.status_code == 200, r.json()
    digest = hashlib.sha256(content).hexdigest()
    assert r.json()["logo"] == {
        "sha256": digest,
        "content_type": content_type,
        "url": "/api/v1/tenant/logo",
    }
    tenant.refresh_from_db()
    assert tenant.logo.name == f"logos/{tenant.pk}/{digest}.{suffix}"
    with default_storage.open(tenant.logo.name, "rb") as handle:
        assert handle.read() == content
    assert api.get("tenant").json()["logo"]["sha256"] == digest
    served = api.get("tenant/logo")
    assert served.status_code == 200
    assert served["Content-Type"] == content_type
    assert served.content == content
    assert "sandbox" in served["Content-Security-Policy"]
    assert AuditEvent.objects.filter(tenant=tenant, action="tenant_logo_set").count() == 1


def test_a_new_logo_leaves_the_old_file_in_place(api, tenant):
    first, second = png(colour=b"\x00\x00\x00"), png(colour=b"\xff\x00\x00")
    upload(api, first)
    old_name = Tenant.objects.get(pk=tenant.pk).logo.name

    upload(api, second)

    tenant.refresh_from_db()
    assert tenant.logo.name != old_name
    with default_storage.open(old_name, "rb") as handle:
        assert handle.read() == first  # issued invoices still point here


def test_the_same_logo_twice_changes_nothing(api, tenant):
    upload(api, png())
    r = upload(api, png())
    assert r.status_code == 200
    assert AuditEvent.objects.filter(tenant=tenant, action="tenant_logo_set").count() == 1


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"just some text, honestly\n", "logo.png"),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "logo.gif"),
        (b"<html><svg></svg></html>", "logo.svg"),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><rect>', "logo.svg"),
        (png()[:30], "logo.png"),  # a truncated PNG would break every PDF render
        (b'<svg xmlns="http://www.w3.org/2000/svg"><image href="/etc/passwd"/></svg>', "a.svg"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink">'
            b'<!-- a comment --><image x:href="other-logo.png"/></svg>',
            "a.svg",
        ),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><style>@import "x.css";</style></svg>', "a.svg"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:url(f.svg#g)"/></svg>', "a"),
        (b"", "logo.png"),
    ],
)
def test_upload_rejects_what_is_not_an_image_naming_the_field(api, tenant, content, name):
    r = upload(api, content, name=name)

    assert r.status_code == 400, r.content
    assert "logo" in r.json()["error"]["fields"]
    tenant.refresh_from_db()
    assert tenant.logo.name == ""


def test_an_svg_may_link_inside_itself(api):
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        b'<defs><linearGradient id="g"/></defs><rect id="r" style="fill: url(#g)"/>'
        b'<use xlink:href="#r"/></svg>'
    )
    assert upload(api, svg).status_code == 200


def test_upload_rejects_more_than_1_mb(api, tenant):
    big = png() + b"\x00" * (1024 * 1024)

    r = upload(api, big)

    assert r.status_code == 400
    assert r.json()["error"]["fields"]["logo"] == "At most 1 MB."
    assert r.json()["error"]["code"] == "too_large"
    tenant.refresh_from_db()
    assert tenant.logo.name == ""


def test_upload_without_a_file_names_the_field(api):
    r = upload(api, png(), field="image")
    assert r.status_code == 400
    assert "logo" in r.json()["error"]["fields"]


def test_delete_removes_the_logo_from_the_profile_but_keeps_the_file(api, tenant):
    upload(api, png())
    name = Tenant.objects.get(pk=tenant.pk).logo.name

    r = api.delete("tenant/logo")

    assert r.status_code == 200
    assert r.json()["logo"] is None
    assert api.get("tenant").json()["logo"] is None
    assert api.get("tenant/logo").status_code == 404
    assert default_storage.exists(name)
    assert api.delete("tenant/logo").status_code == 200  # removing nothing is fine
    assert AuditEvent.objects.filter(tenant=tenant, action="tenant_logo_remove").count() == 1


@pytest.mark.parametrize("role", ["billing", "approver", "member"])
def test_only_settings_roles_may_change_the_logo(api, api_as, tenant, role):
    upload(api, png())
    other = api_as(role)

    assert upload(other, SVG).status_code == 403
    r = other.delete("tenant/logo")
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "permission_denied"
    tenant.refresh_from_db()
    assert tenant.logo.name.endswith(".png")
    # seeing it is fine: it is on every invoice
    assert other.get("tenant/logo").status_code == 200


def test_admin_may_change_the_logo(api_as):
    assert upload(api_as("admin"), png()).status_code == 200


def test_another_tenant_never_sees_the_logo(api, other_api, other_owner):
    upload(api, png())

    assert other_api.get("tenant").json()["logo"] is None
    assert other_api.get("tenant/logo").status_code == 404
    assert upload(other_api, SVG).status_code == 200
    assert api.get("tenant/logo").content == png()
    assert other_api.get("tenant/logo").content == SVG


def test_english_footer_in_the_profile(api):
    r = api.patch("tenant", {"invoice_footer_en": "  Thank you for your business.  "})
    assert r.status_code == 200
    assert r.json()["invoice_footer_en"] == "Thank you for your business."
    assert api.get("tenant").json()["invoice_footer_en"] == "Thank you for your business."


def test_a_png_upload_passes_the_nul_check_but_a_nul_in_a_text_field_does_not(api, tenant):
    # a PNG always holds NUL bytes: only the form's text fields are checked for them
    assert upload(api, png()).status_code == 200
    response = api.client.post(
        "/api/v1/tenant/logo",
        {"logo": SimpleUploadedFile("logo.png", png(), content_type="image/png"), "note": "a\x00b"},
        HTTP_AUTHORIZATION=f"Bearer {api.token}",
    )
    assert response.status_code == 400


# --- issue 9: what is accepted renders with the invoice renderer -------------------------------

SVG_DOCTYPE = (
    b'<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY name "Acme">]>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="10"><text y="9">&name;</text>'
    b"</svg>"
)


def _nested_use_svg(depth: int = 30) -> bytes:
    """Each group uses the one before twice: 2**depth elements once expanded, which Typst
    refuses ("nodes limit reached") although the file is a few kilobytes."""
    parts = [
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        b'width="40" height="10"><defs><rect id="a0" width="1" height="1"/>'
    ]
    for i in range(1, depth):
        parts.append(
            b'<g id="a%d"><use xlink:href="#a%d"/><use xlink:href="#a%d"/></g>' % (i, i - 1, i - 1)
        )
    parts.append(b'</defs><use xlink:href="#a%d"/></svg>' % (depth - 1))
    return b"".join(parts)


def _huge_png(width: int, height: int) -> bytes:
    """A valid PNG header announcing width x height pixels, with a tiny (truncated) body: what
    a decompression bomb looks like before anything decodes it."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    body = zlib.compress(b"\x00" * 4096)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


def _svg_with_png(data: bytes) -> bytes:
    import base64

    return (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        b'width="40" height="10"><image width="40" height="10" xlink:href="data:image/png;base64,'
        + base64.b64encode(data)
        + b'"/></svg>'
    )


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (SVG_DOCTYPE, "DOCTYPE"),
        (_nested_use_svg(), "cannot draw"),
        (_huge_png(20000, 20000), "pixels"),
        (_huge_png(5000, 5000), "pixels"),
        (_svg_with_png(_huge_png(20000, 20000)), "pixels"),
    ],
    ids=["doctype-entity", "nested-use", "bomb-20000", "too-many-pixels", "bomb-in-svg"],
)
def test_upload_refuses_what_the_invoice_renderer_cannot_draw(api, tenant, content, needle):
    # when
    r = upload(api, content)

    # then: 400 naming the field, never a 500; the profile keeps no logo
    assert r.status_code == 400, r.content
    assert "logo" in r.json()["error"]["fields"]
    assert needle in r.json()["error"]["fields"]["logo"]
    tenant.refresh_from_db()
    assert not tenant.logo


def test_an_accepted_svg_is_one_typst_renders(api, tenant):
    from faktura.documents.rendering import render_logo

    assert upload(api, SVG).status_code == 200
    assert render_logo(SVG).startswith(b"%PDF-")
    with_png = _svg_with_png(png(40, 10))
    assert upload(api, with_png).status_code == 200, upload(api, with_png).content


def test_an_issued_invoice_keeps_its_pdf_when_the_logo_file_goes(api, tenant, ctx):
    # given: an invoice issued with logo A (its documents are stored at issue)
    from faktura.billing.services.invoices import invoice_create, invoice_line_add
    from faktura.billing.services.issue import invoice_issue
    from faktura.contacts.services import contact_create

    logo_a = png(40, 10, b"\x00\x00\x00")
    assert upload(api, logo_a).status_code == 200
    draft = invoice_create(
        ctx,
        data=InvoiceCreate(
            contact_id=contact_create(ctx, data=ContactCreate(name="Kunde GmbH")).pk
        ),
    )
    invoice_line_add(
        ctx,
        invoice_id=draft.pk,
        data=InvoiceLineAdd(
            title="Consulting", quantity="1", unit="HUR", unit_price="100", vat_rate="19"
        ),
    )
    invoice = invoice_issue(ctx, invoice_id=draft.pk)
    first = api.get(f"invoices/{invoice.pk}/pdf").content

    # when: the logo changes, and even the old file disappears from the storage
    assert upload(api, png(40, 10, b"\xff\x00\x00")).status_code == 200
    default_storage.delete(invoice.seller["logo"])

    # then: the invoice's PDF is the one stored at issue, byte for byte
    assert api.get(f"invoices/{invoice.pk}/pdf").content == first
    assert invoice.seller["logo"].endswith(hashlib.sha256(logo_a).hexdigest() + ".png")
