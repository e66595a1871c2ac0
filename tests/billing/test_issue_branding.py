"""The company's branding on issued documents: the logo it was issued with, and the footer in
the customer's language."""

from __future__ import annotations

import io

import pikepdf
import pypdf
import pytest

from faktura.billing.inputs import InvoiceCreate, InvoiceLineAdd
from faktura.billing.services.documents import invoice_documents_render
from faktura.billing.services.invoices import invoice_create, invoice_line_add
from faktura.billing.services.issue import invoice_issue
from faktura.billing.snapshot import invoice_snapshot
from faktura.documents.models import StoredDocument
from faktura.documents.services import document_read
from faktura.tenancy.inputs import TenantUpdate
from faktura.tenancy.services import tenant_logo_remove, tenant_logo_set, tenant_update
from tests.images import png


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _issued(world, contact):
    draft = invoice_create(world.ctx, data=InvoiceCreate(contact_id=contact.pk))
    invoice_line_add(
        world.ctx,
        invoice_id=draft.pk,
        data=InvoiceLineAdd(
            title="Consulting", quantity="1", unit="HUR", unit_price="100", vat_rate="19"
        ),
    )
    return invoice_issue(world.ctx, invoice_id=draft.pk)


def _pdf(invoice) -> bytes:
    invoice_documents_render(invoice_id=invoice.pk)
    return document_read(StoredDocument.objects.get(invoice=invoice, format="pdf"))


def _images(pdf: bytes) -> list[bytes]:
    doc = pikepdf.open(io.BytesIO(pdf))
    return [
        xobject.read_raw_bytes()
        for page in doc.pages
        for xobject in page.Resources.get("/XObject", {}).values()
        if xobject.get("/Subtype") == "/Image"
    ]


def _text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def test_the_pdf_shows_the_logo_the_invoice_was_issued_with(world):
    # given: one invoice without a logo, one issued with logo A
    contact = world.contact()
    plain = _issued(world, contact)
    tenant_logo_set(world.ctx, upload=png(40, 10, b"\x00\x00\x00"))
    with_a = _issued(world, contact)

    # when: the logo is replaced by B (and then removed) before the PDFs are rendered
    tenant_logo_set(world.ctx, upload=png(40, 10, b"\xff\x00\x00"))
    with_b = _issued(world, contact)
    tenant_logo_remove(world.ctx)

    # then: each PDF has the image its snapshot names, read through the storage
    assert _images(_pdf(plain)) == []
    images_a, images_b = _images(_pdf(with_a)), _images(_pdf(with_b))
    assert len(images_a) == 1 and len(images_b) == 1
    assert images_a != images_b
    assert with_a.seller["logo"] != with_b.seller["logo"]
    assert plain.seller["logo"] == ""


def test_an_english_customer_gets_the_english_footer(world):
    tenant_update(
        world.ctx,
        data=TenantUpdate(
            invoice_footer="Vielen Dank für Ihren Auftrag.",
            invoice_footer_en="Thank you for your business.",
        ),
    )

    english = _issued(world, world.contact("Acme Ltd", language="en"))
    german = _issued(world, world.contact("Müller GmbH", language="de"))

    assert english.seller["invoice_footer"] == "Thank you for your business."
    assert english.seller["invoice_footer_de"] == "Vielen Dank für Ihren Auftrag."
    assert english.seller["invoice_footer_en"] == "Thank you for your business."
    assert invoice_snapshot(english).footer == "Thank you for your business."
    assert invoice_snapshot(german).footer == "Vielen Dank für Ihren Auftrag."
    text = _text(_pdf(english))
    assert "Thank you for your business." in text
    assert "Vielen Dank" not in text


@pytest.mark.parametrize(
    ("footer_de", "footer_en", "language", "printed"),
    [
        ("Vielen Dank.", "", "en", "Vielen Dank."),
        ("", "Thank you.", "de", "Thank you."),
        ("", "", "en", ""),
    ],
)
def test_an_empty_footer_falls_back_to_the_other_language(
    world, footer_de, footer_en, language, printed
):
    tenant_update(
        world.ctx, data=TenantUpdate(invoice_footer=footer_de, invoice_footer_en=footer_en)
    )

    invoice = _issued(world, world.contact(language=language))

    assert invoice_snapshot(invoice).footer == printed


def test_the_footer_is_frozen_at_issue(world):
    tenant_update(world.ctx, data=TenantUpdate(invoice_footer_en="Thank you."))
    invoice = _issued(world, world.contact(language="en"))

    tenant_update(world.ctx, data=TenantUpdate(invoice_footer_en="Changed later."))

    invoice.refresh_from_db()
    assert invoice_snapshot(invoice).footer == "Thank you."
