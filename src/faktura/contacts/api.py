"""Customers."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from faktura.common.schemas import ERRORS, PathId
from faktura.contacts import selectors, services
from faktura.contacts.inputs import ContactCreate, ContactUpdate
from faktura.tenancy.auth import request_context
from faktura.tenancy.roles import has_capability

router = Router(tags=["contacts"])


class ContactOut(Schema):
    id: int
    customer_number: str
    name: str
    street: str
    postal_code: str
    city: str
    country: str
    vat_id: str
    leitweg_id: str
    peppol_id: str  # "scheme:value" (EAS); "" = derived from leitweg_id or vat_id
    einvoice_format: str  # preferred delivery: facturx, xrechnung-ubl, xrechnung-cii, peppol
    email: str
    phone: str
    contact_person: str
    language: str
    currency: str
    payment_terms_days: int | None
    cash_discount_percent: Decimal | None
    cash_discount_days: int | None
    tax_treatment: str
    exemption_reason: str
    customer_kind: str  # business or consumer (default interest, § 288 BGB)
    price_list_id: int | None
    time_rounding: dict[str, Any] | None
    notes: str
    is_active: bool
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_price_list_id(obj, context) -> int | None:
        """Prices are hidden from roles that see no rates (issue 10)."""
        if not has_capability(context["request"].auth.role, "view_rates"):
            return None
        return obj.price_list_id


class ContactFilter(Schema):
    search: str = ""
    country: str = ""
    tax_treatment: str = ""
    is_active: bool | None = None


@router.get("/contacts", response=list[ContactOut])
@paginate
def contact_list(request, filters: Query[ContactFilter]):
    return selectors.contact_list(tenant=request.auth.tenant, **filters.model_dump())


@router.post("/contacts", response={201: ContactOut, **ERRORS})
def contact_create(request, payload: ContactCreate):
    return Status(201, services.contact_create(request_context(request), data=payload))


@router.get("/contacts/{contact_id}", response={200: ContactOut, **ERRORS})
def contact_detail(request, contact_id: PathId):
    return selectors.contact_get(tenant=request.auth.tenant, contact_id=contact_id)


@router.patch("/contacts/{contact_id}", response={200: ContactOut, **ERRORS})
def contact_patch(request, contact_id: PathId, payload: ContactUpdate):
    return services.contact_update(request_context(request), contact_id=contact_id, data=payload)
