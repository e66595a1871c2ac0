"""Realistic invoice snapshots without a database: for the renderer's tests, previews and the
document benchmark.

Amounts are computed with ``faktura.core.invoice_math`` exactly as billing computes them, so a
sample is a valid EN 16931 invoice (line nets, VAT breakdown and totals agree to the cent).
Everything is derived from ``seed``; the same arguments give the same snapshot.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from faktura.core.invoice_math import LineInput, invoice_totals
from faktura.core.money import negate
from faktura.core.time_rounding import seconds_to_hours
from faktura.einvoice.snapshot import (
    InvoiceSnapshot,
    Line,
    Party,
    Payment,
    TimesheetRow,
    VatRow,
)

SELLER = Party(
    name="Nordlicht IT-Service GmbH",
    street="Hafenstraße 12",
    postal_code="20457",
    city="Hamburg",
    country="DE",
    vat_id="DE123456788",
    tax_number="27/123/45678",
    email="rechnung@nordlicht-it.de",
    phone="+49 40 1234567-0",
    contact_name="Jana Petersen",
    register="Amtsgericht Hamburg HRB 123456",
    managing_directors="Jana Petersen, Malte Brandt",
    website="www.nordlicht-it.de",
)
PAYMENT = Payment(
    iban="DE02200505501015871393",
    bic="HASPDEHHXXX",
    bank_name="Hamburger Sparkasse",
    account_holder="Nordlicht IT-Service GmbH",
    terms_days=14,
)
BUYERS = {
    "domestic": Party(
        name="Bäckerei Schmidt & Söhne KG",
        street="Mühlenweg 7",
        postal_code="22765",
        city="Hamburg",
        country="DE",
        email="buchhaltung@baeckerei-schmidt.de",
        contact_name="Frau Anke Schmidt",
        customer_number="K-10042",
    ),
    "public": Party(
        name="Bezirksamt Altona",
        street="Platz der Republik 1",
        postal_code="22765",
        city="Hamburg",
        country="DE",
        email="e-rechnung@altona.hamburg.de",
        customer_number="K-10077",
        leitweg_id="02000000-ALTONA42-86",
    ),
    "reverse_charge": Party(
        name="Atelier Lumière SARL",
        street="12 Rue de la République",
        postal_code="69002",
        city="Lyon",
        country="FR",
        vat_id="FR40303265045",
        email="compta@atelier-lumiere.fr",
        customer_number="K-20011",
    ),
    "export": Party(
        name="Bergblick Treuhand AG",
        street="Bahnhofstrasse 21",
        postal_code="8001",
        city="Zürich",
        country="CH",
        email="finanzen@bergblick.ch",
        customer_number="K-30005",
    ),
}

# (title, description, unit, unit price, quantity choices, kind)
# fmt: off
CATALOG: tuple[tuple[str, str, str, str, tuple[str, ...], str], ...] = (
    ("IT-Support vor Ort", "Störungsbeseitigung Arbeitsplatzrechner", "HUR", "95.00",
     ("0.25", "0.5", "1.75", "2.5", "3"), "time"),
    ("Remote-Support", "Ticket #{ticket}: Outlook-Profil neu eingerichtet", "HUR", "85.00",
     ("0.25", "0.5", "0.75", "1.25"), "time"),
    ("Server-Wartung", "Patch-Management und Backup-Prüfung", "HUR", "110.00",
     ("1", "1.5", "2", "4"), "time"),
    ("Anfahrt", "Hamburg-Altona, hin und zurück", "KMT", "0.42",
     ("18", "24", "37", "52"), "mileage"),
    ("Microsoft 365 Business Standard", "Lizenz pro Benutzer", "MON", "11.70",
     ("5", "8", "12", "25"), "product"),
    ("Managed Backup", "Cloud-Speicher je angefangene 100 GB", "MON", "14.90",
     ("1", "2", "3"), "product"),
    ("Netzwerk-Switch 24 Port", "Zyxel GS1920-24HPv2, inkl. Konfiguration", "C62", "389.00",
     ("1", "2"), "goods"),
    ("Einrichtungspauschale Arbeitsplatz", "", "LS", "149.00", ("1",), "product"),
    ("Cloud-Rechenzeit", "Nutzungsabhängig, Abrechnung je vCPU-Stunde", "HUR", "0.043875",
     ("173", "288.5", "744"), "usage"),
)
# fmt: on
PEOPLE = ("Jana Petersen", "Malte Brandt", "Ole Jensen", "Svenja Hoffmann")
TASKS = (
    "Fehleranalyse und Behebung",
    "Rückruf und Abstimmung mit dem Kunden",
    "Treiber aktualisiert, Testdruck",
    "Dokumentation im Ticket",
    "Konfiguration geprüft",
)
EXEMPT_REASON = "Steuerfrei nach § 4 Nr. 21 UStG (Schulungsleistung)"


def sample_snapshot(
    *,
    number: str = "",
    lines: int = 25,
    language: str = "de",
    kind: str = "invoice",
    tax: str = "domestic",
    currency: str = "EUR",
    iban: bool = True,
    timesheet: bool = False,
    public: bool = False,
    seed: int = 0,
    issue_date: date = date(2026, 11, 22),
) -> InvoiceSnapshot:
    """A complete invoice (or, ``kind="credit_note"``, the credit note of it).

    ``tax``: ``domestic`` (19 %), ``mixed`` (19 % and 7 %), ``reverse_charge`` (AE, French
    business customer), ``exempt`` (E with its legal reason), ``export`` (G, Swiss customer).
    """
    rng = random.Random(seed)
    number = number or ("RK-2026-0001" if kind == "credit_note" else "RE-2026-0001")
    if tax in ("reverse_charge", "export"):
        buyer = BUYERS[tax]
    else:
        buyer = BUYERS["public" if public else "domestic"]
    period_start = date(issue_date.year, issue_date.month, 1) - timedelta(days=1)
    period_start = period_start.replace(day=1)
    period_end = date(issue_date.year, issue_date.month, 1) - timedelta(days=1)

    category, rate = {
        "domestic": ("S", Decimal("19")),
        "mixed": ("S", Decimal("19")),
        "reverse_charge": ("AE", Decimal("0")),
        "exempt": ("E", Decimal("0")),
        "export": ("G", Decimal("0")),
    }[tax]
    reason = EXEMPT_REASON if category == "E" else ""

    raw: list[tuple[Line, LineInput]] = []
    for index in range(lines):
        pick = rng.randrange(len(CATALOG))
        title, description, unit, price, quantities, kind_of = CATALOG[pick]
        item_id = f"ART-{1000 + pick}" if kind_of in ("goods", "product") else ""
        quantity = Decimal(rng.choice(quantities))
        unit_price = Decimal(price)
        line_category, line_rate = category, rate
        if tax == "mixed" and index % 4 == 3:
            title, description, unit, unit_price, quantity, kind_of = (
                "Fachbuch „Netzwerktechnik kompakt“", "ISBN 978-3-00-000000-0", "C62",
                Decimal("39.90"), Decimal(rng.choice(("1", "2"))), "goods",
            )  # fmt: skip
            item_id = "ART-2001"
            line_category, line_rate = "S", Decimal("7")
        text = description.format(ticket=4700 + index * 3) if description else ""
        entries: tuple[TimesheetRow, ...] = ()
        if timesheet and kind_of == "time":
            entries = _timesheet(rng, quantity, period_start, period_end)
        line_input = LineInput(
            quantity=quantity,
            unit_price=unit_price,
            vat_category=line_category,
            vat_rate=line_rate,
            exemption_reason=reason,
        )
        raw.append(
            (
                Line(
                    id=str(index + 1),
                    title=title,
                    description=text,
                    quantity=quantity,
                    unit=unit,
                    unit_price=unit_price,
                    net_amount=Decimal(0),
                    vat_category=line_category,
                    vat_rate=line_rate.quantize(Decimal("0.01")),
                    seller_item_id=item_id,
                    timesheet=entries,
                ),
                line_input,
            )
        )
    sign = -1 if kind == "credit_note" else 1
    inputs = [
        (LineInput(negate(li.quantity), li.unit_price, li.vat_category, li.vat_rate,
                   exemption_reason=li.exemption_reason) if sign < 0 else li)
        for _line, li in raw
    ]  # fmt: skip
    totals = invoice_totals(inputs, currency)
    snapshot_lines = tuple(
        replace(line, quantity=li.quantity, net_amount=net)
        for (line, _), li, net in zip(raw, inputs, totals.line_nets, strict=True)
    )
    vat_rows = tuple(
        VatRow(
            category=str(row.category),
            rate=row.rate,
            taxable_amount=row.taxable_amount,
            vat_amount=row.vat_amount,
            exemption_reason=row.exemption_reason,
            exemption_reason_code=row.exemption_reason_code,
        )
        for row in totals.breakdown
    )
    credit = kind == "credit_note"
    return InvoiceSnapshot(
        kind=kind,
        number=number,
        issue_date=issue_date,
        due_date=None if credit else issue_date + timedelta(days=PAYMENT.terms_days),
        currency=currency,
        language=language,
        seller=SELLER,
        buyer=buyer,
        payment=replace(PAYMENT, reference=number) if iban else Payment(terms_days=14),
        lines=snapshot_lines,
        vat_breakdown=vat_rows,
        net_total=totals.net,
        vat_total=totals.vat,
        gross_total=totals.gross,
        line_total=totals.line_total,
        service_period_start=period_start,
        service_period_end=period_end,
        buyer_reference=buyer.leitweg_id or buyer.customer_number,
        po_number="PO-2026-118" if not public else "",
        preceding_invoice_number="RE-2026-0001" if credit else "",
        preceding_invoice_date=date(2026, 11, 2) if credit else None,
        note="",
        footer="",
    )


def _timesheet(
    rng: random.Random, quantity: Decimal, start: date, end: date
) -> tuple[TimesheetRow, ...]:
    """Entries billed in quarter hours that add up to ``quantity``, on days in the period.

    As with a rounding policy "15 minutes, up, per entry", most entries logged a few minutes
    less than their billed quarters (so the appendix shows logged and billed time apart); some
    lines were logged exactly.
    """
    quarters = int(quantity * 4)
    exact = rng.random() < 0.3
    rows = []
    days = (end - start).days
    while quarters > 0:
        take = min(quarters, rng.choice((1, 2, 3, 4, 6)))
        quarters -= take
        seconds = take * 15 * 60 - (0 if exact else rng.randrange(0, 14 * 60))
        rows.append(
            TimesheetRow(
                date=start + timedelta(days=rng.randrange(days + 1)),
                person=rng.choice(PEOPLE),
                description=rng.choice(TASKS),
                hours=seconds_to_hours(seconds),
            )
        )
    rest = quantity - Decimal(int(quantity * 4)) / 4
    if rest:
        rows.append(TimesheetRow(date=end, person=PEOPLE[0], description=TASKS[3], hours=rest))
    return tuple(sorted(rows, key=lambda r: (r.date, r.person)))
