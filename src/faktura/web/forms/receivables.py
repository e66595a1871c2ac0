"""Forms of the receivables screens. Each collecting form builds the same typed input the API
takes (`receivables.inputs`), so the limits are declared once, there; the form only parses what
people type (a German "1.234,50") and shows the input's errors next to its fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from faktura.receivables.inputs import (
    BankTransactionIgnore,
    BankTransactionMatch,
    ChargeWaive,
    CreditApply,
    DunningLevelsSet,
    DunningPause,
    DunningSettingsSet,
    InvoiceMarkSent,
    InvoiceWriteOff,
    PaymentRecord,
    PaymentReverse,
)
from faktura.receivables.models import Payment, SentMark
from faktura.web.forms.billing import parse_decimal
from faktura.web.forms.common import TypedInputForm, blank
from faktura.web.forms.work import DATE_WIDGET


class AmountField(forms.CharField):
    """An amount as typed in the active language; the typed input checks its limits."""

    def to_python(self, value):
        value = super().to_python(value)
        if value in ("", None):
            return None
        try:
            return parse_decimal(value)
        except ValueError:
            raise forms.ValidationError(_("Enter an amount, e.g. 119,00.")) from None


class PaymentForm(TypedInputForm):
    input_type = PaymentRecord

    amount = AmountField(label=_("Amount"))
    date = forms.DateField(label=_("Payment date"), required=False, widget=DATE_WIDGET)
    method = forms.ChoiceField(
        label=_("Method"), choices=Payment.Method.choices, initial=Payment.Method.BANK_TRANSFER
    )
    reference = forms.CharField(label=_("Reference"), required=False)
    allow_overpayment = forms.BooleanField(
        label=_("Keep an overpayment as the customer's credit"), required=False
    )


class PaymentReverseForm(TypedInputForm):
    input_type = PaymentReverse

    reason = forms.CharField(label=_("Reason"))


class WriteOffForm(TypedInputForm):
    input_type = InvoiceWriteOff

    reason = forms.CharField(label=_("Reason"), initial="")


class CreditApplyForm(TypedInputForm):
    input_type = CreditApply

    amount = AmountField(label=_("Amount"), required=False)


class MarkSentForm(TypedInputForm):
    input_type = InvoiceMarkSent

    channel = forms.ChoiceField(
        label=_("Channel"), choices=SentMark.Channel.choices, initial=SentMark.Channel.POST
    )
    date = forms.DateField(label=_("Sent on"), required=False, widget=DATE_WIDGET)


RECEIVABLE_STATES = (
    ("", _("All open")),
    ("overdue", _("Overdue")),
    ("current", _("Not yet due")),
    ("unpaid", _("Unpaid")),
    ("partially_paid", _("Partially paid")),
)


class ReceivablesFilterForm(forms.Form):
    contact = forms.TypedChoiceField(
        label=_("Customer"), required=False, coerce=int, empty_value=None
    )
    state = forms.ChoiceField(label=_("State"), required=False, choices=RECEIVABLE_STATES)
    date_from = forms.DateField(label=_("Issued from"), required=False, widget=DATE_WIDGET)
    date_to = forms.DateField(label=_("Issued until"), required=False, widget=DATE_WIDGET)

    def __init__(self, *args, contacts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].choices = blank(_("All customers")) + [
            (c.pk, c.name) for c in contacts
        ]

    def selector_params(self) -> dict[str, Any]:
        """The receivables selector's filters (none for invalid input: the form shows why)."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "contact_id": data.get("contact"),
            "state": data.get("state") or "",
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
        }


class BankUploadForm(forms.Form):
    file = forms.FileField(label=_("Statement file (CAMT.053 or MT940)"))


class BankMatchForm(TypedInputForm):
    """Match by a suggested invoice's id or by a typed invoice number; `amount` optional."""

    input_type = BankTransactionMatch

    invoice_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    number = forms.CharField(label=_("Invoice number"), required=False)
    amount = AmountField(label=_("Amount"), required=False)

    def input_data(self) -> dict[str, Any]:
        data = super().input_data()
        data.pop("number", None)
        return data


class ChargeWaiveForm(TypedInputForm):
    input_type = ChargeWaive

    reason = forms.CharField(label=_("Reason"), initial="")


class BankIgnoreForm(TypedInputForm):
    input_type = BankTransactionIgnore

    note = forms.CharField(label=_("Note"), required=False)


# --- dunning ----------------------------------------------------------------------------------


class DunningPauseForm(TypedInputForm):
    input_type = DunningPause

    reason = forms.CharField(label=_("Reason"), initial="")
    until = forms.DateField(
        label=_("Until"), required=False, widget=DATE_WIDGET,
        help_text=_("Empty: until dunning is resumed."),
    )  # fmt: skip
    disputed = forms.BooleanField(label=_("The customer disputes the invoice"), required=False)

    def input_data(self) -> dict[str, Any]:
        data = super().input_data()
        data["disputed"] = bool(self.cleaned_data.get("disputed"))
        return data


class DunningSettingsForm(TypedInputForm):
    input_type = DunningSettingsSet

    flat_fee = forms.BooleanField(
        label=_("Flat fee of 40 EUR for business customers (§ 288 (5) BGB)"), required=False
    )
    auto_send = forms.BooleanField(
        label=_("Create and send reminders automatically every day"), required=False
    )
    deadline_days = forms.IntegerField(
        label=_("Days to pay after a reminder"), min_value=1, max_value=90, initial=10
    )
    combine = forms.BooleanField(
        label=_("One letter per customer for all its invoices due at the same level"),
        required=False,
        initial=True,
    )

    def input_data(self) -> dict[str, Any]:
        data = super().input_data()
        data["flat_fee"] = bool(self.cleaned_data.get("flat_fee"))
        data["auto_send"] = bool(self.cleaned_data.get("auto_send"))
        return data


LEVEL_ROWS = 5


class DunningLevelsForm(TypedInputForm):
    """Up to five levels, one row each; a row without a name is left out."""

    input_type = DunningLevelsSet

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for n in range(1, LEVEL_ROWS + 1):
            self.fields[f"name_{n}"] = forms.CharField(
                label=_("Name"), required=False, max_length=100
            )
            self.fields[f"days_{n}"] = forms.IntegerField(
                label=_("Days after due"), required=False, min_value=0, max_value=3650
            )
            self.fields[f"fee_{n}"] = AmountField(label=_("Fee"), required=False)
            self.fields[f"interest_{n}"] = forms.BooleanField(
                label=_("Default interest"), required=False
            )

    @classmethod
    def initial_for(cls, levels) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for lv in levels:
            n = lv.level
            initial |= {f"name_{n}": lv.name, f"days_{n}": lv.days_after_due,
                        f"fee_{n}": lv.fee, f"interest_{n}": lv.interest}  # fmt: skip
        return initial

    def rows(self):
        return [
            [self[f"{field}_{n}"] for field in ("name", "days", "fee", "interest")]
            for n in range(1, LEVEL_ROWS + 1)
        ]

    def input_data(self) -> dict[str, Any]:
        levels = []
        for n in range(1, LEVEL_ROWS + 1):
            name = (self.cleaned_data.get(f"name_{n}") or "").strip()
            if not name:
                continue
            days = self.cleaned_data.get(f"days_{n}")
            levels.append(
                {
                    "level": len(levels) + 1,
                    "name": name,
                    "days_after_due": days if days is not None else -1,
                    "fee": self.cleaned_data.get(f"fee_{n}") or 0,
                    "interest": bool(self.cleaned_data.get(f"interest_{n}")),
                }
            )
        return {"levels": levels}
