"""Billable items: the compiled, priced work waiting for an invoice; compile (an operation the
page polls) and generating drafts from selected items."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from faktura.billing.inputs import InvoicesGenerate, ItemsCompile
from faktura.billing.models import BillableItem
from faktura.billing.selectors.items import billable_item_list, compile_candidates
from faktura.billing.services.operations import (
    billable_items_compile_start,
    invoices_generate_start,
)
from faktura.catalog.selectors import unit_symbols
from faktura.common.inputs import parse
from faktura.contacts.selectors import contact_list
from faktura.web.forms.billing import GenerateForm, ItemFilterForm
from faktura.web.forms.subscriptions import ManualItemForm
from faktura.web.utils import (
    action,
    is_filtered,
    page,
    paginate,
    parse_int,
    query_without_page,
    safe_next,
    ui_context,
)
from faktura.web.views.billing.operations import operation_context
from faktura.web.views.billing.queries import item_warning_badges, price_source_label
from faktura.work.selectors import project_list, tasks_waiting_to_close

# Longest an item list the "all matching" generation takes at once (the service's limit).
MAX_GENERATE = 10_000


def _filtered_items(request, filters: ItemFilterForm):
    params = filters.cleaned_data if filters.is_valid() else {}
    return billable_item_list(
        tenant=request.tenant,
        status=filters.selected_status() if filters.is_valid() else "pending",
        contact_id=params.get("contact"),
        project_id=params.get("project"),
        kind=params.get("kind") or None,
    )


def _choices(request) -> dict:
    tenant = request.tenant
    return {
        "contacts": list(contact_list(tenant=tenant, is_active=True)),
        "projects": list(project_list(tenant=tenant)),
    }


def _filters(request, data, choices: dict | None = None) -> ItemFilterForm:
    return ItemFilterForm(data, **(choices or _choices(request)))


@page("view_invoices")
def item_list(request):
    tenant = request.tenant
    choices = _choices(request)
    filters = _filters(request, request.GET or None, choices)
    items = _filtered_items(request, filters).select_related("contact", "project", "task")
    page_obj = paginate(request, items)
    symbols = unit_symbols(tenant=tenant)
    for item in page_obj:
        item.price_source_label = price_source_label(item.price_source)
        item.badges = item_warning_badges(item.warnings)
        item.unit_symbol = symbols.get(item.unit, item.unit)
    return render(
        request,
        "web/billing/items.html",
        {
            "filters": filters,
            "page_obj": page_obj,
            "filter_query": query_without_page(request),
            "filtered": is_filtered(request),
            "status": filters.selected_status() if filters.is_valid() else "pending",
            "generate_form": GenerateForm(),
            "ready_count": compile_candidates(
                tenant=tenant, require_approval=tenant.require_approval
            ).count(),
            "waiting_tasks": list(
                tasks_waiting_to_close(tenant=tenant, require_approval=tenant.require_approval)[:50]
            ),
            "manual_form": ManualItemForm(**choices),
        },
    )


# --- compile ----------------------------------------------------------------------------------


@require_POST
@page("manage_invoices")
def compile_start(request):
    """Queue a compile run; htmx gets the progress fragment that polls the operation."""
    operation = action(
        request, lambda: billable_items_compile_start(ui_context(request), data=ItemsCompile())
    )
    if not request.htmx:
        if operation is not None:
            messages.info(request, _("Compile started; the list fills in as it runs."))
        return redirect(safe_next(request, reverse("web:billing_items")))
    return render(
        request,
        "web/billing/_operation.html",
        {**operation_context(operation, request.path), "error": operation is None},
    )


# --- generate ---------------------------------------------------------------------------------


@require_POST
@page("manage_invoices")
def generate(request):
    """Drafts from the checked items (or every pending item matching the list's filters),
    grouped as chosen, generated in the background; the review page shows the operation
    until it ends and then reloads its list."""
    back = safe_next(request, reverse("web:billing_items"))
    form = GenerateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose how to group the invoices."))
        return redirect(back)
    if request.POST.get("scope") == "all":
        filters = _filters(request, request.POST)
        qs = _filtered_items(request, filters).filter(status=BillableItem.Status.PENDING)
        ids = list(qs.values_list("pk", flat=True)[:MAX_GENERATE])
    else:
        ids = [i for i in (parse_int(v) for v in request.POST.getlist("ids")) if i is not None]
    if not ids:
        messages.info(request, _("Select the items to put on invoices."))
        return redirect(back)
    operation = action(
        request,
        lambda: invoices_generate_start(
            ui_context(request),
            data=parse(
                InvoicesGenerate,
                {"billable_item_ids": ids, "grouping": form.cleaned_data["grouping"]},
            ),
        ),
    )
    if operation is None:
        return redirect(back)
    return redirect(f"{reverse('web:billing_review')}?operation={operation.pk}")
