"""Read queries of the catalog, and the product and price look-ups billing uses."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet

from faktura.catalog.errors import ReferenceNotFound
from faktura.catalog.models import (
    AssignmentScope,
    PriceList,
    PriceListItem,
    Product,
    ProductAssignment,
    Unit,
)
from faktura.catalog.unit_names import unit_name, unit_symbol
from faktura.common.errors import NotFound
from faktura.core.pricing import PRODUCT_SCOPE_ORDER, resolve_product


def _search_text(search: str) -> str:
    # PostgreSQL rejects NUL characters in text parameters; they match nothing anyway.
    return search.replace("\x00", "").strip()


# --- references from other objects' input (unknown ids name the field) ----------------------


def price_list_for_tenant(tenant, price_list_id: int, *, field: str = "price_list_id") -> PriceList:
    price_list = PriceList.objects.filter(tenant=tenant, pk=price_list_id).first()
    if price_list is None:
        raise ReferenceNotFound.field(field, "No such price list.")
    return price_list


def product_for_tenant(tenant, product_id: int, *, field: str = "product_id") -> Product:
    product = Product.objects.filter(tenant=tenant, pk=product_id).first()
    if product is None:
        raise ReferenceNotFound.field(field, "No such product.")
    return product


def unit_for_tenant(tenant, *, code: str, field: str = "unit") -> Unit:
    unit = Unit.objects.filter(tenant=tenant, code=code).first()
    if unit is None:
        raise ReferenceNotFound.field(field, f"No unit with code {code!r}.")
    return unit


# --- units ---------------------------------------------------------------------------------


def unit_list(*, tenant, search: str = "") -> QuerySet[Unit]:
    qs = Unit.objects.filter(tenant=tenant).order_by("name", "id")
    search = _search_text(search)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(code__icontains=search))
    return qs


def unit_symbols(*, tenant) -> dict[str, str]:
    """UN/ECE code -> the symbol shown next to quantities ("h", "km"), in one query."""
    return {
        code: unit_symbol(code, symbol)
        for code, symbol in Unit.objects.filter(tenant=tenant).values_list("code", "symbol")
    }


def unit_choices(*, tenant) -> list[tuple[str, str]]:
    """The tenant's units as form choices: code and "name (code)", by name."""
    choices = [
        (code, f"{unit_name(code, name)} ({code})")
        for code, name in Unit.objects.filter(tenant=tenant).values_list("code", "name")
    ]
    return sorted(choices, key=lambda choice: choice[1].casefold())


def unit_get(*, tenant, unit_id: int) -> Unit:
    unit = Unit.objects.filter(tenant=tenant, pk=unit_id).first()
    if unit is None:
        raise NotFound("Unit not found.")
    return unit


# --- products ------------------------------------------------------------------------------


def product_list(
    *,
    tenant,
    search: str = "",
    kind: str = "",
    is_active: bool | None = None,
    auto_created: bool | None = None,
) -> QuerySet[Product]:
    qs = Product.objects.filter(tenant=tenant).select_related("unit").order_by("name", "id")
    search = _search_text(search)
    if search:
        qs = qs.filter(
            Q(name__icontains=search) | Q(sku__icontains=search) | Q(description__icontains=search)
        )
    if kind:
        qs = qs.filter(kind=kind)
    if is_active is not None:
        qs = qs.filter(is_active=is_active)
    if auto_created is not None:
        qs = qs.filter(auto_created=auto_created)
    return qs


def product_get(*, tenant, product_id: int) -> Product:
    product = Product.objects.select_related("unit").filter(tenant=tenant, pk=product_id).first()
    if product is None:
        raise NotFound("Product not found.")
    return product


# --- price lists ---------------------------------------------------------------------------


def price_list_list(
    *,
    tenant,
    search: str = "",
    currency: str = "",
    is_active: bool | None = None,
    is_tenant_default: bool | None = None,
) -> QuerySet[PriceList]:
    qs = PriceList.objects.filter(tenant=tenant).order_by("name", "id")
    search = _search_text(search)
    if search:
        qs = qs.filter(name__icontains=search)
    if currency:
        qs = qs.filter(currency=currency.upper())
    if is_active is not None:
        qs = qs.filter(is_active=is_active)
    if is_tenant_default is not None:
        qs = qs.filter(is_tenant_default=is_tenant_default)
    return qs


def price_list_get(*, tenant, price_list_id: int) -> PriceList:
    price_list = PriceList.objects.filter(tenant=tenant, pk=price_list_id).first()
    if price_list is None:
        raise NotFound("Price list not found.")
    return price_list


def price_list_default(*, tenant, currency: str) -> PriceList | None:
    """The tenant's default price list for a currency, if it has one."""
    return PriceList.objects.filter(
        tenant=tenant, currency=currency, is_tenant_default=True
    ).first()


def price_list_item_list(*, tenant, price_list_id: int, search: str = "") -> QuerySet:
    """The prices of a price list (NotFound for an unknown or another tenant's list)."""
    price_list = price_list_get(tenant=tenant, price_list_id=price_list_id)
    qs = (
        PriceListItem.objects.filter(tenant=tenant, price_list=price_list)
        .select_related("product__unit")
        .order_by("product__name", "product_id")
    )
    search = _search_text(search)
    if search:
        qs = qs.filter(Q(product__name__icontains=search) | Q(product__sku__icontains=search))
    return qs


def price_list_price(*, price_list: PriceList | None, product: Product | None) -> Decimal | None:
    """The product's unit price in the price list; None when the list has no price for it.

    An inactive list still answers: it stays in force for the customers and tasks that
    reference it until they are changed.
    """
    if price_list is None or product is None:
        return None
    return (
        PriceListItem.objects.filter(price_list=price_list, product=product)
        .values_list("unit_price", flat=True)
        .first()
    )


def price_list_prices(*, tenant, price_list_ids: Iterable[int]) -> dict[tuple[int, int], Decimal]:
    """All prices of some price lists in one query, keyed by (price_list_id, product_id)."""
    rows = PriceListItem.objects.filter(
        tenant=tenant, price_list_id__in=list(price_list_ids)
    ).values_list("price_list_id", "product_id", "unit_price")
    return {(list_id, product_id): price for list_id, product_id, price in rows}


# --- product assignments -------------------------------------------------------------------


_TARGET_FIELDS = {
    AssignmentScope.TASK: "task_id",
    AssignmentScope.CONTACT: "contact_id",
    AssignmentScope.MEMBERSHIP: "membership_id",
    AssignmentScope.TEAM: "team_id",
}


def product_assignment_list(
    *,
    tenant,
    scope: str = "",
    scope_id: int | None = None,
    line_kind: str = "",
    product_id: int | None = None,
) -> QuerySet[ProductAssignment]:
    qs = (
        ProductAssignment.objects.filter(tenant=tenant)
        .select_related("product")
        .order_by("scope", "line_kind", "id")
    )
    if scope:
        qs = qs.filter(scope=scope)
    if scope_id is not None:
        # scope_id alone matches any scope's target with that id; with scope, only that one.
        if not scope:
            fields = list(_TARGET_FIELDS.values())
        else:
            fields = [_TARGET_FIELDS[scope]] if scope in _TARGET_FIELDS else []
        condition = Q()
        for field in fields:
            condition |= Q(**{field: scope_id})
        qs = qs.filter(condition) if fields else qs.none()
    if line_kind:
        qs = qs.filter(line_kind=line_kind)
    if product_id is not None:
        qs = qs.filter(product_id=product_id)
    return qs


def product_assignment_get(*, tenant, assignment_id: int) -> ProductAssignment:
    assignment = (
        ProductAssignment.objects.select_related("product")
        .filter(tenant=tenant, pk=assignment_id)
        .first()
    )
    if assignment is None:
        raise NotFound("Product assignment not found.")
    return assignment


def _targets(
    task_id: int | None, contact_id: int | None, membership_id: int | None, team_id: int | None
) -> dict[str, int | None]:
    return {
        AssignmentScope.TASK: task_id,
        AssignmentScope.CONTACT: contact_id,
        AssignmentScope.MEMBERSHIP: membership_id,
        AssignmentScope.TEAM: team_id,
    }


def product_resolve(
    *,
    tenant,
    line_kind: str,
    task_id: int | None = None,
    contact_id: int | None = None,
    membership_id: int | None = None,
    team_id: int | None = None,
) -> tuple[ProductAssignment | None, str | None]:
    """The product assignment a line of `line_kind` uses, and the scope it was found at.

    The most specific scope wins: task, then contact, then membership, then team, then the
    tenant (``PRODUCT_SCOPE_ORDER``). A target passed as None is skipped. ``(None, None)``
    when no scope has an assignment: billing then uses the default product of the line kind.
    One query; the assignment comes with its product, unit and price list.
    """
    condition = Q(scope=AssignmentScope.TENANT)
    for scope, target_id in _targets(task_id, contact_id, membership_id, team_id).items():
        if target_id is not None:
            condition |= Q(scope=scope, **{_TARGET_FIELDS[scope]: target_id})
    rows = (
        ProductAssignment.objects.filter(tenant=tenant, line_kind=line_kind)
        .filter(condition)
        .select_related("product__unit", "price_list")
    )
    return resolve_product(PRODUCT_SCOPE_ORDER, {row.scope: row for row in rows})


class AssignmentIndex:
    """All of a tenant's product assignments in memory, for resolving many lines at once.

    ``resolve`` gives the same answer as ``product_resolve`` without a query per line.
    """

    def __init__(self, assignments: Iterable[ProductAssignment]) -> None:
        self._by_key: dict[tuple[str, str, int | None], ProductAssignment] = {
            (a.scope, a.line_kind, a.scope_id): a for a in assignments
        }

    def resolve(
        self,
        *,
        line_kind: str,
        task_id: int | None = None,
        contact_id: int | None = None,
        membership_id: int | None = None,
        team_id: int | None = None,
    ) -> tuple[ProductAssignment | None, str | None]:
        found: dict[str, ProductAssignment | None] = {
            scope: self._by_key.get((scope, line_kind, target_id))
            for scope, target_id in _targets(task_id, contact_id, membership_id, team_id).items()
            if target_id is not None
        }
        found[AssignmentScope.TENANT] = self._by_key.get((AssignmentScope.TENANT, line_kind, None))
        return resolve_product(PRODUCT_SCOPE_ORDER, found)

    def has_task(self, task_id: int, line_kind: str) -> bool:
        """Whether the task has an assignment of its own for the line kind."""
        return (AssignmentScope.TASK, line_kind, task_id) in self._by_key


def assignment_index(*, tenant) -> AssignmentIndex:
    return AssignmentIndex(
        ProductAssignment.objects.filter(tenant=tenant).select_related(
            "product__unit", "price_list"
        )
    )


def product_line_defaults(
    *, tenant, product_id: int, price_list_id: int | None, currency: str
) -> dict[str, Any] | None:
    """What a line of `product_id` takes when typed in by hand (an offer position, a manual
    invoice line) and left blank: the product's name, unit and VAT group, and its price from
    the customer's price list (`price_list_id`), else the company's default list in
    `currency`, else the product's own price. This is the price-list part of compile's
    precedence (`billing.services.pricing`); a hand-typed line has no task or member. Lists in
    another currency are passed over. None: no such product of this tenant."""
    product = Product.objects.filter(tenant=tenant, pk=product_id).select_related("unit").first()
    if product is None:
        return None
    price = None
    lists = [PriceList.objects.filter(tenant=tenant, pk=price_list_id).first()]
    lists.append(price_list_default(tenant=tenant, currency=currency))
    for price_list in lists:
        if price_list is not None and price_list.currency == currency:
            price = price_list_price(price_list=price_list, product=product)
            if price is not None:
                break
    return {
        "title": product.name,
        "unit": product.unit.code,
        "unit_price": price if price is not None else product.default_unit_price,
        "vat_rate": product.vat_rate,
        "vat_category": product.vat_category,
    }
