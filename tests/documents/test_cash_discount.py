"""Cash discount (Skonto, issue 12) on the PDF near the payment terms, in German and English,
and in the Factur-X PDF that passes the official rules."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import replace
from decimal import Decimal

import pytest

from einvoice.official import require_official_rules
from faktura.documents.rendering import render_facturx_pdf, render_invoice_pdf
from faktura.documents.samples import sample_snapshot
from faktura.einvoice.formats import build

from .test_official_rules import SHARED_EINVOICE


def _discounted(language: str = "de", percent: str = "2.00", days: int = 10):
    snapshot = sample_snapshot(lines=6, language=language)
    payment = replace(
        snapshot.payment, cash_discount_percent=Decimal(percent), cash_discount_days=days
    )
    return replace(snapshot, payment=payment)


def _pdftotext(pdf: bytes, tmp_path) -> str:
    assert shutil.which("pdftotext"), "pdftotext (Debian poppler-utils, `make e2e-deps`)"
    path = tmp_path / "invoice.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    )
    return " ".join(out.stdout.decode().replace("\u00a0", " ").split())


def _expected(snapshot, language: str) -> str:
    gross = snapshot.gross_total
    pay = gross - (gross * snapshot.payment.cash_discount_percent / 100).quantize(Decimal("0.01"))
    day = snapshot.issue_date.toordinal() + snapshot.payment.cash_discount_days
    last = type(snapshot.issue_date).fromordinal(day)
    if language == "de":
        amount = f"{pay:,.2f}".translate(str.maketrans(",.", ".,"))
        return f"2 % Skonto bei Zahlung bis {last:%d.%m.%Y}: {amount} EUR"
    return f"2.5 % cash discount if paid by {last:%b} {last.day}, {last.year}: {pay:,.2f} EUR"


def test_german_pdf_offers_the_discount_with_date_and_amount(tmp_path):
    snapshot = _discounted()
    text = _pdftotext(render_invoice_pdf(snapshot), tmp_path)
    assert _expected(snapshot, "de") in text
    assert text.index("Skonto") > text.index("Zahlbar bis")  # beside the payment terms


def test_english_pdf_offers_the_discount(tmp_path):
    snapshot = _discounted("en", "2.50", 14)
    text = _pdftotext(render_invoice_pdf(snapshot), tmp_path)
    assert _expected(snapshot, "en") in text


def test_without_terms_no_discount_is_printed(tmp_path):
    text = _pdftotext(render_invoice_pdf(sample_snapshot(lines=2)), tmp_path)
    assert "Skonto" not in text


@pytest.mark.parametrize("language", ["de", "en"])
def test_facturx_pdf_with_a_discount_passes_the_official_rules(language):
    require_official_rules()
    sys.path.insert(0, str(SHARED_EINVOICE))
    try:
        from validate import Validator
    finally:
        sys.path.remove(str(SHARED_EINVOICE))
    snapshot = _discounted(language)
    xml = build(snapshot, "facturx")
    assert b"Skonto bei Zahlung" in xml or b"cash discount if paid" in xml
    assert b"#SKONTO#" not in xml  # the KoSIT syntax belongs to XRechnung only
    problems = Validator().validate(render_facturx_pdf(snapshot, xml))
    assert [p for p in problems if p.fatal] == []
