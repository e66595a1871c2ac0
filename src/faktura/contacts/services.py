"""Use cases for customers."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from faktura.catalog.selectors import price_list_for_tenant
from faktura.common import validators as v
from faktura.common.context import CommandContext
from faktura.common.errors import NotFound, ValidationFailed
from faktura.common.services import audit_record
from faktura.common.text import clean_text
from faktura.contacts.models import Contact, CustomerKind, EInvoiceFormat, TaxTreatment
from faktura.tenancy.services import clean_time_rounding

_TEXT_FIELDS = ("street", "postal_code", "city", "phone", "contact_person")


def _clean(ctx: CommandContext, data: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for name, value in data.items():
        if name == "name":
            clean[name] = v.required(name, value)
        elif name == "customer_number" or name in _TEXT_FIELDS:
            clean[name] = clean_text(name, value)
        elif name == "notes":
            clean[name] = clean_text(name, value, multiline=True)
        elif name == "country":
            clean[name] = v.country(name, value)
        elif name == "vat_id":
            clean[name] = v.vat_id(name, value)
        elif name == "leitweg_id":
            clean[name] = v.leitweg_id(name, value)
        elif name == "peppol_id":
            clean[name] = v.peppol_id(name, value)
        elif name == "einvoice_format":
            # "": automatic, see _default_format
            if value != "" and value not in EInvoiceFormat.values:
                raise ValidationFailed.field(
                    name, f"Must be one of {', '.join(EInvoiceFormat.values)}."
                )
            clean[name] = value
        elif name == "email":
            clean[name] = v.email(name, value)
        elif name == "language":
            clean[name] = v.language(name, value)
        elif name == "currency":
            clean[name] = v.currency(name, value)
        elif name == "payment_terms_days":
            if value is not None and not 0 <= int(value) <= 365:
                raise ValidationFailed.field(name, "Must be between 0 and 365 days.")
            clean[name] = value
        elif name == "cash_discount_percent":
            clean[name] = v.cash_discount_percent(name, value)
        elif name == "cash_discount_days":
            clean[name] = v.cash_discount_days(name, value)
        elif name == "tax_treatment":
            if value not in TaxTreatment.values:
                raise ValidationFailed.field(
                    name, f"Must be one of {', '.join(TaxTreatment.values)}."
                )
            clean[name] = value
        elif name == "customer_kind":
            if value not in CustomerKind.values:
                raise ValidationFailed.field(
                    name, f"Must be one of {', '.join(CustomerKind.values)}."
                )
            clean[name] = value
        elif name == "exemption_reason":
            clean[name] = clean_text(name, value)
        elif name == "price_list_id":
            clean["price_list"] = (
                None if value is None else price_list_for_tenant(ctx.tenant, value, field=name)
            )
        elif name == "time_rounding":
            clean[name] = clean_time_rounding(name, value)
        elif name == "is_active":
            clean[name] = v.boolean(name, value)
        else:
            raise ValidationFailed.field(name, "Unknown field.")
    return clean


def _default_format(contact: Contact) -> None:
    """A customer without a chosen e-invoice format gets XRechnung (UBL) when it is German
    public sector (has a Leitweg-ID), else the PDF with Factur-X."""
    if not contact.einvoice_format:
        contact.einvoice_format = (
            EInvoiceFormat.XRECHNUNG_UBL if contact.leitweg_id else EInvoiceFormat.FACTURX
        )


def _check_rules(contact: Contact) -> None:
    """Rules across fields, checked on the contact as it would be saved."""
    if contact.tax_treatment == TaxTreatment.REVERSE_CHARGE and not contact.vat_id:
        raise ValidationFailed.field(
            "vat_id", "Reverse charge needs the customer's VAT ID.", code="required"
        )
    if contact.tax_treatment == TaxTreatment.EXEMPT and not contact.exemption_reason:
        raise ValidationFailed.field(
            "exemption_reason", "Exempt customers need an exemption reason.", code="required"
        )
    if contact.price_list is not None and contact.price_list.currency != contact.currency:
        raise ValidationFailed.field(
            "price_list_id",
            f"The price list is in {contact.price_list.currency}, the customer in "
            f"{contact.currency}.",
        )


def _save(contact: Contact, **kwargs: Any) -> None:
    try:
        with transaction.atomic():
            contact.save(**kwargs)
    except IntegrityError as exc:
        raise ValidationFailed.field(
            "customer_number", "Another customer has this number.", code="duplicate"
        ) from exc


def contact_create(ctx: CommandContext, **data: Any) -> Contact:
    ctx.require("manage_contacts")
    data.setdefault("currency", ctx.tenant.currency)
    data.setdefault("language", ctx.tenant.language)
    if "name" not in data:
        raise ValidationFailed.field("name", "This field is required.", code="required")
    data.setdefault("einvoice_format", "")
    contact = Contact(tenant=ctx.tenant, **_clean(ctx, data))
    _default_format(contact)
    _check_rules(contact)
    with transaction.atomic():
        _save(contact)
        if not contact.customer_number:
            # The number customers see on their invoices; stable and unique per tenant.
            contact.customer_number = str(10000 + contact.pk)
            _save(contact, update_fields=["customer_number"])
        audit_record(ctx, action="contact_create", obj=contact)
    return contact


def contact_update(ctx: CommandContext, *, contact_id: int, **data: Any) -> Contact:
    ctx.require("manage_contacts")
    clean = _clean(ctx, data)
    with transaction.atomic():
        contact = Contact.objects.select_for_update().filter(tenant=ctx.tenant, pk=contact_id)
        contact = contact.first()
        if contact is None:
            raise NotFound("Contact not found.")
        if clean.get("customer_number") == "":
            raise ValidationFailed.field("customer_number", "Cannot be empty.", code="required")
        for key, value in clean.items():
            setattr(contact, key, value)
        _default_format(contact)
        _check_rules(contact)
        _save(contact)
        audit_record(ctx, action="contact_update", obj=contact, data={"fields": list(clean)})
    return contact
