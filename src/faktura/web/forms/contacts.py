"""Forms for customers."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from faktura.contacts.inputs import ContactCreate, ContactUpdate
from faktura.contacts.models import CustomerKind, EInvoiceFormat, TaxTreatment
from faktura.web.forms.common import (
    LANGUAGE_CHOICES,
    RoundingFieldsMixin,
    TypedInputForm,
    blank,
    country_choices,
    optional_decimal,
    optional_int,
    text,
)


class ContactForm(RoundingFieldsMixin, TypedInputForm):
    """A new customer (`ContactCreate`) or, with `contact`, a change of one (`ContactUpdate`);
    the inputs check the values, the form only parses them."""

    input_aliases = {"time_rounding": "tr_increment"}

    name = text(_("Legal name"), required=True)
    customer_number = text(_("Customer number"), max_length=30)
    street = text(_("Street"))
    postal_code = text(_("Postal code"), max_length=20)
    city = text(_("City"), max_length=100)
    country = forms.ChoiceField(label=_("Country"), initial="DE")
    vat_id = text(_("VAT ID"), max_length=20, placeholder="DE123456789")
    leitweg_id = text(_("Leitweg-ID"), max_length=46, placeholder="04011000-1234512345-06")
    peppol_id = text(
        _("Peppol ID"),
        max_length=140,
        placeholder="0088:4012345000009",
        help_text=_(
            "Scheme and value, e.g. 9930:DE123456789. Empty: derived from the Leitweg-ID or "
            "the VAT ID."
        ),
    )
    einvoice_format = forms.ChoiceField(
        label=_("E-invoice format"),
        required=False,
        choices=blank(_("Automatic: XRechnung with a Leitweg-ID, else PDF with Factur-X"))
        + list(EInvoiceFormat.choices),
        help_text=_("The PDF with Factur-X always goes along."),
    )
    email = forms.CharField(
        label=_("Invoice e-mail"), required=False, max_length=254, widget=forms.EmailInput
    )
    phone = text(_("Phone"), max_length=40)
    contact_person = text(_("Contact person"))
    language = forms.ChoiceField(label=_("Invoice language"), choices=LANGUAGE_CHOICES)
    currency = text(_("Currency"), required=True, max_length=3, placeholder="EUR")
    payment_terms_days = optional_int(
        _("Payment terms (days)"), help_text=_("Empty: the company's payment terms.")
    )
    cash_discount_percent = optional_decimal(
        _("Cash discount (%)"), help_text=_("Empty: the company's; 0: no cash discount.")
    )
    cash_discount_days = optional_int(
        _("Cash discount (days)"), help_text=_("Empty: the company's.")
    )
    tax_treatment = forms.ChoiceField(label=_("Tax treatment"), choices=TaxTreatment.choices)
    customer_kind = forms.ChoiceField(
        label=_("Customer kind"),
        required=False,
        choices=CustomerKind.choices,
        initial=CustomerKind.BUSINESS,
        help_text=_("Decides the default interest on late payment (§ 288 BGB)."),
    )
    exemption_reason = text(
        _("Exemption reason"),
        max_length=300,
        help_text=_("Printed on invoices of exempt customers."),
    )
    price_list_id = forms.TypedChoiceField(
        label=_("Price list"), coerce=int, required=False, empty_value=None
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, price_lists=(), contact=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.input_type = ContactCreate if contact is None else ContactUpdate
        self.fields["country"].choices = country_choices()
        self.fields["price_list_id"].choices = blank(_("Company default")) + [
            (p.pk, str(p)) for p in price_lists
        ]

    def input_data(self) -> dict[str, Any]:
        # Every field as it stands (an emptied field is sent empty, so an edit clears it).
        data = {k: v for k, v in self.cleaned_data.items() if not k.startswith("tr_")}
        if "customer_kind" in data:
            data["customer_kind"] = data["customer_kind"] or CustomerKind.BUSINESS
        if "tr_increment" in self.cleaned_data:
            data["time_rounding"] = self.time_rounding()
        return data

    @classmethod
    def initial_for(cls, contact) -> dict[str, Any]:
        names = [n for n in cls.base_fields if not n.startswith("tr_")]
        initial = {n: getattr(contact, n) for n in names if n != "price_list_id"}
        initial["price_list_id"] = contact.price_list_id
        return initial | cls.rounding_initial(contact.time_rounding)


class ContactFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    country = forms.ChoiceField(label=_("Country"), required=False)
    tax_treatment = forms.ChoiceField(
        label=_("Tax treatment"),
        required=False,
        choices=blank(_("All tax treatments")) + list(TaxTreatment.choices),
    )
    active = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=(("", _("Active and inactive")), ("1", _("Active")), ("0", _("Inactive"))),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = blank(_("All countries")) + country_choices()
