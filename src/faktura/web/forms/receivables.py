"""Forms of the receivables screens. Each collecting form builds the same typed input the API
takes (`receivables.inputs`), so the limits are declared once, there; the form only parses what
people type (a German "1.234,50") and shows the input's errors next to its fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from faktura.receivables.inputs import (
    BankTransactionIgnore,
    BankTransactionMatch,
    CreditApply,
    InvoiceMarkSent,
    InvoiceWriteOff,
    PaymentRecord,
    PaymentReverse,
)
from faktura.receivables.models import Payment, SentMark
from faktura.web.forms.billing import parse_decimal
from faktura.web.forms.common import blank
from faktura.web.forms.work import DATE_WIDGET

# What the errors of the typed inputs say, in the reader's language (pydantic's own messages
# are English).
INPUT_ERRORS = {
    "greater_than": _("Must be more than 0."),
    "decimal_max_places": _("At most 2 decimals."),
    "decimal_max_digits": _("Too large."),
    "decimal_whole_digits": _("Too large."),
    "string_too_short": _("This field is required."),
    "string_too_long": _("Too long."),
    "missing": _("This field is required."),
}


class TypedInputForm(forms.Form):
    """A form whose cleaned data becomes one typed input (`input_type`)."""

    input_type: type[BaseModel]

    def input_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if v is not None and v != ""}

    def to_input(self) -> Any:
        """The typed input, or None with the errors on the form."""
        if not self.is_valid():
            return None
        try:
            return self.input_type.model_validate(self.input_data())
        except PydanticValidationError as exc:
            for err in exc.errors():
                name = str(err["loc"][0]) if err["loc"] else None
                message = INPUT_ERRORS.get(err["type"], err["msg"])
                self.add_error(name if name in self.fields else None, message)
            return None


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


class BankIgnoreForm(TypedInputForm):
    input_type = BankTransactionIgnore

    note = forms.CharField(label=_("Note"), required=False)
