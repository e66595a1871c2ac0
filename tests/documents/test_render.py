"""The invoice PDF as a reader sees it: content, arithmetic, languages, pages, determinism."""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
import sys
import zlib
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pikepdf
import pytest

from faktura.documents.rendering import Attachment, render_invoice_pdf
from faktura.documents.rendering.facturx import xmp_properties
from faktura.documents.rendering.renderer import renderer_fonts
from faktura.documents.rendering.view import build_view
from faktura.documents.samples import sample_snapshot

from .conftest import parse_number, pdf_pages, pdf_text, squash, table_rows

CENT = Decimal("0.01")


def test_german_invoice_carries_every_mandatory_content_of_section_14_ustg():
    # given
    snapshot = sample_snapshot(lines=6)
    # when
    text = squash(pdf_text(render_invoice_pdf(snapshot)))
    # then: full name and address of the supplier and the recipient (Nr. 1)
    assert "Nordlicht IT-Service GmbH" in text
    assert "Hafenstraße 12 · 20457 Hamburg" in text
    assert "Bäckerei Schmidt & Söhne KG" in text and "Mühlenweg 7" in text
    assert "22765 Hamburg" in text
    # the supplier's tax number or VAT ID (Nr. 2)
    assert "USt-IdNr. DE123456788" in text and "Steuernr. 27/123/45678" in text
    # issue date (Nr. 3) and a unique number (Nr. 4)
    assert "Rechnungsdatum 22.11.2026" in text
    assert "Rechnungsnr. RE-2026-0001" in text and "Rechnung RE-2026-0001" in text
    # quantity and kind of the services (Nr. 5): every line with quantity and unit
    assert len(table_rows(render_invoice_pdf(snapshot), "de")) == 6
    # time of the service (Nr. 6)
    assert "Leistungszeitraum 01.10.2026 – 31.10.2026" in text
    # net amount per rate, the rate, the VAT amount (Nr. 7, 8)
    net, vat = snapshot.vat_breakdown[0].taxable_amount, snapshot.vat_breakdown[0].vat_amount
    assert f"Netto 19 % {_de(net)} €" in text
    assert f"zzgl. USt. 19 % {_de(vat)} €" in text
    assert f"Gesamtbetrag {_de(snapshot.gross_total)} €" in text
    # payment terms, bank details, company data in the footer, page numbers
    assert "Zahlbar bis 06.12.2026 ohne Abzug." in text
    assert "DE02 2005 0550 1015 8713 93" in text and "HASPDEHHXXX" in text
    assert "Amtsgericht Hamburg HRB 123456" in text
    assert "Geschäftsführung: Jana Petersen, Malte Brandt" in text
    assert "Seite 1 von 1" in text
    assert "Kundennr. K-10042" in text and "Ihre Bestellnr. PO-2026-118" in text


def test_english_invoice_uses_english_texts_numbers_and_dates():
    snapshot = sample_snapshot(lines=4, language="en")
    text = squash(pdf_text(render_invoice_pdf(snapshot)))
    assert "Invoice RE-2026-0001" in text
    assert "Invoice date Nov 22, 2026" in text
    assert "Service period Oct 1, 2026 – Oct 31, 2026" in text
    assert "Payable by Dec 6, 2026 without deduction." in text
    assert f"Total €{snapshot.gross_total:,.2f}" in text
    assert "Page 1 of 1" in text
    assert "Rechnung" not in text and "Seite" not in text


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("tax", ["domestic", "mixed"])
def test_every_line_multiplies_as_printed(language, tax):
    # given: prices with up to 6 decimals (cloud usage) and quantities with 2
    snapshot = sample_snapshot(lines=30, language=language, tax=tax, seed=7)
    assert any(line.unit_price.as_tuple().exponent < -2 for line in snapshot.lines)
    # when
    rows = table_rows(render_invoice_pdf(snapshot), language)
    # then: quantity x unit price, rounded once, is the printed amount on every line
    assert [row["pos"] for row in rows] == [line.id for line in snapshot.lines]
    for row, line in zip(rows, snapshot.lines, strict=True):
        assert (row["quantity"] * row["unit_price"]).quantize(CENT, ROUND_HALF_UP) == row["amount"]
        assert (row["quantity"], row["unit_price"], row["amount"]) == (
            line.quantity,
            line.unit_price,
            line.net_amount,
        )
    assert sum(row["amount"] for row in rows) == snapshot.net_total


def test_credit_note_shows_positive_amounts_and_the_invoice_it_corrects():
    snapshot = sample_snapshot(lines=5, kind="credit_note", tax="mixed")
    assert snapshot.gross_total < 0  # ledger sign
    pdf = render_invoice_pdf(snapshot)
    text = squash(pdf_text(pdf))
    assert "Gutschrift GS-2026-0001" in text
    assert "zu Rechnung Nr. RE-2026-0001 vom 02.11.2026" in text
    assert "Gutschriftsnr. GS-2026-0001" in text
    assert f"Gutschriftsbetrag {_de(-snapshot.gross_total)} €" in text
    rows = table_rows(pdf, "de")
    assert len(rows) == 5 and all(row["amount"] > 0 and row["quantity"] > 0 for row in rows)
    assert "Fällig am" not in text and "GiroCode" not in text
    assert "erstatten wir Ihnen oder verrechnen ihn mit offenen Rechnungen" in text


def test_english_credit_note():
    snapshot = sample_snapshot(lines=2, kind="credit_note", language="en")
    text = squash(pdf_text(render_invoice_pdf(snapshot)))
    assert "Credit note GS-2026-0001" in text
    assert "relating to invoice no. RE-2026-0001 of Nov 2, 2026" in text
    assert "Total credit" in text


@pytest.mark.parametrize(
    ("language", "note", "ids"),
    [
        (
            "de",
            "Steuerschuldnerschaft des Leistungsempfängers (Reverse Charge) – "
            "Art. 196 MwSt-Systemrichtlinie",
            "USt-IdNr. des Leistenden: DE123456788 · USt-IdNr. des Leistungsempfängers: "
            "FR40303265045",
        ),
        (
            "en",
            "Reverse charge: VAT to be accounted for by the recipient, "
            "Art. 196 Council Directive 2006/112/EC",
            "Supplier's VAT ID: DE123456788 · Customer's VAT ID: FR40303265045",
        ),
    ],
)
def test_reverse_charge_note_and_both_vat_ids(language, note, ids):
    snapshot = sample_snapshot(lines=3, tax="reverse_charge", language=language)
    text = squash(pdf_text(render_invoice_pdf(snapshot)))
    assert note in text
    assert ids in text
    assert "zzgl. USt." not in text and "VAT 19" not in text
    assert ("FRANKREICH" if language == "de" else "FRANCE") in text


def test_exempt_and_export_rows_print_their_reason():
    exempt = squash(pdf_text(render_invoice_pdf(sample_snapshot(lines=2, tax="exempt"))))
    assert "Steuerfrei nach § 4 Nr. 21 UStG (Schulungsleistung)" in exempt
    assert "Netto steuerfrei" in exempt
    # the core's default reason is the English CEF text for the XML; the PDF localises it
    export = squash(pdf_text(render_invoice_pdf(sample_snapshot(lines=2, tax="export"))))
    assert "Steuerfreie Ausfuhrlieferung" in export
    assert "Export outside the EU" not in export


def test_public_customer_sees_the_leitweg_id():
    text = squash(pdf_text(render_invoice_pdf(sample_snapshot(lines=2, public=True))))
    assert "Leitweg-ID 02000000-ALTONA42-86" in text


def test_eighty_lines_repeat_the_table_header_on_every_page():
    snapshot = sample_snapshot(lines=80)
    pdf = render_invoice_pdf(snapshot)
    pages = [squash(page) for page in pdf_pages(pdf)]
    assert len(pages) >= 3
    header = "Pos. Bezeichnung Menge Einheit Einzelpreis Gesamt"
    table_pages = [page for page in pages if "Pos. " in page and " Gesamt" in page]
    assert len(table_pages) >= 3
    assert all(header in page for page in table_pages)
    assert f"Seite 2 von {len(pages)}" in pages[1]
    assert f"Seite {len(pages)} von {len(pages)}" in pages[-1]
    assert "Rechnung RE-2026-0001 · 22.11.2026" in pages[1]  # running header
    assert len(table_rows(pdf, "de")) == 80


def test_timesheet_appendix_lists_the_entries_behind_each_line():
    snapshot = sample_snapshot(lines=8, timesheet=True)
    with_lines = [line for line in snapshot.lines if line.timesheet]
    assert with_lines
    pages = pdf_pages(render_invoice_pdf(snapshot, timesheet=True))
    appendix = squash(pages[-1])
    assert "Leistungsnachweis" in appendix
    assert "zu Rechnung Nr. RE-2026-0001 vom 22.11.2026" in appendix
    assert "Datum Mitarbeiter Tätigkeit Stunden" in appendix
    for line in with_lines:
        assert f"Pos. {line.id} · {line.title}" in appendix
        for entry in line.timesheet:
            assert entry.person in appendix and entry.description in appendix
            assert entry.date.strftime("%d.%m.%Y") in appendix
        assert f"Summe {_de(sum(e.hours for e in line.timesheet))}" in appendix
    without = squash(pdf_text(render_invoice_pdf(snapshot)))
    assert "Leistungsnachweis" not in without


def test_girocode_only_for_euro_invoices_with_an_iban_and_an_amount_due():
    euro = render_invoice_pdf(sample_snapshot(lines=2))
    assert "GiroCode" in pdf_text(euro)
    dollar = render_invoice_pdf(sample_snapshot(lines=2, currency="USD"))
    assert "GiroCode" not in pdf_text(dollar) and "IBAN DE02" in squash(pdf_text(dollar))
    no_iban = squash(pdf_text(render_invoice_pdf(sample_snapshot(lines=2, iban=False))))
    assert "GiroCode" not in no_iban and "Bankverbindung" not in no_iban
    assert "Zahlbar bis 06.12.2026 ohne Abzug." in no_iban
    credit = render_invoice_pdf(sample_snapshot(lines=2, kind="credit_note"))
    assert "GiroCode" not in pdf_text(credit)
    assert build_view(sample_snapshot(lines=2, currency="USD"))[1] is None


@pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("zbarimg")),
    reason="needs pdftoppm (Debian poppler-utils) and zbarimg (Debian zbar-tools)",
)
def test_girocode_scans_to_the_transfer(tmp_path):
    snapshot = sample_snapshot(lines=3)
    (tmp_path / "invoice.pdf").write_bytes(render_invoice_pdf(snapshot))
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", "-l", "1", "invoice.pdf", "page"],
        cwd=tmp_path,
        check=True,
    )
    page = next(tmp_path.glob("page*.png"))
    scanned = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(page)], capture_output=True, check=True
    ).stdout.decode("utf-8")
    assert scanned.rstrip("\n").split("\n") == [
        "BCD",
        "002",
        "1",
        "SCT",
        "HASPDEHHXXX",
        "Nordlicht IT-Service GmbH",
        "DE02200505501015871393",
        f"EUR{snapshot.gross_total}",
        "",
        "",
        "RE-2026-0001",
    ]


def test_same_snapshot_renders_the_same_bytes_in_any_process():
    snapshot = sample_snapshot(lines=12, seed=3)
    first = render_invoice_pdf(snapshot)
    render_invoice_pdf(sample_snapshot(lines=12, seed=4))  # other work in between
    assert render_invoice_pdf(snapshot) == first
    script = (
        "import sys\n"
        "from faktura.documents.samples import sample_snapshot\n"
        "from faktura.documents.rendering import render_invoice_pdf\n"
        "sys.stdout.buffer.write(render_invoice_pdf(sample_snapshot(lines=12, seed=3)))\n"
    )
    fresh = subprocess.run([sys.executable, "-c", script], capture_output=True, check=True).stdout
    assert fresh == first


def test_documents_use_only_the_shipped_fonts():
    assert renderer_fonts() == ["Inter"]
    pdf = pikepdf.open(io.BytesIO(render_invoice_pdf(sample_snapshot(lines=3))))
    fonts = {
        str(font.get("/BaseFont")) for page in pdf.pages for font in page.Resources.Font.values()
    }
    assert fonts and all("Inter" in name for name in fonts)
    licence = Path(__file__).resolve().parents[2] / "src/faktura/documents/fonts/OFL.txt"
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence.read_text()


def test_pdf_a_3b_is_declared_and_can_be_switched_off():
    snapshot = sample_snapshot(lines=2)
    props = xmp_properties(render_invoice_pdf(snapshot))
    assert (props["pdfaid:part"], props["pdfaid:conformance"]) == ("3", "B")
    assert "pdfaid:part" not in xmp_properties(render_invoice_pdf(snapshot, pdf_a=False))
    with pikepdf.open(io.BytesIO(render_invoice_pdf(snapshot))) as doc:
        assert str(doc.docinfo["/Title"]) == "Rechnung RE-2026-0001"
        # the issue date, not the clock
        assert str(doc.docinfo["/CreationDate"]).startswith("D:20261122")


def test_logo_in_png_or_svg_and_nothing_else():
    snapshot = sample_snapshot(lines=1)
    plain = render_invoice_pdf(snapshot)
    png = render_invoice_pdf(snapshot, logo=_png(40, 10))
    svg = render_invoice_pdf(
        snapshot,
        logo=b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="10">'
        b'<rect width="40" height="10" fill="#0b7a75"/></svg>',
    )
    assert _image_count(png) == _image_count(plain) + 1
    assert svg != plain
    # without a logo the company name stands in the letterhead
    assert squash(pdf_pages(plain)[0]).startswith("Nordlicht IT-Service GmbH")
    with pytest.raises(ValueError, match="PNG, JPEG or SVG"):
        render_invoice_pdf(snapshot, logo=b"GIF89a....")


def test_logo_path_of_the_snapshot_is_used(tmp_path):
    path = tmp_path / "logo.png"
    path.write_bytes(_png(20, 20))
    snapshot = replace(sample_snapshot(lines=1), logo_path=str(path))
    assert _image_count(render_invoice_pdf(snapshot)) == 1


def test_attachments_are_embedded_as_associated_files():
    csv = b"Datum;Stunden\n2026-10-01;1,5\n"
    pdf = render_invoice_pdf(
        sample_snapshot(lines=1),
        attachments=[
            ("leistungsnachweis.csv", csv, "text/csv", "Supplement"),
            Attachment("vertrag.txt", b"Rahmenvertrag", "text/plain", "Source", "Vertrag"),
        ],
    )
    doc = pikepdf.open(io.BytesIO(pdf))
    files = {name: spec for name, spec in doc.attachments.items()}
    assert set(files) == {"leistungsnachweis.csv", "vertrag.txt"}
    assert files["leistungsnachweis.csv"].get_file().read_bytes() == csv
    relationships = {str(spec.get("/F")): str(spec.get("/AFRelationship")) for spec in doc.Root.AF}
    assert relationships == {"leistungsnachweis.csv": "/Supplement", "vertrag.txt": "/Source"}
    with pytest.raises(ValueError, match="relationship"):
        render_invoice_pdf(sample_snapshot(lines=1), attachments=[("a", b"", "x/y", "Other")])


def test_customer_text_is_printed_literally_never_as_markup():
    tricky = "*F* _k_ #s[x] $a$ <l> @r \\ `c` = Ü"
    snapshot = sample_snapshot(lines=1)
    snapshot = replace(
        snapshot,
        buyer=replace(snapshot.buyer, name=tricky),
        lines=(replace(snapshot.lines[0], title=tricky),),
    )
    text = pdf_text(render_invoice_pdf(snapshot))
    assert text.count(tricky) >= 2


def test_accent_colour_is_normalised():
    def accent(value: str) -> str:
        return build_view(replace(sample_snapshot(lines=1), accent_color=value))[0]["accent"]

    assert accent("#0B7") == "#00bb77"
    assert accent("#0b7a75") == "#0b7a75"
    assert accent("red; x") == "#1f4e79"


# --- helpers -----------------------------------------------------------------------------------


def _de(value: Decimal) -> str:
    return f"{value:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")


def _png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + b"\x0b\x7a\x75" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _image_count(pdf: bytes) -> int:
    doc = pikepdf.open(io.BytesIO(pdf))
    return sum(
        1
        for page in doc.pages
        for xobject in page.Resources.get("/XObject", {}).values()
        if xobject.get("/Subtype") == "/Image"
    )


def test_parse_number_reads_both_languages():
    assert parse_number("1.234,50", "de") == Decimal("1234.50")
    assert parse_number("€1,234.50", "en") == Decimal("1234.50")
