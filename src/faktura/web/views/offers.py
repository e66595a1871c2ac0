"""Offers: the list, the editor of a draft with its positions, sending, the customer's
answer and the PDF; and the fixed-price billing on the project page (partial and final
invoices). Every change goes through `offers.services`."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from faktura.catalog.selectors import product_list, unit_choices
from faktura.contacts.selectors import contact_list
from faktura.offers import selectors, services
from faktura.offers.inputs import OfferAccept, OfferLineIn, OfferUpdate
from faktura.offers.models import Offer
from faktura.web.forms.offers import (
    OfferForm,
    OfferLineForm,
    OfferSendForm,
    PartialInvoiceForm,
)
from faktura.web.utils import action, can, page, paginate, submit, ui_context

STATUS_CHOICES = Offer.Status.choices


@page("view_invoices")
def offer_list(request):
    status = request.GET.get("status") or None
    if status not in Offer.Status.values:
        status = None
    page_obj = paginate(request, selectors.offer_list(tenant=request.tenant, status=status))
    return render(
        request,
        "web/offers/offer_list.html",
        {"page_obj": page_obj, "status": status or "", "statuses": STATUS_CHOICES},
    )


@page("manage_invoices")
def offer_new(request):
    form = OfferForm(
        request.POST or None, contacts=contact_list(tenant=request.tenant, is_active=True)
    )
    if request.method == "POST":
        data = form.to_input()
        if data is not None:
            offer = submit(form, lambda: services.offer_create(ui_context(request), data=data))
            if offer is not None:
                return redirect("web:offer_detail", offer_id=offer.pk)
    return render(request, "web/offers/offer_form.html", {"form": form})


def _line_form(request, data=None) -> OfferLineForm:
    return OfferLineForm(
        data,
        units=unit_choices(tenant=request.tenant),
        products=product_list(tenant=request.tenant, is_active=True, auto_created=False),
        initial={"quantity": "1", "unit": "C62"},
    )


@page("view_invoices")
def offer_detail(request, offer_id: int, line_form=None, send_form=None):
    offer = selectors.offer_get(tenant=request.tenant, offer_id=offer_id)
    context = {
        "offer": offer,
        "lines": list(offer.lines.all()),
        "line_form": line_form or (_line_form(request) if offer.status == "draft" else None),
        "send_form": send_form or OfferSendForm(initial={"to": offer.contact.email}),
    }
    return render(request, "web/offers/offer_detail.html", context)


def _current_lines(offer: Offer) -> list[OfferLineIn]:
    return [
        OfferLineIn(
            title=line.title, description=line.description, quantity=line.quantity,
            unit=line.unit, unit_price=line.unit_price,
            vat_rate=line.vat_rate if line.vat_category == "S" else None,
            vat_category=line.vat_category if line.vat_category != "S" else None,
            product_id=line.product_id,
        )
        for line in offer.lines.all()
    ]  # fmt: skip


@require_POST
@page("manage_invoices")
def offer_line_add(request, offer_id: int):
    """Add a position; a product fills what is left blank, priced for the customer."""
    offer = selectors.offer_get(tenant=request.tenant, offer_id=offer_id)
    posted = request.POST.copy()
    product_id = posted.get("product_id")
    if product_id and product_id.isdigit():
        defaults = selectors.product_defaults(
            tenant=request.tenant, contact=offer.contact, product_id=int(product_id)
        )
        for name, value in (defaults or {}).items():
            if name in posted and not posted.get(name) and value is not None:
                posted[name] = str(value)
    form = _line_form(request, posted)
    line = form.to_input()
    if line is not None:
        data = OfferUpdate(lines=[*_current_lines(offer), line])
        done = submit(
            form, lambda: services.offer_update(ui_context(request), offer_id=offer.pk, data=data)
        )
        if done is not None:
            return redirect("web:offer_detail", offer_id=offer.pk)
    return offer_detail(request, offer_id, line_form=form)


@require_POST
@page("manage_invoices")
def offer_line_remove(request, offer_id: int, position: int):
    offer = selectors.offer_get(tenant=request.tenant, offer_id=offer_id)
    lines = [line for index, line in enumerate(_current_lines(offer), 1) if index != position]
    action(
        request,
        lambda: services.offer_update(
            ui_context(request), offer_id=offer.pk, data=OfferUpdate(lines=lines)
        ),
    )
    return redirect("web:offer_detail", offer_id=offer.pk)


@require_POST
@page("manage_invoices")
def offer_send(request, offer_id: int):
    form = OfferSendForm(request.POST)
    data = form.to_input()
    if data is not None:
        sent = submit(
            form,
            lambda: services.offer_send(ui_context(request), offer_id=offer_id, data=data),
        )
        if sent is not None:
            messages.success(request, _("Offer %(number)s sent.") % {"number": sent.number})
            return redirect("web:offer_detail", offer_id=offer_id)
    return offer_detail(request, offer_id, send_form=form)


@require_POST
@page("manage_invoices")
def offer_accept(request, offer_id: int):
    offer = action(
        request,
        lambda: services.offer_accept(ui_context(request), offer_id=offer_id, data=OfferAccept()),
        _("Offer accepted: the fixed-price project bills it."),
    )
    if offer is not None and offer.project_id:
        return redirect("web:project_detail", project_id=offer.project_id)
    return redirect("web:offer_detail", offer_id=offer_id)


@require_POST
@page("manage_invoices")
def offer_decline(request, offer_id: int):
    action(
        request,
        lambda: services.offer_decline(ui_context(request), offer_id=offer_id),
        _("Offer declined."),
    )
    return redirect("web:offer_detail", offer_id=offer_id)


@require_POST
@page("manage_invoices")
def offer_delete(request, offer_id: int):
    done = action(
        request,
        lambda: services.offer_delete(ui_context(request), offer_id=offer_id) or True,
        _("Offer deleted."),
    )
    if done:
        return redirect("web:offer_list")
    return redirect("web:offer_detail", offer_id=offer_id)


@page("view_invoices")
def offer_pdf(request, offer_id: int):
    filename, content = services.offer_pdf(ui_context(request), offer_id=offer_id)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


# --- fixed-price projects -----------------------------------------------------------------------


def project_billing_context(request, project) -> dict:
    """The project page's fixed-price panel: price, partial and final invoices, budget."""
    if not can(request, "view_invoices"):
        return {}
    billing = selectors.project_billing(tenant=request.tenant, project_id=project.pk)
    return {"fixed": billing, "partial_form": PartialInvoiceForm() if billing else None}


@require_POST
@page("manage_invoices")
def project_partial_invoice(request, project_id: int):
    form = PartialInvoiceForm(request.POST)
    data = form.to_input()
    if data is None:
        messages.error(request, _("Give a percentage or an amount."))
        return redirect("web:project_detail", project_id=project_id)
    invoice = action(
        request,
        lambda: services.project_partial_invoice(
            ui_context(request), project_id=project_id, data=data
        ),
        _("Partial invoice drafted."),
    )
    if invoice is not None:
        return redirect("web:invoice_detail", invoice_id=invoice.pk)
    return redirect("web:project_detail", project_id=project_id)


@require_POST
@page("manage_invoices")
def project_final_invoice(request, project_id: int):
    invoice = action(
        request,
        lambda: services.project_final_invoice(ui_context(request), project_id=project_id),
        _("Final invoice drafted."),
    )
    if invoice is not None:
        return redirect("web:invoice_detail", invoice_id=invoice.pk)
    return redirect("web:project_detail", project_id=project_id)
