"""CSV and XLSX exports of a report table (DESIGN.md section 6.2).

A report describes its table once as `Column`s (key, label, kind) and rows (mappings by key);
`csv_response` and `xlsx_response` write the same table. In the spreadsheet dates are dates
and hours, money and percentages are numbers with a number format. Text a spreadsheet would
run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is
neutralised: in CSV by a leading apostrophe, in XLSX by writing it as a string cell (never a
formula) with the same leading apostrophe, so both read the same.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

import xlsxwriter
from django.http import HttpResponse

Kind = Literal["text", "date", "int", "hours", "money", "percent"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NUMBER_FORMATS = {
    "date": "yyyy-mm-dd",
    "int": "0",
    "hours": "#,##0.00",
    "money": "#,##0.00",
    "percent": "0.0",
}


@dataclass(frozen=True)
class Column:
    key: str
    label: Any  # str or a lazy translation
    kind: Kind = "text"


def neutralise(text: str) -> str:
    """Text as a cell shows it but never runs it: a leading apostrophe before a formula
    start."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _number(value: Any) -> Decimal | int | None:
    if value is None or value == "":
        return None
    if isinstance(value, int | Decimal):
        return value
    return Decimal(str(value))


def _csv_cell(column: Column, value: Any) -> str:
    if value is None:
        return ""
    if column.kind == "date":
        return value.isoformat() if isinstance(value, dt.date) else neutralise(str(value))
    if column.kind == "text":
        return neutralise(str(value))
    number = _number(value)
    return "" if number is None else str(number)


def _filename(name: str, extension: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in name) or "report"
    return f"{safe}.{extension}"


def csv_response(
    filename: str, columns: Sequence[Column], rows: Iterable[Mapping[str, Any]]
) -> HttpResponse:
    """The table as UTF-8 CSV (with a byte order mark, so spreadsheets read the umlauts),
    comma-separated, decimal points; header from the column labels."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(str(c.label)) for c in columns])
    for row in rows:
        writer.writerow([_csv_cell(c, row.get(c.key)) for c in columns])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(filename, "csv")}"'
    return response


def xlsx_bytes(
    columns: Sequence[Column], rows: Iterable[Mapping[str, Any]], *, sheet: str = "Report"
) -> bytes:
    """The table as an XLSX workbook with one sheet (XlsxWriter): a bold header row, dates as
    dates, numbers as numbers with their format, text as string cells."""
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        output,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    worksheet = workbook.add_worksheet(
        "".join(c for c in sheet if c not in "[]:*?/\\")[:31] or "Report"
    )
    bold = workbook.add_format({"bold": True})
    formats = {kind: workbook.add_format({"num_format": f}) for kind, f in NUMBER_FORMATS.items()}
    widths = [max(10, len(str(c.label)) + 2) for c in columns]
    for j, column in enumerate(columns):
        worksheet.write_string(0, j, neutralise(str(column.label)), bold)
    for i, row in enumerate(rows, start=1):
        for j, column in enumerate(columns):
            value = row.get(column.key)
            if value is None or value == "":
                continue
            if column.kind == "date" and isinstance(value, dt.date):
                worksheet.write_datetime(
                    i, j, dt.datetime.combine(value, dt.time.min), formats["date"]
                )
            elif column.kind in NUMBER_FORMATS and column.kind != "date":
                number = _number(value)
                if number is not None:
                    worksheet.write_number(i, j, float(number), formats[column.kind])
            else:
                text = neutralise(str(value))
                worksheet.write_string(i, j, text)
                widths[j] = min(60, max(widths[j], len(text) + 2))
    for j, width in enumerate(widths):
        worksheet.set_column(j, j, width)
    worksheet.freeze_panes(1, 0)
    workbook.close()
    return output.getvalue()


def xlsx_response(
    filename: str, columns: Sequence[Column], rows: Iterable[Mapping[str, Any]]
) -> HttpResponse:
    response = HttpResponse(xlsx_bytes(columns, rows, sheet=filename), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{_filename(filename, "xlsx")}"'
    return response


def export_response(
    fmt: str, filename: str, columns: Sequence[Column], rows: Iterable[Mapping[str, Any]]
) -> HttpResponse:
    """The table as ``fmt`` (``csv`` or ``xlsx``)."""
    if fmt == "xlsx":
        return xlsx_response(filename, columns, rows)
    return csv_response(filename, columns, rows)
