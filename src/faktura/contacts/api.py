"""Customers."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field

from faktura.common.schemas import ERRORS, CashDiscountPercent, Id, PathId
from faktura.contacts import selectors, services
from faktura.tenancy.api import TimeRounding
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


class ContactIn(Schema):
    name: str = Field(..., max_length=200)
    customer_number: str = Field("", max_length=30)
    street: str = Field("", max_length=200)
    postal_code: str = Field("", max_length=20)
    city: str = Field("", max_length=100)
    country: str = Field("DE", max_length=2)
    vat_id: str = Field("", max_length=20)
    leitweg_id: str = Field("", max_length=46)
    peppol_id: str = Field("", max_length=140)
    # "" (default): xrechnung-ubl for a customer with a Leitweg-ID, else facturx
    einvoice_format: str = Field("", max_length=20)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=40)
    contact_person: str = Field("", max_length=200)
    language: str | None = Field(None, max_length=2)
    currency: str | None = Field(None, max_length=3)
    payment_terms_days: int | None = Field(None, ge=0, le=365)
    cash_discount_percent: CashDiscountPercent | None = None
    cash_discount_days: int | None = Field(None, ge=0, le=365)
    tax_treatment: str = "domestic"
    exemption_reason: str = Field("", max_length=300)
    customer_kind: str = Field("business", max_length=10)
    price_list_id: Id | None = None
    time_rounding: TimeRounding | None = None
    notes: str = ""


class ContactPatch(Schema):
    name: str | None = Field(None, max_length=200)
    customer_number: str | None = Field(None, max_length=30)
    street: str | None = Field(None, max_length=200)
    postal_code: str | None = Field(None, max_length=20)
    city: str | None = Field(None, max_length=100)
    country: str | None = Field(None, max_length=2)
    vat_id: str | None = Field(None, max_length=20)
    leitweg_id: str | None = Field(None, max_length=46)
    peppol_id: str | None = Field(None, max_length=140)
    einvoice_format: str | None = Field(None, max_length=20)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=40)
    contact_person: str | None = Field(None, max_length=200)
    language: str | None = Field(None, max_length=2)
    currency: str | None = Field(None, max_length=3)
    payment_terms_days: int | None = Field(None, ge=0, le=365)
    cash_discount_percent: CashDiscountPercent | None = None
    cash_discount_days: int | None = Field(None, ge=0, le=365)
    tax_treatment: str | None = None
    exemption_reason: str | None = Field(None, max_length=300)
    customer_kind: str | None = Field(None, max_length=10)
    price_list_id: Id | None = None
    time_rounding: TimeRounding | None = None
    notes: str | None = None
    is_active: bool | None = None


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
def contact_create(request, payload: ContactIn):
    data = payload.model_dump(exclude_none=True)
    return Status(201, services.contact_create(request_context(request), **data))


@router.get("/contacts/{contact_id}", response={200: ContactOut, **ERRORS})
def contact_detail(request, contact_id: PathId):
    return selectors.contact_get(tenant=request.auth.tenant, contact_id=contact_id)


@router.patch("/contacts/{contact_id}", response={200: ContactOut, **ERRORS})
def contact_patch(request, contact_id: PathId, payload: ContactPatch):
    data = payload.model_dump(exclude_unset=True)
    return services.contact_update(request_context(request), contact_id=contact_id, **data)
