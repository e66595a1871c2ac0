"""Frame orders: each pool with its utilization, what is left, the invoices that drew it and
an alert when it runs low or expires; the create and edit form. Retainers: each with its
months' usage, and the create form. Every change is a frame-order service call with the typed
input the form builds."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from faktura.contacts.selectors import contact_list
from faktura.frameorders import retainers, selectors, services
from faktura.tenancy.selectors import tenant_today
from faktura.web.forms.frameorders import FrameOrderForm, RetainerChangeForm, RetainerForm
from faktura.web.utils import page, submit, ui_context
from faktura.work.selectors import project_list


def _form(request, *, frame_order=None, data=None) -> FrameOrderForm:
    tenant = request.tenant
    contact_id = frame_order.contact_id if frame_order else None
    projects = project_list(tenant=tenant, contact_id=contact_id, scope="external")
    initial = {}
    if frame_order is not None:
        initial = {
            name: getattr(frame_order, name)
            for name in (
                "po_number", "hours", "amount", "valid_from", "valid_to", "overage_policy",
                "low_threshold_percent", "notes", "closed",
            )
        }  # fmt: skip
        initial["project_ids"] = [p.pk for p in frame_order.projects.all()]
    return FrameOrderForm(
        data,
        initial=initial,
        contacts=contact_list(tenant=tenant, is_active=True),
        projects=projects,
        editing=frame_order is not None,
    )


@page("view_invoices")
def frame_order_list(request):
    """Every frame order with its utilization bar and status."""
    today = tenant_today(request.tenant)
    rows = selectors.frame_order_list(tenant=request.tenant, on=today)
    alerts = [row for row in rows if row.status in ("low", "exhausted", "expired")]
    return render(
        request,
        "web/frameorders/list.html",
        {"frame_orders": rows, "alerts": alerts, "today": today},
    )


@page("view_invoices")
def frame_order_detail(request, frame_order_id: int):
    """One frame order: its balance and the invoices and credit notes in its ledger."""
    frame_order = selectors.frame_order_get(
        tenant=request.tenant, frame_order_id=frame_order_id, on=tenant_today(request.tenant)
    )
    ledger = selectors.frame_order_ledger(tenant=request.tenant, frame_order_id=frame_order_id)
    return render(
        request, "web/frameorders/detail.html", {"frame_order": frame_order, "ledger": ledger}
    )


@page("manage_invoices")
def frame_order_new(request):
    form = _form(request, data=request.POST or None)
    if request.method == "POST" and (data := form.to_input()) is not None:
        created = submit(form, lambda: services.frame_order_create(ui_context(request), data=data))
        if created is not None:
            messages.success(request, _("Frame order created."))
            return redirect("web:frame_order_detail", created.pk)
    return render(request, "web/frameorders/form.html", {"form": form, "frame_order": None})


@page("manage_invoices")
def frame_order_edit(request, frame_order_id: int):
    frame_order = selectors.frame_order_get(
        tenant=request.tenant, frame_order_id=frame_order_id, on=tenant_today(request.tenant)
    )
    form = _form(request, frame_order=frame_order, data=request.POST or None)
    if request.method == "POST" and (data := form.to_input()) is not None:
        changed = submit(
            form,
            lambda: services.frame_order_update(
                ui_context(request), frame_order_id=frame_order_id, data=data
            ),
        )
        if changed is not None:
            messages.success(request, _("Frame order saved."))
            return redirect("web:frame_order_detail", frame_order_id)
    return render(request, "web/frameorders/form.html", {"form": form, "frame_order": frame_order})


@page("view_invoices")
def retainer_list(request):
    """Every retainer with its terms and each billed month's usage."""
    rows = selectors.retainer_list(tenant=request.tenant)
    return render(request, "web/frameorders/retainers.html", {"retainers": rows})


@page("manage_invoices")
def retainer_new(request):
    projects = project_list(tenant=request.tenant, kind="ongoing", scope="external")
    form = RetainerForm(request.POST or None, projects=projects)
    if request.method == "POST" and (data := form.to_input()) is not None:
        created = submit(form, lambda: retainers.retainer_create(ui_context(request), data=data))
        if created is not None:
            messages.success(request, _("Retainer created."))
            return redirect("web:retainers")
    return render(request, "web/frameorders/retainer_form.html", {"form": form})


@page("manage_invoices")
def retainer_edit(request, retainer_id: int):
    """New terms from a month on (a new version when the retainer has begun), or a new end."""
    retainer = selectors.retainer_get(tenant=request.tenant, retainer_id=retainer_id)
    initial = {
        "hours_per_month": retainer.hours_per_month,
        "monthly_fee": retainer.monthly_fee,
        "overage_rate": retainer.overage_rate,
        "end_date": retainer.end_date,
    }
    form = RetainerChangeForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        data = form.to_input()
        changed = data and submit(
            form,
            lambda: retainers.retainer_update(
                ui_context(request), retainer_id=retainer.pk, data=data
            ),
        )
        if changed:
            messages.success(
                request,
                _("The retainer's new terms apply from %(month)s.")
                % {"month": f"{changed.start_date:%Y-%m}"}
                if changed.pk != retainer.pk
                else _("Retainer changed."),
            )
            return redirect("web:retainers")
        status = 400
    return render(
        request,
        "web/frameorders/retainer_edit.html",
        {"form": form, "retainer": retainer},
        status=status,
    )
