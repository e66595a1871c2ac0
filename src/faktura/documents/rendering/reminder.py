"""Payment reminders and dunning letters as PDF (Typst, `reminder.typ`), from plain values.

The receivables app gathers the values (the frozen invoice's seller and buyer, the reminder's
amounts); this module formats them for the customer's language and lays nothing out itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from faktura.einvoice.snapshot import Party

from .formatting import format_date, format_iban, language_of, number_style
from .renderer import get_renderer

TEXTS = {
    "de": {
        "reminder": "Zahlungserinnerung",
        "dunning": "Mahnung",
        "date": "Datum",
        "customer_number": "Kundennummer",
        "invoice": "Rechnung",
        "invoice_date": "Rechnungsdatum",
        "due_date": "Fällig am",
        "open": "Offener Betrag",
        "fee": "Mahngebühr",
        "earlier": "Offene Mahngebühren und Zinsen früherer Mahnungen",
        "interest": "Verzugszinsen",
        "interest_period": "Verzugszinsen vom {start} bis {end}",
        "total": "Zu zahlen",
        "salutation": "Sehr geehrte Damen und Herren,",
        "intro": "auf unserem Konto konnten wir zur folgenden Rechnung noch keinen vollständigen "
        "Zahlungseingang feststellen.",
        "intro_many": "auf unserem Konto konnten wir zu den folgenden Rechnungen noch keinen "
        "vollständigen Zahlungseingang feststellen.",
        "deadline": "Bitte überweisen Sie den Betrag von {total} bis zum {deadline}.",
        "ignore": "Sollten Sie inzwischen gezahlt haben, betrachten Sie dieses Schreiben bitte "
        "als gegenstandslos.",
        "regards": "Mit freundlichen Grüßen",
        "bank": "Bankverbindung",
        "reference": "Verwendungszweck",
    },
    "en": {
        "reminder": "Payment reminder",
        "dunning": "Dunning notice",
        "date": "Date",
        "customer_number": "Customer number",
        "invoice": "Invoice",
        "invoice_date": "Invoice date",
        "due_date": "Due date",
        "open": "Open amount",
        "fee": "Dunning fee",
        "earlier": "Open fees and interest of earlier reminders",
        "interest": "Default interest",
        "interest_period": "Default interest from {start} to {end}",
        "total": "Amount due",
        "salutation": "Dear Sir or Madam,",
        "intro": "we have not yet received full payment of the following invoice.",
        "intro_many": "we have not yet received full payment of the following invoices.",
        "deadline": "Please transfer {total} by {deadline}.",
        "ignore": "If you have paid in the meantime, please disregard this letter.",
        "regards": "Kind regards",
        "bank": "Bank account",
        "reference": "Reference",
    },
}


@dataclass(frozen=True)
class ReminderItem:
    """One invoice of a letter that reminds several: its open amount, fee and interest."""

    invoice_number: str
    invoice_date: date
    invoice_due_date: date
    open_amount: Decimal
    fee: Decimal
    interest: Decimal
    earlier_charges: Decimal = Decimal(0)


@dataclass(frozen=True)
class ReminderDocument:
    """What a reminder prints. `title`: the level's name (the company's own wording)."""

    seller: Party
    buyer: Party
    language: str
    title: str
    level: int
    date: date
    currency: str
    invoice_number: str
    invoice_date: date
    invoice_due_date: date
    open_amount: Decimal
    fee: Decimal
    interest: Decimal
    interest_from: date | None
    interest_to: date | None
    total_due: Decimal
    new_due_date: date
    iban: str = ""
    earlier_charges: Decimal = Decimal(0)  # earlier reminders' fees and interest still open
    # A letter for several invoices of the customer: one row each (the amounts above are then
    # the letter's sums).
    items: tuple[ReminderItem, ...] = ()


def reminder_view(doc: ReminderDocument) -> dict:
    """Every text of the reminder, formatted for the customer's language."""
    lang = language_of(doc.language)
    t = TEXTS[lang]
    money = number_style(lang, doc.currency).money

    def day(value: date) -> str:
        return format_date(value, lang)

    rows = [[t["open"], money(doc.open_amount)]]
    if doc.earlier_charges:
        rows.append([t["earlier"], money(doc.earlier_charges)])
    if doc.fee:
        rows.append([t["fee"], money(doc.fee)])
    if doc.interest:
        label = t["interest"]
        if doc.interest_from and doc.interest_to:
            label = t["interest_period"].format(
                start=day(doc.interest_from), end=day(doc.interest_to)
            )
        rows.append([label, money(doc.interest)])
    total = money(doc.total_due)
    seller, buyer = doc.seller, doc.buyer
    return {
        "lang": lang,
        "title": doc.title or (t["reminder"] if doc.level == 1 else t["dunning"]),
        "sender_line": " · ".join(
            p for p in (seller.name, seller.street, f"{seller.postal_code} {seller.city}".strip())
            if p
        ),
        "seller_name": seller.name,
        "buyer_address": [
            p for p in (buyer.name, buyer.contact_name, buyer.street,
                        f"{buyer.postal_code} {buyer.city}".strip()) if p
        ],
        "meta": [
            [t["date"], day(doc.date)],
            *([[t["customer_number"], buyer.customer_number]] if buyer.customer_number else []),
        ],
        "invoice_head": (
            [t["invoice"], t["invoice_date"], t["due_date"], t["open"], t["fee"], t["interest"]]
            if doc.items else [t["invoice"], t["invoice_date"], t["due_date"], t["open"]]
        ),
        "invoice_rows": [
            [item.invoice_number, day(item.invoice_date), day(item.invoice_due_date),
             money(item.open_amount), money(item.fee), money(item.interest)]
            for item in doc.items
        ] or [[doc.invoice_number, day(doc.invoice_date), day(doc.invoice_due_date),
               money(doc.open_amount)]],
        "rows": rows,
        "total": [t["total"], total],
        "salutation": t["salutation"],
        "intro": t["intro_many"] if len(doc.items) > 1 else t["intro"],
        "deadline": t["deadline"].format(total=total, deadline=day(doc.new_due_date)),
        "ignore": t["ignore"],
        "regards": t["regards"],
        "bank": (
            f"{t['bank']}: {format_iban(doc.iban)} · {t['reference']}: "
            + (", ".join(item.invoice_number for item in doc.items) or doc.invoice_number)
            if doc.iban else ""
        ),
    }  # fmt: skip


def render_reminder_pdf(doc: ReminderDocument) -> bytes:
    """The reminder as PDF/A-3b."""
    files = {"data.json": json.dumps({"view": reminder_view(doc)}).encode()}
    return get_renderer().compile("reminder.typ", files, pdf_a=True, created=doc.date)
