"""The invoice PDF as a reader sees it: content, arithmetic, languages, pages, determinism."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pikepdf
import pytest

from faktura.core.time_rounding import seconds_to_hours
from faktura.documents.rendering import Attachment, render_invoice_pdf
from faktura.documents.rendering.facturx import xmp_properties
from faktura.documents.rendering.renderer import renderer_fonts
from faktura.documents.rendering.view import build_view
from faktura.documents.samples import sample_snapshot
from faktura.einvoice.snapshot import InvoiceSnapshot, TimesheetRow
from tests.images import png as tiny_png

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
    # "Rechnungskorrektur": a "Gutschrift" would be self-billing (§ 14 (2) UStG)
    assert "Rechnungskorrektur RK-2026-0001" in text
    assert "zu Rechnung Nr. RE-2026-0001 vom 02.11.2026" in text
    assert "Korrektur-Nr. RK-2026-0001" in text
    assert f"Korrekturbetrag {_de(-snapshot.gross_total)} €" in text
    assert "Gutschrift" not in text
    rows = table_rows(pdf, "de")
    assert len(rows) == 5 and all(row["amount"] > 0 and row["quantity"] > 0 for row in rows)
    assert "Fällig am" not in text and "GiroCode" not in text
    assert "erstatten wir Ihnen oder verrechnen ihn mit offenen Rechnungen" in text


def test_english_credit_note():
    snapshot = sample_snapshot(lines=2, kind="credit_note", language="en")
    text = squash(pdf_text(render_invoice_pdf(snapshot)))
    assert "Credit note RK-2026-0001" in text
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
    appendix = squash(" ".join(page for page in pages if "Leistungsnachweis" in page))
    assert "Leistungsnachweis" in appendix
    assert "zu Rechnung Nr. RE-2026-0001 vom 22.11.2026" in appendix
    assert "Datum Mitarbeiter Tätigkeit Zeit (h:mm)" in appendix
    billed_apart = 0
    for line in with_lines:
        assert f"Pos. {line.id} · {line.title}" in appendix
        minutes = [_minutes(entry.hours) for entry in line.timesheet]
        for entry, m in zip(line.timesheet, minutes, strict=True):
            assert entry.date.strftime("%d.%m.%Y") in appendix
            assert f"{entry.person} {entry.description} {m // 60}:{m % 60:02d}" in appendix
        total = sum(minutes)
        assert f"Summe erfasst {total // 60}:{total % 60:02d}" in appendix
        billed = f"Berechnet lt. Rechnung {_de_quantity(line.quantity)} Std."
        if total != line.quantity * 60:
            billed_apart += 1
            assert billed in appendix
        else:
            assert f"Summe erfasst {total // 60}:{total % 60:02d} {billed}" not in appendix
    assert billed_apart  # the sample bills quarter hours per entry
    # never the unrounded hours with 4 decimals
    assert not re.search(r"\d,\d{4}\b", appendix)
    without = squash(pdf_text(render_invoice_pdf(snapshot)))
    assert "Leistungsnachweis" not in without


def _timesheet_line(quantity: str, seconds: list[int], unit: str = "HUR") -> InvoiceSnapshot:
    """A one-line invoice billing `quantity` for entries of `seconds` logged."""
    snapshot = sample_snapshot(lines=1, language="en")
    rows = tuple(
        TimesheetRow(
            date=date(2026, 10, 5 + i),
            person="Ole Jensen",
            description=f"Entry {i + 1}",
            hours=seconds_to_hours(s),
        )
        for i, s in enumerate(seconds)
    )
    line = replace(
        snapshot.lines[0], title="Server migration", quantity=Decimal(quantity), unit=unit,
        timesheet=rows,
    )  # fmt: skip
    return replace(snapshot, lines=(line,))


def test_timesheet_shows_logged_hours_and_minutes_beside_the_billed_quantity():
    """Regression (issue: PDF invoices, e-invoices and sending): a line billing 10.5 h
    printed a timesheet total of 8.9239 hours."""
    # given: 3:00:20 + 2:54:40 + 3:00:00 logged = 8:55, billed 10.5 h
    snapshot = _timesheet_line("10.5", [3 * 3600 + 20, 2 * 3600 + 54 * 60 + 40, 3 * 3600])
    # when
    [group] = build_view(snapshot, timesheet=True)[0]["timesheet"]["groups"]
    # then
    assert [row[3] for row in group["rows"]] == ["3:00", "2:55", "3:00"]
    assert (group["total"], group["billed"]) == ("8:55", "10.5\u00a0h")
    text = squash(pdf_pages(render_invoice_pdf(snapshot, timesheet=True))[-1])
    assert "Date Person Description Time (h:mm)" in text
    assert "Total logged 8:55 Billed on the invoice 10.5 h" in text
    assert "8.9239" not in text and "8,9239" not in text


def test_timesheet_leaves_out_the_billed_row_when_it_equals_the_logged_time():
    snapshot = _timesheet_line("1.75", [3600, 45 * 60])
    [group] = build_view(snapshot, timesheet=True)[0]["timesheet"]["groups"]
    assert (group["total"], group["billed"]) == ("1:45", "")
    # a day rate is never "equal" to logged minutes: the billed days are shown
    days = _timesheet_line("1", [7 * 3600], unit="DAY")
    [group] = build_view(days, timesheet=True)[0]["timesheet"]["groups"]
    assert (group["total"], group["billed"]) == ("7:00", "1\u00a0day")


def test_timesheet_group_heading_stays_with_its_first_rows():
    """Every group heading is on the same page as the table header and first entry below it,
    and a group's totals are never alone at the top of a page."""
    snapshot = sample_snapshot(lines=40, timesheet=True, seed=5)
    pages = [squash(p) for p in pdf_pages(render_invoice_pdf(snapshot, timesheet=True))]
    appendix = [p for p in pages if "Zeit (h:mm)" in p]
    assert len(appendix) >= 2
    for page in appendix:
        for match in re.finditer(r"Pos\. \d+ · ", page):
            after = page[match.end() :]
            assert re.search(r"Datum Mitarbeiter Tätigkeit Zeit \(h:mm\) \d\d\.\d\d\.", after)
        body = page.split("Zeit (h:mm)", 1)[1].lstrip()
        assert not body.startswith(("Summe erfasst", "Berechnet")), body[:80]


@pytest.mark.parametrize("lines", [8, 25, 32, 40])
def test_totals_and_payment_never_stand_alone_on_a_page(lines):
    """Regression (issue: PDF invoices, e-invoices and sending): the payment block ended up
    alone on a nearly empty page. The last line, the totals and the payment part stay on
    one page, below the repeated table header."""
    pages = [squash(p) for p in pdf_pages(render_invoice_pdf(sample_snapshot(lines=lines)))]
    [last] = [p for p in pages if "Gesamtbetrag" in p]
    assert "Zahlbar bis" in last and "Bankverbindung" in last
    assert f" {lines} " in last.split("Gesamtbetrag")[0]  # the last line's position
    assert "Pos. Bezeichnung Menge Einheit Einzelpreis Gesamt" in last
    assert pages[-1] == last


def test_english_units_are_pluralised_by_quantity():
    snapshot = sample_snapshot(lines=1, language="en")
    lines = (
        replace(snapshot.lines[0], id="1", quantity=Decimal("3"), unit="DAY"),
        replace(snapshot.lines[0], id="2", quantity=Decimal("1"), unit="DAY"),
        replace(snapshot.lines[0], id="3", quantity=Decimal("2"), unit="C62"),
        replace(snapshot.lines[0], id="4", quantity=Decimal("1"), unit="C62"),
        replace(snapshot.lines[0], id="5", quantity=Decimal("2.5"), unit="HUR"),
    )
    view = build_view(replace(snapshot, lines=lines))[0]
    assert [(row["quantity"], row["unit"]) for row in view["lines"]] == [
        ("3", "days"), ("1", "day"), ("2", "pcs"), ("1", "pc"), ("2.5", "h"),
    ]  # fmt: skip
    german = build_view(replace(snapshot, language="de", lines=lines))[0]
    assert [row["unit"] for row in german["lines"]] == ["Tage", "Tag", "Stk.", "Stk.", "Std."]


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
    assert renderer_fonts() == ["Inter", "Noto Emoji"]
    pdf = pikepdf.open(io.BytesIO(render_invoice_pdf(sample_snapshot(lines=3))))
    fonts = {
        str(font.get("/BaseFont")) for page in pdf.pages for font in page.Resources.Font.values()
    }
    # Noto Emoji is embedded only where a text has an emoji
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
    png = render_invoice_pdf(snapshot, logo=tiny_png(40, 10))
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
    path.write_bytes(tiny_png(20, 20))
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


def _de_quantity(value: Decimal) -> str:
    return f"{value.normalize():f}".replace(".", ",")


def _minutes(hours: Decimal) -> int:
    return int((hours * 60).quantize(Decimal(1), ROUND_HALF_UP))


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
