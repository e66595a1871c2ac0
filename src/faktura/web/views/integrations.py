"""Settings > Integrations: sync connections (with "test connection"), webhooks with their
deliveries, failed syncs with retry, and the DATEV export with its settings."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from faktura.integrations import datev_services, selectors, services
from faktura.tenancy.selectors import tenant_today
from faktura.web.forms.integrations import ConnectionForm, DatevSettingsForm, WebhookForm
from faktura.web.utils import action, page, submit, ui_context


def _datev_initial(tenant) -> dict:
    row = datev_services.datev_settings_get(tenant=tenant)
    return {n: getattr(row, n) for n in DatevSettingsForm.base_fields}


@page("view_invoices")
def integrations_page(request):
    tenant = request.tenant
    form_name = request.POST.get("form", "") if request.method == "POST" else ""
    connection_form = ConnectionForm(request.POST if form_name == "connection" else None)
    webhook_form = WebhookForm(request.POST if form_name == "webhook" else None)
    datev_form = DatevSettingsForm(
        request.POST if form_name == "datev" else None, initial=_datev_initial(tenant)
    )
    created_secret = None
    saved = None
    if form_name == "connection" and (data := connection_form.to_input()) is not None:
        saved = submit(
            connection_form, lambda: services.connection_create(ui_context(request), data=data)
        )
    elif form_name == "webhook" and (data := webhook_form.to_input()) is not None:
        result = submit(
            webhook_form, lambda: services.webhook_create(ui_context(request), data=data)
        )
        if result is not None:
            created_secret = {"webhook": result[0], "secret": result[1]}
            webhook_form = WebhookForm()
    elif form_name == "datev" and (data := datev_form.to_input()) is not None:
        saved = submit(
            datev_form, lambda: datev_services.datev_settings_set(ui_context(request), data=data)
        )
    if saved is not None:
        messages.success(request, _("Saved."))
        return redirect("web:integrations")
    webhooks = list(selectors.webhook_list(tenant=tenant))
    for webhook in webhooks:
        webhook.recent = list(selectors.delivery_list(tenant=tenant, webhook_id=webhook.pk)[:10])
    response = render(
        request,
        "web/settings/integrations.html",
        {
            "connections": selectors.connection_list(tenant=tenant),
            "failed": selectors.record_list(tenant=tenant, status="failed")[:50],
            "webhooks": webhooks,
            "connection_form": connection_form,
            "webhook_form": webhook_form,
            "datev_form": datev_form,
            "created_secret": created_secret,
            "period": tenant_today(tenant).strftime("%Y-%m"),
        },
    )
    if created_secret:
        response["Cache-Control"] = "no-store"
    return response


@require_POST
@page("manage_settings")
def connection_test(request, connection_id: int):
    outcome = action(
        request, lambda: services.connection_test(ui_context(request), connection_id=connection_id)
    )
    if outcome is not None:
        if outcome["ok"]:
            messages.success(request, _("The connection works: %(m)s") % {"m": outcome["message"]})
        else:
            messages.error(request, _("The connection failed: %(m)s") % {"m": outcome["message"]})
    return redirect("web:integrations")


@require_POST
@page("manage_invoices")
def record_retry(request, record_id: int):
    if action(
        request, lambda: services.sync_record_retry(ui_context(request), record_id=record_id)
    ):
        messages.success(request, _("The sync is queued again."))
    return redirect("web:integrations")


@require_POST
@page("manage_invoices")
def records_retry_failed(request):
    count = action(request, lambda: services.sync_records_retry_failed(ui_context(request)))
    if count is not None:
        messages.success(request, _("%(n)s failed syncs are queued again.") % {"n": count})
    return redirect("web:integrations")


@require_POST
@page("manage_settings")
def delivery_redeliver(request, delivery_id: int):
    if action(
        request, lambda: services.webhook_redeliver(ui_context(request), delivery_id=delivery_id)
    ):
        messages.success(request, _("The delivery is queued again."))
    return redirect("web:integrations")
