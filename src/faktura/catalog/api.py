"""Units, products, price lists with their prices, and product assignments.

Everyone may read units, products and assignments (members need product names), but prices
are rate information: `default_unit_price` and an assignment's `price_list_id` are null for
roles without `view_rates`, and price lists answer 403 to them. Writes need `manage_catalog`.
"""

from datetime import datetime
from decimal import Decimal

from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field

from faktura.catalog import selectors, services
from faktura.catalog.models import AssignmentScope, LineKind, Product
from faktura.common.schemas import ERRORS, Id, PathId
from faktura.tenancy.auth import request_context
from faktura.tenancy.roles import has_capability

router = Router(tags=["catalog"])

UnitPrice = Field(None, ge=0, max_digits=18, decimal_places=6)
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


class UnitIn(Schema):
    code: str = Field(..., max_length=10, description="UN/ECE Recommendation 20 code")
    name: str = Field("", max_length=60, description="defaults to the code's name if known")
    symbol: str | None = Field(None, max_length=12)


class UnitPatch(Schema):
    code: str | None = Field(None, max_length=10)
    name: str | None = Field(None, max_length=60)
    symbol: str | None = Field(None, max_length=12)


class UnitFilter(Schema):
    search: str = ""


@router.get("/units", response=list[UnitOut])
@paginate
def unit_list(request, filters: Query[UnitFilter]):
    return selectors.unit_list(tenant=request.auth.tenant, **filters.model_dump())


@router.post("/units", response={201: UnitOut, **ERRORS})
def unit_create(request, payload: UnitIn):
    unit = services.unit_create(request_context(request), **payload.model_dump())
    return Status(201, unit)


@router.get("/units/{unit_id}", response={200: UnitOut, **ERRORS})
def unit_detail(request, unit_id: PathId):
    return selectors.unit_get(tenant=request.auth.tenant, unit_id=unit_id)


@router.patch("/units/{unit_id}", response={200: UnitOut, **ERRORS})
def unit_patch(request, unit_id: PathId, payload: UnitPatch):
    data = payload.model_dump(exclude_unset=True)
    return services.unit_update(request_context(request), unit_id=unit_id, **data)


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


class ProductIn(Schema):
    name: str = Field(..., max_length=200)
    sku: str = Field("", max_length=60)
    description: str = ""
    kind: str = Product.Kind.SERVICE.value
    unit: str = Field(..., max_length=10, description="a unit code of this tenant, e.g. HUR")
    default_unit_price: Decimal | None = UnitPrice
    vat_category: str = "S"
    vat_rate: Decimal | None = Field(
        None, ge=0, le=100, decimal_places=2, description="percent; default 19 for S, else 0"
    )
    is_active: bool = True


class ProductPatch(Schema):
    name: str | None = Field(None, max_length=200)
    sku: str | None = Field(None, max_length=60)
    description: str | None = None
    kind: str | None = None
    unit: str | None = Field(None, max_length=10)
    default_unit_price: Decimal | None = UnitPrice
    vat_category: str | None = None
    vat_rate: Decimal | None = Field(None, ge=0, le=100, decimal_places=2)
    is_active: bool | None = None


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
def product_create(request, payload: ProductIn):
    data = payload.model_dump(exclude_none=True)
    return Status(201, services.product_create(request_context(request), **data))


@router.get("/products/{product_id}", response={200: ProductOut, **ERRORS})
def product_detail(request, product_id: PathId):
    return selectors.product_get(tenant=request.auth.tenant, product_id=product_id)


@router.patch("/products/{product_id}", response={200: ProductOut, **ERRORS})
def product_patch(request, product_id: PathId, payload: ProductPatch):
    data = payload.model_dump(exclude_unset=True)
    return services.product_update(request_context(request), product_id=product_id, **data)


# --- price lists ---------------------------------------------------------------------------


class PriceListOut(Schema):
    id: int
    name: str
    currency: str
    is_tenant_default: bool
    is_active: bool
    created_at: datetime
    updated_at: datetime


class PriceListIn(Schema):
    name: str = Field(..., max_length=100)
    currency: str | None = Field(None, max_length=3, description="default: the tenant's")
    is_tenant_default: bool = False
    is_active: bool = True


class PriceListPatch(Schema):
    name: str | None = Field(None, max_length=100)
    currency: str | None = Field(None, max_length=3)
    is_tenant_default: bool | None = None
    is_active: bool | None = None


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


class PriceListItemIn(Schema):
    unit_price: Decimal = Field(..., ge=0, max_digits=18, decimal_places=6)


class PriceListItemFilter(Schema):
    search: str = ""


@router.get("/price-lists", response={200: list[PriceListOut], **ERRORS})
@paginate
def price_list_list(request, filters: Query[PriceListFilter]):
    ctx = _rates_ctx(request)
    return selectors.price_list_list(tenant=ctx.tenant, **filters.model_dump())


@router.post("/price-lists", response={201: PriceListOut, **ERRORS})
def price_list_create(request, payload: PriceListIn):
    data = payload.model_dump(exclude_none=True)
    return Status(201, services.price_list_create(_rates_ctx(request), **data))


@router.get("/price-lists/{price_list_id}", response={200: PriceListOut, **ERRORS})
def price_list_detail(request, price_list_id: PathId):
    ctx = _rates_ctx(request)
    return selectors.price_list_get(tenant=ctx.tenant, price_list_id=price_list_id)


@router.patch("/price-lists/{price_list_id}", response={200: PriceListOut, **ERRORS})
def price_list_patch(request, price_list_id: PathId, payload: PriceListPatch):
    data = payload.model_dump(exclude_unset=True)
    return services.price_list_update(_rates_ctx(request), price_list_id=price_list_id, **data)


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
def price_list_item_set(
    request, price_list_id: PathId, product_id: PathId, payload: PriceListItemIn
):
    return services.price_list_item_set(
        _rates_ctx(request),
        price_list_id=price_list_id,
        product_id=product_id,
        unit_price=payload.unit_price,
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


class ProductAssignmentIn(Schema):
    scope: str = Field(..., description="task, contact, membership, team or tenant")
    scope_id: Id | None = Field(None, description="the target's id; none for tenant")
    line_kind: str
    product_id: Id
    price_list_id: Id | None = None


class ProductAssignmentPatch(Schema):
    scope: str | None = None
    scope_id: Id | None = None
    line_kind: str | None = None
    product_id: Id | None = None
    price_list_id: Id | None = None


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
def product_assignment_create(request, payload: ProductAssignmentIn):
    ctx = request_context(request)
    assignment = services.product_assignment_create(ctx, **payload.model_dump())
    return Status(201, assignment)


@router.get("/product-assignments/{assignment_id}", response={200: ProductAssignmentOut, **ERRORS})
def product_assignment_detail(request, assignment_id: PathId):
    return selectors.product_assignment_get(tenant=request.auth.tenant, assignment_id=assignment_id)


@router.patch(
    "/product-assignments/{assignment_id}", response={200: ProductAssignmentOut, **ERRORS}
)
def product_assignment_patch(request, assignment_id: PathId, payload: ProductAssignmentPatch):
    data = payload.model_dump(exclude_unset=True)
    return services.product_assignment_update(
        request_context(request), assignment_id=assignment_id, **data
    )


@router.delete("/product-assignments/{assignment_id}", response={204: None, **ERRORS})
def product_assignment_delete(request, assignment_id: PathId):
    services.product_assignment_delete(request_context(request), assignment_id=assignment_id)
    return Status(204, None)
