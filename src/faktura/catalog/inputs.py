"""The typed input of each catalog use case (DESIGN.md section 2, "Typed inputs").

The API takes them as its body, the catalog forms build them (`web.forms.catalog`), the
services receive them as `data`. What needs the database (a unit code of this company, a
product or price list of this company, a duplicate) is the services' to check.
"""

from __future__ import annotations

import re
from typing import Annotated

from django.utils.translation import gettext
from pydantic import AfterValidator, Field, StringConstraints

from faktura.catalog.models import AssignmentScope, LineKind, Product, VatCategory
from faktura.common.inputs import Currency, Input, LongText, Text, UnitPrice, VatRate, problem
from faktura.common.schemas import Id

# Rec 20 common codes are two or three upper-case letters or digits.
_UNIT_CODE = re.compile(r"^[A-Z0-9]{2,3}$")


def _unit_code(value: str) -> str:
    code = value.strip().upper()
    if not _UNIT_CODE.match(code):
        raise problem(
            "invalid",
            gettext("Not a UN/ECE Recommendation 20 code (2-3 letters or digits, e.g. HUR)."),
        )
    return code


UnitCode = Annotated[str, StringConstraints(max_length=10), AfterValidator(_unit_code)]
# A unit of this company by its code (e.g. HUR); the service looks it up.
UnitRef = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10)]


class UnitCreate(Input):
    """A unit by its Rec 20 code; known codes get their name and symbol when none are given."""

    code: UnitCode = Field(..., description="UN/ECE Recommendation 20 code")
    name: Annotated[str, Text(60)] = Field("", description="default: the code's name if known")
    symbol: Annotated[str, Text(12)] | None = None


class UnitUpdate(Input):
    partial = True

    code: UnitCode | None = None
    name: Annotated[str, Text(60, required=True)] | None = None
    symbol: Annotated[str, Text(12)] | None = None


class ProductCreate(Input):
    """A catalog product. Without a VAT rate, S gets 19 % and every other category 0 %."""

    name: Annotated[str, Text(200, required=True)]
    sku: Annotated[str, Text(60)] = ""
    description: LongText = ""
    kind: Product.Kind = Product.Kind.SERVICE
    unit: UnitRef = Field(..., description="a unit code of this company, e.g. HUR")
    default_unit_price: UnitPrice | None = None
    vat_category: VatCategory = VatCategory.STANDARD
    vat_rate: VatRate | None = Field(None, description="percent; default 19 for S, else 0")
    is_active: bool = True


class ProductUpdate(Input):
    partial = True
    nullable = frozenset({"default_unit_price"})

    name: Annotated[str, Text(200, required=True)] | None = None
    sku: Annotated[str, Text(60)] | None = None
    description: LongText | None = None
    kind: Product.Kind | None = None
    unit: UnitRef | None = None
    default_unit_price: UnitPrice | None = None
    vat_category: VatCategory | None = None
    vat_rate: VatRate | None = None
    is_active: bool | None = None


class PriceListCreate(Input):
    """A price list; in the company's currency unless one is given."""

    name: Annotated[str, Text(100, required=True)]
    currency: Currency | None = Field(None, description="default: the company's")
    is_tenant_default: bool = False
    is_active: bool = True


class PriceListUpdate(Input):
    partial = True

    name: Annotated[str, Text(100, required=True)] | None = None
    currency: Currency | None = None
    is_tenant_default: bool | None = None
    is_active: bool | None = None


class PriceSet(Input):
    """A product's price in a price list (net, up to 6 decimals)."""

    unit_price: UnitPrice


class ProductAssignmentCreate(Input):
    """Which product a line kind uses at a scope (task, contact, membership, team, tenant)."""

    scope: AssignmentScope = Field(..., description="task, contact, membership, team or tenant")
    scope_id: Id | None = Field(None, description="the target's id; none for tenant")
    line_kind: LineKind
    product_id: Id
    price_list_id: Id | None = None


class ProductAssignmentUpdate(Input):
    partial = True
    nullable = frozenset({"scope_id", "price_list_id"})

    scope: AssignmentScope | None = None
    scope_id: Id | None = None
    line_kind: LineKind | None = None
    product_id: Id | None = None
    price_list_id: Id | None = None


__all__ = [
    "PriceListCreate",
    "PriceListUpdate",
    "PriceSet",
    "ProductAssignmentCreate",
    "ProductAssignmentUpdate",
    "ProductCreate",
    "ProductUpdate",
    "UnitCreate",
    "UnitUpdate",
]
