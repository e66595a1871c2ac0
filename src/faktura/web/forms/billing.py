"""Forms of the billing screens: filters, generation, the draft review, sending, credit notes
and numbering. They parse input; the billing services check the rules."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.formats import date_format, localize, sanitize_separators
from django.utils.translation import gettext_lazy as _

from faktura.billing.inputs import (
    CreditNoteCreate,
    InvoiceLineAdd,
    InvoiceUpdate,
    NumberingSetNext,
)
from faktura.billing.models import BillableItem, Invoice
from faktura.catalog.models import LineKind
from faktura.common.inputs import parse
from faktura.core.time_rounding import seconds_to_hours
from faktura.web.forms.common import (
    TypedInputForm,
    blank,
    optional_decimal,
    optional_int,
    text,
)
from faktura.web.forms.work import DATE_WIDGET, id_choices
from faktura.web.templatetags.web import money, price

GENERATION_GROUPINGS = (Invoice.Grouping.CONTACT, Invoice.Grouping.PROJECT, Invoice.Grouping.TASK)
GROUPING_LABELS = dict(Invoice.Grouping.choices)
INVOICE_STATUS_CHOICES = (
    ("", _("All statuses")),
    ("open", _("Open (issued or sent)")),
    ("overdue", _("Overdue")),
    (Invoice.Status.ISSUED, _("Issued")),
    (Invoice.Status.SENT, _("Sent")),
    (Invoice.Status.PAID, _("Paid")),
    (Invoice.Status.VOID, _("Void")),
)


def _customer_field() -> forms.TypedChoiceField:
    return forms.TypedChoiceField(label=_("Customer"), required=False, coerce=int, empty_value=None)


def parse_quantity(value: str) -> Decimal:
    """A billed quantity as typed: decimal hours or units in the active language ("12,5",
    "12.5"), or hours and minutes for time ("12:00", "10:45"). `ValueError` otherwise."""
    value = (value or "").strip()
    if ":" in value:
        # A sign is a number's sign ("-0:30"): whether a negative quantity is allowed is the
        # service's rule, and it says so; it is not "not a number".
        sign, digits = (-1, value[1:].strip()) if value.startswith("-") else (1, value)
        hours, _sep, minutes = digits.partition(":")
        if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
            raise ValueError(value)
        if int(minutes) >= 60:
            raise ValueError(value)
        return sign * seconds_to_hours(int(hours) * 3600 + int(minutes) * 60)
    return parse_decimal(value)


def parse_decimal(value: str) -> Decimal:
    """A decimal as typed in the active language ("1.234,50" in German). `ValueError` for
    anything else."""
    try:
        parsed = Decimal(sanitize_separators((value or "").strip()))
    except (InvalidOperation, ValueError):
        raise ValueError(value) from None
    if not parsed.is_finite():
        raise ValueError(value)
    return parsed


# --- billable items ---------------------------------------------------------------------------


class ItemFilterForm(forms.Form):
    contact = _customer_field()
    project = forms.TypedChoiceField(
        label=_("Project"), required=False, coerce=int, empty_value=None
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=blank(_("All kinds")) + list(LineKind.choices)
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[*BillableItem.Status.choices, ("all", _("All statuses"))],
    )

    def __init__(self, *args, contacts=(), projects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].choices = blank(_("All customers")) + id_choices(contacts)
        self.fields["project"].choices = blank(_("All projects")) + id_choices(projects)

    def selected_status(self) -> str | None:
        """The status to list: pending unless chosen; "all" lists every status."""
        value = (self.cleaned_data.get("status") if self.is_bound else "") or "pending"
        return None if value == "all" else value


class GenerateForm(forms.Form):
    grouping = forms.ChoiceField(
        label=_("One invoice"),
        choices=[(g.value, g.label) for g in GENERATION_GROUPINGS],
        initial=Invoice.Grouping.CONTACT,
    )


# --- review -----------------------------------------------------------------------------------


class ManualInvoiceForm(forms.Form):
    contact_id = forms.TypedChoiceField(label=_("Customer"), coerce=int)

    def __init__(self, *args, contacts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact_id"].choices = blank(_("Choose a customer")) + id_choices(contacts)


class BillingRunForm(forms.Form):
    period = forms.CharField(
        label=_("Period"),
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
        help_text=_(
            "Ongoing projects: the month's work joins one open draft per customer and "
            "project. Single projects ready to bill: all their work."
        ),
    )


class DraftHeaderForm(TypedInputForm):
    """A draft's details; every field is sent (an emptied one clears it)."""

    input_type = InvoiceUpdate
    send_all = True

    po_number = text(_("PO number"), max_length=60)
    buyer_reference = text(
        _("Buyer reference"), max_length=100, help_text=_("Leitweg-ID for public customers.")
    )
    service_period_start = forms.DateField(
        label=_("Service period from"), required=False, widget=DATE_WIDGET
    )
    service_period_end = forms.DateField(
        label=_("Service period to"), required=False, widget=DATE_WIDGET
    )
    payment_terms_days = optional_int(
        _("Payment terms (days)"), help_text=_("Empty: the customer's or the company's terms.")
    )
    cash_discount_percent = optional_decimal(
        _("Cash discount (%)"),
        help_text=_("Empty: the customer's or the company's; 0: no cash discount."),
    )
    cash_discount_days = optional_int(
        _("Cash discount (days)"), help_text=_("Empty: the customer's or the company's.")
    )
    intro_text = forms.CharField(
        label=_("Text above the lines"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    closing_text = forms.CharField(
        label=_("Text below the totals"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    frame_order_id = forms.TypedChoiceField(
        label=_("Frame order"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("Issuing draws the invoice's hours from it and prints its PO number."),
    )

    def __init__(self, *args: Any, frame_orders: Any = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["frame_order_id"].choices = blank(_("No frame order")) + [
            (f["id"], _frame_order_label(f)) for f in frame_orders
        ]

    @classmethod
    def initial_for(cls, invoice: Invoice) -> dict[str, Any]:
        return {name: getattr(invoice, name) for name in cls.base_fields}


def _frame_order_label(frame_order: dict[str, Any]) -> str:
    left = frame_order["hours_remaining"]
    if left is None:
        return str(frame_order["po_number"])
    return _("%(po)s (%(left)s h left)") % {"po": frame_order["po_number"], "left": f"{left:.2f}"}


class ManualLineForm(TypedInputForm):
    input_type = InvoiceLineAdd

    product_id = forms.TypedChoiceField(
        label=_("Product"), required=False, coerce=int, empty_value=None
    )
    title = text(
        _("Title"),
        required=True,
        max_length=300,
        placeholder=_("e.g. Travel costs, licence, flat fee"),
    )
    quantity = optional_decimal(_("Quantity"))
    unit = forms.ChoiceField(label=_("Unit"))
    unit_price = optional_decimal(_("Unit price"))
    vat_rate = optional_decimal(_("VAT rate (%)"))
    vat_category = forms.ChoiceField(
        label=_("VAT"),
        required=False,
        choices=[
            ("", _("As the customer")),
            ("S", _("Standard rate")),
            ("Z", _("Zero rated")),
            ("E", _("Exempt")),
        ],
    )
    exemption_reason = text(
        _("Exemption reason"), max_length=300, placeholder=_("e.g. Steuerfrei nach § 4 Nr. 8 UStG")
    )

    def __init__(self, *args, units=(), products=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = list(units)
        self.fields["product_id"].choices = blank(_("Free text")) + [
            (p.pk, p.name) for p in products
        ]
        for name in ("quantity", "unit_price"):
            self.fields[name].required = True

    def clean(self):
        data = super().clean()
        # The rate field is the standard rate (prefilled 19 %); zero-rated and exempt lines
        # are at 0 %, so a rate left in the field does not apply to them.
        if data.get("vat_category") not in ("", "S", None):
            data["vat_rate"] = None
        return data


# --- issued invoices --------------------------------------------------------------------------


class InvoiceFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=INVOICE_STATUS_CHOICES)
    contact = _customer_field()
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=blank(_("All types")) + list(Invoice.Kind.choices)
    )

    def __init__(self, *args, contacts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].choices = blank(_("All customers")) + id_choices(contacts)


class SendForm(forms.Form):
    to = forms.EmailField(label=_("Recipient"), max_length=254)
    resend = forms.BooleanField(label=_("Send again"), required=False)


def credit_line_label(line, currency: str) -> str:
    """A line as the credit-note form lists it, so two lines with the same title can be told
    apart: position, title, period, quantity and net amount."""
    parts = [f"{line.position}. {line.title}"]
    if line.period_start:
        period = date_format(line.period_start, "SHORT_DATE_FORMAT")
        if line.period_end and line.period_end != line.period_start:
            period += " – " + date_format(line.period_end, "SHORT_DATE_FORMAT")
        parts.append(period)
    unit = getattr(line, "unit_symbol", line.unit)
    parts.append(f"{price(line.quantity)} {unit}")
    parts.append(money(line.net_amount, currency))
    return " · ".join(parts)


def _plain(value: Decimal) -> Decimal:
    """A quantity without trailing zeros (1.5, not 1.5000) and never in exponent form."""
    return Decimal(f"{value.normalize():f}")


class CreditNoteForm(forms.Form):
    """The whole invoice, or the selected lines, each all of it that is not credited yet or a
    part of its quantity (`quantity_<line id>`); the work released or written off; a reason
    printed on the credit note. Builds `CreditNoteCreate`."""

    scope = forms.ChoiceField(
        label=_("Credit"),
        choices=(("all", _("The whole invoice")), ("lines", _("The selected lines"))),
        initial="all",
        widget=forms.RadioSelect,
    )
    line_ids = forms.TypedMultipleChoiceField(
        label=_("Lines"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    entries = forms.ChoiceField(
        label=_("The credited work"),
        choices=(
            ("release", _("Release it: the entries can be billed again")),
            ("write_off", _("Write it off: the entries are never billed again")),
        ),
        initial="release",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Printed on the credit note and shown in the invoice's history."),
    )

    def __init__(self, *args, lines=(), currency: str = "EUR", open_quantities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = list(lines)
        # what is left to credit of each line (its magnitude; all of it when not given)
        self.open = {
            line.pk: abs((open_quantities or {}).get(line.pk, line.quantity)) for line in self.lines
        }
        self.fields["line_ids"].choices = [
            (line.pk, credit_line_label(line, currency)) for line in self.lines
        ]
        for line in self.lines:
            left = _plain(self.open[line.pk])
            field = optional_decimal(
                _("Quantity to credit"), initial=left, max_digits=14, decimal_places=4
            )
            field.widget.attrs["placeholder"] = localize(left)  # empty: all that is left
            self.fields[self.quantity_name(line.pk)] = field

    @staticmethod
    def quantity_name(line_id: int) -> str:
        return f"quantity_{line_id}"

    def line_rows(self) -> list[tuple[Any, Any]]:
        """Each line's check box beside its quantity field, in the order of the lines."""
        boxes = list(self["line_ids"])
        return [
            (box, self[self.quantity_name(line.pk)])
            for box, line in zip(boxes, self.lines, strict=True)
        ]

    def _quantities(self) -> dict[int, Decimal | None]:
        """The quantity typed for each line; None: all that is left of it."""
        data = self.cleaned_data
        found: dict[int, Decimal | None] = {}
        for line in self.lines:
            value = data.get(self.quantity_name(line.pk))
            found[line.pk] = None if value is None or value == self.open[line.pk] else value
        return found

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        scope = data.get("scope")
        if scope == "lines" and not data.get("line_ids"):
            self.add_error("line_ids", _("Select the lines to credit."))
        chosen = set(data.get("line_ids") or ()) if scope == "lines" else set(self.open)
        release = data.get("entries") == "release"
        for line_id, value in self._quantities().items():
            name = self.quantity_name(line_id)
            if value is None or name in self.errors:
                continue
            left = self.open[line_id]
            if value <= 0:
                self.add_error(name, _("Enter a quantity above 0."))
            elif value > left:
                self.add_error(
                    name,
                    _("At most %(quantity)s is left to credit of this line.")
                    % {"quantity": localize(_plain(left))},
                )
            elif scope == "all":
                self.add_error(
                    name,
                    _('To credit a part of a line, choose "The selected lines" and select it.'),
                )
            elif line_id in chosen and release:
                self.add_error(
                    name,
                    _("Only a line credited in full releases its work: credit all of it, "
                      "or write the work off."),
                )  # fmt: skip
        return data

    def service_data(self) -> CreditNoteCreate:
        """The typed input (`parse`: a reason the documents cannot print is named on the form)."""
        data = self.cleaned_data
        lines = None
        if data["scope"] == "lines":
            quantities = self._quantities()
            lines = [{"line_id": pk, "quantity": quantities.get(pk)} for pk in data["line_ids"]]
        return parse(
            CreditNoteCreate,
            {
                "lines": lines,
                "release_entries": data["entries"] == "release",
                "reason": data.get("reason") or "",
            },
        )

    def service_aliases(self) -> dict[str, str]:
        """The input's field names (`lines.<n>.quantity`) as the form's fields."""
        aliases = {"reason": "reason"}
        if self.cleaned_data.get("scope") == "lines":
            for index, pk in enumerate(self.cleaned_data.get("line_ids") or ()):
                aliases[f"lines.{index}.quantity"] = self.quantity_name(pk)
                aliases[f"lines.{index}.line_id"] = "line_ids"
        return aliases


# --- numbering --------------------------------------------------------------------------------


class NumberingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Series"), choices=Invoice.Kind.choices)
    next_value = forms.IntegerField(label=_("Next counter value"), min_value=1)
    period = text(
        _("Counter period"),
        max_length=7,
        help_text=_("all, YYYY or YYYY-MM; empty: the current period."),
    )

    def service_data(self) -> dict[str, Any]:
        """The series and its typed input (`parse`: a bad period is named on the form)."""
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "data": parse(
                NumberingSetNext,
                {"next_value": data["next_value"], "period": data.get("period") or None},
            ),
        }


__all__ = [
    "GROUPING_LABELS",
    "BillingRunForm",
    "CreditNoteForm",
    "DraftHeaderForm",
    "GenerateForm",
    "InvoiceFilterForm",
    "ItemFilterForm",
    "ManualInvoiceForm",
    "ManualLineForm",
    "NumberingForm",
    "SendForm",
    "parse_decimal",
    "parse_quantity",
]
