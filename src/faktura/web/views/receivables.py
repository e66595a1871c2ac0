"""Receivables: the open and overdue invoices with their aging and a CSV export, and the
collecting actions of an invoice page (record and reverse payments, mark sent, write off, use
the customer's credit). Every change is a receivables service call with the typed input the
form builds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from faktura.billing.selectors.invoices import invoice_get
from faktura.common.errors import ValidationFailed
from faktura.contacts.selectors import contact_list
from faktura.receivables import services
from faktura.receivables.selectors import payment_get, receivables_csv
from faktura.receivables.selectors import receivables as open_items
from faktura.tenancy.selectors import tenant_today
from faktura.web.forms.receivables import (
    CreditApplyForm,
    MarkSentForm,
    PaymentForm,
    PaymentReverseForm,
    ReceivablesFilterForm,
    TypedInputForm,
    WriteOffForm,
)
from faktura.web.utils import apply_errors, is_filtered, page, submit, ui_context
from faktura.web.views.billing.invoices import issued_page


def _view(request) -> tuple[ReceivablesFilterForm, dict[str, Any]]:
    """The filter form and the receivables it selects (unfiltered when the filters are
    invalid; the form says why)."""
    today = tenant_today(request.tenant)
    filters = ReceivablesFilterForm(
        request.GET or None, contacts=contact_list(tenant=request.tenant, is_active=True)
    )
    try:
        view = open_items(tenant=request.tenant, today=today, **filters.selector_params())
    except ValidationFailed as exc:
        apply_errors(filters, exc, {"contact_id": "contact"})
        view = open_items(tenant=request.tenant, today=today)
    return filters, {**view, "today": today}


@page("view_invoices")
def receivables(request):
    """Open invoices with due date, what is paid and open, days overdue in the company's time
    zone, the open totals per currency and the aging per customer; filters in the address."""
    filters, view = _view(request)
    query = request.GET.urlencode()
    return render(
        request,
        "web/receivables/receivables.html",
        {**view, "filters": filters, "filtered": is_filtered(request), "query": query},
    )


@page("view_invoices")
def receivables_export(request):
    """The rows of the filtered receivables view as CSV (cells that could start a formula
    are neutralised)."""
    _filters, view = _view(request)
    response = HttpResponse(receivables_csv(view), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="receivables-{view["today"]}.csv"'
    return response


# --- collecting an invoice --------------------------------------------------------------------


def _collect(
    request,
    invoice_id: int,
    form: TypedInputForm,
    form_key: str,
    call: Callable[[Any], Any],
    success: str,
    extra: dict[str, Any] | None = None,
):
    """Build the form's typed input and call the service; on success back to the invoice's
    page, else the page again with the form's errors (400)."""
    invoice = invoice_get(tenant=request.tenant, invoice_id=invoice_id)
    target = reverse("web:invoice_detail", args=[invoice.pk]) + "#payments"
    if invoice.is_draft:
        messages.error(request, _("A draft is not issued; it takes no payments."))
        return redirect(target)
    data = form.to_input()
    if data is not None and submit(form, lambda: call(data) or True) is not None:
        messages.success(request, success)
        return redirect(target)
    forms = {form_key: form, **(extra or {})}
    return issued_page(request, invoice.pk, collect_forms=forms, status=400)


@require_POST
@page("manage_invoices")
def payment_record(request, invoice_id: int):
    return _collect(
        request,
        invoice_id,
        PaymentForm(request.POST),
        "payment_form",
        lambda data: services.payment_record(ui_context(request), invoice_id=invoice_id, data=data),
        _("Payment recorded."),
    )


@require_POST
@page("manage_invoices")
def payment_reverse(request, payment_id: int):
    payment = payment_get(tenant=request.tenant, payment_id=payment_id)
    return _collect(
        request,
        payment.invoice_id,
        PaymentReverseForm(request.POST),
        "reverse_form",
        lambda data: services.payment_reverse(
            ui_context(request), payment_id=payment.pk, data=data
        ),
        _("Payment reversed."),
        {"reverse_payment_id": payment.pk},
    )


@require_POST
@page("manage_invoices")
def invoice_mark_sent(request, invoice_id: int):
    return _collect(
        request,
        invoice_id,
        MarkSentForm(request.POST),
        "mark_sent_form",
        lambda data: services.invoice_mark_sent(
            ui_context(request), invoice_id=invoice_id, data=data
        ),
        _("Invoice marked as sent."),
    )


@require_POST
@page("manage_invoices")
def invoice_write_off(request, invoice_id: int):
    return _collect(
        request,
        invoice_id,
        WriteOffForm(request.POST),
        "write_off_form",
        lambda data: services.invoice_write_off(
            ui_context(request), invoice_id=invoice_id, data=data
        ),
        _("The remainder is written off."),
    )


@require_POST
@page("manage_invoices")
def credit_apply(request, invoice_id: int):
    return _collect(
        request,
        invoice_id,
        CreditApplyForm(request.POST),
        "credit_apply_form",
        lambda data: services.credit_apply(ui_context(request), invoice_id=invoice_id, data=data),
        _("The customer's credit is applied."),
    )
