"""Customers: list, detail, create and edit."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from faktura.catalog.selectors import price_list_list
from faktura.contacts import selectors, services
from faktura.web.forms import ContactFilterForm, ContactForm
from faktura.web.sorting import sorting
from faktura.web.utils import (
    is_filtered,
    page,
    paginate,
    parse_bool,
    query_without_page,
    submit,
    ui_context,
)
from faktura.work.selectors import project_list

# Columns the customer list sorts by (?sort=name, ?sort=-city); nothing else is accepted.
SORT_COLUMNS = {
    "number": ("customer_number",),
    "name": ("name",),
    "city": ("city",),
    "country": ("country",),
    "tax_treatment": ("tax_treatment",),
    "status": ("is_active",),
}


@page()
def contact_list(request):
    filters = ContactFilterForm(request.GET or None)
    params = filters.cleaned_data if filters.is_valid() else {}
    contacts = selectors.contact_list(
        tenant=request.tenant,
        search=params.get("q", ""),
        country=params.get("country", ""),
        tax_treatment=params.get("tax_treatment", ""),
        is_active=parse_bool(params.get("active")),
    )
    sort = sorting(request, SORT_COLUMNS)
    contacts = sort.apply(contacts)
    return render(
        request,
        "web/contacts/list.html",
        {
            "filters": filters,
            "page_obj": paginate(request, contacts),
            "filter_query": query_without_page(request),
            "filtered": is_filtered(request),
            "sort": sort,
        },
    )


@page()
def contact_detail(request, contact_id: int):
    contact = selectors.contact_get(tenant=request.tenant, contact_id=contact_id)
    projects = project_list(tenant=request.tenant, contact_id=contact.pk)
    return render(
        request,
        "web/contacts/detail.html",
        {"contact": contact, "projects": projects, "price_list": contact.price_list},
    )


def _price_lists(request):
    return price_list_list(tenant=request.tenant)


@page("manage_contacts")
def contact_create(request):
    form = ContactForm(
        request.POST or None,
        price_lists=_price_lists(request),
        initial={"currency": request.tenant.currency, "language": request.tenant.language},
    )
    data = form.to_input() if request.method == "POST" else None
    if data is not None:
        contact = submit(form, lambda: services.contact_create(ui_context(request), data=data))
        if contact is not None:
            messages.success(request, _("Customer %(name)s created.") % {"name": contact.name})
            return redirect("web:contact_detail", contact_id=contact.pk)
    return render(request, "web/contacts/form.html", {"form": form, "contact": None})


@page("manage_contacts")
def contact_edit(request, contact_id: int):
    contact = selectors.contact_get(tenant=request.tenant, contact_id=contact_id)
    form = ContactForm(
        request.POST or None,
        price_lists=_price_lists(request),
        initial=ContactForm.initial_for(contact),
        contact=contact,
    )
    data = form.to_input() if request.method == "POST" else None
    if data is not None:
        updated = submit(
            form,
            lambda: services.contact_update(ui_context(request), contact_id=contact.pk, data=data),
        )
        if updated is not None:
            messages.success(request, _("Customer %(name)s saved.") % {"name": updated.name})
            return redirect("web:contact_detail", contact_id=updated.pk)
    return render(request, "web/contacts/form.html", {"form": form, "contact": contact})
