"""The builders' output: identifiers, structure, credit notes, the shared group decisions and
value formatting. Pure: no database and no official rules needed."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from faktura.einvoice import values
from faktura.einvoice.formats import (
    EN16931,
    FORMAT_KEYS,
    FORMATS,
    PEPPOL_BILLING_PROCESS,
    PEPPOL_BIS_BILLING_3,
    XRECHNUNG_3_0,
    build,
    file_name,
    get_format,
    media_type,
)
from faktura.einvoice.snapshot import InvoiceSnapshot, Payment

from .factory import (
    CASES,
    CONSULTING,
    credit_note,
    not_subject,
    public_sector,
    snapshot,
    standard_rate,
    with_allowance_and_charge,
    without_iban,
)
from .reader import NS, parse

D = Decimal


def xpath(xml: bytes, path: str) -> list[str]:
    root = etree.fromstring(xml)
    return [
        node if isinstance(node, str) else (node.text or "")
        for node in root.xpath(path, namespaces=NS)
    ]


def test_specification_identifiers():
    assert XRECHNUNG_3_0 == "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
    assert PEPPOL_BIS_BILLING_3 == (
        "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
    )
    assert PEPPOL_BILLING_PROCESS == "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
    assert FORMAT_KEYS == ("xrechnung-ubl", "xrechnung-cii", "peppol", "facturx")
    assert {key: (f.syntax, f.specification_id) for key, f in FORMATS.items()} == {
        "xrechnung-ubl": ("ubl", XRECHNUNG_3_0),
        "xrechnung-cii": ("cii", XRECHNUNG_3_0),
        "peppol": ("ubl", PEPPOL_BIS_BILLING_3),
        "facturx": ("cii", EN16931),
    }


@pytest.mark.parametrize(
    ("format_key", "bt24", "bt23"),
    [
        ("xrechnung-ubl", XRECHNUNG_3_0, PEPPOL_BILLING_PROCESS),
        ("peppol", PEPPOL_BIS_BILLING_3, PEPPOL_BILLING_PROCESS),
    ],
)
def test_ubl_identifiers(format_key, bt24, bt23):
    xml = build(standard_rate(), format_key)
    assert xpath(xml, "/*/cbc:CustomizationID") == [bt24]
    assert xpath(xml, "/*/cbc:ProfileID") == [bt23]


@pytest.mark.parametrize(
    ("format_key", "bt24", "bt23"),
    [("xrechnung-cii", XRECHNUNG_3_0, [PEPPOL_BILLING_PROCESS]), ("facturx", EN16931, [])],
)
def test_cii_identifiers(format_key, bt24, bt23):
    xml = build(standard_rate(), format_key)
    context = "/rsm:CrossIndustryInvoice/rsm:ExchangedDocumentContext/"
    assert xpath(xml, context + "ram:GuidelineSpecifiedDocumentContextParameter/ram:ID") == [bt24]
    assert xpath(xml, context + "ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID") == (
        bt23
    )


@pytest.mark.parametrize("format_key", FORMAT_KEYS)
@pytest.mark.parametrize("case", list(CASES))
def test_output_is_deterministic_utf8_and_pretty(case, format_key):
    invoice = CASES[case]()
    xml = build(invoice, format_key)
    # the same snapshot, and the same snapshot after a JSON round trip, give identical bytes
    assert build(invoice, format_key) == xml
    assert build(InvoiceSnapshot.from_json(invoice.to_json()), format_key) == xml
    assert xml.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<')
    text = xml.decode("utf-8")
    assert "\n  <" in text and text.endswith(">\n")


def test_german_text_is_written_as_utf8():
    xml = build(standard_rate(), "xrechnung-ubl")
    assert "Müller Maschinenbau GmbH".encode() in xml
    assert b"&#" not in xml


def test_ubl_credit_note_is_a_creditnote_document_with_positive_amounts():
    # given a credit note in ledger signs (negative quantities and amounts)
    cn = credit_note()
    assert cn.lines[0].quantity < 0 and cn.gross_total < 0
    for format_key in ("xrechnung-ubl", "peppol"):
        # when
        xml = build(cn, format_key)
        doc = parse(xml)
        # then
        assert doc.root == "CreditNote" and doc.type_code == "381"
        assert xpath(xml, "/*/cac:CreditNoteLine/cbc:CreditedQuantity") == ["2.25", "84"]
        assert xpath(xml, "/*/cac:InvoiceLine") == []
        assert [line.net for line in doc.lines] == [D("213.75"), D("25.20")]
        assert (doc.line_total, doc.vat, doc.gross, doc.due) == (
            -cn.line_total,
            -cn.vat_total,
            -cn.gross_total,
            -cn.gross_total,
        )
        assert doc.gross > 0
        reference = "/*/cac:BillingReference/cac:InvoiceDocumentReference/"
        assert xpath(xml, reference + "cbc:ID") == ["RE-2025-0042"]
        assert xpath(xml, reference + "cbc:IssueDate") == ["2025-04-30"]


@pytest.mark.parametrize("format_key", ["xrechnung-cii", "facturx"])
def test_cii_credit_note_has_type_381_and_positive_amounts(format_key):
    cn = credit_note()
    xml = build(cn, format_key)
    doc = parse(xml)
    assert doc.type_code == "381"
    assert [line.quantity for line in doc.lines] == [D("2.25"), D("84")]
    assert doc.gross == -cn.gross_total > 0
    reference = "//ram:ApplicableHeaderTradeSettlement/ram:InvoiceReferencedDocument/"
    assert xpath(xml, reference + "ram:IssuerAssignedID") == ["RE-2025-0042"]
    assert xpath(xml, reference + "ram:FormattedIssueDateTime/*") == ["20250430"]


def test_buyer_reference_prefers_leitweg_id_then_po_number_then_customer_number():
    public = public_sector()
    assert xpath(build(public, "xrechnung-ubl"), "/*/cbc:BuyerReference") == [
        "04011000-1234512345-06"
    ]
    with_po = standard_rate()
    assert xpath(build(with_po, "xrechnung-cii"), "//ram:BuyerReference") == ["PO-4711"]
    plain = replace(with_po, po_number="")
    assert xpath(build(plain, "peppol"), "/*/cbc:BuyerReference") == ["K-10042"]
    explicit = replace(public, buyer_reference="Abteilung 4")
    assert xpath(build(explicit, "xrechnung-ubl"), "/*/cbc:BuyerReference") == ["Abteilung 4"]
    # BT-13 carries the PO number whatever BT-10 says
    assert xpath(build(public, "xrechnung-ubl"), "/*/cac:OrderReference/cbc:ID") == [
        "BEST-2025-118"
    ]


def test_buyer_electronic_address_is_the_leitweg_id_of_a_public_customer():
    party = "/*/cac:AccountingCustomerParty/cac:Party/cbc:EndpointID"
    public = build(public_sector(), "xrechnung-ubl")
    assert xpath(public, party) == ["04011000-1234512345-06"]
    assert xpath(public, party + "/@schemeID") == ["0204"]
    business = build(standard_rate(), "xrechnung-ubl")
    assert xpath(business, party) == ["eingangsrechnungen@mueller-maschinenbau.de"]
    assert xpath(business, party + "/@schemeID") == ["EM"]
    seller = "/*/cac:AccountingSupplierParty/cac:Party/cbc:EndpointID"
    assert xpath(business, seller) == ["rechnung@nordlicht-it.de"]


SELLER_ENDPOINT = "/*/cac:AccountingSupplierParty/cac:Party/cbc:EndpointID"
BUYER_ENDPOINT = "/*/cac:AccountingCustomerParty/cac:Party/cbc:EndpointID"


def test_peppol_addresses_use_eas_schemes_never_email():
    """Issue 9, finding 1: Peppol rejects the e-mail scheme EM (PEPPOL-EN16931-CL008)."""
    business = build(standard_rate(), "peppol")
    # derived from the VAT IDs (German VAT ID: EAS 9930)
    assert xpath(business, SELLER_ENDPOINT) == ["DE136695976"]
    assert xpath(business, SELLER_ENDPOINT + "/@schemeID") == ["9930"]
    assert xpath(business, BUYER_ENDPOINT + "/@schemeID") == ["9930"]
    assert xpath(business, BUYER_ENDPOINT) == ["DE812345673"]
    # a public customer: its Leitweg-ID, scheme 0204
    public = build(public_sector(), "peppol")
    assert xpath(public, BUYER_ENDPOINT + "/@schemeID") == ["0204"]
    # explicit Peppol IDs win over anything derived
    invoice = standard_rate()
    explicit = replace(
        invoice,
        seller=replace(invoice.seller, peppol_id="0088:4012345000009"),
        buyer=replace(invoice.buyer, peppol_id="0088:4000001000005"),
    )
    xml = build(explicit, "peppol")
    assert xpath(xml, SELLER_ENDPOINT) == ["4012345000009"]
    assert xpath(xml, SELLER_ENDPOINT + "/@schemeID") == ["0088"]
    assert xpath(xml, BUYER_ENDPOINT) == ["4000001000005"]
    # XRechnung keeps the Leitweg-ID first and otherwise takes the Peppol ID before the e-mail
    assert xpath(build(explicit, "xrechnung-ubl"), BUYER_ENDPOINT + "/@schemeID") == ["0088"]


def test_peppol_documents_with_explicit_ids_pass_the_official_rules(validator):
    invoice = standard_rate()
    explicit = replace(
        invoice,
        seller=replace(invoice.seller, peppol_id="0088:4012345000009"),
        buyer=replace(invoice.buyer, peppol_id="0204:04011000-1234512345-06"),
    )
    for format_key in ("peppol", "xrechnung-ubl", "xrechnung-cii", "facturx"):
        findings = validator.validate(build(explicit, format_key))
        assert [p for p in findings if p.fatal] == [], format_key


def test_seller_identifiers_and_contact():
    xml = build(standard_rate(), "xrechnung-cii")
    seller = "//ram:SellerTradeParty/"
    assert xpath(xml, seller + "ram:SpecifiedTaxRegistration/ram:ID") == [
        "DE136695976",
        "37/123/45678",
    ]
    assert xpath(xml, seller + "ram:SpecifiedTaxRegistration/ram:ID/@schemeID") == ["VA", "FC"]
    assert xpath(xml, seller + "ram:SpecifiedLegalOrganization/ram:ID") == [
        "Amtsgericht Charlottenburg, HRB 201234 B"
    ]
    assert xpath(xml, seller + "ram:DefinedTradeContact/ram:PersonName") == ["Anna Schmidt"]
    assert xpath(xml, seller + "ram:DefinedTradeContact//ram:CompleteNumber") == [
        "+49 30 1234567-0"
    ]


def test_seller_contact_falls_back_to_the_company_name():
    invoice = standard_rate()
    nameless = replace(invoice, seller=replace(invoice.seller, contact_name=""))
    xml = build(nameless, "xrechnung-ubl")
    contact = "/*/cac:AccountingSupplierParty/cac:Party/cac:Contact/cbc:Name"
    assert xpath(xml, contact) == ["Nordlicht IT GmbH"]


def test_sepa_credit_transfer_with_iban_and_bic():
    xml = build(standard_rate(), "xrechnung-ubl")
    assert xpath(xml, "/*/cac:PaymentMeans/cbc:PaymentMeansCode") == ["58"]
    assert xpath(xml, "/*/cac:PaymentMeans/cbc:PaymentID") == ["RE-2025-0042"]
    account = "/*/cac:PaymentMeans/cac:PayeeFinancialAccount/"
    assert xpath(xml, account + "cbc:ID") == ["DE89370400440532013000"]  # spaces removed
    assert xpath(xml, account + "cbc:Name") == ["Nordlicht IT GmbH"]
    assert xpath(xml, account + "cac:FinancialInstitutionBranch/cbc:ID") == ["COBADEFFXXX"]


@pytest.mark.parametrize("make", [without_iban, credit_note], ids=["no_iban", "credit_note"])
def test_payment_means_not_defined_without_an_account_to_pay_to(make):
    ubl = build(make(), "xrechnung-ubl")
    assert xpath(ubl, "/*/cac:PaymentMeans/cbc:PaymentMeansCode") == ["1"]
    assert xpath(ubl, "/*/cac:PaymentMeans/cac:PayeeFinancialAccount") == []
    cii = build(make(), "xrechnung-cii")
    assert xpath(cii, "//ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode") == ["1"]
    assert xpath(cii, "//ram:PayeePartyCreditorFinancialAccount") == []


def test_payment_terms_name_the_due_date_in_the_customer_language():
    german = standard_rate()
    xml = build(german, "xrechnung-ubl")
    assert xpath(xml, "/*/cbc:DueDate") == ["2025-05-16"]
    assert xpath(xml, "/*/cac:PaymentTerms/cbc:Note") == ["Zahlbar ohne Abzug bis zum 16.05.2025."]
    english = replace(german, language="en")
    cii = build(english, "facturx")
    assert xpath(cii, "//ram:SpecifiedTradePaymentTerms/ram:Description") == [
        "Payable without deduction by 16 May 2025."
    ]
    assert xpath(cii, "//ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/*") == ["20250516"]
    undated = replace(german, due_date=None)
    assert xpath(build(undated, "peppol"), "/*/cac:PaymentTerms/cbc:Note") == [
        "Zahlbar innerhalb von 14 Tagen ohne Abzug."
    ]
    immediate = replace(undated, payment=Payment(terms_days=0))
    assert xpath(build(immediate, "peppol"), "/*/cac:PaymentTerms/cbc:Note") == [
        "Zahlbar sofort ohne Abzug."
    ]


def test_service_period_or_delivery_date():
    with_period = build(standard_rate(), "xrechnung-ubl")
    assert xpath(with_period, "/*/cac:InvoicePeriod/cbc:StartDate") == ["2025-04-01"]
    assert xpath(with_period, "/*/cac:InvoicePeriod/cbc:EndDate") == ["2025-04-30"]
    assert xpath(with_period, "/*/cac:Delivery") == []
    # without a service period the issue date is the delivery date (BT-72)
    ubl = build(without_iban(), "xrechnung-ubl")
    assert xpath(ubl, "/*/cac:InvoicePeriod") == []
    assert xpath(ubl, "/*/cac:Delivery/cbc:ActualDeliveryDate") == ["2025-05-02"]
    cii = build(without_iban(), "xrechnung-cii")
    assert xpath(cii, "//ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime/*") == [
        "20250502"
    ]


def test_line_details():
    xml = build(public_sector(), "xrechnung-ubl")
    line = "/*/cac:InvoiceLine[1]/"
    assert xpath(xml, line + "cac:InvoicePeriod/cbc:StartDate") == ["2025-04-01"]
    assert xpath(xml, line + "cac:InvoicePeriod/cbc:EndDate") == ["2025-04-30"]
    assert xpath(xml, line + "cbc:InvoicedQuantity/@unitCode") == ["MON"]
    consulting = build(standard_rate(), "xrechnung-cii")
    product = "//ram:IncludedSupplyChainTradeLineItem[2]/ram:SpecifiedTradeProduct/"
    assert xpath(consulting, product + "ram:SellerAssignedID") == ["SUP-M"]
    first = "//ram:IncludedSupplyChainTradeLineItem[1]/ram:SpecifiedTradeProduct/"
    assert xpath(consulting, first + "ram:Description") == [
        "Planung und Umsetzung der Migration auf VLAN-Segmentierung"
    ]


def test_exemption_reason_and_rates_per_category():
    xml = build(CASES["reverse_charge"](), "peppol")
    category = "/*/cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/"
    assert xpath(xml, category + "cbc:ID") == ["AE"]
    assert xpath(xml, category + "cbc:Percent") == ["0.00"]
    assert xpath(xml, category + "cbc:TaxExemptionReasonCode") == ["VATEX-EU-AE"]
    two = build(CASES["two_rates"](), "xrechnung-cii")
    assert xpath(
        two,
        "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:RateApplicablePercent",
    ) == ["7.00", "19.00"]


def test_not_subject_to_vat_leaves_out_rates_and_vat_ids():
    """BR-O-02: no VAT IDs; BR-O-05: no line rate; BR-DE-14 wants the breakdown rate (0)."""
    xml = build(not_subject(), "xrechnung-ubl")
    assert xpath(xml, "//cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='VAT']") == []
    assert xpath(xml, "//cac:ClassifiedTaxCategory/cbc:Percent") == []
    assert xpath(xml, "//cac:TaxSubtotal/cac:TaxCategory/cbc:Percent") == ["0.00"]
    assert xpath(xml, "//cac:TaxSubtotal/cac:TaxCategory/cbc:TaxExemptionReasonCode") == [
        "VATEX-EU-O"
    ]
    # the tax number stays (section 14 UStG)
    assert xpath(xml, "//cac:PartyTaxScheme/cbc:CompanyID") == ["37/123/45678"]


def test_document_allowances_and_charges():
    invoice = with_allowance_and_charge()
    for format_key in FORMAT_KEYS:
        doc = parse(build(invoice, format_key))
        assert [(a.amount, a.category, a.rate) for a in doc.allowances] == [
            (D("50.00"), "S", D("19.00"))
        ]
        assert [(c.amount, c.category, c.rate) for c in doc.charges] == [
            (D("7.50"), "S", D("19.00"))
        ]
        assert (doc.allowance_total, doc.charge_total) == (D("50.00"), D("7.50"))
        assert doc.net == doc.line_total - D("50.00") + D("7.50") == invoice.net_total
    ubl = build(invoice, "xrechnung-ubl")
    assert xpath(ubl, "/*/cac:AllowanceCharge/cbc:AllowanceChargeReason") == [
        "Treuerabatt",
        "Versandkosten",
    ]
    assert xpath(ubl, "/*/cac:AllowanceCharge/cbc:AllowanceChargeReasonCode") == ["95"]


def test_credit_note_allowances_are_positive_on_the_document():
    invoice = with_allowance_and_charge()
    # given a credit note reversing the invoice: in the ledger its allowances are negative
    cn = snapshot(
        [CONSULTING],
        kind="credit_note",
        allowances=invoice.allowances,
        charges=invoice.charges,
        preceding_invoice_number="RE-2025-0042",
    )
    assert cn.allowances[0].amount == D("-50.00")
    # then the 381 document states them positive, and the totals still add up
    for format_key in FORMAT_KEYS:
        doc = parse(build(cn, format_key))
        assert [a.amount for a in doc.allowances] == [D("50.00")]
        assert [c.amount for c in doc.charges] == [D("7.50")]
        assert doc.net == doc.line_total - D("50.00") + D("7.50") == -cn.net_total


def test_unknown_format_and_kind_are_refused():
    with pytest.raises(ValueError, match="xrechnung-ubl, xrechnung-cii, peppol, facturx"):
        build(standard_rate(), "zugferd-basic")
    with pytest.raises(ValueError, match="unknown invoice kind"):
        build(replace(standard_rate(), kind="reminder"), "peppol")


def test_an_amount_with_more_than_two_decimals_is_refused_not_rounded():
    invoice = standard_rate()
    broken = replace(invoice, vat_total=invoice.vat_total + D("0.001"))
    with pytest.raises(ValueError, match="more than 2 decimals"):
        build(broken, "xrechnung-ubl")


def test_file_name_and_media_type():
    invoice = standard_rate()
    assert file_name(invoice, "xrechnung-ubl") == "RE-2025-0042.xml"
    assert file_name(replace(invoice, number="RE 2025/0042"), "facturx") == "RE-2025-0042.xml"
    assert {media_type(key) for key in FORMAT_KEYS} == {"application/xml"}
    assert get_format("peppol") is FORMATS["peppol"]


@pytest.mark.parametrize(
    ("value", "text"),
    [(D("5"), "5.00"), (D("1234.5"), "1234.50"), (D("-0.00"), "0.00"), (D("-12.30"), "-12.30")],
)
def test_amounts_have_exactly_two_decimals(value, text):
    assert values.amount(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (D("1E+2"), "100"),
        (D("2.5000"), "2.5"),
        (D("1234.5678"), "1234.5678"),
        (D("-0"), "0"),
        (D("-3"), "-3"),
    ],
)
def test_quantities_have_no_exponent_and_no_trailing_zeros(value, text):
    assert values.quantity(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (D("95"), "95.00"),
        (D("12.5"), "12.50"),
        (D("0.123456"), "0.123456"),
        (D("8.333300"), "8.3333"),
        (D("1E+3"), "1000.00"),
        (D("0"), "0.00"),
    ],
)
def test_prices_keep_their_decimals_with_at_least_two(value, text):
    assert values.price(value) == text


def test_rates_and_dates():
    assert values.rate(D("19")) == "19.00"
    assert values.rate(D("7.5")) == "7.50"
    with pytest.raises(ValueError):
        values.rate(D("7.125"))
    assert values.date_102(date(2025, 1, 9)) == "20250109"
    assert values.iso_date(date(2025, 1, 9)) == "2025-01-09"
