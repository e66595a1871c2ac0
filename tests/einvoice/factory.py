"""Invoice snapshots for e-invoice tests: pure Python, realistic German data, no database.

Totals are computed with ``core.invoice_math`` exactly as billing does, so the tests check the
builders against core's arithmetic and never against numbers typed into the test.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from faktura.core.invoice_math import LineInput, credit_note_lines, invoice_totals
from faktura.core.tax import DocumentAdjustment
from faktura.einvoice.snapshot import InvoiceSnapshot, Line, Party, Payment, VatRow

D = Decimal

SELLER = Party(
    name="Nordlicht IT GmbH",
    street="Friedrichstraße 123",
    postal_code="10117",
    city="Berlin",
    country="DE",
    vat_id="DE136695976",
    tax_number="37/123/45678",
    email="rechnung@nordlicht-it.de",
    phone="+49 30 1234567-0",
    contact_name="Anna Schmidt",
    register="Amtsgericht Charlottenburg, HRB 201234 B",
    managing_directors="Geschäftsführer: Jan Nordmann",
    website="https://nordlicht-it.de",
)

BUYER_DE = Party(
    name="Müller Maschinenbau GmbH",
    street="Industriestraße 12",
    postal_code="70565",
    city="Stuttgart",
    country="DE",
    vat_id="DE812345673",
    email="eingangsrechnungen@mueller-maschinenbau.de",
    contact_name="Petra Müller",
    phone="+49 711 987654",
    customer_number="K-10042",
)

BUYER_AT = Party(
    name="Donau Logistik GmbH",
    street="Hafenstraße 7",
    postal_code="4020",
    city="Linz",
    country="AT",
    vat_id="ATU13585627",
    email="invoices@donau-logistik.at",
    customer_number="K-20007",
)

BUYER_CH = Party(
    name="Alpen Präzision AG",
    street="Bahnhofstrasse 10",
    postal_code="8001",
    city="Zürich",
    country="CH",
    vat_id="CHE116281710MWST",
    email="kreditoren@alpen-praezision.ch",
    customer_number="K-30001",
)

BUYER_PUBLIC = Party(
    name="Stadtverwaltung Musterstadt, Amt für Informationstechnik",
    street="Rathausplatz 1",
    postal_code="12345",
    city="Musterstadt",
    country="DE",
    email="e-rechnung@musterstadt.de",
    customer_number="K-40001",
    leitweg_id="04011000-1234512345-06",
)

PAYMENT = Payment(
    iban="DE89 3704 0044 0532 0130 00",
    bic="COBADEFFXXX",
    bank_name="Commerzbank",
    account_holder="Nordlicht IT GmbH",
    terms_days=14,
)

ISSUE_DATE = date(2025, 5, 2)
STANDARD_RATE = D("19")


@dataclass(frozen=True)
class L:
    """A line as a test states it; the net amount is computed by core."""

    title: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    category: str = "S"
    rate: Decimal = STANDARD_RATE
    description: str = ""
    period_start: date | None = None
    period_end: date | None = None
    seller_item_id: str = ""


def snapshot(
    lines: list[L],
    *,
    kind: str = "invoice",
    number: str = "RE-2025-0042",
    buyer: Party = BUYER_DE,
    seller: Party = SELLER,
    payment: Payment = PAYMENT,
    language: str = "de",
    currency: str = "EUR",
    exemption_reason: str = "",
    exemption_reason_code: str = "",
    po_number: str = "",
    preceding_invoice_number: str = "",
    preceding_invoice_date: date | None = None,
    service_period: tuple[date, date] | None = (date(2025, 4, 1), date(2025, 4, 30)),
    note: str = "",
    allowances: tuple[DocumentAdjustment, ...] = (),
    charges: tuple[DocumentAdjustment, ...] = (),
) -> InvoiceSnapshot:
    """An issued invoice (or, with ``kind="credit_note"``, a credit note reversing ``lines``:
    ledger quantities negated as billing stores them) with totals from ``core.invoice_math``."""
    inputs = [
        LineInput(
            quantity=line.quantity,
            unit_price=line.unit_price,
            vat_category=line.category,
            vat_rate=line.rate,
            exemption_reason=exemption_reason if line.category != "S" else "",
            exemption_reason_code=exemption_reason_code if line.category != "S" else "",
        )
        for line in lines
    ]
    if kind == "credit_note":
        inputs = credit_note_lines(inputs)
        allowances = tuple(-a for a in allowances)
        charges = tuple(-c for c in charges)
    totals = invoice_totals(inputs, currency, allowances, charges)
    snapshot_lines = tuple(
        Line(
            id=str(index),
            title=line.title,
            quantity=item.quantity,
            unit=line.unit,
            unit_price=item.unit_price,
            net_amount=net,
            vat_category=line.category,
            vat_rate=line.rate,
            description=line.description,
            period_start=line.period_start,
            period_end=line.period_end,
            seller_item_id=line.seller_item_id,
        )
        for index, (line, item, net) in enumerate(
            zip(lines, inputs, totals.line_nets, strict=True), start=1
        )
    )
    breakdown = tuple(
        VatRow(
            category=row.category.value,
            rate=row.rate,
            taxable_amount=row.taxable_amount,
            vat_amount=row.vat_amount,
            exemption_reason=row.exemption_reason,
            exemption_reason_code=row.exemption_reason_code,
        )
        for row in totals.breakdown
    )
    start, end = service_period if service_period else (None, None)
    return InvoiceSnapshot(
        kind=kind,
        number=number,
        issue_date=ISSUE_DATE,
        due_date=ISSUE_DATE + timedelta(days=payment.terms_days) if kind == "invoice" else None,
        currency=currency,
        language=language,
        seller=seller,
        buyer=buyer,
        payment=replace(payment, reference=number),
        lines=snapshot_lines,
        vat_breakdown=breakdown,
        net_total=totals.net,
        vat_total=totals.vat,
        gross_total=totals.gross,
        line_total=totals.line_total,
        service_period_start=start,
        service_period_end=end,
        po_number=po_number,
        preceding_invoice_number=preceding_invoice_number,
        preceding_invoice_date=preceding_invoice_date,
        note=note,
        allowances=allowances,
        charges=charges,
    )


# --- the cases every format is validated with ------------------------------------------------

CONSULTING = L(
    "IT-Beratung Netzwerkmigration",
    D("12.5"),
    "HUR",
    D("95.00"),
    description="Planung und Umsetzung der Migration auf VLAN-Segmentierung",
)
SUPPORT = L("Support-Pauschale April 2025", D("1"), "MON", D("450.00"), seller_item_id="SUP-M")


def standard_rate() -> InvoiceSnapshot:
    return snapshot(
        [CONSULTING, SUPPORT, L("Fahrtkosten", D("84"), "KMT", D("0.30"))],
        po_number="PO-4711",
        note="Vielen Dank für Ihren Auftrag.",
    )


def two_rates() -> InvoiceSnapshot:
    return snapshot(
        [
            CONSULTING,
            L("Fachbuch 'Netzwerksicherheit'", D("3"), "C62", D("49.90"), rate=D("7")),
            L("Schulungsunterlagen (gedruckt)", D("12"), "C62", D("8.333333"), rate=D("7")),
            L("Cloud-Backup 500 GB", D("1"), "MON", D("19.99")),
        ]
    )


def zero_rated() -> InvoiceSnapshot:
    # Photovoltaic systems are taxed at 0 % in Germany (section 12 (3) UStG).
    return snapshot(
        [
            L(
                "Photovoltaikanlage 9,8 kWp inkl. Montage",
                D("1"),
                "C62",
                D("14500.00"),
                "Z",
                D("0"),
                seller_item_id="PV-98",
            ),
            L("Batteriespeicher 10 kWh", D("1"), "C62", D("6990.00"), "Z", D("0")),
        ],
    )


def exempt() -> InvoiceSnapshot:
    return snapshot(
        [L("Schulung 'IT-Sicherheit für Auszubildende'", D("2"), "DAY", D("1200.00"), "E", D("0"))],
        exemption_reason="Steuerfrei nach § 4 Nr. 21 UStG (Bildungsleistung)",
        exemption_reason_code="VATEX-EU-132-1I",
    )


def reverse_charge() -> InvoiceSnapshot:
    return snapshot(
        [
            L("IT-Beratung Lagerverwaltung", D("16"), "HUR", D("110.00"), "AE", D("0")),
            L("Lizenz-Einrichtung", D("1"), "C62", D("250.00"), "AE", D("0")),
        ],
        buyer=BUYER_AT,
        language="en",
        exemption_reason="Reverse charge: the recipient is liable for VAT "
        "(Steuerschuldnerschaft des Leistungsempfängers)",
        exemption_reason_code="VATEX-EU-AE",
    )


def export() -> InvoiceSnapshot:
    return snapshot(
        [
            L(
                'Industrie-PC Rackmount 19"',
                D("2"),
                "C62",
                D("1899.00"),
                "G",
                D("0"),
                seller_item_id="IPC-19R",
            ),
            L("Managed Switch 48 Port", D("1"), "C62", D("1249.50"), "G", D("0")),
        ],
        buyer=BUYER_CH,
        language="en",
        exemption_reason="Export outside the EU (section 4 no. 1 a UStG)",
        exemption_reason_code="VATEX-EU-G",
    )


def credit_note() -> InvoiceSnapshot:
    return snapshot(
        [
            L("IT-Beratung Netzwerkmigration (Korrektur)", D("2.25"), "HUR", D("95.00")),
            L("Fahrtkosten", D("84"), "KMT", D("0.30")),
        ],
        kind="credit_note",
        number="GS-2025-0007",
        preceding_invoice_number="RE-2025-0042",
        preceding_invoice_date=date(2025, 4, 30),
    )


def public_sector() -> InvoiceSnapshot:
    return snapshot(
        [
            L(
                "Wartung Fachverfahren",
                D("1"),
                "MON",
                D("1850.00"),
                period_start=date(2025, 4, 1),
                period_end=date(2025, 4, 30),
            ),
            L("Einsatz vor Ort", D("6.75"), "HUR", D("98.00")),
        ],
        buyer=BUYER_PUBLIC,
        po_number="BEST-2025-118",
    )


def fractional_price() -> InvoiceSnapshot:
    return snapshot(
        [
            L("Strom Rechenzentrum", D("1234.5678"), "KWH", D("0.123456")),
            L("Cloud-Speicher", D("3.3333"), "MON", D("2.999999")),
            L("Grundgebühr", D("1"), "MON", D("12.50")),
        ]
    )


def not_subject() -> InvoiceSnapshot:
    # B2B services to a business outside the EU are taxable where the customer is
    # (section 3a (2) UStG): not subject to German VAT.
    return snapshot(
        [L("Softwareentwicklung Schnittstelle ERP", D("24"), "HUR", D("120.00"), "O", D("0"))],
        buyer=BUYER_CH,
        language="en",
    )


def intra_community() -> InvoiceSnapshot:
    return snapshot(
        [L("Firewall-Appliance", D("2"), "C62", D("2490.00"), "K", D("0"))],
        buyer=BUYER_AT,
        language="en",
    )


def with_allowance_and_charge() -> InvoiceSnapshot:
    return snapshot(
        [CONSULTING, L("Fachbuch", D("2"), "C62", D("39.90"), rate=D("7"))],
        allowances=(DocumentAdjustment(D("50.00"), "S", D("19"), "Treuerabatt", "95"),),
        charges=(DocumentAdjustment(D("7.50"), "S", D("19"), "Versandkosten"),),
    )


def without_iban() -> InvoiceSnapshot:
    return snapshot([SUPPORT], payment=Payment(terms_days=0), service_period=None)


# Buyers outside the EU without a VAT ID: a Peppol ID of their own is their only EAS address.
BUYER_US = Party(
    name="Acme Widgets Inc.",
    street="500 Market Street",
    postal_code="94105",
    city="San Francisco",
    country="US",
    email="ap@acme-widgets.example",
    customer_number="K-50001",
    peppol_id="0088:4000001000005",
)
BUYER_JP = Party(
    name="株式会社サクラ精機",
    street="1-2-3 Marunouchi, Chiyoda-ku",
    postal_code="100-0005",
    city="Tokyo",
    country="JP",
    email="keiri@sakura-seiki.example",
    customer_number="K-60001",
    peppol_id="0188:1234567890123",
)
BUYER_KW = Party(
    name="Gulf Data Centre W.L.L.",
    street="Al Soor Street 12",
    postal_code="13001",
    city="Kuwait City",
    country="KW",
    email="finance@gulf-dc.example",
    customer_number="K-70001",
    peppol_id="0088:4000001000005",
)
_EXPORT_REASON = {
    "exemption_reason": "Export outside the EU (section 4 no. 1 a UStG)",
    "exemption_reason_code": "VATEX-EU-G",
}


def export_usd() -> InvoiceSnapshot:
    return snapshot(
        [L("Rack server, refurbished", D("3"), "C62", D("1333.33"), "G", D("0"))],
        buyer=BUYER_US,
        language="en",
        currency="USD",
        **_EXPORT_REASON,
    )


def export_jpy() -> InvoiceSnapshot:
    """Issue 9, finding 4: 3 x 1999.50 JPY is 5998.50 (2 decimals), not 5999."""
    return snapshot(
        [
            L("Industrial PC licence", D("3"), "C62", D("1999.50"), "G", D("0")),
            L("Remote support", D("1.25"), "HUR", D("12345"), "G", D("0")),
        ],
        buyer=BUYER_JP,
        language="en",
        currency="JPY",
        **_EXPORT_REASON,
    )


def export_kwd() -> InvoiceSnapshot:
    """A currency with 3 minor digits: amounts are still rounded once to 2 (BR-DEC-*)."""
    return snapshot(
        [
            L("Colocation rack unit", D("2.5"), "MON", D("4.123"), "G", D("0")),
            L("Bandwidth", D("1234.5678"), "E34", D("0.012345"), "G", D("0")),
        ],
        buyer=BUYER_KW,
        language="en",
        currency="KWD",
        **_EXPORT_REASON,
    )


def unicode_titles() -> InvoiceSnapshot:
    """Text users type: emoji, Greek, Cyrillic and the XML specials & < > " '."""
    return snapshot(
        [
            L("Wartung 🛠️ Server ✅", D("2"), "HUR", D("95.00"), description="Backup 💾 geprüft"),
            L("Συντήρηση διακομιστή – Αθήνα", D("1"), "MON", D("450.00")),
            L("Обслуживание сервера, Москва", D("3.5"), "HUR", D("95.00"), rate=D("7")),
            L("R&D <Phase 2> & \"QA\" 'final'", D("1"), "C62", D("10.00")),
        ],
        buyer=replace(BUYER_DE, name="Müller & Söhne <Maschinenbau> GmbH"),
        note="Danke! 🙏 & <bis bald>",
    )


def cash_discount() -> InvoiceSnapshot:
    """2 % Skonto within 10 days on an invoice of two VAT rates (issue 12)."""
    invoice = two_rates()
    return replace(
        invoice,
        payment=replace(PAYMENT, cash_discount_percent=D("2.00"), cash_discount_days=10),
    )


def cash_discount_public_sector_en() -> InvoiceSnapshot:
    """2.5 % cash discount within 14 days, in English, for a public buyer (XRechnung)."""
    invoice = public_sector()
    return replace(
        invoice,
        language="en",
        payment=replace(PAYMENT, cash_discount_percent=D("2.50"), cash_discount_days=14),
    )


CASES = {
    "standard_rate": standard_rate,
    "two_rates": two_rates,
    "zero_rated": zero_rated,
    "exempt": exempt,
    "reverse_charge": reverse_charge,
    "export": export,
    "credit_note": credit_note,
    "public_sector": public_sector,
    "fractional_price": fractional_price,
    "not_subject": not_subject,
    "intra_community": intra_community,
    "allowance_and_charge": with_allowance_and_charge,
    "without_iban": without_iban,
    "export_usd": export_usd,
    "export_jpy": export_jpy,
    "export_kwd": export_kwd,
    "unicode_titles": unicode_titles,
    "cash_discount": cash_discount,
    "cash_discount_public_sector_en": cash_discount_public_sector_en,
}
