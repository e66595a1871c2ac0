"""The subscriptions page: the company's subscriptions, a form to start or change one, and the
due run (an operation); manual billable items are added from the billable items page."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from faktura.billing.services.manual_items import manual_item_create
from faktura.catalog.selectors import product_list
from faktura.contacts.selectors import contact_list
from faktura.subscriptions import selectors, services
from faktura.web.forms.subscriptions import DueRunForm, ManualItemForm, SubscriptionForm
from faktura.web.utils import page, paginate, submit, ui_context
from faktura.work.selectors import project_list


def _choices(request) -> dict:
    tenant = request.tenant
    return {
        "contacts": contact_list(tenant=tenant, is_active=True),
        "products": product_list(tenant=tenant),
        "projects": project_list(tenant=tenant),
    }


def _list_page(request, form, due_form, status=200):
    rows = selectors.subscription_list(tenant=request.tenant)
    return render(
        request,
        "web/billing/subscriptions.html",
        {"page_obj": paginate(request, rows), "form": form, "due_form": due_form},
        status=status,
    )


@page("view_invoices")
def subscription_list(request):
    return _list_page(request, SubscriptionForm(**_choices(request)), DueRunForm())


@require_POST
@page("manage_invoices")
def subscription_create(request):
    form = SubscriptionForm(request.POST, **_choices(request))
    data = form.to_input()
    if data is not None and submit(
        form, lambda: services.subscription_create(ui_context(request), data=data)
    ):
        messages.success(request, _("Subscription created."))
        return redirect(reverse("web:subscriptions"))
    return _list_page(request, form, DueRunForm(), status=400)


@page("manage_invoices")
def subscription_edit(request, subscription_id: int):
    sub = selectors.subscription_get(tenant=request.tenant, subscription_id=subscription_id)
    initial = {
        name: getattr(sub, name)
        for name in ("contact_id", "product_id", "project_id", "interval", "billing",
                     "start_date", "end_date", "quantity", "unit_price", "description",
                     "status")
    }  # fmt: skip
    form = SubscriptionForm(
        request.POST or None, initial=initial, editing=True, **_choices(request)
    )
    if request.method == "POST":
        data = form.to_input()
        if data is not None and submit(
            form,
            lambda: services.subscription_update(
                ui_context(request), subscription_id=sub.pk, data=data
            ),
        ):
            messages.success(request, _("Subscription saved."))
            return redirect(reverse("web:subscriptions"))
    return render(
        request,
        "web/billing/subscription_edit.html",
        {"form": form, "subscription": sub},
        status=400 if form.errors else 200,
    )


@require_POST
@page("manage_invoices")
def due_run(request):
    form = DueRunForm(request.POST)
    data = form.to_input()
    if data is None:
        return _list_page(request, SubscriptionForm(**_choices(request)), form, status=400)
    services.due_run_start(ui_context(request), data=data)
    messages.info(request, _("Due run started; the billable items appear as it runs."))
    return redirect(reverse("web:subscriptions"))


@require_POST
@page("manage_invoices")
def manual_item(request):
    choices = _choices(request)
    form = ManualItemForm(request.POST, contacts=choices["contacts"], projects=choices["projects"])
    data = form.to_input()
    if data is not None and submit(
        form, lambda: manual_item_create(ui_context(request), data=data)
    ):
        messages.success(request, _("Billable item added; it joins the customer's next draft."))
    else:
        errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, _("The item was not added: %(errors)s") % {"errors": errors})
    return redirect(reverse("web:billing_items"))
