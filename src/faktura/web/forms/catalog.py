"""Forms for units, products, price lists and product assignments."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from faktura.catalog.inputs import (
    PriceListCreate,
    PriceListUpdate,
    PriceSet,
    ProductAssignmentCreate,
    ProductAssignmentUpdate,
    ProductCreate,
    ProductUpdate,
    UnitCreate,
    UnitUpdate,
)
from faktura.catalog.models import AssignmentScope, LineKind, Product, VatCategory
from faktura.web.forms.common import TypedInputForm, blank, optional_decimal, text
from faktura.web.forms.work import id_choices, trim

ACTIVE_CHOICES = (("", _("Active and inactive")), ("1", _("Active")), ("0", _("Inactive")))


class ProductFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=blank(_("All kinds")) + Product.Kind.choices
    )
    active = forms.ChoiceField(label=_("Status"), required=False, choices=ACTIVE_CHOICES)


class ProductForm(TypedInputForm):
    input_type = ProductCreate
    update_type = ProductUpdate
    send_all = True

    name = text(_("Name"), required=True)
    sku = text(_("Article number"), max_length=60)
    kind = forms.ChoiceField(label=_("Kind"), choices=Product.Kind.choices)
    unit = forms.ChoiceField(label=_("Unit"))
    default_unit_price = optional_decimal(
        _("Default unit price"), help_text=_("Net, up to 6 decimal places.")
    )
    vat_category = forms.ChoiceField(label=_("VAT category"), choices=VatCategory.choices)
    vat_rate = forms.DecimalField(
        label=_("VAT rate (%)"),
        localize=True,
        initial=Decimal("19"),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "num"}),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = blank(_("Choose a unit")) + [
            (u.code, f"{u.name} ({u.code})") for u in units
        ]

    @staticmethod
    def initial_for(product) -> dict[str, Any]:
        return {
            "name": product.name,
            "sku": product.sku,
            "kind": product.kind,
            "unit": product.unit.code,
            "default_unit_price": trim(product.default_unit_price),
            "vat_category": product.vat_category,
            "vat_rate": trim(product.vat_rate),
            "is_active": product.is_active,
            "description": product.description,
        }


class PriceListFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    currency = forms.CharField(label=_("Currency"), required=False, max_length=3)
    active = forms.ChoiceField(label=_("Status"), required=False, choices=ACTIVE_CHOICES)


class PriceListForm(TypedInputForm):
    input_type = PriceListCreate
    update_type = PriceListUpdate
    send_all = True

    name = text(_("Name"), required=True, max_length=100)
    currency = text(_("Currency"), required=True, max_length=3)
    is_tenant_default = forms.BooleanField(
        label=_("Company default for its currency"), required=False
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class PriceForm(TypedInputForm):
    input_type = PriceSet

    unit_price = forms.DecimalField(
        label=_("Unit price"),
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "num"}),
    )


class UnitForm(TypedInputForm):
    input_type = UnitCreate
    update_type = UnitUpdate
    send_all = True

    code = text(_("UN/ECE code"), required=True, max_length=3, placeholder="HUR")
    name = text(_("Name"), max_length=60)
    symbol = text(_("Symbol"), max_length=12)


class AssignmentFilterForm(forms.Form):
    scope = forms.ChoiceField(
        label=_("Scope"), required=False, choices=blank(_("All scopes")) + AssignmentScope.choices
    )
    line_kind = forms.ChoiceField(
        label=_("Line kind"), required=False, choices=blank(_("All line kinds")) + LineKind.choices
    )


def target_choices(scope: str, *, tasks=(), contacts=(), members=(), teams=()) -> list:
    """The objects an assignment at `scope` can point at."""
    if scope == AssignmentScope.TASK:
        return [(t.pk, f"#{t.number} {t.title}") for t in tasks]
    if scope == AssignmentScope.CONTACT:
        return id_choices(contacts)
    if scope == AssignmentScope.MEMBERSHIP:
        return id_choices(members, lambda m: m.display_name)
    if scope == AssignmentScope.TEAM:
        return id_choices(teams)
    return []


class AssignmentForm(TypedInputForm):
    input_type = ProductAssignmentCreate
    update_type = ProductAssignmentUpdate
    send_all = True

    scope = forms.ChoiceField(label=_("Scope"), choices=AssignmentScope.choices)
    scope_id = forms.TypedChoiceField(
        label=_("Applies to"), coerce=int, required=False, empty_value=None
    )
    line_kind = forms.ChoiceField(label=_("Line kind"), choices=LineKind.choices)
    product_id = forms.TypedChoiceField(label=_("Product"), coerce=int)
    price_list_id = forms.TypedChoiceField(
        label=_("Price list"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, targets=(), products=(), price_lists=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope_id"].choices = blank("—") + list(targets)
        self.fields["product_id"].choices = blank(_("Choose a product")) + id_choices(products)
        self.fields["price_list_id"].choices = blank(_("None")) + id_choices(price_lists)

    @staticmethod
    def initial_for(assignment) -> dict[str, Any]:
        return {
            "scope": assignment.scope,
            "scope_id": assignment.scope_id,
            "line_kind": assignment.line_kind,
            "product_id": assignment.product_id,
            "price_list_id": assignment.price_list_id,
        }
