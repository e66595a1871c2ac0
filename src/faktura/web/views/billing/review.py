"""Invoice review: the open drafts (each opens as an overlay), new manual invoices and the
billing run."""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from faktura.billing.inputs import BillingRun, InvoiceCreate
from faktura.billing.models import Invoice
from faktura.billing.selectors.invoices import invoice_list
from faktura.billing.selectors.issued import draft_totals
from faktura.billing.selectors.items import caught_up_waiting
from faktura.billing.services.invoices import invoice_create
from faktura.billing.services.operations import billing_run_start
from faktura.common.errors import NotFound
from faktura.common.inputs import parse
from faktura.common.selectors import operation_get
from faktura.contacts.selectors import contact_list
from faktura.tenancy.selectors import tenant_today
from faktura.web.forms.billing import GROUPING_LABELS, BillingRunForm, ManualInvoiceForm
from faktura.web.utils import (
    action,
    can,
    is_filtered,
    page,
    paginate,
    parse_int,
    query_without_page,
    ui_context,
)
from faktura.web.views.billing.operations import operation_context


def _contacts(request):
    return contact_list(tenant=request.tenant, is_active=True)


def _without_open(request) -> str:
    """The list's own address: the current one without the draft it opened (`open`)."""
    query = request.GET.copy()
    query.pop("open", None)
    return f"{request.path}?{query.urlencode()}" if query else request.path


@page("view_invoices")
def review_list(request):
    contact_id = parse_int(request.GET.get("contact"))
    drafts = invoice_list(
        tenant=request.tenant,
        status=Invoice.Status.DRAFT,
        contact_id=contact_id,
        search=request.GET.get("q", ""),
        ordering="contact",
    )
    page_obj = paginate(request, drafts)
    for draft in page_obj:
        draft.grouping_label = GROUPING_LABELS.get(draft.grouping, draft.grouping)
    contacts = list(_contacts(request))
    manage = can(request, "manage_invoices")
    return render(
        request,
        "web/billing/review.html",
        {
            "page_obj": page_obj,
            "contacts": contacts,
            "contact_id": contact_id,
            "filter_query": query_without_page(request),
            "filtered": is_filtered(request),
            "open_id": parse_int(request.GET.get("open")),
            "return_url": _without_open(request),
            "totals": draft_totals(tenant=request.tenant),
            "caught_up": caught_up_waiting(
                tenant=request.tenant, today=tenant_today(request.tenant)
            ),
            "new_form": ManualInvoiceForm(contacts=contacts) if manage else None,
            "run_form": BillingRunForm() if manage else None,
            # Month-end: the run usually bills the month that just ended.
            "run_period": (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).strftime(
                "%Y-%m"
            ),
            **operation_context(_operation(request), request.path),
        },
    )


def _operation(request):
    """The generation or billing run named by ``?operation=``, if it is this company's."""
    try:
        operation_id = uuid.UUID(request.GET.get("operation", ""))
    except ValueError:
        return None
    try:
        return operation_get(
            tenant=request.tenant, operation_id=operation_id, viewer=request.membership
        )
    except NotFound:
        return None


@require_POST
@page("manage_invoices")
def invoice_new(request):
    """An empty draft for the chosen customer; the review opens it in the overlay."""
    form = ManualInvoiceForm(request.POST, contacts=_contacts(request))
    if not form.is_valid():
        messages.error(request, _("Choose the customer of the new invoice."))
        return redirect("web:billing_review")
    invoice = action(
        request,
        lambda: invoice_create(
            ui_context(request), data=InvoiceCreate(contact_id=form.cleaned_data["contact_id"])
        ),
    )
    if invoice is None:
        return redirect("web:billing_review")
    messages.success(
        request, _("Draft for %(customer)s created.") % {"customer": invoice.contact.name}
    )
    return redirect(f"{reverse('web:billing_review')}?open={invoice.pk}")


@require_POST
@page("manage_invoices")
def run(request):
    form = BillingRunForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the period as YYYY-MM."))
        return redirect("web:billing_review")
    period = form.cleaned_data["period"]
    operation = action(
        request,
        lambda: billing_run_start(ui_context(request), data=parse(BillingRun, {"period": period})),
    )
    if operation is None:
        return redirect("web:billing_review")
    return redirect(f"{reverse('web:billing_review')}?operation={operation.pk}")
