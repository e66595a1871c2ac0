"""Use cases for customers."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from faktura.catalog.selectors import price_list_for_tenant
from faktura.common.context import CommandContext
from faktura.common.errors import NotFound, ValidationFailed
from faktura.common.inputs import vat_id_message
from faktura.common.services import audit_record
from faktura.contacts.errors import DuplicateCustomerNumber
from faktura.contacts.inputs import ContactCreate, ContactUpdate, tax_rules
from faktura.contacts.models import Contact, EInvoiceFormat
from faktura.einvoice.identifiers import vat_id_check


def _fields(ctx: CommandContext, data: ContactCreate | ContactUpdate) -> dict[str, Any]:
    """The model fields the input sets; the price list is looked up in this company."""
    values = {name: getattr(data, name) for name in data.model_fields_set}
    if isinstance(data, ContactCreate):
        values = dict(data)
    if "price_list_id" in values:
        price_list_id = values.pop("price_list_id")
        values["price_list"] = (
            None
            if price_list_id is None
            else price_list_for_tenant(ctx.tenant, price_list_id, field="price_list_id")
        )
    if values.get("time_rounding") is not None:
        values["time_rounding"] = values["time_rounding"].model_dump()
    return values


def _default_format(contact: Contact) -> None:
    """A customer without a chosen e-invoice format gets XRechnung (UBL) when it is German
    public sector (has a Leitweg-ID), else the PDF with Factur-X."""
    if not contact.einvoice_format:
        contact.einvoice_format = (
            EInvoiceFormat.XRECHNUNG_UBL if contact.leitweg_id else EInvoiceFormat.FACTURX
        )


def _check_rules(contact: Contact, *, vat_id_changed: bool = True) -> None:
    """Rules across fields, checked on the contact as it would be saved (all at once); the
    VAT ID is checked against the country when either changes."""
    found = {name: message for name, (_code, message) in tax_rules(vars(contact)).items()}
    if vat_id_changed:
        vat_id, code = vat_id_check(contact.vat_id, contact.country)
        if code and "vat_id" not in found:
            found["vat_id"] = vat_id_message(code)
        contact.vat_id = vat_id
    if contact.price_list is not None and contact.price_list.currency != contact.currency:
        found["price_list_id"] = gettext(
            "The price list is in %(list)s, the customer in %(customer)s."
        ) % {"list": contact.price_list.currency, "customer": contact.currency}
    if found:
        name, message = next(iter(found.items()))
        raise ValidationFailed(f"{name}: {message}", fields=found)


def _save(contact: Contact, **kwargs: Any) -> None:
    try:
        with transaction.atomic():
            contact.save(**kwargs)
    except IntegrityError as exc:
        raise DuplicateCustomerNumber.field(
            "customer_number", "Another customer has this number."
        ) from exc


def contact_create(ctx: CommandContext, *, data: ContactCreate) -> Contact:
    ctx.require("manage_contacts")
    values = _fields(ctx, data)
    values["currency"] = values["currency"] or ctx.tenant.currency
    values["language"] = values["language"] or ctx.tenant.language
    contact = Contact(tenant=ctx.tenant, **values)
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


def contact_update(ctx: CommandContext, *, contact_id: int, data: ContactUpdate) -> Contact:
    ctx.require("manage_contacts")
    values = _fields(ctx, data)
    with transaction.atomic():
        contact = (
            Contact.objects.select_for_update().filter(tenant=ctx.tenant, pk=contact_id).first()
        )
        if contact is None:
            raise NotFound("Contact not found.")
        for key, value in values.items():
            setattr(contact, key, value)
        _default_format(contact)
        _check_rules(contact, vat_id_changed=bool({"vat_id", "country"} & data.model_fields_set))
        _save(contact)
        audit_record(
            ctx,
            action="contact_update",
            obj=contact,
            data={"fields": sorted(data.model_fields_set)},
        )
    return contact
