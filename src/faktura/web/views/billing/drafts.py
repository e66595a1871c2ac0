"""The draft review: an overlay over the review list (htmx) or a full page. Every edit is one
service call; htmx gets the re-rendered draft back (lines, totals, warnings, all computed by
the billing selectors) and an `invoiceChanged` event that refreshes the list behind it."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from faktura.billing.errors import InvoiceInvalid
from faktura.billing.inputs import InvoiceLineUpdate
from faktura.billing.selectors.invoices import (
    invoice_detail,
    invoice_get,
    invoice_line_get,
    invoice_lines,
)
from faktura.billing.services.compile_rounding import invoice_policy
from faktura.billing.services.invoices import (
    invoice_delete,
    invoice_line_add,
    invoice_line_delete,
    invoice_line_update,
    invoice_update,
)
from faktura.billing.services.issue import invoice_issue
from faktura.billing.services.preview import invoice_preview_pdf
from faktura.catalog.selectors import (
    product_line_defaults,
    product_list,
    unit_choices,
    unit_symbols,
)
from faktura.common.errors import FakturaError, NotFound
from faktura.common.inputs import parse
from faktura.core.time_rounding import (
    format_hours,
    step_hours,
)
from faktura.frameorders.selectors import draft_frame_order_choices
from faktura.tenancy.selectors import tenant_today
from faktura.web.forms.billing import (
    GROUPING_LABELS,
    DraftHeaderForm,
    ManualLineForm,
    parse_decimal,
    parse_quantity,
)
from faktura.web.templatetags.web import price, price_input
from faktura.web.utils import action, page, parse_int, submit, ui_context
from faktura.web.views.billing.queries import (
    VAT_LABELS,
    correction_display,
    format_rows,
    is_time_line,
    percent,
    price_source_label,
    problem_rows,
    vat_rows,
)

ONE = Decimal(1)
ZERO_HOURS = Decimal("0.0000")


def _decorate(lines, *, symbols: dict[str, str], step: str) -> None:
    """What the template shows per line, formatted here so the template does no arithmetic."""
    for line in lines:
        line.is_time = is_time_line(line)
        line.unit_symbol = symbols.get(line.unit, line.unit)
        line.price_source_label = price_source_label(line.price_source)
        line.vat_label = VAT_LABELS.get(line.vat_category, line.vat_category)
        line.rate_text = percent(line.vat_rate)
        line.correction_text = correction_display(line)
        line.correction_sign = (
            0
            if line.logged_quantity is None or line.quantity == line.logged_quantity
            else (1 if line.quantity > line.logged_quantity else -1)
        )
        if line.is_time:
            line.logged_text = (
                "" if line.logged_quantity is None else format_hours(line.logged_quantity)
            )
            line.quantity_input = format_hours(line.quantity)
            line.step_text = step
        else:
            line.logged_text = (
                "" if line.logged_quantity is None else f"{price(line.logged_quantity)}"
            )
            line.quantity_input = price_input(line.quantity)
            line.step_text = "1"


def _header_form(invoice, *, tenant, data=None) -> DraftHeaderForm:
    """The draft's details, with the frame orders it may draw: the preselected one is the
    draft's own, else the customer's one open frame order covering the draft's projects."""
    options, preselected = draft_frame_order_choices(tenant, invoice, on=tenant_today(tenant))
    initial = DraftHeaderForm.initial_for(invoice) | {"frame_order_id": preselected}
    return DraftHeaderForm(data, initial=initial, frame_orders=options)


def draft_context(request, invoice_id: int, *, header_form=None, line_form=None) -> dict:
    tenant = request.tenant
    invoice = invoice_detail(tenant=tenant, invoice_id=invoice_id)
    lines = invoice.detail_lines
    policy = invoice_policy(invoice, tenant=tenant)
    step = format_hours(step_hours(policy))
    _decorate(lines, symbols=unit_symbols(tenant=tenant), step=step)
    units = unit_choices(tenant=tenant)
    invoice.breakdown = vat_rows(invoice.breakdown)
    return {
        "invoice": invoice,
        "lines": lines,
        "billed_count": sum(1 for line in lines if not line.do_not_bill),
        "grouping_label": GROUPING_LABELS.get(invoice.grouping, invoice.grouping),
        "problems": problem_rows(invoice.problems, lines),
        "formats": format_rows(invoice.formats),
        "blocking": any(p.get("severity") == "error" for p in invoice.warnings),
        "step": step,
        "header_form": header_form or _header_form(invoice, tenant=tenant),
        "line_form": line_form
        or ManualLineForm(
            units=units,
            products=_products(request),
            initial={"quantity": 1, "unit": "C62", "vat_rate": 19},
        ),
        "fragment": bool(request.htmx),
    }


def draft_page(request, invoice_id: int):
    """GET of a draft: htmx (the overlay) gets the fragment, a browser the full page."""
    context = draft_context(request, invoice_id)
    if request.htmx:
        return render(request, "web/billing/_draft.html", context)
    request.nav_path = reverse("web:billing_review")  # a draft is part of the review
    return render(request, "web/billing/draft.html", context)


def _after_edit(request, invoice_id: int, *, changed: bool, header_form=None, line_form=None):
    """The answer to an edit: htmx gets the draft re-rendered (and `invoiceChanged` when
    something changed); a plain form post goes back to the draft page, or shows it with the
    form's errors."""
    try:
        invoice = invoice_get(tenant=request.tenant, invoice_id=invoice_id)
    except NotFound:
        # deleted meanwhile (another tab): back to the list
        if request.htmx:
            return HttpResponseClientRedirect(reverse("web:billing_review"))
        return redirect("web:billing_review")
    detail = reverse("web:invoice_detail", args=[invoice_id])
    if not invoice.is_draft:
        return HttpResponseClientRedirect(detail) if request.htmx else redirect(detail)
    invalid = any(form is not None and form.errors for form in (header_form, line_form))
    if not request.htmx and not invalid:
        return redirect(detail)
    context = draft_context(request, invoice_id, header_form=header_form, line_form=line_form)
    response = render(
        request, "web/billing/_draft.html" if request.htmx else "web/billing/draft.html", context
    )
    if changed:
        response["HX-Trigger"] = "invoiceChanged"
    return response


@require_POST
@page("manage_invoices")
def draft_header(request, invoice_id: int):
    invoice = invoice_get(tenant=request.tenant, invoice_id=invoice_id)
    form = _header_form(invoice, tenant=request.tenant, data=request.POST)
    saved = None
    data = form.to_input()
    if data is not None:
        saved = submit(
            form, lambda: invoice_update(ui_context(request), invoice_id=invoice_id, data=data)
        )
        if saved is not None:
            messages.success(request, _("Invoice details saved."))
            form = None
    return _after_edit(request, invoice_id, changed=saved is not None, header_form=form)


@require_POST
@page("manage_invoices")
def line_add(request, invoice_id: int):
    """A manual line; a product chosen in the picker fills what is left blank (title, unit,
    price by the customer's price list, VAT rate)."""
    invoice = invoice_get(tenant=request.tenant, invoice_id=invoice_id)
    posted = request.POST.copy()
    product_id = parse_int(posted.get("product_id"))
    if product_id is not None:
        defaults = product_line_defaults(
            tenant=request.tenant, product_id=product_id,
            price_list_id=invoice.contact.price_list_id, currency=invoice.currency,
        )  # fmt: skip
        for name in ("title", "unit", "unit_price", "vat_rate"):
            value = (defaults or {}).get(name)
            if not posted.get(name) and value is not None:
                posted[name] = str(value)
    form = ManualLineForm(
        posted, units=unit_choices(tenant=request.tenant), products=_products(request)
    )
    line = None
    data = form.to_input()
    if data is not None:
        line = submit(
            form, lambda: invoice_line_add(ui_context(request), invoice_id=invoice_id, data=data)
        )
        if line is not None:
            form = None
    return _after_edit(request, invoice_id, changed=line is not None, line_form=form)


def _products(request):
    """The catalog products a reviewer picks from (not the defaults compile creates)."""
    return product_list(tenant=request.tenant, is_active=True, auto_created=False)


def _line_change(request, line) -> dict:
    """The one change a line form posts: a step, the exact quantity, the title, the unit price
    or "do not bill". Unparseable input becomes an error message and no change."""
    post = request.POST
    if post.get("step") in ("up", "down"):
        return {"step": post["step"]}
    try:
        if "quantity" in post:
            return {"quantity": parse_quantity(post["quantity"])}
        if "unit_price" in post:
            return {"unit_price": parse_decimal(post["unit_price"])}
    except ValueError:
        field = _("quantity") if "quantity" in post else _("unit price")
        messages.error(
            request,
            _('%(title)s: the %(field)s "%(value)s" is not a number.')
            % {
                "title": line.title,
                "field": field,
                "value": post.get("quantity") or post.get("unit_price"),
            },
        )
        return {}
    if "title" in post:
        return {"title": post["title"]}
    if "do_not_bill" in post:
        return {"do_not_bill": post["do_not_bill"] == "1"}
    return {}


@require_POST
@page("manage_invoices")
def line_edit(request, invoice_id: int, line_id: int):
    line = invoice_line_get(tenant=request.tenant, invoice_id=invoice_id, line_id=line_id)
    change = _line_change(request, line)
    changed = bool(change) and (
        action(
            request,
            lambda: invoice_line_update(
                ui_context(request),
                invoice_id=invoice_id,
                line_id=line_id,
                data=parse(InvoiceLineUpdate, change),
            ),
        )
        is not None
    )
    return _after_edit(request, invoice_id, changed=changed)


@require_POST
@page("manage_invoices")
def line_remove(request, invoice_id: int, line_id: int):
    line = invoice_line_get(tenant=request.tenant, invoice_id=invoice_id, line_id=line_id)
    done = action(
        request,
        lambda: (
            invoice_line_delete(ui_context(request), invoice_id=invoice_id, line_id=line_id) or True
        ),
        success=_("%(title)s removed; its items are pending again.") % {"title": line.title},
    )
    return _after_edit(request, invoice_id, changed=bool(done))


@require_POST
@page("manage_invoices")
def draft_settle(request, invoice_id: int):
    """Issue ("settle") the draft: it gets its number and is frozen; on to its page."""
    draft = invoice_get(tenant=request.tenant, invoice_id=invoice_id)
    try:
        invoice = invoice_issue(ui_context(request), invoice_id=invoice_id)
    except InvoiceInvalid as exc:
        shown = problem_rows(exc.problems, invoice_lines(draft))
        messages.error(
            request,
            _("The invoice cannot be issued yet: %(problems)s")
            % {"problems": " ".join(p["text"] for p in shown)},
        )
        return _after_edit(request, invoice_id, changed=False)
    except FakturaError as exc:
        if isinstance(exc, NotFound):
            raise
        messages.error(request, exc.message)
        return _after_edit(request, invoice_id, changed=False)
    messages.success(request, _("Invoice %(number)s issued.") % {"number": invoice.number})
    detail = reverse("web:invoice_detail", args=[invoice.pk])
    return HttpResponseClientRedirect(detail) if request.htmx else redirect(detail)


@page("view_invoices")
def draft_preview(request, invoice_id: int):
    """The draft as Settle would print it, watermarked and without a number; nothing is
    stored. A text the invoice fonts cannot print is shown as an error on the draft."""
    draft = invoice_get(tenant=request.tenant, invoice_id=invoice_id)
    try:
        filename, content = invoice_preview_pdf(ui_context(request), invoice_id=invoice_id)
    except InvoiceInvalid as exc:
        shown = problem_rows(exc.problems, invoice_lines(draft))
        messages.error(
            request,
            _("The preview cannot be shown: %(problems)s")
            % {"problems": " ".join(p["text"] for p in shown)},
        )
        return redirect("web:invoice_detail", invoice_id=invoice_id)
    except FakturaError as exc:
        if isinstance(exc, NotFound):
            raise
        messages.error(request, exc.message)
        return redirect("web:invoice_detail", invoice_id=invoice_id)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@page("manage_invoices")
def draft_delete(request, invoice_id: int):
    invoice = invoice_get(tenant=request.tenant, invoice_id=invoice_id)
    done = action(
        request,
        lambda: invoice_delete(ui_context(request), invoice_id=invoice_id) or True,
        success=_("Draft for %(customer)s deleted; its items are pending again.")
        % {"customer": invoice.contact.name},
    )
    target = reverse("web:billing_review")
    if not done:
        return _after_edit(request, invoice_id, changed=False)
    return HttpResponseClientRedirect(target) if request.htmx else redirect(target)
