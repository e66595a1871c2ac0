"""Forms for the settings pages: company profile, tokens, members, teams."""

from __future__ import annotations

from typing import Any

import pydantic
from django import forms
from django.utils.translation import gettext_lazy as _

from faktura.common.errors import ValidationFailed
from faktura.tenancy.inputs import (
    MembershipInvite,
    MembershipTermsSet,
    MembershipUpdate,
    TeamCreate,
    TenantUpdate,
    TokenCreate,
)
from faktura.tenancy.models import Tenant
from faktura.tenancy.roles import Role
from faktura.tenancy.services import LOGO_MAX_BYTES, logo_check
from faktura.web.forms.common import (
    LANGUAGE_CHOICES,
    RoundingFieldsMixin,
    TypedInputForm,
    blank,
    country_choices,
    optional_decimal,
    optional_int,
    text,
    timezone_choices,
)
from faktura.web.forms.work import DATE_WIDGET


class TenantForm(RoundingFieldsMixin, TypedInputForm):
    """The company profile as one `TenantUpdate`: the input checks the values, all at once."""

    input_type = TenantUpdate
    input_aliases = {"time_rounding": "tr_increment"}
    rounding_optional = False

    name = text(_("Legal name"), required=True)
    street = text(_("Street"))
    postal_code = text(_("Postal code"), max_length=20)
    city = text(_("City"), max_length=100)
    country = forms.ChoiceField(label=_("Country"))
    vat_id = text(_("VAT ID"), max_length=20)
    tax_number = text(_("Tax number"), max_length=30)
    peppol_id = text(
        _("Peppol ID"),
        max_length=140,
        help_text=_(
            "Your Peppol participant ID as scheme:value, e.g. 0088:4012345000009 (GLN) or "
            "9930:DE123456789. Empty: derived from the VAT ID."
        ),
    )
    email = forms.CharField(
        label=_("E-mail"), required=False, max_length=254, widget=forms.EmailInput
    )
    phone = text(_("Phone"), max_length=40)
    website = text(_("Website"))
    managing_directors = text(_("Managing directors"))
    register_court = text(_("Register court"), max_length=100)
    register_number = text(_("Register number"), max_length=40)
    iban = text(_("IBAN"), max_length=42)
    bic = text(_("BIC"), max_length=11)
    bank_name = text(_("Bank"), max_length=100)
    currency = text(_("Currency"), required=True, max_length=3)
    timezone = forms.ChoiceField(label=_("Time zone"))
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)
    payment_terms_days = forms.IntegerField(label=_("Payment terms (days)"))
    cash_discount_percent = optional_decimal(
        _("Cash discount (%)"),
        help_text=_("Skonto in percent, e.g. 2 when paid within the days below. Empty: none."),
    )
    cash_discount_days = optional_int(
        _("Cash discount (days)"), help_text=_("Days after the invoice date.")
    )
    invoice_number_format = text(
        _("Invoice number format"),
        required=True,
        max_length=60,
        help_text=_("Tokens: {YYYY}, {YY}, {MM}, {seq} or {seq:04}."),
    )
    credit_note_number_format = text(_("Credit note number format"), required=True, max_length=60)
    # Not required: left empty (or missing from an older form), the format stays as it is.
    offer_number_format = text(
        _("Offer number format"),
        max_length=60,
        help_text=_("Restarts every year, so it needs {YYYY} or {YY}."),
    )
    number_reset = forms.ChoiceField(
        label=_("Restart numbering"), choices=Tenant.NumberReset.choices
    )
    require_approval = forms.BooleanField(label=_("Entries need approval"), required=False)
    accent_color = forms.CharField(
        label=_("Accent colour"), max_length=7, widget=forms.TextInput(attrs={"type": "color"})
    )
    invoice_footer = forms.CharField(
        label=_("Invoice footer (German)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    invoice_footer_en = forms.CharField(
        label=_("Invoice footer (English)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Printed on documents in the customer's language; if empty, the other one."),
    )
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/svg+xml"}),
        help_text=_("PNG, JPEG or SVG, at most 1 MB."),
    )
    logo_remove = forms.BooleanField(label=_("Remove the logo"), required=False)
    timesheet_appendix = forms.BooleanField(
        label=_("Timesheet appendix on invoices"), required=False
    )
    email_subject_de = text(_("Subject (German)"), required=True, max_length=200)
    email_body_de = forms.CharField(
        label=_("Message (German)"), widget=forms.Textarea(attrs={"rows": 7})
    )
    email_subject_en = text(_("Subject (English)"), required=True, max_length=200)
    email_body_en = forms.CharField(
        label=_("Message (English)"), widget=forms.Textarea(attrs={"rows": 7})
    )

    # Not profile fields: the view hands them to the logo services.
    LOGO_FIELDS = ("logo", "logo_remove")
    # What the e-mail subject and message may contain, as the template lists them.
    email_placeholders = (
        ("{number}", _("the invoice or credit note number")),
        ("{kind}", _("“Invoice” or “Credit note”, in the customer's language")),
        ("{customer}", _("the customer's name")),
        ("{company}", _("your company name")),
        ("{gross}", _("the gross amount")),
        ("{due_date}", _("the due date")),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = country_choices()
        self.fields["timezone"].choices = timezone_choices()

    def clean_logo(self):
        upload = self.cleaned_data.get("logo")
        if upload is None:
            return None
        if upload.size > LOGO_MAX_BYTES:
            raise forms.ValidationError(_("At most 1 MB."))
        try:
            logo_check(upload.read())
        except ValidationFailed as exc:
            raise forms.ValidationError(exc.fields.get("logo", exc.message)) from exc
        upload.seek(0)
        return upload

    def input_data(self) -> dict[str, Any]:
        # Every field as it stands (an emptied field is sent empty, so it is cleared).
        data = {
            k: v
            for k, v in self.cleaned_data.items()
            if not k.startswith("tr_") and k not in self.LOGO_FIELDS
        }
        if "tr_increment" in self.cleaned_data:
            data["time_rounding"] = self.time_rounding()
        if not data.get("offer_number_format"):
            data.pop("offer_number_format", None)  # left empty: it stays as it is
        return data

    @classmethod
    def initial_for(cls, tenant) -> dict[str, Any]:
        names = [n for n in cls.base_fields if not n.startswith("tr_") and n not in cls.LOGO_FIELDS]
        return {n: getattr(tenant, n) for n in names} | cls.rounding_initial(tenant.time_rounding)


class TokenForm(TypedInputForm):
    """A new API token (`TokenCreate`)."""

    input_type = TokenCreate

    name = text(_("Name"), required=True, max_length=100, placeholder=_("e.g. Accounting sync"))
    membership_id = forms.TypedChoiceField(
        label=_("Acts as"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        if members:
            self.fields["membership_id"].choices = blank(_("Myself")) + [
                (m.pk, m.display_name) for m in members
            ]
        else:
            del self.fields["membership_id"]


def role_choices():
    return list(Role.choices)


class MemberForm(forms.Form):
    """Invite a person: the same fields as the API's MembershipInvite. No name and no
    password: the person chooses them when accepting."""

    email = forms.EmailField(label=_("E-mail"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=role_choices, initial=Role.MEMBER)
    team_id = forms.TypedChoiceField(label=_("Team"), coerce=int, required=False, empty_value=None)
    default_billing_rate = optional_decimal(_("Default hourly rate"))

    def __init__(self, *args, teams=(), show_rates: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team_id"].choices = blank(_("No team")) + [(t.pk, t.name) for t in teams]
        if not show_rates:
            del self.fields["default_billing_rate"]

    def input_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k in self.changed_data}

    def clean(self):
        data = super().clean()
        if not self.errors:
            values = {k: data.get(k) for k in self.fields}
            try:
                self.invite = MembershipInvite(**values)
            except pydantic.ValidationError as exc:
                for error in exc.errors():
                    name = str(error["loc"][0]) if error["loc"] else None
                    self.add_error(name if name in self.fields else None, error["msg"])
        return data


class MemberUpdateForm(TypedInputForm):
    """A member's change: the fields changed on the form, as one `MembershipUpdate`."""

    input_type = MembershipUpdate

    role = forms.ChoiceField(label=_("Role"), choices=role_choices)
    team_id = forms.TypedChoiceField(label=_("Team"), coerce=int, required=False, empty_value=None)
    default_billing_rate = optional_decimal(_("Default hourly rate"))
    is_active = forms.BooleanField(label=_("Active"), required=False)

    def __init__(self, *args, teams=(), show_rates: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team_id"].choices = blank(_("No team")) + [(t.pk, t.name) for t in teams]
        if not show_rates:
            del self.fields["default_billing_rate"]

    def input_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k in self.changed_data}


class TeamForm(TypedInputForm):
    """A new team (`TeamCreate`)."""

    input_type = TeamCreate

    name = text(_("Name"), required=True, max_length=100)


class MemberTermsForm(TypedInputForm):
    """A member's cost rate and weekly target from a day on (`MembershipTermsSet`)."""

    input_type = MembershipTermsSet

    valid_from = forms.DateField(label=_("Valid from"), widget=DATE_WIDGET)
    cost_rate = optional_decimal(_("Internal cost per hour"))
    weekly_hours = optional_decimal(_("Weekly target (hours)"))
