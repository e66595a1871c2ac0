"""Issue 9: the draft's PDF preview — what Settle would print, watermarked "Entwurf"/"Draft",
without a number, through the same renderer; nothing is stored or changed."""

from __future__ import annotations

import shutil
import subprocess

from faktura.billing.inputs import InvoiceCreate, InvoiceLineAdd
from faktura.billing.models import Invoice, NumberSequence
from faktura.billing.services.invoices import invoice_create, invoice_line_add
from faktura.common.models import AuditEvent
from faktura.documents.models import StoredDocument


def _draft(world, title: str = "Consulting 🚀 Ωμέγα Привет", **contact) -> Invoice:
    invoice = invoice_create(world.ctx, data=InvoiceCreate(contact_id=world.contact(**contact).pk))
    invoice_line_add(
        world.ctx,
        invoice_id=invoice.pk,
        data=InvoiceLineAdd(title=title, quantity="2", unit="HUR", unit_price="100", vat_rate="19"),
    )
    return invoice


def _text(pdf: bytes, tmp_path) -> str:
    assert shutil.which("pdftotext"), "pdftotext (Debian poppler-utils, `make e2e-deps`)"
    (tmp_path / "p.pdf").write_bytes(pdf)
    out = subprocess.run(["pdftotext", str(tmp_path / "p.pdf"), "-"], capture_output=True)
    return out.stdout.decode()


def test_draft_pdf_is_a_watermarked_preview_without_number_and_nothing_is_stored(
    api, world, tmp_path
):
    # given
    draft = _draft(world)
    audits = AuditEvent.objects.count()

    # when
    r = api.get(f"invoices/{draft.pk}/pdf")

    # then
    assert r.status_code == 200, r.content[:300]
    assert r["Content-Type"] == "application/pdf"
    assert r["X-Faktura-Preview"] == "draft"
    assert r["Cache-Control"] == "no-store"
    text = _text(r.content, tmp_path)
    assert "Entwurf" in text
    assert "Consulting 🚀 Ωμέγα Привет" in text
    assert "238,00" in text  # 2 x 100 + 19 % VAT, computed as issuing would
    assert "2026-0001" not in text
    draft.refresh_from_db()
    assert (draft.status, draft.number, draft.issue_date, draft.seller) == ("draft", None, None, {})
    assert not StoredDocument.objects.exists()
    assert not NumberSequence.objects.filter(tenant=world.tenant, last_value__gt=0).exists()
    assert AuditEvent.objects.count() == audits


def test_preview_in_english_says_draft(api, world, tmp_path):
    draft = _draft(world, language="en")
    text = _text(api.get(f"invoices/{draft.pk}/pdf").content, tmp_path)
    assert "Draft" in text and "Entwurf" not in text


def test_preview_refuses_text_the_fonts_cannot_print_like_issuing(api, world):
    draft = _draft(world, title="データ移行")
    r = api.get(f"invoices/{draft.pk}/pdf")
    assert r.status_code == 422
    assert "データ移行" in r.json()["error"]["fields"]["lines[0].title"]


def test_preview_is_for_billing_roles_of_the_tenant_only(api_as, other_api, world):
    draft = _draft(world)
    assert api_as("member").get(f"invoices/{draft.pk}/pdf").status_code == 403
    assert other_api.get(f"invoices/{draft.pk}/pdf").status_code == 404
