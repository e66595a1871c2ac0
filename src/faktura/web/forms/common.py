"""Shared form pieces: field helpers, country and time zone choices, the rounding fields."""

from __future__ import annotations

import zoneinfo
from functools import lru_cache
from typing import Any

from babel import Locale
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from faktura.common.inputs import input_error_message
from faktura.core.time_rounding import DIRECTIONS, INCREMENTS_MINUTES, LEVELS
from faktura.core.validation import COUNTRY_CODES

LANGUAGE_CHOICES = (("de", _("German")), ("en", _("English")))
DIRECTION_LABELS = {
    "up": _("Round up"),
    "nearest": _("Round to nearest"),
    "down": _("Round down"),
    "none": _("Do not round"),
}
LEVEL_LABELS = {"entry": _("Each entry"), "task_day": _("Per ticket and day")}


def blank(label) -> list[tuple[str, Any]]:
    return [("", label)]


@lru_cache(maxsize=4)
def _country_names(language: str) -> tuple[tuple[str, str], ...]:
    territories = Locale.parse(language).territories
    names = [(code, f"{territories.get(code, code)} ({code})") for code in COUNTRY_CODES]
    return tuple(sorted(names, key=lambda item: item[1]))


def country_choices() -> list[tuple[str, str]]:
    return list(_country_names("de" if (get_language() or "en").startswith("de") else "en"))


@lru_cache(maxsize=1)
def timezone_choices() -> tuple[tuple[str, str], ...]:
    names = sorted(z for z in zoneinfo.available_timezones() if "/" in z or z == "UTC")
    return tuple((z, z) for z in names)


def text(
    label, *, required: bool = False, max_length: int = 200, help_text="", **attrs
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        help_text=help_text,
        widget=forms.TextInput(attrs=attrs) if attrs else None,
    )


def optional_int(label, **kwargs) -> forms.IntegerField:
    return forms.IntegerField(label=label, required=False, **kwargs)


def optional_decimal(label, **kwargs) -> forms.DecimalField:
    """A decimal as typed (1.5 or, in German, 1,5); bounds and decimal places are the service's
    rules, checked there."""
    return forms.DecimalField(
        label=label,
        required=False,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "num"}),
        **kwargs,
    )


class LoginForm(AuthenticationForm):
    # People sign in with their e-mail address; Django's message speaks of a "username".
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Please enter a correct e-mail address and password."),
    }

    username = forms.CharField(
        label=_("E-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )

    def clean_username(self) -> str:
        # Logins are created with the lower-cased e-mail as user name.
        return (self.cleaned_data.get("username") or "").strip().lower()


class RoundingFieldsMixin(forms.Form):
    """The time-rounding rule as four fields (tr_*); optional on customers and projects, where
    an empty increment means "use the inherited rule"."""

    rounding_optional = True

    tr_increment = forms.TypedChoiceField(label=_("Rounding increment"), coerce=int, required=False)
    tr_direction = forms.ChoiceField(
        label=_("Rounding direction"), choices=[(d, DIRECTION_LABELS[d]) for d in DIRECTIONS]
    )
    tr_minimum = forms.IntegerField(label=_("Minimum charge (minutes)"), initial=0, min_value=0)
    tr_level = forms.ChoiceField(
        label=_("Rounding level"), choices=[(lv, LEVEL_LABELS[lv]) for lv in LEVELS]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        increments = [(m, _("%(minutes)s min") % {"minutes": m}) for m in INCREMENTS_MINUTES]
        if self.rounding_optional:
            self.fields["tr_increment"].choices = blank(_("Inherited rule")) + increments
            self.fields["tr_increment"].empty_value = None
            for name in ("tr_direction", "tr_minimum", "tr_level"):
                self.fields[name].required = False
        else:
            self.fields["tr_increment"].choices = increments
            self.fields["tr_increment"].required = True

    def time_rounding(self) -> dict | None:
        data = self.cleaned_data
        if data.get("tr_increment") in (None, ""):
            return None
        return {
            "increment_minutes": data["tr_increment"],
            "direction": data.get("tr_direction") or "up",
            "minimum_minutes": data.get("tr_minimum") or 0,
            "level": data.get("tr_level") or "entry",
        }

    @staticmethod
    def rounding_initial(rule: dict | None) -> dict[str, Any]:
        if not rule:
            return {}
        return {
            "tr_increment": rule.get("increment_minutes"),
            "tr_direction": rule.get("direction"),
            "tr_minimum": rule.get("minimum_minutes"),
            "tr_level": rule.get("level"),
        }


class TypedInputForm(forms.Form):
    """A form whose cleaned data becomes one typed input (`input_type`): the input's limits
    and rules are declared once, there; the form parses what people type (a German "1,5")
    and shows every error at once, each next to its field and in the reader's language."""

    input_type: type[BaseModel]
    # The input of a change (`partial`), used when the form edits an existing object.
    update_type: type[BaseModel] | None = None
    # Input field -> form field, where the form names a field differently.
    input_aliases: dict[str, str] = {}
    # Send every field as it stands (an emptied field is sent empty, so an edit clears it;
    # None where the input has a default of its own).
    send_all = False

    def __init__(self, *args: Any, edit: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if edit and self.update_type is not None:
            self.input_type = self.update_type

    def input_data(self) -> dict[str, Any]:
        if self.send_all:
            partial = getattr(self.input_type, "partial", False)
            return {k: v for k, v in self.cleaned_data.items() if partial or v is not None}
        return {k: v for k, v in self.cleaned_data.items() if v is not None and v != ""}

    def to_input(self) -> Any:
        """The typed input, or None with the errors on the form.

        The input is built even when some fields did not parse, so its own errors (and its
        rules across fields) are shown together with theirs."""
        valid = self.is_valid()
        try:
            data = self.input_type.model_validate(self.input_data())
        except PydanticValidationError as exc:
            self.add_input_errors(exc)
            return None
        return data if valid else None

    def add_input_errors(self, exc: PydanticValidationError) -> None:
        for err in exc.errors():
            name = str(err["loc"][0]) if err["loc"] else ""
            name = self.input_aliases.get(name, name)
            if name in self.errors:
                continue  # the form said what is wrong with it already
            message = input_error_message(err)
            if name in self.fields:
                self.add_error(name, message)
            else:
                label = name.replace("_", " ")
                self.add_error(None, f"{label}: {message}" if label else message)
