"""CSV and XLSX exports (reports.exports): types kept, formulas neutralised. The XLSX is read
back with zipfile and the XML of the sheet (no spreadsheet library)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from lxml import etree

from faktura.reports.exports import Column, csv_response, neutralise, xlsx_bytes

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
COLUMNS = [
    Column("name", "Customer"),
    Column("day", "Date", "date"),
    Column("count", "Entries", "int"),
    Column("hours", "Hours", "hours"),
    Column("amount", "Amount", "money"),
    Column("share", "Share", "percent"),
]
HOSTILE = ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\tTab", "\rCR", "Müller & Co"]
ROWS = [
    {
        "name": text,
        "day": dt.date(2026, 3, 31),
        "count": 3,
        "hours": "1.50",
        "amount": Decimal("1234.56"),
        "share": 12,
    }
    for text in HOSTILE
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("=1+1", "'=1+1"), ("-5", "'-5"), ("@x", "'@x"), ("a=b", "a=b"), ("", "")],
)
def test_neutralise(text, expected):
    assert neutralise(text) == expected


def test_csv_keeps_numbers_and_dates_and_neutralises_formulas():
    response = csv_response("hours 2026/03", COLUMNS, ROWS)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="hours-2026-03.csv"'
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["Customer", "Date", "Entries", "Hours", "Amount", "Share"]
    assert [row[0] for row in rows[1:]] == [
        "'=HYPERLINK(\"http://x\")", "'+1", "'-2+3", "'@SUM(A1)", "'\tTab", "'\rCR", "Müller & Co",
    ]  # fmt: skip
    assert rows[1][1:] == ["2026-03-31", "3", "1.50", "1234.56", "12"]


def _sheet(data: bytes):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = etree.fromstring(archive.read("xl/worksheets/sheet1.xml"))
        strings = etree.fromstring(archive.read("xl/sharedStrings.xml"))
        styles = etree.fromstring(archive.read("xl/styles.xml"))
    # A carriage return is written as _x000D_ (the OOXML escape of a control character).
    shared = ["".join(si.itertext()).replace("_x000D_", "\r") for si in strings.findall("m:si", NS)]
    formats = {1: "0"}  # built-in number format 1 is "0"
    formats |= {
        int(f.get("numFmtId")): f.get("formatCode") for f in styles.findall(".//m:numFmt", NS)
    }
    xfs = [int(xf.get("numFmtId")) for xf in styles.find("m:cellXfs", NS).findall("m:xf", NS)]
    return sheet, shared, formats, xfs


def test_xlsx_has_dates_as_dates_numbers_as_numbers_and_no_formulas():
    sheet, shared, formats, xfs = _sheet(xlsx_bytes(COLUMNS, ROWS, sheet="Hours"))

    assert sheet.findall(".//m:f", NS) == []  # no formula anywhere
    rows = sheet.findall(".//m:sheetData/m:row", NS)
    assert len(rows) == 1 + len(HOSTILE)
    header = [shared[int(c.find("m:v", NS).text)] for c in rows[0].findall("m:c", NS)]
    assert header == ["Customer", "Date", "Entries", "Hours", "Amount", "Share"]
    names = []
    for row in rows[1:]:
        cells = row.findall("m:c", NS)
        assert cells[0].get("t") == "s"  # text is a string cell
        names.append(shared[int(cells[0].find("m:v", NS).text)])
        values = [c.find("m:v", NS).text for c in cells[1:]]
        assert [c.get("t") for c in cells[1:]] == [None] * 5  # numbers
        assert values == ["46112", "3", "1.5", "1234.56", "12"]  # 46112 = 2026-03-31
        number_formats = [formats.get(xfs[int(c.get("s"))]) for c in cells[1:]]
        assert number_formats == ["yyyy-mm-dd", "0", "#,##0.00", "#,##0.00", "0.0"]
    assert names == [neutralise(text) for text in HOSTILE]
