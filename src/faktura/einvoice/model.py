"""The EN 16931 business groups of a document as plain values, independent of the syntax.

``groups`` fills them from an invoice snapshot; the UBL and CII writers only put them into
elements. Amounts are in *document* signs (positive on a credit note).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

# UNTDID 4461 payment means (BT-81).
MEANS_SEPA_CREDIT_TRANSFER = "58"
MEANS_NOT_DEFINED = "1"
# EAS electronic address schemes (BT-34, BT-49).
SCHEME_EMAIL = "EM"
SCHEME_LEITWEG_ID = "0204"
# Tax registration schemes (BT-31 VAT ID, BT-32 national tax number).
SCHEME_VAT = "VA"
SCHEME_TAX_NUMBER = "FC"

# --- the groups ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Address:
    """BG-5 / BG-8 postal address."""

    street: str  # BT-35 / BT-50
    city: str  # BT-37 / BT-52
    postal_code: str  # BT-38 / BT-53
    country: str  # BT-40 / BT-55


@dataclass(frozen=True)
class Contact:
    """BG-6 seller contact / BG-9 buyer contact."""

    name: str  # BT-41 / BT-56
    phone: str  # BT-42 / BT-57
    email: str  # BT-43 / BT-58


@dataclass(frozen=True)
class ElectronicAddress:
    """BT-34 / BT-49 with its EAS scheme."""

    value: str
    scheme: str


@dataclass(frozen=True)
class Seller:
    """BG-4."""

    name: str  # BT-27
    legal_registration: str  # BT-30 (commercial register entry)
    legal_info: str  # BT-33 (managing directors)
    vat_id: str  # BT-31
    tax_number: str  # BT-32
    electronic_address: ElectronicAddress | None  # BT-34
    address: Address  # BG-5
    contact: Contact | None  # BG-6


@dataclass(frozen=True)
class Buyer:
    """BG-7."""

    name: str  # BT-44
    identifier: str  # BT-46 (our customer number)
    vat_id: str  # BT-48
    electronic_address: ElectronicAddress | None  # BT-49
    address: Address  # BG-8
    contact: Contact | None  # BG-9


@dataclass(frozen=True)
class Delivery:
    """BG-14 invoicing period, or BT-72 actual delivery date when there is no period; BG-15
    deliver-to address (only for intra-community supplies, which need its country, BR-IC-12)."""

    period_start: date | None
    period_end: date | None
    actual_delivery_date: date | None
    deliver_to: Address | None = None

    @property
    def has_period(self) -> bool:
        return self.period_start is not None or self.period_end is not None


@dataclass(frozen=True)
class PaymentInstructions:
    """BG-16 (with BG-17 credit transfer when there is an IBAN)."""

    means_code: str  # BT-81
    remittance_information: str  # BT-83
    iban: str  # BT-84
    account_name: str  # BT-85
    bic: str  # BT-86


@dataclass(frozen=True)
class PaymentTerms:
    text: str  # BT-20
    due_date: date | None  # BT-9


@dataclass(frozen=True)
class AllowanceCharge:
    """BG-20 document allowance or BG-21 document charge (amount in document signs)."""

    is_charge: bool
    amount: Decimal  # BT-92 / BT-99
    category: str  # BT-95 / BT-102
    rate: Decimal | None  # BT-96 / BT-103; None for category O
    reason: str  # BT-97 / BT-104
    reason_code: str  # BT-98 / BT-105


@dataclass(frozen=True)
class VatGroup:
    """BG-23."""

    category: str  # BT-118
    rate: Decimal  # BT-119: 0 for category O (EN 16931 allows it there, XRechnung's BR-DE-14
    # requires it; only line and allowance rates must be left out for O, BR-O-05..07)
    taxable_amount: Decimal  # BT-116
    vat_amount: Decimal  # BT-117
    exemption_reason: str  # BT-120
    exemption_reason_code: str  # BT-121


@dataclass(frozen=True)
class DocumentTotals:
    """BG-22."""

    line_total: Decimal  # BT-106
    allowance_total: Decimal | None  # BT-107 (None: no allowances)
    charge_total: Decimal | None  # BT-108 (None: no charges)
    net: Decimal  # BT-109
    vat: Decimal  # BT-110
    gross: Decimal  # BT-112
    paid: Decimal  # BT-113
    due: Decimal  # BT-115


@dataclass(frozen=True)
class DocumentLine:
    """BG-25."""

    id: str  # BT-126
    quantity: Decimal  # BT-129
    unit: str  # BT-130
    net_amount: Decimal  # BT-131
    period_start: date | None  # BT-134
    period_end: date | None  # BT-135
    price: Decimal  # BT-146
    category: str  # BT-151
    rate: Decimal | None  # BT-152; None for category O
    name: str  # BT-153
    description: str  # BT-154
    seller_item_id: str  # BT-155


@dataclass(frozen=True)
class PrecedingInvoice:
    """BG-3."""

    number: str  # BT-25
    issue_date: date | None  # BT-26


@dataclass(frozen=True)
class Document:
    """Everything a UBL or CII writer needs, in document signs."""

    type_code: str  # BT-3: 380 or 381
    is_credit_note: bool
    number: str  # BT-1
    issue_date: date  # BT-2
    currency: str  # BT-5
    note: str  # BT-22
    reason: str  # BT-22 with subject code (BT-21) ACD "reason": a credit note's reason
    buyer_reference: str  # BT-10
    order_reference: str  # BT-13
    preceding_invoice: PrecedingInvoice | None  # BG-3
    seller: Seller
    buyer: Buyer
    delivery: Delivery
    payment: PaymentInstructions
    terms: PaymentTerms
    allowances: tuple[AllowanceCharge, ...]
    charges: tuple[AllowanceCharge, ...]
    vat_breakdown: tuple[VatGroup, ...]
    totals: DocumentTotals
    lines: tuple[DocumentLine, ...]
