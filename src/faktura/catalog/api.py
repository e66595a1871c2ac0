"""Units, products, price lists with their prices, and product assignments.

Everyone may read units, products and assignments (members need product names), but prices
are rate information: `default_unit_price` and an assignment's `price_list_id` are null for
roles without `view_rates`, and price lists answer 403 to them. Writes need `manage_catalog`.
"""

from datetime import datetime
from decimal import Decimal

from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from faktura.catalog import selectors, services
from faktura.catalog.inputs import (
    PriceListCreate,
    PriceListUpdate,
    PriceSet,
    ProductAssignmentCreate,
    ProductAssignmentUpdate,
    ProductCreate,
    ProductUpdate,
    UnitCreate,
    UnitUpdate,
)
from faktura.catalog.models import AssignmentScope, LineKind, Product
from faktura.common.schemas import ERRORS, Id, PathId
from faktura.tenancy.auth import request_context
from faktura.tenancy.roles import has_capability

router = Router(tags=["catalog"])

# Ids in filters are compared with foreign-key columns, which are 64-bit integers.


def _sees_rates(context) -> bool:
    membership = context["request"].auth
    return membership is not None and has_capability(membership.role, "view_rates")


def _rates_ctx(request):
    """The request's context, refusing roles that may not see prices (403)."""
    ctx = request_context(request)
    ctx.require("view_rates")
    return ctx


# --- units ---------------------------------------------------------------------------------


class UnitOut(Schema):
    id: int
    code: str
    name: str
    symbol: str
    created_at: datetime
    updated_at: datetime


class UnitFilter(Schema):
    search: str = ""


@router.get("/units", response=list[UnitOut])
@paginate
def unit_list(request, filters: Query[UnitFilter]):
    return selectors.unit_list(tenant=request.auth.tenant, **filters.model_dump())


@router.post("/units", response={201: UnitOut, **ERRORS})
def unit_create(request, payload: UnitCreate):
    unit = services.unit_create(request_context(request), data=payload)
    return Status(201, unit)


@router.get("/units/{unit_id}", response={200: UnitOut, **ERRORS})
def unit_detail(request, unit_id: PathId):
    return selectors.unit_get(tenant=request.auth.tenant, unit_id=unit_id)


@router.patch("/units/{unit_id}", response={200: UnitOut, **ERRORS})
def unit_patch(request, unit_id: PathId, payload: UnitUpdate):
    return services.unit_update(request_context(request), unit_id=unit_id, data=payload)


# --- products ------------------------------------------------------------------------------


class ProductOut(Schema):
    id: int
    name: str
    sku: str
    description: str
    kind: str
    unit: str  # the unit's Rec 20 code
    unit_id: int
    default_unit_price: Decimal | None  # null: no default price, or no right to see rates
    vat_category: str
    vat_rate: Decimal
    auto_created: bool
    auto_created_for: str
    is_active: bool
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_unit(obj) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_default_unit_price(obj, context) -> Decimal | None:
        return obj.default_unit_price if _sees_rates(context) else None


class ProductFilter(Schema):
    search: str = ""
    kind: Product.Kind | None = None
    is_active: bool | None = None
    auto_created: bool | None = None


@router.get("/products", response=list[ProductOut])
@paginate
def product_list(request, filters: Query[ProductFilter]):
    data = filters.model_dump()
    data["kind"] = data["kind"] or ""
    return selectors.product_list(tenant=request.auth.tenant, **data)


@router.post("/products", response={201: ProductOut, **ERRORS})
def product_create(request, payload: ProductCreate):
    return Status(201, services.product_create(request_context(request), data=payload))


@router.get("/products/{product_id}", response={200: ProductOut, **ERRORS})
def product_detail(request, product_id: PathId):
    return selectors.product_get(tenant=request.auth.tenant, product_id=product_id)


@router.patch("/products/{product_id}", response={200: ProductOut, **ERRORS})
def product_patch(request, product_id: PathId, payload: ProductUpdate):
    return services.product_update(request_context(request), product_id=product_id, data=payload)


# --- price lists ---------------------------------------------------------------------------


class PriceListOut(Schema):
    id: int
    name: str
    currency: str
    is_tenant_default: bool
    is_active: bool
    created_at: datetime
    updated_at: datetime


class PriceListFilter(Schema):
    search: str = ""
    currency: str = ""
    is_active: bool | None = None
    is_tenant_default: bool | None = None


class PriceListItemOut(Schema):
    id: int
    price_list_id: int
    product_id: int
    product_name: str
    product_sku: str
    unit: str
    unit_price: Decimal
    updated_at: datetime

    @staticmethod
    def resolve_product_name(obj) -> str:
        return obj.product.name

    @staticmethod
    def resolve_product_sku(obj) -> str:
        return obj.product.sku

    @staticmethod
    def resolve_unit(obj) -> str:
        return obj.product.unit.code


class PriceListItemFilter(Schema):
    search: str = ""


@router.get("/price-lists", response={200: list[PriceListOut], **ERRORS})
@paginate
def price_list_list(request, filters: Query[PriceListFilter]):
    ctx = _rates_ctx(request)
    return selectors.price_list_list(tenant=ctx.tenant, **filters.model_dump())


@router.post("/price-lists", response={201: PriceListOut, **ERRORS})
def price_list_create(request, payload: PriceListCreate):
    return Status(201, services.price_list_create(_rates_ctx(request), data=payload))


@router.get("/price-lists/{price_list_id}", response={200: PriceListOut, **ERRORS})
def price_list_detail(request, price_list_id: PathId):
    ctx = _rates_ctx(request)
    return selectors.price_list_get(tenant=ctx.tenant, price_list_id=price_list_id)


@router.patch("/price-lists/{price_list_id}", response={200: PriceListOut, **ERRORS})
def price_list_patch(request, price_list_id: PathId, payload: PriceListUpdate):
    ctx = _rates_ctx(request)
    return services.price_list_update(ctx, price_list_id=price_list_id, data=payload)


@router.get("/price-lists/{price_list_id}/items", response={200: list[PriceListItemOut], **ERRORS})
@paginate
def price_list_item_list(request, price_list_id: PathId, filters: Query[PriceListItemFilter]):
    ctx = _rates_ctx(request)
    return selectors.price_list_item_list(
        tenant=ctx.tenant, price_list_id=price_list_id, **filters.model_dump()
    )


@router.put(
    "/price-lists/{price_list_id}/items/{product_id}",
    response={200: PriceListItemOut, **ERRORS},
)
def price_list_item_set(request, price_list_id: PathId, product_id: PathId, payload: PriceSet):
    return services.price_list_item_set(
        _rates_ctx(request), price_list_id=price_list_id, product_id=product_id, data=payload
    )


@router.delete("/price-lists/{price_list_id}/items/{product_id}", response={204: None, **ERRORS})
def price_list_item_delete(request, price_list_id: PathId, product_id: PathId):
    services.price_list_item_delete(
        _rates_ctx(request), price_list_id=price_list_id, product_id=product_id
    )
    return Status(204, None)


# --- product assignments -------------------------------------------------------------------


class ProductAssignmentOut(Schema):
    id: int
    scope: str
    scope_id: int | None  # the task, contact, membership or team; null for the tenant scope
    line_kind: str
    product_id: int
    product_name: str
    price_list_id: int | None  # null: none, or no right to see rates
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_product_name(obj) -> str:
        return obj.product.name

    @staticmethod
    def resolve_price_list_id(obj, context) -> int | None:
        return obj.price_list_id if _sees_rates(context) else None


class ProductAssignmentFilter(Schema):
    scope: AssignmentScope | None = None
    scope_id: Id | None = None
    line_kind: LineKind | None = None
    product_id: Id | None = None


@router.get("/product-assignments", response=list[ProductAssignmentOut])
@paginate
def product_assignment_list(request, filters: Query[ProductAssignmentFilter]):
    data = filters.model_dump()
    data["scope"] = data["scope"] or ""
    data["line_kind"] = data["line_kind"] or ""
    return selectors.product_assignment_list(tenant=request.auth.tenant, **data)


@router.post("/product-assignments", response={201: ProductAssignmentOut, **ERRORS})
def product_assignment_create(request, payload: ProductAssignmentCreate):
    ctx = request_context(request)
    assignment = services.product_assignment_create(ctx, data=payload)
    return Status(201, assignment)


@router.get("/product-assignments/{assignment_id}", response={200: ProductAssignmentOut, **ERRORS})
def product_assignment_detail(request, assignment_id: PathId):
    return selectors.product_assignment_get(tenant=request.auth.tenant, assignment_id=assignment_id)


@router.patch(
    "/product-assignments/{assignment_id}", response={200: ProductAssignmentOut, **ERRORS}
)
def product_assignment_patch(request, assignment_id: PathId, payload: ProductAssignmentUpdate):
    return services.product_assignment_update(
        request_context(request), assignment_id=assignment_id, data=payload
    )


@router.delete("/product-assignments/{assignment_id}", response={204: None, **ERRORS})
def product_assignment_delete(request, assignment_id: PathId):
    services.product_assignment_delete(request_context(request), assignment_id=assignment_id)
    return Status(204, None)
