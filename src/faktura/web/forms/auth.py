"""Forms of signing up by invitation."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from faktura.web.forms.common import text


class AcceptInvitationForm(forms.Form):
    """A new person's name and password, chosen by them. The password rules (Django's
    validators) are the service's; this form checks that both entries match."""

    name = text(_("Your name"), max_length=150)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters; not a common or an all-numeric password."),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_password2(self) -> str:
        first = self.cleaned_data.get("password1")
        second = self.cleaned_data.get("password2")
        if first and second and first != second:
            raise forms.ValidationError(_("The two passwords differ."))
        return second
