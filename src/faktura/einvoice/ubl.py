"""OASIS UBL 2.1 Invoice and CreditNote from the EN 16931 groups (XRechnung UBL, Peppol BIS).

One writer per business group, called in the element order the UBL 2.1 schema prescribes
(which differs a little between Invoice and CreditNote: the due date, the type code and the
position of document allowances). A type-381 document is a UBL ``CreditNote`` with
``CreditNoteLine``/``CreditedQuantity``.
"""

from __future__ import annotations

from lxml import etree

from faktura.einvoice import values
from faktura.einvoice.model import (
    SCHEME_TAX_NUMBER,
    Address,
    AllowanceCharge,
    Buyer,
    Contact,
    Document,
    DocumentLine,
    Seller,
)

NS_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
NS_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
NS_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
_CAC = f"{{{NS_CAC}}}"
_CBC = f"{{{NS_CBC}}}"
VAT_SCHEME = "VAT"


def _cac(parent: etree._Element, name: str) -> etree._Element:
    return etree.SubElement(parent, _CAC + name)


def _cbc(parent: etree._Element, name: str, text: str, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, _CBC + name, attributes)
    element.text = text
    return element


def _opt(parent: etree._Element, name: str, text: str) -> None:
    """An optional basic element: left out when empty (Peppol forbids empty elements, R008)."""
    if text:
        _cbc(parent, name, text)


class _Writer:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.credit_note = doc.is_credit_note

    def amount(self, parent: etree._Element, name: str, value) -> None:
        _cbc(parent, name, values.amount(value), currencyID=self.doc.currency)

    # --- header ---------------------------------------------------------------------------

    def build(self, customization_id: str, profile_id: str) -> etree._Element:
        doc = self.doc
        ns = NS_CREDIT_NOTE if self.credit_note else NS_INVOICE
        root = etree.Element(
            f"{{{ns}}}{'CreditNote' if self.credit_note else 'Invoice'}",
            nsmap={None: ns, "cac": NS_CAC, "cbc": NS_CBC},
        )
        _cbc(root, "CustomizationID", customization_id)  # BT-24
        _opt(root, "ProfileID", profile_id)  # BT-23
        _cbc(root, "ID", doc.number)  # BT-1
        _cbc(root, "IssueDate", values.iso_date(doc.issue_date))  # BT-2
        if self.credit_note:
            _cbc(root, "CreditNoteTypeCode", doc.type_code)  # BT-3
        else:
            if doc.terms.due_date is not None:
                _cbc(root, "DueDate", values.iso_date(doc.terms.due_date))  # BT-9
            _cbc(root, "InvoiceTypeCode", doc.type_code)  # BT-3
        # BT-22: one note (Peppol allows one, R002), the credit note's reason first. UBL has no
        # place for the subject code (BT-21); CII names the reason with ACD.
        _opt(root, "Note", "\n\n".join(text for text in (doc.reason, doc.note) if text))
        _cbc(root, "DocumentCurrencyCode", doc.currency)  # BT-5
        _opt(root, "BuyerReference", doc.buyer_reference)  # BT-10
        self.invoice_period(root)
        if doc.order_reference:
            _cbc(_cac(root, "OrderReference"), "ID", doc.order_reference)  # BT-13
        self.preceding_invoice(root)
        self.seller(_cac(_cac(root, "AccountingSupplierParty"), "Party"), doc.seller)
        self.buyer(_cac(_cac(root, "AccountingCustomerParty"), "Party"), doc.buyer)
        self.delivery(root)
        self.payment_means(root)
        self.payment_terms(root)
        for adjustment in (*doc.allowances, *doc.charges):
            self.allowance_charge(root, adjustment)
        self.tax_total(root)
        self.monetary_total(root)
        for line in doc.lines:
            self.line(root, line)
        return root

    def invoice_period(self, root: etree._Element) -> None:
        """BG-14."""
        delivery = self.doc.delivery
        if delivery.has_period:
            self.period(root, delivery.period_start, delivery.period_end)

    def period(self, parent: etree._Element, start, end) -> None:
        period = _cac(parent, "InvoicePeriod")
        if start is not None:
            _cbc(period, "StartDate", values.iso_date(start))
        if end is not None:
            _cbc(period, "EndDate", values.iso_date(end))

    def preceding_invoice(self, root: etree._Element) -> None:
        """BG-3."""
        preceding = self.doc.preceding_invoice
        if preceding is None:
            return
        reference = _cac(_cac(root, "BillingReference"), "InvoiceDocumentReference")
        _cbc(reference, "ID", preceding.number)  # BT-25
        if preceding.issue_date is not None:
            _cbc(reference, "IssueDate", values.iso_date(preceding.issue_date))  # BT-26

    # --- parties --------------------------------------------------------------------------

    def address(self, parent: etree._Element, address: Address, name: str = "PostalAddress"):
        postal = _cac(parent, name)
        _opt(postal, "StreetName", address.street)
        _opt(postal, "CityName", address.city)
        _opt(postal, "PostalZone", address.postal_code)
        _cbc(_cac(postal, "Country"), "IdentificationCode", address.country)

    def tax_scheme(self, parent: etree._Element, company_id: str, scheme: str) -> None:
        tax_scheme = _cac(parent, "PartyTaxScheme")
        _cbc(tax_scheme, "CompanyID", company_id)
        _cbc(_cac(tax_scheme, "TaxScheme"), "ID", scheme)

    def contact(self, parent: etree._Element, contact: Contact | None) -> None:
        if contact is None:
            return
        element = _cac(parent, "Contact")
        _opt(element, "Name", contact.name)
        _opt(element, "Telephone", contact.phone)
        _opt(element, "ElectronicMail", contact.email)

    def seller(self, party: etree._Element, seller: Seller) -> None:
        """BG-4 with BG-5 and BG-6."""
        if seller.electronic_address is not None:
            address = seller.electronic_address
            _cbc(party, "EndpointID", address.value, schemeID=address.scheme)  # BT-34
        self.address(party, seller.address)
        if seller.vat_id:
            self.tax_scheme(party, seller.vat_id, VAT_SCHEME)  # BT-31
        if seller.tax_number:
            # BT-32: a PartyTaxScheme whose scheme is not VAT
            self.tax_scheme(party, seller.tax_number, SCHEME_TAX_NUMBER)
        legal = _cac(party, "PartyLegalEntity")
        _cbc(legal, "RegistrationName", seller.name)  # BT-27
        _opt(legal, "CompanyID", seller.legal_registration)  # BT-30
        _opt(legal, "CompanyLegalForm", seller.legal_info)  # BT-33
        self.contact(party, seller.contact)

    def buyer(self, party: etree._Element, buyer: Buyer) -> None:
        """BG-7 with BG-8 and BG-9."""
        if buyer.electronic_address is not None:
            address = buyer.electronic_address
            _cbc(party, "EndpointID", address.value, schemeID=address.scheme)  # BT-49
        if buyer.identifier:
            _cbc(_cac(party, "PartyIdentification"), "ID", buyer.identifier)  # BT-46
        self.address(party, buyer.address)
        if buyer.vat_id:
            self.tax_scheme(party, buyer.vat_id, VAT_SCHEME)  # BT-48
        _cbc(_cac(party, "PartyLegalEntity"), "RegistrationName", buyer.name)  # BT-44
        self.contact(party, buyer.contact)

    # --- delivery and payment -------------------------------------------------------------

    def delivery(self, root: etree._Element) -> None:
        """BT-72 actual delivery date, BG-15 deliver-to address."""
        delivery = self.doc.delivery
        if delivery.actual_delivery_date is None and delivery.deliver_to is None:
            return
        element = _cac(root, "Delivery")
        if delivery.actual_delivery_date is not None:
            _cbc(element, "ActualDeliveryDate", values.iso_date(delivery.actual_delivery_date))
        if delivery.deliver_to is not None:
            self.address(_cac(element, "DeliveryLocation"), delivery.deliver_to, "Address")

    def payment_means(self, root: etree._Element) -> None:
        """BG-16/BG-17; on a CreditNote the due date (BT-9) lives here."""
        payment = self.doc.payment
        means = _cac(root, "PaymentMeans")
        _cbc(means, "PaymentMeansCode", payment.means_code)  # BT-81
        if self.credit_note and self.doc.terms.due_date is not None:
            _cbc(means, "PaymentDueDate", values.iso_date(self.doc.terms.due_date))
        _opt(means, "PaymentID", payment.remittance_information)  # BT-83
        if payment.iban:
            account = _cac(means, "PayeeFinancialAccount")
            _cbc(account, "ID", payment.iban)  # BT-84
            _opt(account, "Name", payment.account_name)  # BT-85
            if payment.bic:
                _cbc(_cac(account, "FinancialInstitutionBranch"), "ID", payment.bic)  # BT-86

    def payment_terms(self, root: etree._Element) -> None:
        """BT-20."""
        if self.doc.terms.text:
            _cbc(_cac(root, "PaymentTerms"), "Note", self.doc.terms.text)

    # --- allowances, VAT, totals ----------------------------------------------------------

    def tax_category(
        self, parent: etree._Element, name: str, category: str, rate
    ) -> etree._Element:
        element = _cac(parent, name)
        _cbc(element, "ID", category)
        if rate is not None:
            _cbc(element, "Percent", values.rate(rate))
        return element

    def allowance_charge(self, root: etree._Element, adjustment: AllowanceCharge) -> None:
        """BG-20 / BG-21."""
        element = _cac(root, "AllowanceCharge")
        _cbc(element, "ChargeIndicator", "true" if adjustment.is_charge else "false")
        _opt(element, "AllowanceChargeReasonCode", adjustment.reason_code)
        _opt(element, "AllowanceChargeReason", adjustment.reason)
        self.amount(element, "Amount", adjustment.amount)
        category = self.tax_category(element, "TaxCategory", adjustment.category, adjustment.rate)
        _cbc(_cac(category, "TaxScheme"), "ID", VAT_SCHEME)

    def tax_total(self, root: etree._Element) -> None:
        """BT-110 with the BG-23 breakdown."""
        total = _cac(root, "TaxTotal")
        self.amount(total, "TaxAmount", self.doc.totals.vat)
        for group in self.doc.vat_breakdown:
            subtotal = _cac(total, "TaxSubtotal")
            self.amount(subtotal, "TaxableAmount", group.taxable_amount)  # BT-116
            self.amount(subtotal, "TaxAmount", group.vat_amount)  # BT-117
            category = self.tax_category(subtotal, "TaxCategory", group.category, group.rate)
            _opt(category, "TaxExemptionReasonCode", group.exemption_reason_code)  # BT-121
            _opt(category, "TaxExemptionReason", group.exemption_reason)  # BT-120
            _cbc(_cac(category, "TaxScheme"), "ID", VAT_SCHEME)

    def monetary_total(self, root: etree._Element) -> None:
        """BG-22."""
        totals = self.doc.totals
        element = _cac(root, "LegalMonetaryTotal")
        self.amount(element, "LineExtensionAmount", totals.line_total)  # BT-106
        self.amount(element, "TaxExclusiveAmount", totals.net)  # BT-109
        self.amount(element, "TaxInclusiveAmount", totals.gross)  # BT-112
        if totals.allowance_total is not None:
            self.amount(element, "AllowanceTotalAmount", totals.allowance_total)  # BT-107
        if totals.charge_total is not None:
            self.amount(element, "ChargeTotalAmount", totals.charge_total)  # BT-108
        self.amount(element, "PrepaidAmount", totals.paid)  # BT-113
        self.amount(element, "PayableAmount", totals.due)  # BT-115

    # --- lines ----------------------------------------------------------------------------

    def line(self, root: etree._Element, line: DocumentLine) -> None:
        """BG-25 (InvoiceLine or CreditNoteLine)."""
        element = _cac(root, "CreditNoteLine" if self.credit_note else "InvoiceLine")
        _cbc(element, "ID", line.id)  # BT-126
        _cbc(
            element,
            "CreditedQuantity" if self.credit_note else "InvoicedQuantity",
            values.quantity(line.quantity),
            unitCode=line.unit,
        )  # BT-129, BT-130
        self.amount(element, "LineExtensionAmount", line.net_amount)  # BT-131
        if line.period_start is not None or line.period_end is not None:
            self.period(element, line.period_start, line.period_end)  # BT-134, BT-135
        item = _cac(element, "Item")
        _opt(item, "Description", line.description)  # BT-154
        _cbc(item, "Name", line.name)  # BT-153
        if line.seller_item_id:
            _cbc(_cac(item, "SellersItemIdentification"), "ID", line.seller_item_id)  # BT-155
        category = self.tax_category(item, "ClassifiedTaxCategory", line.category, line.rate)
        _cbc(_cac(category, "TaxScheme"), "ID", VAT_SCHEME)
        _cbc(
            _cac(element, "Price"),
            "PriceAmount",
            values.price(line.price),
            currencyID=self.doc.currency,
        )  # BT-146


def build_ubl(doc: Document, *, customization_id: str, profile_id: str) -> etree._Element:
    """The UBL Invoice (380) or CreditNote (381) of ``doc`` as an element tree."""
    return _Writer(doc).build(customization_id, profile_id)
