"""The DATEV EXTF "Buchungsstapel" (format category 21, header version 700, format version 13)
for one period: a header record, the column names, then one booking per VAT group of each
invoice and credit note and one per payment or payment reversal.

File rules (DATEV's format description): fields separated by semicolons, CRLF after every
line, text fields in double quotes (quotes doubled), amounts positive with a decimal comma
and the debit/credit marker saying the direction, `Belegdatum` as DDMM (the year comes from
the header's period), encoded windows-1252.

Bookings (Konto against Gegenkonto, marker relative to Konto):
- invoice: debtor account `S` against the revenue account of the VAT group, gross of the group
  (taxable + VAT): DATEV's automatic revenue accounts derive the VAT themselves;
- credit note: the same accounts, `H` (its amounts are negative in Faktura);
- payment: the bank account `S` against the debtor account; a reversal `H`.

This module is pure: the rows come from `selectors`-style reads in `datev_export`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

# Presets: revenue account per VAT category (and rate for S), the bank account.
PRESETS: dict[str, dict[str, str]] = {
    "SKR03": {
        "S:19.00": "8400",
        "S:7.00": "8300",
        "AE": "8337",  # services to EU businesses, the customer owes the VAT (§ 13b)
        "K": "8125",  # intra-community supply, tax-free
        "G": "8120",  # export
        "E": "8100",  # exempt
        "Z": "8100",
        "O": "8100",
        "bank": "1200",
    },
    "SKR04": {
        "S:19.00": "4400",
        "S:7.00": "4300",
        "AE": "4337",
        "K": "4125",
        "G": "4120",
        "E": "4100",
        "Z": "4100",
        "O": "4100",
        "bank": "1800",
    },
}

COLUMNS = [
    "Umsatz (ohne Soll/Haben-Kz)", "Soll/Haben-Kennzeichen", "WKZ Umsatz", "Kurs",
    "Basis-Umsatz", "WKZ Basis-Umsatz", "Konto", "Gegenkonto (ohne BU-Schlüssel)",
    "BU-Schlüssel", "Belegdatum", "Belegfeld 1", "Belegfeld 2", "Skonto", "Buchungstext",
    "Postensperre", "Diverse Adressnummer", "Geschäftspartnerbank", "Sachverhalt",
    "Zinssperre", "Beleglink",
    *[f"Beleginfo - {kind} {n}" for n in range(1, 9) for kind in ("Art", "Inhalt")],
    "KOST1 - Kostenstelle", "KOST2 - Kostenstelle", "Kost-Menge",
    "EU-Land u. UStID (Bestimmung)", "EU-Steuersatz (Bestimmung)",
]  # fmt: skip


@dataclass(frozen=True)
class Config:
    consultant_number: int
    client_number: int
    chart: str
    account_length: int
    fiscal_year_start: dt.date
    revenue_accounts: dict[str, str]
    bu_keys: dict[str, str]
    bank_account: str
    debtor_start: int


@dataclass(frozen=True)
class Booking:
    amount: Decimal  # signed as in Faktura; the marker carries the direction
    debit_marker: str  # "S" or "H" for a positive amount
    account: str
    contra_account: str
    bu_key: str
    date: dt.date
    document: str  # Belegfeld 1
    reference: str  # Belegfeld 2
    text: str
    vat_id: str = ""


def revenue_account(config: Config, category: str, rate: Decimal) -> str:
    preset = PRESETS[config.chart]
    key = f"{category}:{rate:.2f}"
    for table in (config.revenue_accounts, preset):
        if key in table:
            return table[key]
        if category in table:
            return table[category]
    return preset["S:19.00"]


def invoice_bookings(
    config: Config,
    *,
    number: str,
    date: dt.date,
    debtor: str,
    customer: str,
    vat_id: str,
    breakdown: list[dict],
    credit_of: str = "",
) -> list[Booking]:
    """One booking per VAT group: gross of the group, debtor against revenue account."""
    rows = []
    for group in breakdown:
        category = group["category"]
        rate = Decimal(group["rate"])
        gross = Decimal(group["taxable_amount"]) + Decimal(group["vat_amount"])
        if gross == 0:
            continue
        rows.append(
            Booking(
                amount=gross,
                debit_marker="S",
                account=debtor,
                contra_account=revenue_account(config, category, rate),
                bu_key=config.bu_keys.get(category, ""),
                date=date,
                document=number,
                reference=credit_of,
                text=customer,
                vat_id=vat_id if category in ("AE", "K") else "",
            )
        )
    return rows


def payment_booking(
    config: Config, *, amount: Decimal, date: dt.date, debtor: str, number: str, text: str
) -> Booking:
    """Bank against debtor: a payment is `S` on the bank; a reversal (negative) `H`."""
    return Booking(
        amount=amount,
        debit_marker="S",
        account=config.bank_account or PRESETS[config.chart]["bank"],
        contra_account=debtor,
        bu_key="",
        date=date,
        document=number,
        reference="",
        text=text,
    )


def _text(value: str, limit: int) -> str:
    clean = " ".join(value.split())[:limit]
    return '"' + clean.replace('"', '""') + '"'


def _amount(value: Decimal) -> str:
    return f"{abs(value):.2f}".replace(".", ",")


def _row(b: Booking) -> list[str]:
    marker = b.debit_marker if b.amount >= 0 else ("H" if b.debit_marker == "S" else "S")
    fields = [""] * len(COLUMNS)
    fields[0] = _amount(b.amount)
    fields[1] = f'"{marker}"'
    fields[2] = '"EUR"'
    fields[6] = b.account
    fields[7] = b.contra_account
    fields[8] = f'"{b.bu_key}"' if b.bu_key else ""
    fields[9] = b.date.strftime("%d%m")
    fields[10] = _text(b.document, 36)
    fields[11] = _text(b.reference, 12)
    fields[13] = _text(b.text, 60)
    fields[39] = _text(b.vat_id, 15) if b.vat_id else ""
    return fields


def header(config: Config, *, start: dt.date, end: dt.date, created: dt.datetime) -> list[str]:
    chart = {"SKR03": "03", "SKR04": "04"}[config.chart]
    return [
        '"EXTF"', "700", "21", '"Buchungsstapel"', "13",
        created.strftime("%Y%m%d%H%M%S") + f"{created.microsecond // 1000:03d}",
        "", '"RE"', '""', '""',
        str(config.consultant_number), str(config.client_number),
        config.fiscal_year_start.strftime("%Y%m%d"), str(config.account_length),
        start.strftime("%Y%m%d"), end.strftime("%Y%m%d"),
        _text(f"Faktura {start:%Y-%m}", 30), '""', "1", "0", "0", '"EUR"',
        "", '""', "", "", f'"{chart}"', "", "", '""', '""',
    ]  # fmt: skip


def render(
    config: Config, bookings: list[Booking], *, start: dt.date, end: dt.date, created: dt.datetime
) -> bytes:
    lines = [
        ";".join(header(config, start=start, end=end, created=created)),
        ";".join(COLUMNS),
        *(";".join(_row(b)) for b in bookings),
    ]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252", errors="replace")
