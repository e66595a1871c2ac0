"""The typed input of each contacts use case (DESIGN.md section 2, "Typed inputs").

The API takes them as its body, the contact form builds them (`web.forms.contacts`), the
services receive them as `data`. Whether a price list belongs to the company and fits the
customer's currency needs the database: the service checks it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from django.utils.translation import gettext
from pydantic import AfterValidator, Field

from faktura.common.inputs import (
    CashDiscountDays,
    Country,
    Currency,
    Email,
    Input,
    Language,
    LeitwegId,
    LongText,
    PaymentTermsDays,
    PeppolId,
    Text,
    TimeRounding,
    VatId,
    problem,
)
from faktura.common.schemas import CashDiscountPercent, Id
from faktura.contacts.models import CustomerKind, EInvoiceFormat, TaxTreatment


def _einvoice_format(value: str) -> str:
    if value and value not in EInvoiceFormat.values:
        raise problem("invalid", gettext("Choose one of the offered values."))
    return value


# "" = automatic: xrechnung-ubl for a customer with a Leitweg-ID, else facturx
EInvoiceFormatChoice = Annotated[str, AfterValidator(_einvoice_format)]


def tax_rules(values: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """Reverse charge needs the customer's VAT ID; an exempt customer an exemption reason.

    Checked on the values known (an input's, or a stored contact's after a change)."""
    found: dict[str, tuple[str, str]] = {}
    treatment = values.get("tax_treatment")
    if (
        treatment == TaxTreatment.REVERSE_CHARGE
        and "vat_id" in values
        and not str(values["vat_id"] or "").strip()
    ):
        found["vat_id"] = ("required", gettext("Reverse charge needs the customer's VAT ID."))
    if (
        treatment == TaxTreatment.EXEMPT
        and "exemption_reason" in values
        and not str(values["exemption_reason"] or "").strip()
    ):
        found["exemption_reason"] = (
            "required",
            gettext("Exempt customers need an exemption reason."),
        )
    return found


class ContactCreate(Input):
    """A new customer. Language and currency default to the company's."""

    rules = (tax_rules,)

    name: Annotated[str, Text(200, required=True)]
    customer_number: Annotated[str, Text(30)] = Field(
        "", description="default: a number of its own"
    )
    street: Annotated[str, Text(200)] = ""
    postal_code: Annotated[str, Text(20)] = ""
    city: Annotated[str, Text(100)] = ""
    country: Country = "DE"
    vat_id: VatId = ""
    leitweg_id: LeitwegId = ""
    peppol_id: PeppolId = Field("", description='"scheme:value" (EAS), e.g. 9930:DE123456789')
    einvoice_format: EInvoiceFormatChoice = ""
    email: Email = ""
    phone: Annotated[str, Text(40)] = ""
    contact_person: Annotated[str, Text(200)] = ""
    language: Language | None = None
    currency: Currency | None = None
    payment_terms_days: PaymentTermsDays | None = None
    cash_discount_percent: CashDiscountPercent | None = None
    cash_discount_days: CashDiscountDays | None = None
    tax_treatment: TaxTreatment = TaxTreatment.DOMESTIC
    exemption_reason: Annotated[str, Text(300)] = ""
    customer_kind: CustomerKind = CustomerKind.BUSINESS
    price_list_id: Id | None = None
    time_rounding: TimeRounding | None = None
    notes: LongText = ""
    is_active: bool = True


class ContactUpdate(Input):
    """A change of a customer: the fields sent are changed, the others stay."""

    partial = True
    nullable = frozenset(
        {
            "payment_terms_days",
            "cash_discount_percent",
            "cash_discount_days",
            "price_list_id",
            "time_rounding",
        }
    )
    rules = (tax_rules,)

    name: Annotated[str, Text(200, required=True)] | None = None
    customer_number: Annotated[str, Text(30, required=True)] | None = None
    street: Annotated[str, Text(200)] | None = None
    postal_code: Annotated[str, Text(20)] | None = None
    city: Annotated[str, Text(100)] | None = None
    country: Country | None = None
    vat_id: VatId | None = None
    leitweg_id: LeitwegId | None = None
    peppol_id: PeppolId | None = None
    einvoice_format: EInvoiceFormatChoice | None = None
    email: Email | None = None
    phone: Annotated[str, Text(40)] | None = None
    contact_person: Annotated[str, Text(200)] | None = None
    language: Language | None = None
    currency: Currency | None = None
    payment_terms_days: PaymentTermsDays | None = None
    cash_discount_percent: CashDiscountPercent | None = None
    cash_discount_days: CashDiscountDays | None = None
    tax_treatment: TaxTreatment | None = None
    exemption_reason: Annotated[str, Text(300)] | None = None
    customer_kind: CustomerKind | None = None
    price_list_id: Id | None = None
    time_rounding: TimeRounding | None = None
    notes: LongText | None = None
    is_active: bool | None = None
