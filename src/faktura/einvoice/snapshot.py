"""The frozen invoice as plain data: what every document (PDF, UBL, CII) is rendered from.

Billing builds one `InvoiceSnapshot` from an issued invoice; the builders here and the PDF
renderer read only this, never the database, so a document can be rebuilt byte-for-byte from
the snapshot and tests can construct documents without a database. Amounts are `Decimal` in
ledger signs: a credit note has negative quantities and amounts (see `core.invoice_math`); the
builders flip them for a type-381 document.

`to_json`/`from_json` give the JSON form (decimals as strings, dates ISO) the Typst templates
receive.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class Party:
    """Seller (BG-4) or buyer (BG-7)."""

    name: str
    street: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = "DE"  # ISO 3166-1 alpha-2
    vat_id: str = ""  # BT-31 / BT-48
    tax_number: str = ""  # BT-32 (seller's national tax number)
    email: str = ""  # BT-34 / BT-49 electronic address, and contact e-mail
    phone: str = ""
    contact_name: str = ""
    customer_number: str = ""  # buyer only: our number for them
    leitweg_id: str = ""  # buyer only: BT-10 for German public customers
    peppol_id: str = ""  # "scheme:value" (EAS): the Peppol participant id, BT-34 / BT-49
    register: str = ""  # seller: court and register number (BT-30 legal registration)
    managing_directors: str = ""
    website: str = ""


@dataclass(frozen=True)
class Payment:
    """Payment instructions (BG-16) and terms (BT-20)."""

    iban: str = ""
    bic: str = ""
    bank_name: str = ""
    account_holder: str = ""
    terms_days: int = 14
    reference: str = ""  # BT-83 remittance information (usually the invoice number)
    # Cash discount (Skonto) frozen at issue: percent off the gross within the days (BT-20).
    cash_discount_percent: Decimal | None = None
    cash_discount_days: int = 0


@dataclass(frozen=True)
class VatRow:
    """One row of the VAT breakdown (BG-23)."""

    category: str  # S Z E AE K G O
    rate: Decimal  # percent
    taxable_amount: Decimal
    vat_amount: Decimal
    exemption_reason: str = ""
    exemption_reason_code: str = ""


@dataclass(frozen=True)
class TimesheetRow:
    """One entry behind a line, for the optional timesheet appendix."""

    date: date
    person: str
    description: str
    hours: Decimal


@dataclass(frozen=True)
class Line:
    """An invoice line (BG-25)."""

    id: str  # BT-126, the position
    title: str  # BT-153 item name
    quantity: Decimal  # BT-129 (4 places)
    unit: str  # BT-130, UN/ECE Rec 20
    unit_price: Decimal  # BT-146 net price (6 places), never negative
    net_amount: Decimal  # BT-131 = quantity x unit price, rounded once
    vat_category: str
    vat_rate: Decimal
    description: str = ""  # BT-154
    period_start: date | None = None  # BT-134
    period_end: date | None = None  # BT-135
    seller_item_id: str = ""  # BT-155 (product SKU)
    timesheet: tuple[TimesheetRow, ...] = ()


@dataclass(frozen=True)
class InvoiceSnapshot:
    kind: str  # "invoice" (380) or "credit_note" (381)
    number: str  # BT-1
    issue_date: date  # BT-2
    due_date: date | None  # BT-9
    currency: str  # BT-5
    language: str  # "de" or "en": the customer's language
    seller: Party
    buyer: Party
    payment: Payment
    lines: tuple[Line, ...]
    vat_breakdown: tuple[VatRow, ...]
    net_total: Decimal  # BT-109
    vat_total: Decimal  # BT-110
    gross_total: Decimal  # BT-112
    line_total: Decimal  # BT-106
    service_period_start: date | None = None  # BG-14
    service_period_end: date | None = None
    buyer_reference: str = ""  # BT-10 (Leitweg-ID, else PO number or customer number)
    po_number: str = ""  # BT-13
    preceding_invoice_number: str = ""  # BT-25, for credit notes
    preceding_invoice_date: date | None = None  # BT-26
    note: str = ""  # BT-22: intro/closing text
    credit_reason: str = ""  # BT-22 with subject code ACD: why a credit note corrects its invoice
    footer: str = ""
    accent_color: str = "#1f4e79"
    logo_path: str = ""  # absolute path of the tenant's logo file, if any
    allowances: tuple[Any, ...] = ()  # BG-20 (none used yet)
    charges: tuple[Any, ...] = ()  # BG-21 (none used yet)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def type_code(self) -> str:
        return "381" if self.kind == "credit_note" else "380"

    @property
    def is_credit_note(self) -> bool:
        return self.kind == "credit_note"

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), default=_default, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> InvoiceSnapshot:
        return _snapshot_from_dict(json.loads(text))


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _line(d: dict) -> Line:
    return Line(
        **{
            **d,
            "quantity": Decimal(d["quantity"]),
            "unit_price": Decimal(d["unit_price"]),
            "net_amount": Decimal(d["net_amount"]),
            "vat_rate": Decimal(d["vat_rate"]),
            "period_start": _date(d.get("period_start")),
            "period_end": _date(d.get("period_end")),
            "timesheet": tuple(
                TimesheetRow(
                    date=date.fromisoformat(t["date"]),
                    person=t["person"],
                    description=t["description"],
                    hours=Decimal(t["hours"]),
                )
                for t in d.get("timesheet", ())
            ),
        }
    )


def _payment(d: dict) -> Payment:
    percent = d.get("cash_discount_percent")
    return Payment(**{**d, "cash_discount_percent": None if percent is None else Decimal(percent)})


def _snapshot_from_dict(d: dict) -> InvoiceSnapshot:
    return InvoiceSnapshot(
        **{
            **d,
            "issue_date": date.fromisoformat(d["issue_date"]),
            "due_date": _date(d.get("due_date")),
            "service_period_start": _date(d.get("service_period_start")),
            "service_period_end": _date(d.get("service_period_end")),
            "preceding_invoice_date": _date(d.get("preceding_invoice_date")),
            "seller": Party(**d["seller"]),
            "buyer": Party(**d["buyer"]),
            "payment": _payment(d["payment"]),
            "lines": tuple(_line(x) for x in d["lines"]),
            "vat_breakdown": tuple(
                VatRow(
                    **{
                        **v,
                        "rate": Decimal(v["rate"]),
                        "taxable_amount": Decimal(v["taxable_amount"]),
                        "vat_amount": Decimal(v["vat_amount"]),
                    }
                )
                for v in d["vat_breakdown"]
            ),
            "net_total": Decimal(d["net_total"]),
            "vat_total": Decimal(d["vat_total"]),
            "gross_total": Decimal(d["gross_total"]),
            "line_total": Decimal(d["line_total"]),
            "allowances": tuple(d.get("allowances", ())),
            "charges": tuple(d.get("charges", ())),
        }
    )
