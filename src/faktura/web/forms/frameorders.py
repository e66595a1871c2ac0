"""The frame-order form: it builds the typed input the API takes (`frameorders.inputs`), so
the limits are declared once, there."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from faktura.frameorders.inputs import (
    FrameOrderCreate,
    FrameOrderUpdate,
    RetainerCreate,
    RetainerUpdate,
)
from faktura.frameorders.models import FrameOrder, Retainer
from faktura.web.forms.common import blank, text
from faktura.web.forms.receivables import AmountField, TypedInputForm
from faktura.web.forms.work import DATE_WIDGET


class FrameOrderForm(TypedInputForm):
    input_type = FrameOrderCreate

    contact_id = forms.TypedChoiceField(label=_("Customer"), coerce=int, required=True)
    po_number = text(_("PO number"), required=True, max_length=60)
    hours = AmountField(label=_("Hours"), required=False)
    amount = AmountField(label=_("Amount"), required=False)
    valid_from = forms.DateField(label=_("Valid from"), widget=DATE_WIDGET)
    valid_to = forms.DateField(label=_("Valid to"), widget=DATE_WIDGET, required=False)
    project_ids = forms.TypedMultipleChoiceField(
        label=_("Projects"),
        coerce=int,
        required=False,
        help_text=_("None selected: all of the customer's projects."),
    )
    overage_policy = forms.ChoiceField(
        label=_("When an invoice needs more than is left"),
        choices=FrameOrder.OveragePolicy.choices,
    )
    low_threshold_percent = forms.IntegerField(
        label=_("Alert when remaining at or below (%)"), initial=20, min_value=0, max_value=100
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea)

    def __init__(self, *args: Any, contacts, projects, editing: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["contact_id"].choices = blank(_("Choose a customer")) + [
            (c.pk, c.name) for c in contacts
        ]
        self.fields["project_ids"].choices = [
            (p.pk, f"{p.contact.name if p.contact_id else ''} · {p.name}") for p in projects
        ]
        if editing:
            self.input_type = FrameOrderUpdate
            del self.fields["contact_id"]
            self.fields["closed"] = forms.BooleanField(label=_("Closed"), required=False)

    def input_data(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if v is not None and v != ""}
        data["project_ids"] = self.cleaned_data.get("project_ids") or []
        if self.input_type is FrameOrderUpdate:
            # An edit sends every field: an emptied pool or end date is cleared.
            for name in ("hours", "amount", "valid_to"):
                data.setdefault(name, None)
        return data


class RetainerForm(TypedInputForm):
    """A retainer on an ongoing customer project; builds `RetainerCreate`."""

    input_type = RetainerCreate

    project_id = forms.TypedChoiceField(label=_("Project"), coerce=int, required=True)
    hours_per_month = AmountField(label=_("Hours per month"))
    monthly_fee = AmountField(label=_("Monthly fee"))
    overage_rate = AmountField(
        label=_("Overage rate per hour"),
        required=False,
        help_text=_("Empty: the time's normal price."),
    )
    rollover = forms.ChoiceField(label=_("Unused hours"), choices=Retainer.Rollover.choices)
    rollover_cap_hours = AmountField(
        label=_("Rollover cap (hours)"), required=False, help_text=_("Empty: no cap.")
    )
    start_date = forms.DateField(label=_("Start"), widget=DATE_WIDGET)
    end_date = forms.DateField(label=_("End"), widget=DATE_WIDGET, required=False)

    def __init__(self, *args: Any, projects, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["project_id"].choices = blank(_("Choose a project")) + [
            (p.pk, f"{p.contact.name if p.contact_id else ''} · {p.name}") for p in projects
        ]

    def input_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if v is not None and v != ""}


class RetainerChangeForm(TypedInputForm):
    """A retainer's new terms from a month on, or its end; builds `RetainerUpdate` from the
    fields that were changed (an unchanged form changes nothing)."""

    input_type = RetainerUpdate

    effective_from = forms.DateField(
        label=_("From month"),
        required=False,
        input_formats=["%Y-%m", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        help_text=_("Empty: the first month not billed yet. Billed months keep their terms."),
    )
    hours_per_month = AmountField(label=_("Hours per month"))
    monthly_fee = AmountField(label=_("Monthly fee"))
    overage_rate = AmountField(
        label=_("Overage rate per hour"),
        required=False,
        help_text=_("Empty: the time's normal price."),
    )
    end_date = forms.DateField(label=_("End"), widget=DATE_WIDGET, required=False)

    def input_data(self) -> dict[str, Any]:
        cleaned = getattr(self, "cleaned_data", {})
        data = {name: cleaned.get(name) for name in self.changed_data if name in cleaned}
        if cleaned.get("effective_from") is None:
            data.pop("effective_from", None)
        return data
