"""Catalog: products, price lists with their prices, units and product assignments."""

from __future__ import annotations

import contextlib

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from faktura.catalog import selectors, services
from faktura.catalog.models import AssignmentScope
from faktura.common.errors import NotFound
from faktura.contacts.selectors import contact_list
from faktura.tenancy.selectors import membership_list, team_list
from faktura.web.forms.catalog import (
    AssignmentFilterForm,
    AssignmentForm,
    PriceForm,
    PriceListFilterForm,
    PriceListForm,
    ProductFilterForm,
    ProductForm,
    UnitForm,
    target_choices,
)
from faktura.web.utils import (
    action,
    is_filtered,
    page,
    paginate,
    parse_bool,
    query_without_page,
    submit,
    ui_context,
)
from faktura.work.selectors import task_list

CAPABILITY = "manage_catalog"


def _list_context(request, filters, queryset) -> dict:
    return {
        "filters": filters,
        "page_obj": paginate(request, queryset),
        "filter_query": query_without_page(request),
        "filtered": is_filtered(request),
    }


# --- products ---------------------------------------------------------------------------------


@page(CAPABILITY)
def product_list(request):
    filters = ProductFilterForm(request.GET or None)
    params = filters.cleaned_data if filters.is_valid() else {}
    products = selectors.product_list(
        tenant=request.tenant,
        search=params.get("q", ""),
        kind=params.get("kind", ""),
        is_active=parse_bool(params.get("active")),
    )
    return render(
        request, "web/catalog/product_list.html", _list_context(request, filters, products)
    )


@page(CAPABILITY)
def product_create(request):
    units = selectors.unit_list(tenant=request.tenant)
    form = ProductForm(request.POST or None, units=units, initial={"unit": "HUR"})
    data = form.to_input() if request.method == "POST" else None
    if data is not None:
        product = submit(form, lambda: services.product_create(ui_context(request), data=data))
        if product is not None:
            messages.success(request, _("Product %(name)s created.") % {"name": product.name})
            return redirect("web:product_list")
    return render(request, "web/catalog/product_form.html", {"form": form, "product": None})


@page(CAPABILITY)
def product_edit(request, product_id: int):
    product = selectors.product_get(tenant=request.tenant, product_id=product_id)
    units = selectors.unit_list(tenant=request.tenant)
    form = ProductForm(
        request.POST or None, units=units, initial=ProductForm.initial_for(product), edit=True
    )
    data = form.to_input() if request.method == "POST" else None
    if data is not None:
        saved = submit(
            form,
            lambda: services.product_update(ui_context(request), product_id=product.pk, data=data),
        )
        if saved is not None:
            messages.success(request, _("Product %(name)s saved.") % {"name": saved.name})
            return redirect("web:product_list")
    return render(request, "web/catalog/product_form.html", {"form": form, "product": product})


# --- price lists ------------------------------------------------------------------------------


@page(CAPABILITY)
def pricelist_list(request):
    filters = PriceListFilterForm(request.GET or None)
    params = filters.cleaned_data if filters.is_valid() else {}
    price_lists = selectors.price_list_list(
        tenant=request.tenant,
        search=params.get("q", ""),
        currency=params.get("currency", ""),
        is_active=parse_bool(params.get("active")),
    )
    return render(
        request, "web/catalog/pricelist_list.html", _list_context(request, filters, price_lists)
    )


@page(CAPABILITY)
def pricelist_create(request):
    form = PriceListForm(request.POST or None, initial={"currency": request.tenant.currency})
    data = form.to_input() if request.method == "POST" else None
    if data is not None:
        price_list = submit(
            form, lambda: services.price_list_create(ui_context(request), data=data)
        )
        if price_list is not None:
            messages.success(request, _("Price list %(name)s created.") % {"name": price_list.name})
            return redirect("web:pricelist_detail", price_list_id=price_list.pk)
    return render(request, "web/catalog/pricelist_form.html", {"form": form, "price_list": None})


@page(CAPABILITY)
def pricelist_edit(request, price_list_id: int):
    price_list = selectors.price_list_get(tenant=request.tenant, price_list_id=price_list_id)
    initial = {
        "name": price_list.name,
        "currency": price_list.currency,
        "is_tenant_default": price_list.is_tenant_default,
        "is_active": price_list.is_active,
    }
    form = PriceListForm(request.POST or None, initial=initial, edit=True)
    data = form.to_input() if request.method == "POST" else None
    if data is not None:
        saved = submit(
            form,
            lambda: services.price_list_update(
                ui_context(request), price_list_id=price_list.pk, data=data
            ),
        )
        if saved is not None:
            messages.success(request, _("Price list %(name)s saved.") % {"name": saved.name})
            return redirect("web:pricelist_detail", price_list_id=saved.pk)
    return render(
        request, "web/catalog/pricelist_form.html", {"form": form, "price_list": price_list}
    )


def _price_rows(request, price_list):
    """Every active product with its price in the list (None: no price set)."""
    prices = selectors.price_list_prices(tenant=request.tenant, price_list_ids=[price_list.pk])
    products = selectors.product_list(tenant=request.tenant, is_active=True)
    return [
        {"product": product, "price": prices.get((price_list.pk, product.pk))}
        for product in products
    ]


@page(CAPABILITY)
def pricelist_detail(request, price_list_id: int):
    price_list = selectors.price_list_get(tenant=request.tenant, price_list_id=price_list_id)
    return render(
        request,
        "web/catalog/pricelist_detail.html",
        {"price_list": price_list, "rows": _price_rows(request, price_list)},
    )


@require_POST
@page(CAPABILITY)
def pricelist_price_set(request, price_list_id: int, product_id: int):
    """Set or remove one product's price inline; htmx gets the table row back."""
    price_list = selectors.price_list_get(tenant=request.tenant, price_list_id=price_list_id)
    product = selectors.product_get(tenant=request.tenant, product_id=product_id)
    ctx = ui_context(request)
    form = PriceForm(request.POST)
    if request.POST.get("remove"):
        with contextlib.suppress(NotFound):  # it has no price: removed already
            services.price_list_item_delete(ctx, price_list_id=price_list.pk, product_id=product.pk)
    elif (data := form.to_input()) is not None:
        submit(
            form,
            lambda: services.price_list_item_set(
                ctx, price_list_id=price_list.pk, product_id=product.pk, data=data
            ),
        )
    error = (
        ""
        if request.POST.get("remove")
        else " ".join(str(e) for errors in form.errors.values() for e in errors)
    )
    if not request.htmx:
        if error:
            messages.error(request, f"{product.name}: {error}")
        return redirect("web:pricelist_detail", price_list_id=price_list.pk)
    price = selectors.price_list_price(price_list=price_list, product=product)
    return render(
        request,
        "web/catalog/_price_row.html",
        {
            "price_list": price_list,
            "row": {"product": product, "price": price},
            "error": error,
            "saved": not error,
            "submitted": request.POST.get("unit_price", ""),
        },
    )


# --- units ------------------------------------------------------------------------------------


@page(CAPABILITY)
def unit_list(request):
    form = UnitForm(request.POST or None)
    data = form.to_input() if request.method == "POST" else None
    if data is not None:
        unit = submit(form, lambda: services.unit_create(ui_context(request), data=data))
        if unit is not None:
            messages.success(request, _("Unit %(name)s created.") % {"name": unit.name})
            return redirect("web:unit_list")
    units = selectors.unit_list(tenant=request.tenant)
    return render(request, "web/catalog/unit_list.html", {"form": form, "units": units})


@page(CAPABILITY)
def unit_edit(request, unit_id: int):
    unit = selectors.unit_get(tenant=request.tenant, unit_id=unit_id)
    initial = {"code": unit.code, "name": unit.name, "symbol": unit.symbol}
    form = UnitForm(request.POST or None, initial=initial, edit=True)
    data = form.to_input() if request.method == "POST" else None
    if data is not None:
        saved = submit(
            form, lambda: services.unit_update(ui_context(request), unit_id=unit.pk, data=data)
        )
        if saved is not None:
            messages.success(request, _("Unit %(name)s saved.") % {"name": saved.name})
            return redirect("web:unit_list")
    return render(request, "web/catalog/unit_form.html", {"form": form, "unit": unit})


# --- product assignments ----------------------------------------------------------------------


def _targets(request, scope: str) -> list:
    tenant = request.tenant
    return target_choices(
        scope,
        tasks=task_list(tenant=tenant) if scope == AssignmentScope.TASK else (),
        contacts=contact_list(tenant=tenant) if scope == AssignmentScope.CONTACT else (),
        members=membership_list(tenant=tenant) if scope == AssignmentScope.MEMBERSHIP else (),
        teams=team_list(tenant=tenant) if scope == AssignmentScope.TEAM else (),
    )


def _target_names(request, assignments) -> dict[tuple[str, int], str]:
    """Display names of the assignments' targets, one query per scope used on the page."""
    wanted: dict[str, set[int]] = {}
    for a in assignments:
        if a.scope_id is not None:
            wanted.setdefault(a.scope, set()).add(a.scope_id)
    names: dict[tuple[str, int], str] = {}
    tenant = request.tenant
    if ids := wanted.get(AssignmentScope.TASK):
        for t in task_list(tenant=tenant).filter(pk__in=ids):
            names[("task", t.pk)] = f"#{t.number} {t.title}"
    if ids := wanted.get(AssignmentScope.CONTACT):
        for c in contact_list(tenant=tenant).filter(pk__in=ids):
            names[("contact", c.pk)] = c.name
    if ids := wanted.get(AssignmentScope.MEMBERSHIP):
        for m in membership_list(tenant=tenant).filter(pk__in=ids):
            names[("membership", m.pk)] = m.display_name
    if ids := wanted.get(AssignmentScope.TEAM):
        for team in team_list(tenant=tenant).filter(pk__in=ids):
            names[("team", team.pk)] = team.name
    return names


@page(CAPABILITY)
def assignment_list(request):
    filters = AssignmentFilterForm(request.GET or None)
    params = filters.cleaned_data if filters.is_valid() else {}
    assignments = selectors.product_assignment_list(
        tenant=request.tenant,
        scope=params.get("scope", ""),
        line_kind=params.get("line_kind", ""),
    ).select_related("price_list", "product__unit")
    context = _list_context(request, filters, assignments)
    rows = list(context["page_obj"].object_list)
    names = _target_names(request, rows)
    context["rows"] = [
        {"assignment": a, "target": names.get((a.scope, a.scope_id), "")} for a in rows
    ]
    return render(request, "web/catalog/assignment_list.html", context)


def _assignment_form(request, data=None, initial=None, edit=False) -> AssignmentForm:
    scope = (data or {}).get("scope") or (initial or {}).get("scope") or AssignmentScope.TENANT
    return AssignmentForm(
        data,
        initial=initial,
        edit=edit,
        targets=_targets(request, scope),
        products=selectors.product_list(tenant=request.tenant, is_active=True),
        price_lists=selectors.price_list_list(tenant=request.tenant, is_active=True),
    )


@page(CAPABILITY)
def assignment_create(request):
    form = _assignment_form(request, request.POST or None, {"scope": AssignmentScope.TENANT})
    data = form.to_input() if request.method == "POST" else None
    if data is not None:
        created = submit(
            form, lambda: services.product_assignment_create(ui_context(request), data=data)
        )
        if created is not None:
            messages.success(request, _("Product assignment created."))
            return redirect("web:assignment_list")
    return render(request, "web/catalog/assignment_form.html", {"form": form, "assignment": None})


@page(CAPABILITY)
def assignment_edit(request, assignment_id: int):
    assignment = selectors.product_assignment_get(
        tenant=request.tenant, assignment_id=assignment_id
    )
    form = _assignment_form(
        request, request.POST or None, AssignmentForm.initial_for(assignment), edit=True
    )
    data = form.to_input() if request.method == "POST" else None
    if data is not None:
        saved = submit(
            form,
            lambda: services.product_assignment_update(
                ui_context(request), assignment_id=assignment.pk, data=data
            ),
        )
        if saved is not None:
            messages.success(request, _("Product assignment saved."))
            return redirect("web:assignment_list")
    return render(
        request, "web/catalog/assignment_form.html", {"form": form, "assignment": assignment}
    )


@require_POST
@page(CAPABILITY)
def assignment_delete(request, assignment_id: int):
    action(
        request,
        lambda: services.product_assignment_delete(
            ui_context(request), assignment_id=assignment_id
        ),
        success=_("Product assignment deleted."),
    )
    return redirect("web:assignment_list")


@page(CAPABILITY)
def assignment_targets(request):
    """The options of the "applies to" select for a scope (htmx swaps them in)."""
    scope = request.GET.get("scope", "")
    return render(
        request,
        "web/catalog/_target_options.html",
        {"targets": _targets(request, scope), "scope": scope},
    )
