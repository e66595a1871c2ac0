"""Forms of the offer screens and of a fixed-price project's billing. Each builds the typed
input the API takes (`offers.inputs`); the limits are declared there, once."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from faktura.offers.inputs import OfferCreate, OfferLineIn, OfferSend, PartialInvoiceCreate
from faktura.web.forms.common import blank, optional_decimal, text
from faktura.web.forms.receivables import TypedInputForm
from faktura.web.forms.work import DATE_WIDGET


class OfferForm(TypedInputForm):
    input_type = OfferCreate

    contact_id = forms.TypedChoiceField(label=_("Customer"), coerce=int)
    title = text(_("Title"), required=True, max_length=200, placeholder=_("e.g. Website relaunch"))
    valid_until = forms.DateField(label=_("Valid until"), required=False, widget=DATE_WIDGET)
    intro_text = forms.CharField(
        label=_("Introduction"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, contacts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact_id"].choices = blank(_("Choose a customer")) + [
            (c.pk, c.name) for c in contacts
        ]


class OfferLineForm(TypedInputForm):
    """A position: a product from the catalog or free text."""

    input_type = OfferLineIn

    product_id = forms.TypedChoiceField(
        label=_("Product"), required=False, coerce=int, empty_value=None
    )
    title = text(_("Title"), max_length=300, placeholder=_("default: the product's name"))
    description = forms.CharField(label=_("Description"), required=False)
    quantity = optional_decimal(_("Quantity"))
    unit = forms.ChoiceField(label=_("Unit"))
    unit_price = optional_decimal(_("Unit price"))
    vat_rate = optional_decimal(_("VAT rate (%)"))

    def __init__(self, *args, units=(), products=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = list(units)
        self.fields["product_id"].choices = blank(_("Free text")) + [
            (p.pk, p.name) for p in products
        ]


class OfferSendForm(TypedInputForm):
    input_type = OfferSend

    to = forms.EmailField(label=_("Send to"), required=False)


class PartialInvoiceForm(TypedInputForm):
    input_type = PartialInvoiceCreate

    percent = optional_decimal(_("Percent of the price"))
    amount = optional_decimal(_("or net amount"))
