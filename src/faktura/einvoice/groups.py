"""Builders of the EN 16931 business groups (``model``) from an invoice snapshot.

One builder per business group reads the frozen ``InvoiceSnapshot`` and returns plain values in
*document* signs; the UBL and CII writers only put them into elements. What the two syntaxes
share — which buyer reference is chosen, which payment means code applies, the payment terms
text, the sign flip of a credit note, the exemption reasons — is decided here once.

Credit notes: the snapshot keeps ledger signs (negative quantities and amounts, see
``core.invoice_math``); a type-381 document shows the same values positive, so every quantity
goes through ``credit_note_document_quantity`` and every amount is negated. Unit prices are
never negative and stay as they are (BR-27).

Nothing is rounded here: the snapshot carries the amounts as billing computed them with
``core``; the builders only choose and flip.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from faktura.core import cash_discount
from faktura.core.invoice_math import credit_note_document_quantity
from faktura.core.money import amount_places, exact_sum, negate, to_decimal
from faktura.core.tax import (
    DEFAULT_EXEMPTION_REASONS,
    REASON_REQUIRED_CATEGORIES,
    DocumentAdjustment,
    VatCategory,
)
from faktura.core.validation import derived_peppol_id, split_peppol_id
from faktura.einvoice.model import (
    MEANS_NOT_DEFINED,
    MEANS_SEPA_CREDIT_TRANSFER,
    SCHEME_EMAIL,
    SCHEME_LEITWEG_ID,
    Address,
    AllowanceCharge,
    Buyer,
    Contact,
    Delivery,
    Document,
    DocumentLine,
    DocumentTotals,
    ElectronicAddress,
    PaymentInstructions,
    PaymentTerms,
    PrecedingInvoice,
    Seller,
    VatGroup,
)
from faktura.einvoice.snapshot import InvoiceSnapshot

_MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def document(
    snapshot: InvoiceSnapshot, *, peppol: bool = False, xrechnung: bool = False
) -> Document:
    """The whole EN 16931 view of ``snapshot``; ``ValueError`` for an unknown kind.

    ``peppol``: the electronic addresses follow Peppol BIS (EAS schemes only, see
    ``seller_electronic_address`` and ``buyer_electronic_address``). ``xrechnung``: a cash
    discount is also written in the KoSIT syntax (see ``payment_terms``)."""
    if snapshot.kind not in ("invoice", "credit_note"):
        raise ValueError(f"unknown invoice kind: {snapshot.kind!r}")
    allowances, charges = allowances_and_charges(snapshot)
    return Document(
        type_code=snapshot.type_code,
        is_credit_note=snapshot.is_credit_note,
        number=snapshot.number,
        issue_date=snapshot.issue_date,
        currency=snapshot.currency,
        note=snapshot.note.strip(),
        reason=snapshot.credit_reason.strip() if snapshot.is_credit_note else "",
        buyer_reference=buyer_reference(snapshot),
        order_reference=snapshot.po_number.strip(),
        preceding_invoice=preceding_invoice(snapshot),
        seller=seller(snapshot, peppol=peppol),
        buyer=buyer(snapshot, peppol=peppol),
        delivery=delivery(snapshot),
        payment=payment_instructions(snapshot),
        terms=payment_terms(snapshot, xrechnung=xrechnung),
        allowances=allowances,
        charges=charges,
        vat_breakdown=vat_breakdown(snapshot),
        totals=document_totals(snapshot),
        lines=lines(snapshot),
    )


def _sign(snapshot: InvoiceSnapshot, value: Decimal) -> Decimal:
    """A ledger amount as the document shows it (flipped on a credit note)."""
    return negate(value) if snapshot.is_credit_note else value


def _rate(category: str, rate: Decimal) -> Decimal | None:
    return None if category == VatCategory.NOT_SUBJECT else rate


def _address(party: Any) -> Address:
    return Address(
        street=party.street.strip(),
        city=party.city.strip(),
        postal_code=party.postal_code.strip(),
        country=party.country.strip().upper(),
    )


def _compact(identifier: str) -> str:
    """VAT IDs and IBANs without the spaces people type into them."""
    return "".join(identifier.split()).upper()


def is_not_subject(snapshot: InvoiceSnapshot) -> bool:
    """True for a document not subject to VAT (category O). EN 16931 forbids the seller's and
    the buyer's VAT ID on it (BR-O-02); the seller's tax number (BT-32) may still be given."""
    return any(line.vat_category == VatCategory.NOT_SUBJECT for line in snapshot.lines)


def _peppol_address(peppol_id: str) -> ElectronicAddress | None:
    scheme, value = split_peppol_id(peppol_id)
    return ElectronicAddress(value, scheme) if scheme else None


def seller_electronic_address(
    snapshot: InvoiceSnapshot, *, peppol: bool = False
) -> ElectronicAddress | None:
    """BT-34: the company's Peppol ID when it has one. Peppol allows only EAS schemes
    (PEPPOL-EN16931-CL008), so there it falls back to the ID derived from the VAT ID
    (``9930:DE…``); the other formats fall back to the e-mail address (scheme ``EM``)."""
    party = snapshot.seller
    explicit = _peppol_address(party.peppol_id)
    if explicit is not None:
        return explicit
    if peppol:
        return _peppol_address(derived_peppol_id(vat_id=party.vat_id))
    email = party.email.strip()
    return ElectronicAddress(email, SCHEME_EMAIL) if email else None


def seller(snapshot: InvoiceSnapshot, *, peppol: bool = False) -> Seller:
    """BG-4 with its contact BG-6. The contact point (BT-41) falls back to the company name:
    XRechnung requires one (BR-DE-5) and a company without a named person is still reachable.
    No VAT ID on a document not subject to VAT (see ``is_not_subject``)."""
    party = snapshot.seller
    email = party.email.strip()
    has_contact = bool(party.contact_name.strip() or party.phone.strip() or email)
    return Seller(
        name=party.name.strip(),
        legal_registration=party.register.strip(),
        legal_info=party.managing_directors.strip(),
        vat_id="" if is_not_subject(snapshot) else _compact(party.vat_id),
        tax_number=party.tax_number.strip(),
        electronic_address=seller_electronic_address(snapshot, peppol=peppol),
        address=_address(party),
        contact=Contact(
            name=party.contact_name.strip() or party.name.strip(),
            phone=party.phone.strip(),
            email=email,
        )
        if has_contact
        else None,
    )


def buyer_electronic_address(
    snapshot: InvoiceSnapshot, *, peppol: bool = False
) -> ElectronicAddress | None:
    """BT-49. Peppol (EAS schemes only): the customer's Peppol ID, else one derived from the
    Leitweg-ID (``0204``) or the VAT ID (``9930:DE…``). The other formats: the Leitweg-ID of a
    public customer (what XRechnung routes on), else the Peppol ID, else the invoice e-mail."""
    party = snapshot.buyer
    if peppol:
        return _peppol_address(party.peppol_id) or _peppol_address(
            derived_peppol_id(leitweg_id=party.leitweg_id, vat_id=party.vat_id)
        )
    if party.leitweg_id.strip():
        return ElectronicAddress(party.leitweg_id.strip().upper(), SCHEME_LEITWEG_ID)
    explicit = _peppol_address(party.peppol_id)
    if explicit is not None:
        return explicit
    if party.email.strip():
        return ElectronicAddress(party.email.strip(), SCHEME_EMAIL)
    return None


def buyer(snapshot: InvoiceSnapshot, *, peppol: bool = False) -> Buyer:
    """BG-7; a buyer contact (BG-9) only when a contact person is named. No VAT ID on a
    document not subject to VAT (BR-O-02)."""
    party = snapshot.buyer
    return Buyer(
        name=party.name.strip(),
        identifier=party.customer_number.strip(),
        vat_id="" if is_not_subject(snapshot) else _compact(party.vat_id),
        electronic_address=buyer_electronic_address(snapshot, peppol=peppol),
        address=_address(party),
        contact=Contact(party.contact_name.strip(), party.phone.strip(), party.email.strip())
        if party.contact_name.strip()
        else None,
    )


def buyer_reference(snapshot: InvoiceSnapshot) -> str:
    """BT-10: as billing set it, else the Leitweg-ID, else the PO number, else the customer
    number (XRechnung requires BT-10, BR-DE-15; Peppol BT-10 or BT-13, PEPPOL-EN16931-R003)."""
    for candidate in (
        snapshot.buyer_reference,
        snapshot.buyer.leitweg_id,
        snapshot.po_number,
        snapshot.buyer.customer_number,
    ):
        if candidate.strip():
            return candidate.strip()
    return ""


def delivery(snapshot: InvoiceSnapshot) -> Delivery:
    """BG-14 from the service period; without one the issue date is the delivery date (BT-72),
    the German convention "Leistungsdatum = Rechnungsdatum" (section 14 (4) no. 6 UStG).
    Intra-community supplies (K) are delivered to the buyer's address (BG-15)."""
    start, end = snapshot.service_period_start, snapshot.service_period_end
    intra_community = any(
        line.vat_category == VatCategory.INTRA_COMMUNITY for line in snapshot.lines
    )
    return Delivery(
        period_start=start,
        period_end=end,
        actual_delivery_date=None if (start or end) else snapshot.issue_date,
        deliver_to=_address(snapshot.buyer) if intra_community else None,
    )


def payment_instructions(snapshot: InvoiceSnapshot) -> PaymentInstructions:
    """BG-16. An invoice with an IBAN asks for a SEPA credit transfer (58) to it. Without an
    IBAN, and on credit notes (BG-17 names the account payment "should be made" to; on a credit
    note the seller pays and does not know the buyer's account), the means is "not defined" (1),
    which EN 16931 allows and still satisfies XRechnung's BR-DE-1."""
    payment = snapshot.payment
    reference = payment.reference.strip() or snapshot.number
    iban = _compact(payment.iban)
    if iban and not snapshot.is_credit_note:
        return PaymentInstructions(
            means_code=MEANS_SEPA_CREDIT_TRANSFER,
            remittance_information=reference,
            iban=iban,
            account_name=payment.account_holder.strip(),
            bic=_compact(payment.bic),
        )
    return PaymentInstructions(MEANS_NOT_DEFINED, reference, "", "", "")


def _date_text(value: date, language: str) -> str:
    if language == "de":
        return f"{value.day:02d}.{value.month:02d}.{value.year}"
    return f"{value.day} {_MONTHS_EN[value.month - 1]} {value.year}"


def payment_terms(snapshot: InvoiceSnapshot, *, xrechnung: bool = False) -> PaymentTerms:
    """BT-20 as a sentence in the customer's language (German or English), naming the due date
    (BT-9) when there is one; a credit note says how the amount is settled.

    A cash discount adds a sentence of its own ("2 % Skonto bei Zahlung bis 13.12.2026:
    1.166,20 EUR."); in XRechnung it is followed by the KoSIT line
    ``#SKONTO#TAGE=10#PROZENT=2.00#`` and a line break (BR-DE-18: upper case, the percentage
    with two decimals after a point, no other characters; the discount applies to the amount
    due, BT-115, so no ``BASISBETRAG``)."""
    german = snapshot.language == "de"
    due = snapshot.due_date
    days = snapshot.payment.terms_days
    if snapshot.is_credit_note:
        text = (
            "Der Betrag wird erstattet oder mit offenen Rechnungen verrechnet."
            if german
            else "The amount will be refunded or set off against open invoices."
        )
    elif due is not None:
        when = _date_text(due, snapshot.language)
        text = (
            f"Zahlbar ohne Abzug bis zum {when}."
            if german
            else f"Payable without deduction by {when}."
        )
    elif days > 0:
        text = (
            f"Zahlbar innerhalb von {days} Tagen ohne Abzug."
            if german
            else f"Payable within {days} days without deduction."
        )
    else:
        text = "Zahlbar sofort ohne Abzug." if german else "Payable immediately without deduction."
    discount = None if snapshot.is_credit_note else cash_discount_text(snapshot)
    if discount:
        text = f"{text}\n{discount}"
        if xrechnung:
            percent = snapshot.payment.cash_discount_percent
            days = snapshot.payment.cash_discount_days
            text = f"{text}\n#SKONTO#TAGE={days}#PROZENT={percent:.2f}#\n"
    return PaymentTerms(text=text, due_date=due)


def cash_discount_text(snapshot: InvoiceSnapshot) -> str:
    """The cash discount offer as a sentence in the customer's language, or "" when there is
    none: "2 % Skonto bei Zahlung bis 13.12.2026: 1.166,20 EUR." / "2 % cash discount if paid
    by 13 Dec 2026: 1,166.20 EUR."."""
    payment = snapshot.payment
    percent, days = payment.cash_discount_percent, payment.cash_discount_days
    if not percent or not days or snapshot.gross_total <= 0:
        return ""
    places = amount_places(snapshot.currency)
    pay = cash_discount.discounted_amount(snapshot.gross_total, percent, places)
    until = _date_text(cash_discount.last_day(snapshot.issue_date, days), snapshot.language)
    german = snapshot.language == "de"
    amount = _amount_text(pay, places, german=german)
    rate = _amount_text(percent.normalize(), None, german=german)
    if german:
        return f"{rate} % Skonto bei Zahlung bis {until}: {amount} {snapshot.currency}."
    return f"{rate} % cash discount if paid by {until}: {amount} {snapshot.currency}."


def _amount_text(value: Decimal, places: int | None, *, german: bool) -> str:
    """A plain number with grouping ("1.166,20" / "1,166.20")."""
    text = f"{value:,.{places}f}" if places is not None else f"{value:,f}"
    return text.translate(str.maketrans(",.", ".,")) if german else text


def _field(entry: Any, *names: str, default: Any = "") -> Any:
    for name in names:
        value = entry.get(name) if isinstance(entry, Mapping) else getattr(entry, name, None)
        if value is not None:
            return value
    return default


def snapshot_adjustment(entry: Any) -> DocumentAdjustment:
    """One snapshot allowance or charge as ``core.tax.DocumentAdjustment`` (ledger signs).

    The snapshot holds either ``DocumentAdjustment`` values or their JSON form (``amount``,
    ``category``, ``rate``, ``reason``, ``reason_code``). ``ValueError`` for an unknown category.
    """
    return DocumentAdjustment(
        amount=to_decimal(_field(entry, "amount")),
        category=str(_field(entry, "category", "vat_category")),
        rate=to_decimal(_field(entry, "rate", "vat_rate", default=Decimal(0))),
        reason=str(_field(entry, "reason")).strip(),
        reason_code=str(_field(entry, "reason_code")).strip(),
    )


def _adjustment(snapshot: InvoiceSnapshot, entry: Any, is_charge: bool) -> AllowanceCharge:
    adjustment = snapshot_adjustment(entry)
    return AllowanceCharge(
        is_charge=is_charge,
        amount=_sign(snapshot, adjustment.amount),
        category=adjustment.category.value,
        rate=_rate(adjustment.category, adjustment.rate),
        reason=adjustment.reason,
        reason_code=adjustment.reason_code,
    )


def allowances_and_charges(
    snapshot: InvoiceSnapshot,
) -> tuple[tuple[AllowanceCharge, ...], tuple[AllowanceCharge, ...]]:
    """BG-20 and BG-21 (none are issued today, but a snapshot may carry them)."""
    return (
        tuple(_adjustment(snapshot, entry, False) for entry in snapshot.allowances),
        tuple(_adjustment(snapshot, entry, True) for entry in snapshot.charges),
    )


def exemption(category: str, reason: str, code: str) -> tuple[str, str]:
    """BT-120/BT-121 of a VAT group: only E, AE, K, G and O carry one; when the snapshot gives
    none, the CEF VATEX default of the category (E has no safe default)."""
    if category not in REASON_REQUIRED_CATEGORIES:
        return "", ""
    reason, code = reason.strip(), code.strip()
    if not reason and not code:
        code, reason = DEFAULT_EXEMPTION_REASONS.get(VatCategory(category), ("", ""))
    return reason, code


def vat_breakdown(snapshot: InvoiceSnapshot) -> tuple[VatGroup, ...]:
    """BG-23, one group per snapshot row (billing computed them with ``core.tax``)."""
    groups = []
    for row in snapshot.vat_breakdown:
        reason, code = exemption(row.category, row.exemption_reason, row.exemption_reason_code)
        groups.append(
            VatGroup(
                category=row.category,
                rate=row.rate,
                taxable_amount=_sign(snapshot, row.taxable_amount),
                vat_amount=_sign(snapshot, row.vat_amount),
                exemption_reason=reason,
                exemption_reason_code=code,
            )
        )
    return tuple(groups)


def document_totals(snapshot: InvoiceSnapshot) -> DocumentTotals:
    """BG-22. Nothing is prepaid (BT-113 = 0), so the amount due (BT-115) is the gross."""
    allowances, charges = allowances_and_charges(snapshot)
    gross = _sign(snapshot, snapshot.gross_total)
    return DocumentTotals(
        line_total=_sign(snapshot, snapshot.line_total),
        allowance_total=exact_sum(a.amount for a in allowances) if allowances else None,
        charge_total=exact_sum(c.amount for c in charges) if charges else None,
        net=_sign(snapshot, snapshot.net_total),
        vat=_sign(snapshot, snapshot.vat_total),
        gross=gross,
        paid=Decimal("0.00"),
        due=gross,
    )


def lines(snapshot: InvoiceSnapshot) -> tuple[DocumentLine, ...]:
    """BG-25 in snapshot order."""
    result = []
    for line in snapshot.lines:
        quantity = line.quantity
        if snapshot.is_credit_note:
            quantity = credit_note_document_quantity(quantity)
        result.append(
            DocumentLine(
                id=line.id,
                quantity=quantity,
                unit=line.unit.strip(),
                net_amount=_sign(snapshot, line.net_amount),
                period_start=line.period_start,
                period_end=line.period_end,
                price=line.unit_price,
                category=line.vat_category,
                rate=_rate(line.vat_category, line.vat_rate),
                name=line.title.strip(),
                description=line.description.strip(),
                seller_item_id=line.seller_item_id.strip(),
            )
        )
    return tuple(result)


def preceding_invoice(snapshot: InvoiceSnapshot) -> PrecedingInvoice | None:
    """BG-3, given on credit notes (and on any document that names a preceding invoice)."""
    number = snapshot.preceding_invoice_number.strip()
    if not number:
        return None
    return PrecedingInvoice(number=number, issue_date=snapshot.preceding_invoice_date)
