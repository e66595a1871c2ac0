"""Forms of the subscriptions page and of manual billable items; each builds the same typed
input the API takes (`subscriptions.inputs`, `billing.inputs`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from faktura.billing.inputs import ManualItemCreate
from faktura.subscriptions.inputs import (
    DueRun,
    ProjectProductCreate,
    SubscriptionCreate,
    SubscriptionUpdate,
)
from faktura.subscriptions.models import ProjectProduct, Subscription
from faktura.web.forms.receivables import AmountField, TypedInputForm
from faktura.web.forms.work import DATE_WIDGET, id_choices


def _id_field(label, *, required: bool = True) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(label=label, required=required, coerce=int, empty_value=None)


class SubscriptionForm(TypedInputForm):
    input_type = SubscriptionCreate

    contact_id = _id_field(_("Customer"))
    product_id = _id_field(_("Product"))
    project_id = _id_field(_("Project"), required=False)
    interval = forms.ChoiceField(label=_("Interval"), choices=Subscription.Interval.choices)
    billing = forms.ChoiceField(label=_("Billing"), choices=Subscription.Billing.choices)
    start_date = forms.DateField(label=_("Start date"), widget=DATE_WIDGET)
    end_date = forms.DateField(label=_("End date"), required=False, widget=DATE_WIDGET)
    quantity = AmountField(
        label=_("Quantity"), required=False, help_text=_("Empty: variable, entered per period")
    )
    unit_price = AmountField(
        label=_("Unit price"), required=False, help_text=_("Empty: the product's price")
    )
    description = forms.CharField(label=_("Description"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=Subscription.Status.choices, required=False
    )

    def __init__(self, *args, contacts=(), products=(), projects=(), editing=False, **kw):
        super().__init__(*args, **kw)
        self.editing = editing
        self.fields["contact_id"].choices = [("", "—"), *id_choices(contacts)]
        self.fields["product_id"].choices = [("", "—"), *id_choices(products)]
        self.fields["project_id"].choices = [("", "—"), *id_choices(projects)]
        if editing:
            for name in ("contact_id", "product_id"):
                self.fields[name].required = False
                self.fields[name].disabled = True
        else:
            del self.fields["status"]

    def input_data(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if v is not None and v != ""}
        data["quantity"] = self.cleaned_data.get("quantity")  # empty: variable
        if self.editing:
            data.pop("contact_id", None)
            data.pop("product_id", None)
            data.setdefault("end_date", None)
            data.setdefault("unit_price", None)
            data.setdefault("project_id", None)
            data.setdefault("description", "")
        return data

    def to_input(self) -> Any:
        if self.editing:
            self.input_type = SubscriptionUpdate
        return super().to_input()


class ProjectProductForm(TypedInputForm):
    input_type = ProjectProductCreate

    product_id = _id_field(_("Product"))
    quantity = AmountField(label=_("Quantity"), initial="1")
    unit_price = AmountField(
        label=_("Unit price"), required=False, help_text=_("Empty: the product's price")
    )
    description = forms.CharField(label=_("Description"), required=False)
    due = forms.ChoiceField(label=_("Billed"), choices=ProjectProduct.Due.choices)

    def __init__(self, *args, products=(), **kw):
        super().__init__(*args, **kw)
        self.fields["product_id"].choices = [("", "—"), *id_choices(products)]


class DueRunForm(TypedInputForm):
    input_type = DueRun

    until = forms.DateField(label=_("Due until"), required=False, widget=DATE_WIDGET)


class ManualItemForm(TypedInputForm):
    input_type = ManualItemCreate

    contact_id = _id_field(_("Customer"), required=False)
    project_id = _id_field(_("Project"), required=False)
    title = forms.CharField(label=_("Title"), max_length=300)
    quantity = AmountField(label=_("Quantity"), initial="1")
    unit = forms.CharField(label=_("Unit"), max_length=3, initial="C62")
    unit_price = AmountField(label=_("Unit price"))
    vat_rate = AmountField(label=_("VAT rate"), initial="19")
    service_date = forms.DateField(label=_("Date"), required=False, widget=DATE_WIDGET)

    def __init__(self, *args, contacts=(), projects=(), **kw):
        super().__init__(*args, **kw)
        self.fields["contact_id"].choices = [("", "—"), *id_choices(contacts)]
        self.fields["project_id"].choices = [("", "—"), *id_choices(projects)]
