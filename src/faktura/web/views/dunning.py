"""Dunning: the proposals to remind (tick and create), the reminders with their PDF and
sending, the levels and options; pausing and resuming an invoice's dunning from its page.
Every change is a receivables service call with the typed input the form builds."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from faktura.common.errors import FakturaError
from faktura.receivables import services
from faktura.receivables.dunning_selectors import (
    dunning_levels,
    dunning_proposals,
    dunning_settings,
    reminder_letters,
)
from faktura.receivables.inputs import DunningRunStart, ReminderSend
from faktura.tenancy.selectors import tenant_today
from faktura.web.forms.receivables import (
    DunningLevelsForm,
    DunningPauseForm,
    DunningSettingsForm,
)
from faktura.web.utils import can, page, paginate, submit, ui_context
from faktura.web.views.billing.invoices import issued_page


def _settings_forms(request, levels_form=None, settings_form=None):
    options = dunning_settings(tenant=request.tenant)
    levels = dunning_levels(tenant=request.tenant)
    initial = {
        "flat_fee": options.flat_fee,
        "auto_send": options.auto_send,
        "deadline_days": options.deadline_days,
        "combine": options.combine,
    }
    return {
        "levels_form": levels_form
        or DunningLevelsForm(initial=DunningLevelsForm.initial_for(levels)),
        "settings_form": settings_form or DunningSettingsForm(initial=initial),
    }


@page("view_invoices")
def dunning_page(request, levels_form=None, settings_form=None, status=200):
    """Invoices due for their next level (tick them and create the reminders), the reminders
    written, one row per letter with its invoices (PDF, send), and the company's levels and
    options."""
    tenant = request.tenant
    proposals = dunning_proposals(tenant=tenant, today=tenant_today(tenant))
    page_obj = paginate(request, reminder_letters(tenant=tenant))
    context = {
        "proposals": proposals,
        "page_obj": page_obj,
        "can_manage": can(request, "manage_invoices"),
        "can_settings": can(request, "manage_settings"),
        **_settings_forms(request, levels_form, settings_form),
    }
    return render(request, "web/receivables/dunning.html", context, status=status)


@require_POST
@page("manage_invoices")
def dunning_create(request):
    ids = []
    for value in request.POST.getlist("invoice_ids"):
        if value.isdigit():
            ids.append(int(value))
    if not ids:
        messages.error(request, _("Tick the invoices to remind."))
        return redirect("web:dunning")
    created = services.dunning_run(ui_context(request), data=DunningRunStart(invoice_ids=ids))
    messages.success(
        request,
        ngettext("%(n)d reminder created.", "%(n)d reminders created.", len(created))
        % {"n": len(created)},
    )
    return redirect("web:dunning")


@require_POST
@page("manage_invoices")
def reminder_send(request, reminder_id: int):
    try:
        services.reminder_send(ui_context(request), reminder_id=reminder_id, data=ReminderSend())
    except FakturaError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Reminder sent."))
    return redirect("web:dunning")


@page("view_invoices")
def reminder_pdf(request, reminder_id: int):
    reminder, content = services.reminder_document(ui_context(request), reminder_id=reminder_id)
    response = HttpResponse(content, content_type="application/pdf")
    name = f"reminder-{reminder.invoice.number}-{reminder.level}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@page("manage_settings")
def dunning_settings_page(request):
    """The levels and options live on the Dunning page; the settings menu leads there."""
    return redirect(reverse("web:dunning") + "#levels")


@require_POST
@page("manage_settings")
def dunning_levels_save(request):
    form = DunningLevelsForm(request.POST)
    data = form.to_input()
    if data is not None and submit(
        form, lambda: services.dunning_levels_set(ui_context(request), data=data)
    ):
        messages.success(request, _("Dunning levels saved."))
        return redirect(reverse("web:dunning") + "#levels")
    return dunning_page(request, levels_form=form, status=400)


@require_POST
@page("manage_settings")
def dunning_settings_save(request):
    form = DunningSettingsForm(request.POST)
    data = form.to_input()
    if data is not None and submit(
        form, lambda: services.dunning_settings_set(ui_context(request), data=data)
    ):
        messages.success(request, _("Dunning options saved."))
        return redirect(reverse("web:dunning") + "#levels")
    return dunning_page(request, settings_form=form, status=400)


@require_POST
@page("manage_invoices")
def invoice_dunning_pause(request, invoice_id: int):
    form = DunningPauseForm(request.POST)
    data = form.to_input()
    if data is not None and submit(
        form,
        lambda: services.invoice_dunning_pause(
            ui_context(request), invoice_id=invoice_id, data=data
        ),
    ):
        messages.success(request, _("Dunning paused."))
        return redirect(reverse("web:invoice_detail", args=[invoice_id]) + "#dunning")
    return issued_page(request, invoice_id, collect_forms={"pause_form": form}, status=400)


@require_POST
@page("manage_invoices")
def invoice_dunning_resume(request, invoice_id: int):
    services.invoice_dunning_resume(ui_context(request), invoice_id=invoice_id)
    messages.success(request, _("Dunning resumed."))
    return redirect(reverse("web:invoice_detail", args=[invoice_id]) + "#dunning")
