"""Issued invoices and credit notes: the list, the frozen document with its downloads, sending
by e-mail and credit notes. A draft's address shows the draft review instead."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from faktura.billing.errors import EInvoiceFormatUnavailable
from faktura.billing.inputs import InvoiceSend
from faktura.billing.models import Invoice
from faktura.billing.selectors.history import invoice_history
from faktura.billing.selectors.invoices import invoice_detail, invoice_get
from faktura.billing.selectors.issued import (
    credit_notes_of,
    credit_open,
    deliveries_of,
    issued_list,
)
from faktura.billing.services.credit_notes import CREDITABLE, credit_note_create
from faktura.billing.services.documents import invoice_document
from faktura.billing.services.sending import SENDABLE, invoice_send
from faktura.catalog.selectors import unit_symbols
from faktura.contacts.selectors import contact_list
from faktura.documents.models import Delivery
from faktura.integrations.selectors import invoices_sync_status
from faktura.receivables.selectors import OPEN_STATUSES, annotate, is_overdue
from faktura.tenancy.selectors import tenant_today
from faktura.web.forms.billing import CreditNoteForm, InvoiceFilterForm, SendForm
from faktura.web.sorting import sorting
from faktura.web.utils import (
    can,
    is_filtered,
    page,
    paginate,
    query_without_page,
    submit,
    ui_context,
)
from faktura.web.views.billing.drafts import draft_page
from faktura.web.views.billing.queries import (
    FORMAT_LABELS,
    VAT_LABELS,
    format_rows,
    percent,
    price_source_label,
    vat_rows,
)
from faktura.web.views.collection import collection_context


def _filtered(request, filters: InvoiceFilterForm, today):
    params = filters.cleaned_data if filters.is_valid() else {}
    qs = issued_list(tenant=request.tenant)
    status = params.get("status") or ""
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status == "overdue":
        qs = qs.filter(kind=Invoice.Kind.INVOICE, status__in=OPEN_STATUSES, due_date__lt=today)
    elif status:
        qs = qs.filter(status=status)
    if params.get("contact") is not None:
        qs = qs.filter(contact_id=params["contact"])
    if params.get("kind"):
        qs = qs.filter(kind=params["kind"])
    search = (params.get("q") or "").strip()
    if search:
        qs = qs.filter(number__icontains=search)
    return qs


# Columns the invoice list sorts by (?sort=-gross); nothing else is accepted.
SORT_COLUMNS = {
    "number": ("number",),
    "date": ("issue_date",),
    "customer": ("contact__name",),
    "type": ("kind",),
    "due": ("due_date",),
    "net": ("net_total",),
    "gross": ("gross_total",),
    "status": ("status",),
}


@page("view_invoices")
def invoice_list(request):
    today = tenant_today(request.tenant)
    filters = InvoiceFilterForm(
        request.GET or None, contacts=contact_list(tenant=request.tenant, is_active=True)
    )
    sort = sorting(request, SORT_COLUMNS)
    page_obj = paginate(request, sort.apply(_filtered(request, filters, today)))
    annotate(list(page_obj), today=today)  # balance, overdue, payment state: one query
    invoices_sync_status(request.tenant, list(page_obj))  # the sync badge: one query
    return render(
        request,
        "web/billing/invoices.html",
        {
            "filters": filters,
            "page_obj": page_obj,
            "filter_query": query_without_page(request),
            "filtered": is_filtered(request),
            "sort": sort,
        },
    )


@page("view_invoices")
def invoice_detail_page(request, invoice_id: int):
    invoice = invoice_get(tenant=request.tenant, invoice_id=invoice_id)
    if invoice.is_draft:
        return draft_page(request, invoice_id)
    return issued_page(request, invoice_id)


def issued_page(
    request, invoice_id: int, *, send_form=None, credit_form=None, collect_forms=None, status=200
):
    """The page of an issued document; bound forms with errors replace the fresh ones."""
    tenant = request.tenant
    invoice = invoice_detail(tenant=tenant, invoice_id=invoice_id)
    invoices_sync_status(tenant, [invoice])
    collection = collection_context(request, invoice, collect_forms)
    symbols = unit_symbols(tenant=tenant)
    lines = [line for line in invoice.detail_lines if not line.do_not_bill]
    for line in lines:
        line.unit_symbol = symbols.get(line.unit, line.unit)
        line.vat_label = VAT_LABELS.get(line.vat_category, line.vat_category)
        line.rate_text = percent(line.vat_rate)
        line.price_source_label = price_source_label(line.price_source)
    invoice.breakdown = vat_rows(invoice.breakdown)
    # what is left to credit of each line (a line may be credited in parts, issue 15)
    open_ = credit_open(invoice, lines) if invoice.kind == Invoice.Kind.INVOICE else {}
    credited = {line.pk for line in lines if line.pk not in open_}
    for line in lines:  # partly credited: what is left of it
        rest = open_.get(line.pk)
        line.credit_left = abs(rest) if rest is not None and rest != line.quantity else None
    creditable = [line for line in lines if line.pk in open_]
    can_credit = (
        can(request, "manage_invoices")
        and invoice.kind == Invoice.Kind.INVOICE
        and invoice.status in CREDITABLE
        and bool(creditable)
    )
    sent = list(deliveries_of(tenant=tenant, invoice_id=invoice.pk))
    buyer_email = (invoice.buyer or {}).get("email", "")
    formats = format_rows(invoice.formats)
    preferred = next((row for row in formats if row["preferred"]), None)
    # The Factur-X is the PDF (its XML embedded): one button, labelled for what it is.
    facturx = any(row["slug"] == "facturx" and row["available"] for row in formats)
    downloads = [
        {**row, "label": _("PDF (Factur-X)")} if row["slug"] == "pdf" and facturx else row
        for row in formats
        if row["available"] and row["slug"] != "facturx"
    ]
    return render(
        request,
        "web/billing/invoice_detail.html",
        {
            "invoice": invoice,
            "lines": lines,
            "credited": credited if invoice.kind == Invoice.Kind.INVOICE else set(),
            "overdue": is_overdue(invoice, tenant_today(request.tenant)),
            "formats": formats,
            "downloads": downloads,
            "attached_format": preferred
            if preferred and preferred["slug"] != "facturx" and preferred["available"]
            else None,
            "credit_notes": credit_notes_of(invoice),
            "history": invoice_history(tenant=tenant, invoice=invoice),
            "deliveries": sent,
            "already_sent": any(d.status == Delivery.Status.SENT for d in sent),
            "can_send": can(request, "manage_invoices") and invoice.status in SENDABLE,
            "send_form": send_form or SendForm(initial={"to": buyer_email}),
            "can_credit": can_credit,
            "credit_form": credit_form
            or CreditNoteForm(lines=creditable, currency=invoice.currency, open_quantities=open_),
            **collection,
        },
        status=status,
    )


@page("view_invoices")
def invoice_download(request, invoice_id: int, fmt: str):
    """The stored bytes of an issued document, exactly as stored at issue (same as the API)."""
    if fmt not in FORMAT_LABELS:
        raise Http404("Unknown format.")
    invoice = invoice_get(tenant=request.tenant, invoice_id=invoice_id)
    if invoice.is_draft:
        messages.error(request, _("A draft has no documents yet; settle it first."))
        return redirect("web:invoice_detail", invoice_id=invoice.pk)
    try:
        document, content = invoice_document(ui_context(request), invoice_id=invoice.pk, format=fmt)
    except EInvoiceFormatUnavailable as exc:
        messages.error(request, exc.message)
        return redirect("web:invoice_detail", invoice_id=invoice.pk)
    response = HttpResponse(content, content_type=document.media_type)
    response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    response["X-Content-SHA256"] = document.sha256
    response["Cache-Control"] = "private, max-age=31536000, immutable"
    return response


@require_POST
@page("manage_invoices")
def invoice_send_view(request, invoice_id: int):
    invoice = invoice_get(tenant=request.tenant, invoice_id=invoice_id)
    if invoice.is_draft:
        messages.error(request, _("Only issued invoices can be sent."))
        return redirect("web:invoice_detail", invoice_id=invoice.pk)
    form = SendForm(request.POST)
    if form.is_valid():
        delivery = submit(
            form,
            lambda: invoice_send(
                ui_context(request),
                invoice_id=invoice.pk,
                data=InvoiceSend(to=form.cleaned_data["to"], resend=form.cleaned_data["resend"]),
            ),
        )
        if delivery is not None:
            messages.success(request, _("Invoice sent to %(to)s.") % {"to": delivery.recipient})
            return redirect("web:invoice_detail", invoice_id=invoice.pk)
    return issued_page(request, invoice.pk, send_form=form)


@require_POST
@page("manage_invoices")
def invoice_credit(request, invoice_id: int):
    """Issue a credit note for the whole invoice or the selected lines."""
    invoice = invoice_get(tenant=request.tenant, invoice_id=invoice_id)
    billed = [
        line
        for line in invoice_detail(tenant=request.tenant, invoice_id=invoice.pk).detail_lines
        if not line.do_not_bill
    ]
    open_ = credit_open(invoice, billed)
    symbols = unit_symbols(tenant=request.tenant)
    for line in billed:  # the form's line labels, as on the page
        line.unit_symbol = symbols.get(line.unit, line.unit)
    form = CreditNoteForm(
        request.POST,
        lines=[line for line in billed if line.pk in open_],
        currency=invoice.currency,
        open_quantities=open_,
    )
    if form.is_valid():

        def create():
            data = form.service_data()
            return credit_note_create(
                ui_context(request, reason=data.reason), invoice_id=invoice.pk, data=data
            )

        note = submit(form, create, aliases=form.service_aliases())
        if note is not None:
            messages.success(
                request,
                _("Credit note %(number)s issued for invoice %(invoice)s.")
                % {"number": note.number, "invoice": invoice.number},
            )
            return redirect("web:invoice_detail", invoice_id=note.pk)
    return issued_page(request, invoice.pk, credit_form=form)
