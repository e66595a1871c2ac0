"""Helpers for the document tests: PDF text as a reader sees it, parsed amounts."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pypdf
import pytest

from faktura.documents.samples import sample_snapshot
from faktura.einvoice.snapshot import InvoiceSnapshot


def pdf_pages(pdf: bytes) -> list[str]:
    """The text of each page, laid out as on paper (columns kept on one line)."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return [page.extract_text(extraction_mode="layout") for page in reader.pages]


def pdf_text(pdf: bytes) -> str:
    return "\n".join(pdf_pages(pdf))


def squash(text: str) -> str:
    """Whitespace (including no-break spaces) collapsed, for phrase searches across columns."""
    return " ".join(text.replace("\u00a0", " ").split())


# A line-table row: position, description ..., quantity, unit, unit price, [VAT], amount.
_ROW = {
    "de": re.compile(
        r"^\s*(?P<pos>\d+)\s{2,}(?P<title>\S.*?)\s{2,}"
        r"(?P<qty>-?[\d.]+(?:,\d+)?)\s+(?P<unit>\S+(?: \S+)?)"
        r"\s+(?P<price>[\d.]+,\d+)\s€(?:\s+(?:\d+(?:,\d+)?\s%|RC))?\s+(?P<amount>-?[\d.]+,\d+)\s€\s*$"
    ),
    "en": re.compile(
        r"^\s*(?P<pos>\d+)\s{2,}(?P<title>\S.*?)\s{2,}"
        r"(?P<qty>-?[\d,]+(?:\.\d+)?)\s+(?P<unit>\S+(?: \S+)?)"
        r"\s+€(?P<price>[\d,]+\.\d+)(?:\s+(?:\d+(?:\.\d+)?%|RC))?\s+(?P<amount>-?€?-?[\d,]+\.\d+)\s*$"
    ),
}


def parse_number(text: str, language: str) -> Decimal:
    text = text.replace("€", "")
    if language == "de":
        return Decimal(text.replace(".", "").replace(",", "."))
    return Decimal(text.replace(",", ""))


def table_rows(pdf: bytes, language: str) -> list[dict]:
    """Every line-table row of the PDF, with its numbers parsed back from the printed text."""
    rows = []
    for page in pdf_pages(pdf):
        for raw in page.replace("\u00a0", " ").splitlines():
            match = _ROW[language].match(raw)
            if match:
                rows.append(
                    {
                        "pos": match["pos"],
                        "title": match["title"].strip(),
                        "quantity": parse_number(match["qty"], language),
                        "unit": match["unit"],
                        "unit_price": parse_number(match["price"], language),
                        "amount": parse_number(match["amount"], language),
                    }
                )
    return rows


@pytest.fixture
def invoice() -> InvoiceSnapshot:
    return sample_snapshot(lines=6)
