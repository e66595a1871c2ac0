"""UN/CEFACT Cross Industry Invoice (D16B) from the EN 16931 groups (XRechnung CII, Factur-X).

One writer per business group, called in the element order the CII schema prescribes. A credit
note is the same document with type code 381 and positive quantities and amounts.
"""

from __future__ import annotations

from lxml import etree

from faktura.einvoice import values
from faktura.einvoice.model import (
    SCHEME_TAX_NUMBER,
    SCHEME_VAT,
    Address,
    AllowanceCharge,
    Buyer,
    Contact,
    Document,
    DocumentLine,
    Seller,
)

NS_RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
NS_RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
NS_QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
NS_UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
_RSM = f"{{{NS_RSM}}}"
_RAM = f"{{{NS_RAM}}}"
_QDT = f"{{{NS_QDT}}}"
_UDT = f"{{{NS_UDT}}}"
VAT_TYPE = "VAT"
# UNTDID 4451 "Reason": the subject code of a credit note's reason (BT-21).
REASON_SUBJECT_CODE = "ACD"


def _sub(parent: etree._Element, name: str, text: str | None = None, **attributes: str):
    element = etree.SubElement(parent, _RAM + name, attributes)
    if text is not None:
        element.text = text
    return element


def _opt(parent: etree._Element, name: str, text: str) -> None:
    if text:
        _sub(parent, name, text)


def _date(parent: etree._Element, name: str, value, qualified: bool = False) -> None:
    """A date in format 102; ``qualified`` for the qdt:DateTimeString of referenced documents."""
    element = _sub(parent, name)
    tag = (_QDT if qualified else _UDT) + "DateTimeString"
    etree.SubElement(element, tag, format="102").text = values.date_102(value)


class _Writer:
    def __init__(self, doc: Document) -> None:
        self.doc = doc

    def build(self, guideline_id: str, business_process: str) -> etree._Element:
        doc = self.doc
        root = etree.Element(
            _RSM + "CrossIndustryInvoice",
            nsmap={"rsm": NS_RSM, "ram": NS_RAM, "qdt": NS_QDT, "udt": NS_UDT},
        )
        context = etree.SubElement(root, _RSM + "ExchangedDocumentContext")
        if business_process:
            _sub(
                _sub(context, "BusinessProcessSpecifiedDocumentContextParameter"),
                "ID",
                business_process,
            )  # BT-23
        _sub(_sub(context, "GuidelineSpecifiedDocumentContextParameter"), "ID", guideline_id)

        header = etree.SubElement(root, _RSM + "ExchangedDocument")
        _sub(header, "ID", doc.number)  # BT-1
        _sub(header, "TypeCode", doc.type_code)  # BT-3
        _date(header, "IssueDateTime", doc.issue_date)  # BT-2
        if doc.reason:  # BT-22 with subject code BT-21 ACD (UNTDID 4451 "reason")
            reason = _sub(header, "IncludedNote")
            _sub(reason, "Content", doc.reason)
            _sub(reason, "SubjectCode", REASON_SUBJECT_CODE)
        if doc.note:
            _sub(_sub(header, "IncludedNote"), "Content", doc.note)  # BT-22

        transaction = etree.SubElement(root, _RSM + "SupplyChainTradeTransaction")
        for line in doc.lines:
            self.line(transaction, line)
        self.agreement(_sub(transaction, "ApplicableHeaderTradeAgreement"))
        self.delivery(_sub(transaction, "ApplicableHeaderTradeDelivery"))
        self.settlement(_sub(transaction, "ApplicableHeaderTradeSettlement"))
        return root

    # --- lines ----------------------------------------------------------------------------

    def line(self, transaction: etree._Element, line: DocumentLine) -> None:
        """BG-25."""
        item = _sub(transaction, "IncludedSupplyChainTradeLineItem")
        _sub(_sub(item, "AssociatedDocumentLineDocument"), "LineID", line.id)  # BT-126
        product = _sub(item, "SpecifiedTradeProduct")
        _opt(product, "SellerAssignedID", line.seller_item_id)  # BT-155
        _sub(product, "Name", line.name)  # BT-153
        _opt(product, "Description", line.description)  # BT-154
        agreement = _sub(item, "SpecifiedLineTradeAgreement")
        price = _sub(agreement, "NetPriceProductTradePrice")
        _sub(price, "ChargeAmount", values.price(line.price))  # BT-146
        delivery = _sub(item, "SpecifiedLineTradeDelivery")
        _sub(delivery, "BilledQuantity", values.quantity(line.quantity), unitCode=line.unit)
        settlement = _sub(item, "SpecifiedLineTradeSettlement")
        self.tax(settlement, "ApplicableTradeTax", line.category, line.rate)  # BG-30
        if line.period_start is not None or line.period_end is not None:
            self.period(settlement, line.period_start, line.period_end)  # BG-26
        summation = _sub(settlement, "SpecifiedTradeSettlementLineMonetarySummation")
        _sub(summation, "LineTotalAmount", values.amount(line.net_amount))  # BT-131

    def tax(self, parent: etree._Element, name: str, category: str, rate) -> None:
        tax = _sub(parent, name)
        _sub(tax, "TypeCode", VAT_TYPE)
        _sub(tax, "CategoryCode", category)
        if rate is not None:
            _sub(tax, "RateApplicablePercent", values.rate(rate))

    def period(self, parent: etree._Element, start, end) -> None:
        period = _sub(parent, "BillingSpecifiedPeriod")
        if start is not None:
            _date(period, "StartDateTime", start)
        if end is not None:
            _date(period, "EndDateTime", end)

    # --- agreement: parties and references ------------------------------------------------

    def agreement(self, agreement: etree._Element) -> None:
        doc = self.doc
        _opt(agreement, "BuyerReference", doc.buyer_reference)  # BT-10
        self.seller(_sub(agreement, "SellerTradeParty"), doc.seller)
        self.buyer(_sub(agreement, "BuyerTradeParty"), doc.buyer)
        if doc.order_reference:
            _sub(
                _sub(agreement, "BuyerOrderReferencedDocument"),
                "IssuerAssignedID",
                doc.order_reference,
            )  # BT-13

    def contact(self, party: etree._Element, contact: Contact | None) -> None:
        if contact is None:
            return
        element = _sub(party, "DefinedTradeContact")
        _opt(element, "PersonName", contact.name)
        if contact.phone:
            _sub(_sub(element, "TelephoneUniversalCommunication"), "CompleteNumber", contact.phone)
        if contact.email:
            _sub(_sub(element, "EmailURIUniversalCommunication"), "URIID", contact.email)

    def address(self, party: etree._Element, address: Address) -> None:
        postal = _sub(party, "PostalTradeAddress")
        _opt(postal, "PostcodeCode", address.postal_code)
        _opt(postal, "LineOne", address.street)
        _opt(postal, "CityName", address.city)
        _sub(postal, "CountryID", address.country)

    def tax_registration(self, party: etree._Element, identifier: str, scheme: str) -> None:
        _sub(_sub(party, "SpecifiedTaxRegistration"), "ID", identifier, schemeID=scheme)

    def seller(self, party: etree._Element, seller: Seller) -> None:
        """BG-4 with BG-5 and BG-6."""
        _sub(party, "Name", seller.name)  # BT-27
        _opt(party, "Description", seller.legal_info)  # BT-33
        if seller.legal_registration:
            _sub(_sub(party, "SpecifiedLegalOrganization"), "ID", seller.legal_registration)
        self.contact(party, seller.contact)
        self.address(party, seller.address)
        if seller.electronic_address is not None:
            address = seller.electronic_address
            _sub(
                _sub(party, "URIUniversalCommunication"),
                "URIID",
                address.value,
                schemeID=address.scheme,
            )  # BT-34
        if seller.vat_id:
            self.tax_registration(party, seller.vat_id, SCHEME_VAT)  # BT-31
        if seller.tax_number:
            self.tax_registration(party, seller.tax_number, SCHEME_TAX_NUMBER)  # BT-32

    def buyer(self, party: etree._Element, buyer: Buyer) -> None:
        """BG-7 with BG-8 and BG-9."""
        _opt(party, "ID", buyer.identifier)  # BT-46
        _sub(party, "Name", buyer.name)  # BT-44
        self.contact(party, buyer.contact)
        self.address(party, buyer.address)
        if buyer.electronic_address is not None:
            address = buyer.electronic_address
            _sub(
                _sub(party, "URIUniversalCommunication"),
                "URIID",
                address.value,
                schemeID=address.scheme,
            )  # BT-49
        if buyer.vat_id:
            self.tax_registration(party, buyer.vat_id, SCHEME_VAT)  # BT-48

    # --- delivery -------------------------------------------------------------------------

    def delivery(self, element: etree._Element) -> None:
        """BG-15 deliver-to address and BT-72 actual delivery date.

        CII requires the ApplicableHeaderTradeDelivery element, and Peppol forbids it empty
        (PEPPOL-EN16931-R008; the factur-x library's schematron refuses such a PDF), so it
        always carries BT-72: the delivery date, or with a service period (BG-14, written in
        the settlement) the day the period ended, when the service was completed."""
        delivery = self.doc.delivery
        if delivery.deliver_to is not None:
            self.address(_sub(element, "ShipToTradeParty"), delivery.deliver_to)
        day = (
            delivery.actual_delivery_date
            or delivery.period_end
            or delivery.period_start
            or self.doc.issue_date
        )
        event = _sub(element, "ActualDeliverySupplyChainEvent")
        _date(event, "OccurrenceDateTime", day)

    # --- settlement -----------------------------------------------------------------------

    def settlement(self, settlement: etree._Element) -> None:
        doc = self.doc
        payment = doc.payment
        _opt(settlement, "PaymentReference", payment.remittance_information)  # BT-83
        _sub(settlement, "InvoiceCurrencyCode", doc.currency)  # BT-5
        means = _sub(settlement, "SpecifiedTradeSettlementPaymentMeans")  # BG-16
        _sub(means, "TypeCode", payment.means_code)  # BT-81
        if payment.iban:
            account = _sub(means, "PayeePartyCreditorFinancialAccount")
            _sub(account, "IBANID", payment.iban)  # BT-84
            _opt(account, "AccountName", payment.account_name)  # BT-85
            if payment.bic:
                _sub(
                    _sub(means, "PayeeSpecifiedCreditorFinancialInstitution"), "BICID", payment.bic
                )  # BT-86
        for group in doc.vat_breakdown:  # BG-23
            tax = _sub(settlement, "ApplicableTradeTax")
            _sub(tax, "CalculatedAmount", values.amount(group.vat_amount))  # BT-117
            _sub(tax, "TypeCode", VAT_TYPE)
            _opt(tax, "ExemptionReason", group.exemption_reason)  # BT-120
            _sub(tax, "BasisAmount", values.amount(group.taxable_amount))  # BT-116
            _sub(tax, "CategoryCode", group.category)  # BT-118
            _opt(tax, "ExemptionReasonCode", group.exemption_reason_code)  # BT-121
            if group.rate is not None:
                _sub(tax, "RateApplicablePercent", values.rate(group.rate))  # BT-119
        if doc.delivery.has_period:
            self.period(settlement, doc.delivery.period_start, doc.delivery.period_end)  # BG-14
        for adjustment in (*doc.allowances, *doc.charges):
            self.allowance_charge(settlement, adjustment)
        terms = _sub(settlement, "SpecifiedTradePaymentTerms")
        _opt(terms, "Description", doc.terms.text)  # BT-20
        if doc.terms.due_date is not None:
            _date(terms, "DueDateDateTime", doc.terms.due_date)  # BT-9
        self.monetary_summation(settlement)
        if doc.preceding_invoice is not None:
            reference = _sub(settlement, "InvoiceReferencedDocument")
            _sub(reference, "IssuerAssignedID", doc.preceding_invoice.number)  # BT-25
            if doc.preceding_invoice.issue_date is not None:
                _date(
                    reference,
                    "FormattedIssueDateTime",
                    doc.preceding_invoice.issue_date,
                    qualified=True,
                )  # BT-26

    def allowance_charge(self, settlement: etree._Element, adjustment: AllowanceCharge) -> None:
        """BG-20 / BG-21."""
        element = _sub(settlement, "SpecifiedTradeAllowanceCharge")
        indicator = _sub(element, "ChargeIndicator")
        etree.SubElement(indicator, _UDT + "Indicator").text = (
            "true" if adjustment.is_charge else "false"
        )
        _sub(element, "ActualAmount", values.amount(adjustment.amount))
        _opt(element, "ReasonCode", adjustment.reason_code)
        _opt(element, "Reason", adjustment.reason)
        self.tax(element, "CategoryTradeTax", adjustment.category, adjustment.rate)

    def monetary_summation(self, settlement: etree._Element) -> None:
        """BG-22."""
        totals = self.doc.totals
        summation = _sub(settlement, "SpecifiedTradeSettlementHeaderMonetarySummation")
        _sub(summation, "LineTotalAmount", values.amount(totals.line_total))  # BT-106
        if totals.charge_total is not None:
            _sub(summation, "ChargeTotalAmount", values.amount(totals.charge_total))  # BT-108
        if totals.allowance_total is not None:
            _sub(summation, "AllowanceTotalAmount", values.amount(totals.allowance_total))
        _sub(summation, "TaxBasisTotalAmount", values.amount(totals.net))  # BT-109
        _sub(
            summation, "TaxTotalAmount", values.amount(totals.vat), currencyID=self.doc.currency
        )  # BT-110
        _sub(summation, "GrandTotalAmount", values.amount(totals.gross))  # BT-112
        _sub(summation, "TotalPrepaidAmount", values.amount(totals.paid))  # BT-113
        _sub(summation, "DuePayableAmount", values.amount(totals.due))  # BT-115


def build_cii(doc: Document, *, guideline_id: str, business_process: str) -> etree._Element:
    """The CII CrossIndustryInvoice of ``doc`` as an element tree."""
    return _Writer(doc).build(guideline_id, business_process)
