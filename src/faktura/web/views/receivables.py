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
from faktura.receivables.inputs import BankStatementUpload
from faktura.receivables.selectors import (
    bank_statement_list,
    bank_transaction_list,
    invoice_by_number,
    payment_get,
    receivables_csv,
    suggestions_of,
)
from faktura.receivables.selectors import receivables as open_items
from faktura.receivables.statements import MAX_BYTES
from faktura.tenancy.selectors import tenant_today
from faktura.web.forms.receivables import (
    BankIgnoreForm,
    BankMatchForm,
    BankUploadForm,
    ChargeWaiveForm,
    CreditApplyForm,
    MarkSentForm,
    PaymentForm,
    PaymentReverseForm,
    ReceivablesFilterForm,
    TypedInputForm,
    WriteOffForm,
)
from faktura.web.utils import (
    action,
    apply_errors,
    is_filtered,
    page,
    paginate,
    query_without_page,
    safe_next,
    submit,
    ui_context,
)
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


# --- bank statements --------------------------------------------------------------------------

BANK_STATUSES = ("unmatched", "suggested", "matched", "ignored")


@page("manage_invoices")
def bank_page(request, upload_form=None, status=200):
    """Upload a statement; the transactions by state, with the suggested invoices to confirm
    and a number field to match the rest, or ignore them."""
    state = request.GET.get("status") or "unmatched"
    if state not in BANK_STATUSES:
        state = "unmatched"
    statements = list(bank_statement_list(tenant=request.tenant)[:10])
    page_obj = paginate(request, bank_transaction_list(tenant=request.tenant, status=state))
    rows = list(page_obj)
    invoices = suggestions_of(rows)
    for tx in rows:
        tx.suggested = [invoices[i] for i in tx.suggested_invoice_ids if i in invoices]
    return render(
        request,
        "web/receivables/bank.html",
        {
            "upload_form": upload_form or BankUploadForm(),
            "statements": statements,
            "pending": any(s.status == "received" for s in statements),
            "state": state,
            "states": BANK_STATUSES,
            "page_obj": page_obj,
            "filter_query": query_without_page(request),
        },
        status=status,
    )


@require_POST
@page("manage_invoices")
def bank_upload(request):
    form = BankUploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        data = BankStatementUpload(filename=upload.name or "", content=upload.read(MAX_BYTES + 1))
        op = submit(
            form,
            lambda: services.bank_statement_import_start(ui_context(request), data=data),
        )
        if op is not None:
            messages.success(
                request, _("The statement is being imported; its transactions appear below.")
            )
            return redirect("web:bank")
    return bank_page(request, upload_form=form, status=400)


def _back(request):
    return redirect(safe_next(request, reverse("web:bank")))


@require_POST
@page("manage_invoices")
def bank_transaction_match(request, transaction_id: int):
    form = BankMatchForm(request.POST)
    if form.is_valid() and not form.cleaned_data.get("invoice_id"):
        found = invoice_by_number(tenant=request.tenant, number=form.cleaned_data.get("number"))
        if found is None:
            messages.error(request, _("No invoice with this number."))
            return _back(request)
        form.cleaned_data["invoice_id"] = found.pk
    data = form.to_input()
    if data is None:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back(request)
    action(
        request,
        lambda: services.bank_transaction_match(
            ui_context(request), transaction_id=transaction_id, data=data
        ),
        _("Payment recorded."),
    )
    return _back(request)


@require_POST
@page("manage_invoices")
def bank_transaction_ignore(request, transaction_id: int):
    data = BankIgnoreForm(request.POST).to_input()
    if data is not None:
        action(
            request,
            lambda: services.bank_transaction_ignore(
                ui_context(request), transaction_id=transaction_id, data=data
            ),
            _("The transaction is ignored."),
        )
    return _back(request)


@require_POST
@page("manage_invoices")
def charge_waive(request, charge_id: int):
    """Waive what is open of a dunning fee or interest, with the reason."""
    data = ChargeWaiveForm(request.POST).to_input()
    if data is None:
        messages.error(request, _("Give a reason for waiving the charge."))
    else:
        action(
            request,
            lambda: services.charge_waive(ui_context(request), charge_id=charge_id, data=data),
            _("The charge is waived."),
        )
    return redirect(safe_next(request, reverse("web:receivables") + "#charges"))
