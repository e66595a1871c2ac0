"""The month-end billing review: four steps on one page with its own address per review —
1 pick a customer, 2 decide per entry (Bill / Defer / Write off), 3 the frame order,
4 preview and generate. Every change goes through `billingreview.services`; the state is
stored, so a reload (or a colleague) sees the same review."""

from __future__ import annotations

import calendar
import datetime as dt

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from faktura.billing.inputs import ItemsCompile
from faktura.billing.services.compile import billable_items_compile
from faktura.billingreview import selectors, services
from faktura.billingreview.models import BillingReview
from faktura.common.errors import FakturaError
from faktura.tenancy.selectors import tenant_today
from faktura.web.forms.billingreview import (
    ReviewDecisionsForm,
    ReviewDetailsForm,
    ReviewFrameOrderForm,
    ReviewStartForm,
)
from faktura.web.utils import action, can, page, paginate, submit, ui_context

ENTRIES_PER_PAGE = 200
STEPS = (1, 2, 3, 4)


def _period(request) -> tuple[str, dt.date, dt.date]:
    """?period=YYYY-MM, by default the month that just ended."""
    value = request.GET.get("period", "")
    try:
        year, month = (int(part) for part in value.split("-"))
        start = dt.date(year, month, 1)
    except ValueError:
        start = (tenant_today(request.tenant).replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    end = start.replace(day=calendar.monthrange(start.year, start.month)[1])
    return start.strftime("%Y-%m"), start, end


@page("view_invoices")
def month_end(request):
    """Step 1: the customers with approved, unbilled work in the month, and open reviews."""
    period, start, end = _period(request)
    return render(
        request,
        "web/billing/month_end.html",
        {
            "step": 1,
            "period": period,
            "period_start": start,
            "period_end": end,
            "customers": selectors.customers_unbilled(tenant=request.tenant, start=start, end=end),
            "open_reviews": selectors.review_list(
                tenant=request.tenant, status=BillingReview.Status.OPEN
            )[:20],
            "manage": can(request, "manage_invoices"),
        },
    )


@require_POST
@page("manage_invoices")
def month_end_compile(request):
    """Compile the approved work up to the month's end, so the list shows it priced."""
    period, _start, end = _period(request)
    action(
        request,
        lambda: billable_items_compile(ui_context(request), data=ItemsCompile(until=end)),
        _("New work is compiled."),
    )
    return redirect(f"{reverse('web:billing_month_end')}?period={period}")


@require_POST
@page("manage_invoices")
def month_end_start(request):
    form = ReviewStartForm(request.POST)
    data = form.to_input()
    review = data and submit(
        form, lambda: services.billing_review_start(ui_context(request), data=data)
    )
    if review is None:
        for error in form.errors.values():
            messages.error(request, " ".join(error))
        return redirect("web:billing_month_end")
    return redirect("web:billing_month_end_review", review_id=review.pk)


def _review_context(request, review, step: int, **extra) -> dict:
    view = selectors.review_view(review)
    page_obj = paginate(request, view.entries, per_page=ENTRIES_PER_PAGE)
    context = {
        "step": step,
        "review": review,
        "view": view,
        "totals": view.totals,
        "page_obj": page_obj,
        "manage": can(request, "manage_invoices") and review.status == BillingReview.Status.OPEN,
        "steps": STEPS,
    }
    if step == 4 and review.status == BillingReview.Status.OPEN:
        context["details_form"] = extra.pop("details_form", None) or ReviewDetailsForm(
            initial={
                "period_start": review.period_start,
                "period_end": review.period_end,
                "payment_terms_days": review.payment_terms_days,
                "po_number": review.po_number,
                "notes": review.notes,
            }
        )
        try:
            context["preview"] = services.billing_review_preview(
                ui_context(request), review_id=review.pk
            )
        except FakturaError as exc:
            context["preview_error"] = exc.message
    context.update(extra)
    return context


@page("view_invoices")
def month_end_review(request, review_id: int):
    review = selectors.review_get(tenant=request.tenant, review_id=review_id)
    try:
        step = int(request.GET.get("step", "2"))
    except ValueError:
        step = 2
    step = step if step in (2, 3, 4) else 2
    return render(request, "web/billing/month_end.html", _review_context(request, review, step))


def _review_url(review_id: int, step: int, page_number: str = "") -> str:
    url = f"{reverse('web:billing_month_end_review', args=[review_id])}?step={step}"
    return f"{url}&page={page_number}" if page_number else url


@require_POST
@page("manage_invoices")
def month_end_decide(request, review_id: int):
    """Step 2: store the decisions of the shown rows (or Bill all / Defer all)."""
    form = ReviewDecisionsForm(request.POST)
    data = form.to_input()
    done = data and submit(
        form,
        lambda: services.billing_review_update(ui_context(request), review_id=review_id, data=data),
    )
    if not done:
        for error in form.errors.values():
            messages.error(request, " ".join(error))
    if getattr(request, "htmx", False) and done:
        review = selectors.review_get(tenant=request.tenant, review_id=review_id)
        return render(request, "web/billing/month_end.html", _review_context(request, review, 2))
    step = 3 if done and "next" in request.POST else 2
    return redirect(_review_url(review_id, step, request.POST.get("page", "")))


@require_POST
@page("manage_invoices")
def month_end_frame_order(request, review_id: int):
    """Step 3: the frame order to draw down, or none."""
    form = ReviewFrameOrderForm(request.POST)
    data = form.to_input()
    done = data and submit(
        form,
        lambda: services.billing_review_update(ui_context(request), review_id=review_id, data=data),
    )
    if not done:
        for error in form.errors.values():
            messages.error(request, " ".join(error))
        return redirect(_review_url(review_id, 3))
    return redirect(_review_url(review_id, 4))


@require_POST
@page("manage_invoices")
def month_end_details(request, review_id: int):
    """Step 4: invoice period, payment terms, PO number and notes."""
    form = ReviewDetailsForm(request.POST)
    data = form.to_input()
    done = data and submit(
        form,
        lambda: services.billing_review_update(ui_context(request), review_id=review_id, data=data),
    )
    if not done:
        review = selectors.review_get(tenant=request.tenant, review_id=review_id)
        context = _review_context(request, review, 4, details_form=form)
        return render(request, "web/billing/month_end.html", context, status=400)
    messages.success(request, _("Saved."))
    return redirect(_review_url(review_id, 4))


@require_POST
@page("manage_invoices")
def month_end_generate(request, review_id: int):
    """Step 4: "Generate & issue" or "Generate draft", in one transaction."""
    issue = request.POST.get("mode") == "issue"
    invoice = action(
        request,
        lambda: services.billing_review_generate(
            ui_context(request), review_id=review_id, issue=issue
        ),
    )
    if invoice is None:
        return redirect(_review_url(review_id, 4))
    if issue:
        messages.success(
            request, _("The invoice %(number)s is issued.") % {"number": invoice.number}
        )
    else:
        messages.success(request, _("The draft is in the invoice review."))
    return redirect("web:invoice_detail", invoice_id=invoice.pk)


@page("view_invoices")
def month_end_pdf(request, review_id: int):
    """The PDF preview of the would-be invoice (watermarked, no number; nothing stored)."""
    found = action(
        request,
        lambda: services.billing_review_preview_pdf(ui_context(request), review_id=review_id),
    )
    if found is None:
        return redirect(_review_url(review_id, 4))
    filename, content = found
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@page("manage_invoices")
def month_end_close(request, review_id: int):
    """Close a review that bills nothing: its deferrals and write-offs take effect."""
    review = action(
        request,
        lambda: services.billing_review_close(ui_context(request), review_id=review_id),
        _("The review is closed without an invoice."),
    )
    if review is None:
        step = 4 if request.POST.get("step") == "4" else 2
        return redirect(_review_url(review_id, step))
    return redirect(f"{reverse('web:billing_month_end')}?period={review.period_start:%Y-%m}")


@require_POST
@page("manage_invoices")
def month_end_abandon(request, review_id: int):
    """Abandon a review: none of its decisions take effect."""
    review = action(
        request,
        lambda: services.billing_review_abandon(ui_context(request), review_id=review_id),
        _("The review is abandoned; its entries are unchanged."),
    )
    if review is None:
        return redirect(_review_url(review_id, 2))
    return redirect(f"{reverse('web:billing_month_end')}?period={review.period_start:%Y-%m}")
