"""Read queries for customers."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from faktura.common.errors import NotFound
from faktura.contacts.errors import ContactNotFound
from faktura.contacts.models import Contact


def contact_list(
    *,
    tenant,
    search: str = "",
    country: str = "",
    tax_treatment: str = "",
    is_active: bool | None = None,
) -> QuerySet[Contact]:
    qs = Contact.objects.filter(tenant=tenant).select_related("price_list")
    if search:
        qs = qs.filter(
            Q(name__icontains=search)
            | Q(customer_number__icontains=search)
            | Q(email__icontains=search)
            | Q(city__icontains=search)
        )
    if country:
        qs = qs.filter(country=country.upper())
    if tax_treatment:
        qs = qs.filter(tax_treatment=tax_treatment)
    if is_active is not None:
        qs = qs.filter(is_active=is_active)
    return qs


def contact_get(*, tenant, contact_id: int) -> Contact:
    contact = Contact.objects.filter(tenant=tenant, pk=contact_id).first()
    if contact is None:
        raise NotFound("Contact not found.")
    return contact


def contact_for_tenant(tenant, contact_id: int, *, field: str = "contact_id") -> Contact:
    """A contact referenced from another object's input: unknown ids name the field."""
    contact = Contact.objects.filter(tenant=tenant, pk=contact_id).first()
    if contact is None:
        raise ContactNotFound.field(field, "No such contact.")
    return contact
