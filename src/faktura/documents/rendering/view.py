"""What the invoice template shows: every text and number, formatted per language.

The Typst template only lays out what this module computed; it neither formats nor computes.
Signs: the snapshot holds ledger signs (a credit note's amounts are negative). A credit note is
printed with positive amounts under the title "Rechnungskorrektur"/"Credit note", like its
type-381 e-invoice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from babel import Locale

from faktura.core import cash_discount
from faktura.core.money import amount_places, quantize_ratio
from faktura.core.tax import DEFAULT_EXEMPTION_REASONS
from faktura.core.time_rounding import format_duration, hours_to_seconds
from faktura.einvoice.snapshot import InvoiceSnapshot, Line, Party, VatRow

from .epc import epc_qr_svg
from .formatting import (
    LOCALES,
    NumberStyle,
    format_date,
    format_iban,
    format_rate,
    language_of,
    number_style,
    unit_name,
)
from .labels import LABELS

EXEMPT_CATEGORIES = ("E", "G", "K", "O")
# The CEF default reasons are English codes' texts for the XML; the PDF speaks the customer's
# language, so a row that only carries the default gets the localised wording.
_DEFAULT_REASON_TEXTS = frozenset(text for _code, text in DEFAULT_EXEMPTION_REASONS.values())
REVERSE_CHARGE = "AE"
_CATEGORY_ORDER = {"S": 0, "Z": 1, "AE": 2, "K": 3, "G": 4, "E": 5, "O": 6}


@dataclass(frozen=True)
class Attachment:
    """A file attached to the PDF (PDF/A-3 associated file)."""

    filename: str
    data: bytes
    mime: str = "application/octet-stream"
    relationship: str = "Unspecified"  # Source, Data, Alternative, Supplement, Unspecified
    description: str = ""


def build_view(
    snapshot: InvoiceSnapshot,
    *,
    timesheet: bool = False,
    logo_file: str | None = None,
    attachments: tuple[Attachment, ...] = (),
) -> tuple[dict[str, Any], str | None]:
    """The template's data for ``snapshot`` and, when a GiroCode applies, its SVG.

    ``logo_file`` names the logo file the template shows; ``attachments`` are announced to the
    template as ``attachment-<n>`` files. A snapshot without a number is a draft's preview:
    watermarked "Entwurf"/"Draft", with no number, no payment reference and no GiroCode.
    """
    lang = language_of(snapshot.language)
    t = LABELS[lang]
    money_style = number_style(lang, snapshot.currency)
    sign = Decimal(-1) if snapshot.is_credit_note else Decimal(1)
    kind = "credit_note" if snapshot.is_credit_note else "invoice"
    seller, buyer = snapshot.seller, snapshot.buyer

    def money(value: Decimal) -> str:
        return money_style.money(sign * value)

    def day(value: date) -> str:
        return format_date(value, lang)

    issue_date = day(snapshot.issue_date)
    title = t[kind]
    draft = not snapshot.number
    subtitle = ""
    if snapshot.is_credit_note and snapshot.preceding_invoice_number:
        if snapshot.preceding_invoice_date:
            subtitle = t["credit_note_of"].format(
                number=snapshot.preceding_invoice_number,
                date=day(snapshot.preceding_invoice_date),
            )
        else:
            subtitle = t["credit_note_of_undated"].format(number=snapshot.preceding_invoice_number)

    vat_rows = sorted(
        snapshot.vat_breakdown, key=lambda r: (_CATEGORY_ORDER.get(r.category, 9), -r.rate)
    )
    distinct_taxes = {(line.vat_category, line.vat_rate) for line in snapshot.lines}
    show_vat_column = len(distinct_taxes) > 1

    qr_svg = None if draft else _girocode(snapshot)
    view: dict[str, Any] = {
        "lang": lang,
        "watermark": t["draft"] if draft else None,
        "accent": _colour(snapshot.accent_color),
        "logo": logo_file,
        "qr": qr_svg is not None,
        "title": title,
        "subtitle": subtitle,
        "document_title": f"{title} {snapshot.number}" if not draft else f"{title} ({t['draft']})",
        "seller_name": seller.name,
        "sender_line": " · ".join(p for p in (seller.name, seller.street, _city(seller)) if p),
        "letterhead": [
            x
            for x in (
                " · ".join(p for p in (seller.street, _city(seller)) if p),
                f"{t['phone']} {seller.phone}" if seller.phone else "",
                seller.email,
                seller.website,
            )
            if x
        ],
        "buyer_address": _address(buyer, lang, show_country=buyer.country != seller.country),
        "info": _info(snapshot, t, day, kind, issue_date),
        "intro": snapshot.note or t[f"intro_{kind}"],
        # a credit note's reason (issue 15): data, never markup (the template shows it as text)
        "reason": {"label": t["credit_reason"], "text": snapshot.credit_reason}
        if snapshot.is_credit_note and snapshot.credit_reason
        else None,
        "columns": {
            "pos": t["col_pos"],
            "description": t["col_description"],
            "quantity": t["col_quantity"],
            "unit": t["col_unit"],
            "unit_price": t["col_unit_price"],
            "amount": t["col_amount"],
            "vat": t["col_vat"],
        },
        "show_vat_column": show_vat_column,
        "lines": [_line(line, lang, t, sign, money_style, day) for line in snapshot.lines],
        "totals": _totals(snapshot, vat_rows, t, lang, money, kind),
        "notes": _tax_notes(snapshot, vat_rows, t),
        "payment": _payment(snapshot, t, money, day),
        "footer": {"text": snapshot.footer, "columns": _footer_columns(snapshot, t)},
        "running_header": " · ".join(
            (seller.name, f"{title} {snapshot.number or t['draft']}", issue_date)
        ),
        "page_label": t["page"],
        "timesheet": _timesheet(snapshot, t, lang, day, issue_date) if timesheet else None,
        "attachments": [
            {
                "name": a.filename,
                "file": f"attachment-{i}",
                "mime": a.mime,
                "relationship": a.relationship.lower(),
                "description": a.description or a.filename,  # PDF/A-3 requires one
            }
            for i, a in enumerate(attachments)
        ],
    }
    return view, qr_svg


# --- blocks ----------------------------------------------------------------------------------


def _info(snapshot: InvoiceSnapshot, t: dict, day, kind: str, issue_date: str) -> list:
    buyer = snapshot.buyer
    rows: list[list[str]] = [
        [t[f"number_{kind}"], snapshot.number or t["draft_number"]],
        [t[f"date_{kind}"], issue_date],
    ]
    start, end = snapshot.service_period_start, snapshot.service_period_end
    if start and end and start != end:
        rows.append([t["service_period"], f"{day(start)} – {day(end)}"])
    elif start:
        rows.append([t["service_date"], day(start)])
    else:
        rows.append([t["service_date"], issue_date])
    if buyer.customer_number:
        rows.append([t["customer_number"], buyer.customer_number])
    if snapshot.po_number:
        rows.append([t["po_number"], snapshot.po_number])
    if buyer.leitweg_id:
        rows.append([t["leitweg_id"], buyer.leitweg_id])
    elif snapshot.buyer_reference and snapshot.buyer_reference not in (
        snapshot.po_number,
        buyer.customer_number,
    ):
        rows.append([t["buyer_reference"], snapshot.buyer_reference])
    if buyer.vat_id:
        rows.append([t["buyer_vat_id"], buyer.vat_id])
    if snapshot.due_date and not snapshot.is_credit_note:
        rows.append([t["due_date"], day(snapshot.due_date)])
    if snapshot.seller.contact_name:
        rows.append([t["contact"], snapshot.seller.contact_name])
    return rows


def _line(line: Line, lang: str, t: dict, sign: Decimal, style: NumberStyle, day) -> dict[str, Any]:
    details = []
    if line.description and line.description != line.title:
        details.append(line.description)
    if line.period_start and line.period_end:
        if line.period_start == line.period_end:
            details.append(f"{t['line_period']}: {day(line.period_start)}")
        else:
            details.append(f"{t['line_period']}: {day(line.period_start)} – {day(line.period_end)}")
    if line.seller_item_id:
        details.append(f"{t['item_number']} {line.seller_item_id}")
    return {
        "pos": line.id,
        "title": line.title,
        "details": details,
        "quantity": style.number(sign * line.quantity),
        "unit": unit_name(line.unit, lang, line.quantity),
        "unit_price": style.money(line.unit_price),
        "amount": style.money(sign * line.net_amount),
        "vat": format_rate(line.vat_rate, lang) if line.vat_category != "AE" else "RC",
    }


def _totals(
    snapshot: InvoiceSnapshot, rows: list[VatRow], t: dict, lang: str, money, kind: str
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for row in rows:
        if row.category in ("S", "Z"):
            label = t["net_rate"].format(rate=format_rate(row.rate, lang))
        else:
            label = t.get(f"net_{row.category}", t["net_rate"].format(rate=row.category))
        out.append({"label": label, "value": money(row.taxable_amount), "kind": "net"})
    if len(rows) > 1:
        out.append({"label": t["net_total"], "value": money(snapshot.net_total), "kind": "sum"})
    for row in rows:
        if row.category in ("S", "Z"):
            label = t["vat_rate"].format(rate=format_rate(row.rate, lang))
            out.append({"label": label, "value": money(row.vat_amount), "kind": "vat"})
    out.append({"label": t[f"gross_{kind}"], "value": money(snapshot.gross_total), "kind": "gross"})
    return out


def _tax_notes(snapshot: InvoiceSnapshot, rows: list[VatRow], t: dict) -> list[str]:
    notes: list[str] = []
    categories = {row.category for row in rows}
    if REVERSE_CHARGE in categories:
        notes.append(t["reverse_charge"])
    if categories & {"AE", "K"}:
        notes.append(
            t["vat_ids"].format(
                seller=snapshot.seller.vat_id or "–", buyer=snapshot.buyer.vat_id or "–"
            )
        )
    for row in rows:
        if row.category in EXEMPT_CATEGORIES:
            reason = row.exemption_reason
            if not reason or reason in _DEFAULT_REASON_TEXTS:
                reason = t[f"exempt_{row.category}"]
            if reason not in notes:
                notes.append(reason)
    return notes


def _cash_discount(snapshot: InvoiceSnapshot, t: dict, day) -> str:
    """ "2 % Skonto bei Zahlung bis 13.12.2026: 1.166,20 EUR" (the amount with the currency
    code, as a transfer is typed)."""
    pay = snapshot.payment
    percent, days = pay.cash_discount_percent, pay.cash_discount_days
    assert percent is not None
    places = amount_places(snapshot.currency)
    style = number_style(snapshot.language, snapshot.currency)
    amount = cash_discount.discounted_amount(snapshot.gross_total, percent, places)
    return t["cash_discount"].format(
        percent=f"{style.number(percent)} %",
        date=day(cash_discount.last_day(snapshot.issue_date, days)),
        amount=f"{style.number(amount, min_places=places)} {snapshot.currency}",
    )


def _payment(snapshot: InvoiceSnapshot, t: dict, money, day) -> dict[str, Any]:
    pay = snapshot.payment
    if snapshot.is_credit_note or snapshot.gross_total <= 0:
        terms = [t["refund"].format(amount=money(snapshot.gross_total))]
        bank: list[list[str]] = []
    else:
        terms = [
            t["pay_by"].format(date=day(snapshot.due_date)) if snapshot.due_date else t["pay_now"]
        ]
        if pay.cash_discount_percent and pay.cash_discount_days:
            terms.append(_cash_discount(snapshot, t, day))
        reference = pay.reference or snapshot.number
        if pay.iban and reference:
            terms.append(t["pay_reference"].format(number=reference))
        bank = []
        if pay.iban:
            bank.append([t["account_holder"], pay.account_holder or snapshot.seller.name])
            bank.append([t["iban"], format_iban(pay.iban)])
            if pay.bic:
                bank.append([t["bic"], pay.bic])
            if pay.bank_name:
                bank.append([t["bank"], pay.bank_name])
            if reference:
                bank.append([t["remittance"], reference])
    return {
        "terms": terms,
        "bank_title": t["bank_details"],
        "bank": bank,
        "qr_caption": t["qr_caption"],
    }


def _footer_columns(snapshot: InvoiceSnapshot, t: dict) -> list[list[str]]:
    seller, pay = snapshot.seller, snapshot.payment
    lang = language_of(snapshot.language)
    address = [seller.name, seller.street, _city(seller)]
    if seller.country != snapshot.buyer.country:
        address.append(country_name(seller.country, lang))
    contact = []
    if seller.phone:
        contact.append(f"{t['phone']} {seller.phone}")
    if seller.email:
        contact.append(f"{t['email']} {seller.email}")
    if seller.website:
        contact.append(seller.website)
    legal = []
    if seller.managing_directors:
        legal.append(f"{t['managing_directors']}: {seller.managing_directors}")
    if seller.register:
        legal.append(seller.register)
    if seller.vat_id:
        legal.append(f"{t['vat_id']} {seller.vat_id}")
    if seller.tax_number:
        legal.append(f"{t['tax_number']} {seller.tax_number}")
    bank = []
    if pay.iban:
        if pay.bank_name:
            bank.append(pay.bank_name)
        bank.append(f"IBAN {format_iban(pay.iban)}")
        if pay.bic:
            bank.append(f"BIC {pay.bic}")
    return [[x for x in col if x] for col in (address, contact, legal, bank) if any(col)]


def _timesheet(snapshot: InvoiceSnapshot, t: dict, lang: str, day, issue_date: str) -> dict:
    """The entries behind each line: date, person, description and the logged time as
    ``H:MM`` (minutes ROUND_HALF_UP per entry), the line's total of the printed entries and,
    where the invoice bills something else (a rounding policy, a minimum charge, a day rate),
    the billed quantity exactly as on the invoice line. Lines without entries (mileage, goods,
    products) are not in the appendix: their quantity is on the invoice line."""
    style = number_style(lang)
    sign = Decimal(-1) if snapshot.is_credit_note else Decimal(1)
    groups = []
    for line in snapshot.lines:
        if not line.timesheet:
            continue
        minutes = [_minutes(row.hours) for row in line.timesheet]
        logged = sum(minutes)
        quantity = sign * line.quantity
        billed = f"{style.number(quantity)}\u00a0{unit_name(line.unit, lang, quantity)}"
        groups.append(
            {
                "heading": f"{t['col_pos']} {line.id} · {line.title}",
                "rows": [
                    [day(row.date), row.person, row.description, format_duration(m * 60)]
                    for row, m in zip(line.timesheet, minutes, strict=True)
                ],
                "total": format_duration(logged * 60),
                "billed": billed if _billed_minutes(quantity, line.unit) != logged else "",
            }
        )
    kind = "credit_note" if snapshot.is_credit_note else "invoice"
    return {
        "title": t["timesheet"],
        "subtitle": t["timesheet_of"].format(
            # mid-sentence: "for invoice no. …", "zu Rechnung Nr. …"
            document=t[kind] if lang == "de" else t[kind].lower(),
            number=snapshot.number,
            date=issue_date,
        ),
        "columns": [t["ts_date"], t["ts_person"], t["ts_description"], t["ts_hours"]],
        "total_label": t["ts_total"],
        "billed_label": t["ts_billed"],
        "groups": groups,
    }


def _minutes(hours: Decimal) -> int:
    """Logged hours (4 decimals, exact to the second) as whole minutes, ROUND_HALF_UP."""
    return int(quantize_ratio(hours_to_seconds(hours), 60, 0))


def _billed_minutes(quantity: Decimal, unit: str) -> int | None:
    """A billed time quantity in whole minutes; None for units that are not time."""
    if unit == "HUR":
        return _minutes(quantity)
    if unit == "MIN" and quantity == quantity.to_integral_value():
        return int(quantity)
    return None


# --- helpers ---------------------------------------------------------------------------------


def _girocode(snapshot: InvoiceSnapshot) -> str | None:
    """The EPC QR code, only for EUR invoices with an IBAN and a positive amount due."""
    pay = snapshot.payment
    if snapshot.is_credit_note or snapshot.currency != "EUR" or not pay.iban:
        return None
    if snapshot.gross_total <= 0:
        return None
    return epc_qr_svg(
        name=(pay.account_holder or snapshot.seller.name)[:70],
        iban=pay.iban,
        bic=pay.bic,
        amount=snapshot.gross_total,
        text=(pay.reference or snapshot.number)[:140],
    )


def _city(party: Party) -> str:
    return " ".join(p for p in (party.postal_code, party.city) if p)


def _address(party: Party, lang: str, *, show_country: bool) -> list[str]:
    lines = [party.name, party.contact_name, party.street, _city(party)]
    if show_country and party.country:
        lines.append(country_name(party.country, lang).upper())
    return [x for x in lines if x]


@lru_cache(maxsize=512)
def country_name(code: str, lang: str) -> str:
    """The country's name in the document language (Babel's CLDR data)."""
    return Locale.parse(LOCALES[language_of(lang)]).territories.get(code.upper(), code)


def _colour(value: str) -> str:
    """The accent colour as ``#rrggbb``; anything else falls back to the default blue."""
    text = (value or "").strip().lower()
    if len(text) == 4 and text.startswith("#"):
        text = "#" + "".join(c * 2 for c in text[1:])
    if len(text) == 7 and text.startswith("#") and all(c in "0123456789abcdef" for c in text[1:]):
        return text
    return "#1f4e79"
