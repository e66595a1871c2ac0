"""Forms of the Integrations settings page; each builds the typed input the API takes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from faktura.integrations.inputs import ConnectionCreate, DatevSettingsSet, WebhookCreate
from faktura.web.forms.common import text
from faktura.web.forms.receivables import TypedInputForm

EVENT_CHOICES = [
    ("invoice.issued", _("Invoice issued")),
    ("invoice.sent", _("Invoice sent")),
    ("invoice.paid", _("Invoice paid")),
    ("credit_note.issued", _("Credit note issued")),
    ("payment.recorded", _("Payment recorded")),
    ("payment.reversed", _("Payment reversed")),
]


class ConnectionForm(TypedInputForm):
    input_type = ConnectionCreate

    provider = forms.ChoiceField(
        label=_("Provider"),
        choices=[
            ("lexoffice", _("Lexware Office (lexoffice)")),
            ("webhook", _("Webhook")),
            ("datev", _("DATEV export")),
        ],
    )
    name = text(_("Name"), required=True, max_length=100)
    url = text(_("URL"), max_length=500, help_text=_("Webhook: where documents are posted."))
    api_key = forms.CharField(
        label=_("API key"),
        required=False,
        max_length=500,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Stored encrypted; never shown again."),
    )
    on_issue = forms.BooleanField(label=_("Sync on issue"), required=False)
    on_payment = forms.BooleanField(label=_("Sync on payment"), required=False)

    def input_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        settings = {}
        if data.get("url"):
            settings["url"] = data["url"]
        if data.get("api_key"):
            settings["api_key"] = data["api_key"]
        return {
            "provider": data["provider"],
            "name": data["name"],
            "settings": settings,
            "auto_sync": {"on_issue": data["on_issue"], "on_payment": data["on_payment"]},
        }


class WebhookForm(TypedInputForm):
    input_type = WebhookCreate

    url = text(_("URL"), required=True, max_length=500)
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=EVENT_CHOICES, widget=forms.CheckboxSelectMultiple
    )


class DatevSettingsForm(TypedInputForm):
    input_type = DatevSettingsSet

    consultant_number = forms.IntegerField(label=_("Consultant number"))
    client_number = forms.IntegerField(label=_("Client number"))
    chart = forms.ChoiceField(
        label=_("Chart of accounts"), choices=[("SKR03", "SKR03"), ("SKR04", "SKR04")]
    )
    fiscal_year_start_month = forms.IntegerField(label=_("Fiscal year starts in month"))
    debtor_start = forms.IntegerField(label=_("First debtor account"))
