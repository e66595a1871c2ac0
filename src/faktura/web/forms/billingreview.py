"""Forms of the month-end billing review. Each builds the typed input the API takes
(`billingreview.inputs`), so the limits are declared once, there."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from faktura.billingreview.inputs import BillingReviewStart, BillingReviewUpdate
from faktura.web.forms.receivables import TypedInputForm
from faktura.web.forms.work import DATE_WIDGET

DECISIONS = ("bill", "defer", "write_off")


class ReviewStartForm(TypedInputForm):
    input_type = BillingReviewStart

    contact_id = forms.IntegerField(widget=forms.HiddenInput)
    period_start = forms.DateField(label=_("From"), widget=DATE_WIDGET)
    period_end = forms.DateField(label=_("To"), widget=DATE_WIDGET)


class ReviewDecisionsForm(TypedInputForm):
    """Per-entry decisions (`d_<entry id>` radios), Bill all / Defer all, the write-off
    reason and the date deferred entries come back."""

    input_type = BillingReviewUpdate

    decide_all = forms.ChoiceField(choices=[("", "")] + [(d, d) for d in DECISIONS], required=False)
    defer_until = forms.DateField(label=_("Deferred until"), required=False, widget=DATE_WIDGET)
    write_off_reason = forms.CharField(label=_("Write-off reason"), required=False)

    def input_data(self) -> dict[str, Any]:
        data = super().input_data()
        decisions = {}
        for key, value in self.data.items():
            if key.startswith("d_") and key[2:].isdigit() and value in DECISIONS:
                decisions[int(key[2:])] = value
        if decisions:
            data["decisions"] = decisions
        if "write_off_reason" not in data and self.data.get("write_off_reason") == "":
            data["write_off_reason"] = ""
        return data


class ReviewFrameOrderForm(TypedInputForm):
    input_type = BillingReviewUpdate

    frame_order_id = forms.IntegerField(required=False, min_value=1)

    def input_data(self) -> dict[str, Any]:
        return {"frame_order_id": self.cleaned_data.get("frame_order_id")}


class ReviewDetailsForm(TypedInputForm):
    input_type = BillingReviewUpdate

    period_start = forms.DateField(label=_("Invoice period from"), widget=DATE_WIDGET)
    period_end = forms.DateField(label=_("to"), widget=DATE_WIDGET)
    payment_terms_days = forms.IntegerField(
        label=_("Payment terms (days)"), required=False, min_value=0, max_value=365
    )
    po_number = forms.CharField(label=_("PO number"), required=False, max_length=60)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def input_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        for name in ("po_number", "notes"):
            data[name] = data.get(name) or ""
        return data
