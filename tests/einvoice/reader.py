"""Read the amounts of an EN 16931 document (UBL Invoice/CreditNote or CII) back into Decimals.

Written independently of the builders (XPath over the syntax, nothing imported from
``faktura.einvoice``), so the tests check what was written, not what the builder meant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from lxml import etree

UBL_INVOICE = "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice"
UBL_CREDIT_NOTE = "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote"
CII = "{urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100}CrossIndustryInvoice"
NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}


class NotEn16931(ValueError):
    """The document is not a UBL Invoice/CreditNote or a CII CrossIndustryInvoice."""


@dataclass
class ParsedLine:
    id: str
    quantity: Decimal  # BT-129
    unit: str  # BT-130
    price: Decimal  # BT-146
    base_quantity: Decimal | None  # BT-149
    allowances: list[Decimal]  # BT-136
    charges: list[Decimal]  # BT-141
    net: Decimal  # BT-131
    category: str  # BT-151
    rate: Decimal | None  # BT-152


@dataclass
class ParsedAdjustment:
    amount: Decimal
    category: str
    rate: Decimal | None


@dataclass
class ParsedVatGroup:
    category: str  # BT-118
    rate: Decimal | None  # BT-119
    taxable: Decimal  # BT-116
    vat: Decimal  # BT-117
    exemption_reason: str  # BT-120
    exemption_reason_code: str  # BT-121


@dataclass
class ParsedInvoice:
    syntax: str  # "ubl" or "cii"
    root: str  # Invoice, CreditNote, CrossIndustryInvoice
    specification_id: str  # BT-24
    type_code: str  # BT-3
    currency: str  # BT-5
    lines: list[ParsedLine] = field(default_factory=list)
    allowances: list[ParsedAdjustment] = field(default_factory=list)  # BG-20
    charges: list[ParsedAdjustment] = field(default_factory=list)  # BG-21
    vat_groups: list[ParsedVatGroup] = field(default_factory=list)  # BG-23
    line_total: Decimal | None = None  # BT-106
    allowance_total: Decimal | None = None  # BT-107
    charge_total: Decimal | None = None  # BT-108
    net: Decimal | None = None  # BT-109
    vat: Decimal | None = None  # BT-110
    gross: Decimal | None = None  # BT-112
    paid: Decimal | None = None  # BT-113
    rounding: Decimal | None = None  # BT-114
    due: Decimal | None = None  # BT-115


def _dec(text: str | None) -> Decimal | None:
    return Decimal(text.strip()) if text is not None and text.strip() else None


def _text(node: etree._Element, path: str) -> str:
    found = node.xpath(path, namespaces=NS)
    return found[0].text.strip() if found and found[0].text else ""


def _flag(text: str) -> bool:
    """xs:boolean: "true"/"1" or "false"/"0"."""
    return text.strip().lower() in ("true", "1")


def _num(node: etree._Element, path: str) -> Decimal | None:
    return _dec(_text(node, path) or None)


def parse(data: bytes) -> ParsedInvoice:
    root = etree.fromstring(data)
    if root.tag in (UBL_INVOICE, UBL_CREDIT_NOTE):
        return _parse_ubl(root)
    if root.tag == CII:
        return _parse_cii(root)
    raise NotEn16931(f"root element {root.tag}")


# --- UBL -------------------------------------------------------------------------------------


def _ubl_adjustments(node: etree._Element, charge: bool) -> list[ParsedAdjustment]:
    return [
        ParsedAdjustment(
            amount=_num(element, "cbc:Amount"),
            category=_text(element, "cac:TaxCategory/cbc:ID"),
            rate=_num(element, "cac:TaxCategory/cbc:Percent"),
        )
        for element in node.xpath("cac:AllowanceCharge", namespaces=NS)
        if _flag(_text(element, "cbc:ChargeIndicator")) == charge
    ]


def _parse_ubl(root: etree._Element) -> ParsedInvoice:
    credit_note = root.tag == UBL_CREDIT_NOTE
    currency = _text(root, "cbc:DocumentCurrencyCode")
    parsed = ParsedInvoice(
        syntax="ubl",
        root="CreditNote" if credit_note else "Invoice",
        specification_id=_text(root, "cbc:CustomizationID"),
        type_code=_text(root, "cbc:CreditNoteTypeCode" if credit_note else "cbc:InvoiceTypeCode"),
        currency=currency,
    )
    line_tag = "cac:CreditNoteLine" if credit_note else "cac:InvoiceLine"
    quantity_tag = "cbc:CreditedQuantity" if credit_note else "cbc:InvoicedQuantity"
    for element in root.xpath(line_tag, namespaces=NS):
        quantity = element.xpath(quantity_tag, namespaces=NS)[0]
        parsed.lines.append(
            ParsedLine(
                id=_text(element, "cbc:ID"),
                quantity=_dec(quantity.text),
                unit=quantity.get("unitCode", ""),
                price=_num(element, "cac:Price/cbc:PriceAmount"),
                base_quantity=_num(element, "cac:Price/cbc:BaseQuantity"),
                allowances=[a.amount for a in _ubl_adjustments(element, False)],
                charges=[c.amount for c in _ubl_adjustments(element, True)],
                net=_num(element, "cbc:LineExtensionAmount"),
                category=_text(element, "cac:Item/cac:ClassifiedTaxCategory/cbc:ID"),
                rate=_num(element, "cac:Item/cac:ClassifiedTaxCategory/cbc:Percent"),
            )
        )
    parsed.allowances = _ubl_adjustments(root, False)
    parsed.charges = _ubl_adjustments(root, True)
    for total in root.xpath("cac:TaxTotal", namespaces=NS):
        amount = total.xpath("cbc:TaxAmount", namespaces=NS)[0]
        if amount.get("currencyID") != currency:
            continue  # BT-111, the VAT in accounting currency
        parsed.vat = _dec(amount.text)
        for subtotal in total.xpath("cac:TaxSubtotal", namespaces=NS):
            parsed.vat_groups.append(
                ParsedVatGroup(
                    category=_text(subtotal, "cac:TaxCategory/cbc:ID"),
                    rate=_num(subtotal, "cac:TaxCategory/cbc:Percent"),
                    taxable=_num(subtotal, "cbc:TaxableAmount"),
                    vat=_num(subtotal, "cbc:TaxAmount"),
                    exemption_reason=_text(subtotal, "cac:TaxCategory/cbc:TaxExemptionReason"),
                    exemption_reason_code=_text(
                        subtotal, "cac:TaxCategory/cbc:TaxExemptionReasonCode"
                    ),
                )
            )
    totals = "cac:LegalMonetaryTotal/cbc:"
    parsed.line_total = _num(root, totals + "LineExtensionAmount")
    parsed.allowance_total = _num(root, totals + "AllowanceTotalAmount")
    parsed.charge_total = _num(root, totals + "ChargeTotalAmount")
    parsed.net = _num(root, totals + "TaxExclusiveAmount")
    parsed.gross = _num(root, totals + "TaxInclusiveAmount")
    parsed.paid = _num(root, totals + "PrepaidAmount")
    parsed.rounding = _num(root, totals + "PayableRoundingAmount")
    parsed.due = _num(root, totals + "PayableAmount")
    return parsed


# --- CII -------------------------------------------------------------------------------------


def _cii_adjustments(node: etree._Element, charge: bool) -> list[ParsedAdjustment]:
    return [
        ParsedAdjustment(
            amount=_num(element, "ram:ActualAmount"),
            category=_text(element, "ram:CategoryTradeTax/ram:CategoryCode"),
            rate=_num(element, "ram:CategoryTradeTax/ram:RateApplicablePercent"),
        )
        for element in node.xpath("ram:SpecifiedTradeAllowanceCharge", namespaces=NS)
        if _flag(_text(element, "ram:ChargeIndicator/udt:Indicator")) == charge
    ]


def _parse_cii(root: etree._Element) -> ParsedInvoice:
    transaction = root.xpath("rsm:SupplyChainTradeTransaction", namespaces=NS)[0]
    settlement = transaction.xpath("ram:ApplicableHeaderTradeSettlement", namespaces=NS)[0]
    currency = _text(settlement, "ram:InvoiceCurrencyCode")
    parsed = ParsedInvoice(
        syntax="cii",
        root="CrossIndustryInvoice",
        specification_id=_text(
            root,
            "rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID",
        ),
        type_code=_text(root, "rsm:ExchangedDocument/ram:TypeCode"),
        currency=currency,
    )
    for item in transaction.xpath("ram:IncludedSupplyChainTradeLineItem", namespaces=NS):
        quantity = item.xpath("ram:SpecifiedLineTradeDelivery/ram:BilledQuantity", namespaces=NS)[0]
        line_settlement = item.xpath("ram:SpecifiedLineTradeSettlement", namespaces=NS)[0]
        price = "ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice/"
        parsed.lines.append(
            ParsedLine(
                id=_text(item, "ram:AssociatedDocumentLineDocument/ram:LineID"),
                quantity=_dec(quantity.text),
                unit=quantity.get("unitCode", ""),
                price=_num(item, price + "ram:ChargeAmount"),
                base_quantity=_num(item, price + "ram:BasisQuantity"),
                allowances=[a.amount for a in _cii_adjustments(line_settlement, False)],
                charges=[c.amount for c in _cii_adjustments(line_settlement, True)],
                net=_num(
                    line_settlement,
                    "ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount",
                ),
                category=_text(line_settlement, "ram:ApplicableTradeTax/ram:CategoryCode"),
                rate=_num(line_settlement, "ram:ApplicableTradeTax/ram:RateApplicablePercent"),
            )
        )
    parsed.allowances = _cii_adjustments(settlement, False)
    parsed.charges = _cii_adjustments(settlement, True)
    for tax in settlement.xpath("ram:ApplicableTradeTax", namespaces=NS):
        parsed.vat_groups.append(
            ParsedVatGroup(
                category=_text(tax, "ram:CategoryCode"),
                rate=_num(tax, "ram:RateApplicablePercent"),
                taxable=_num(tax, "ram:BasisAmount"),
                vat=_num(tax, "ram:CalculatedAmount"),
                exemption_reason=_text(tax, "ram:ExemptionReason"),
                exemption_reason_code=_text(tax, "ram:ExemptionReasonCode"),
            )
        )
    summation = settlement.xpath(
        "ram:SpecifiedTradeSettlementHeaderMonetarySummation", namespaces=NS
    )[0]
    parsed.line_total = _num(summation, "ram:LineTotalAmount")
    parsed.allowance_total = _num(summation, "ram:AllowanceTotalAmount")
    parsed.charge_total = _num(summation, "ram:ChargeTotalAmount")
    parsed.net = _num(summation, "ram:TaxBasisTotalAmount")
    for amount in summation.xpath("ram:TaxTotalAmount", namespaces=NS):
        if amount.get("currencyID", currency) == currency:
            parsed.vat = _dec(amount.text)  # BT-110, not BT-111 in accounting currency
    parsed.gross = _num(summation, "ram:GrandTotalAmount")
    parsed.paid = _num(summation, "ram:TotalPrepaidAmount")
    parsed.rounding = _num(summation, "ram:RoundingAmount")
    parsed.due = _num(summation, "ram:DuePayableAmount")
    return parsed
