"""Forms for projects, tasks, time entries and approvals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from faktura.core.durations import format_minutes
from faktura.web.forms.common import (
    RoundingFieldsMixin,
    TypedInputForm,
    blank,
    optional_decimal,
    optional_int,
    text,
)
from faktura.work.inputs import (
    EntryCreate,
    EntryReject,
    EntryUpdate,
    ProjectCreate,
    ProjectMemberRate,
    ProjectUpdate,
    TaskCreate,
    TaskUpdate,
    local_span,
)
from faktura.work.models import Project, Task, TaskEntry

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def trim(value: Decimal | None) -> Decimal | None:
    """A stored decimal without its trailing zeros, for form inputs (95.000000 -> 95)."""
    if value is None:
        return None
    return value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()


def choice_field(label, choices, *, empty=None, coerce=str) -> forms.TypedChoiceField:
    items = (blank(empty) if empty is not None else []) + list(choices)
    return forms.TypedChoiceField(
        label=label,
        choices=items,
        coerce=coerce,
        required=empty is None,
        empty_value=None if coerce is int else "",
    )


def id_choices(objects, label=str) -> list[tuple[int, str]]:
    return [(obj.pk, label(obj)) for obj in objects]


# --- tasks ----------------------------------------------------------------------------------


class TaskFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    project = forms.TypedChoiceField(
        label=_("Project"), required=False, coerce=int, empty_value=None
    )
    client = forms.TypedChoiceField(
        label=_("Customer"), required=False, coerce=int, empty_value=None
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=(
            ("", _("All statuses")),
            ("active", _("Open and in progress")),
            *Task.Status.choices,
        ),
    )
    assignee = forms.TypedChoiceField(
        label=_("Assignee"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, projects=(), contacts=(), members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = blank(_("All projects")) + id_choices(projects)
        self.fields["client"].choices = blank(_("All customers")) + id_choices(contacts)
        self.fields["assignee"].choices = blank(_("Anyone")) + id_choices(
            members, lambda m: m.display_name
        )


class TaskForm(TypedInputForm):
    """A new ticket (`TaskCreate`) or, when editing, the changed fields (`TaskUpdate`)."""

    input_type = TaskCreate
    update_type = TaskUpdate

    project_id = forms.TypedChoiceField(label=_("Project"), coerce=int)
    title = text(_("Title"), required=True, max_length=300)
    task_type = forms.ChoiceField(label=_("Type"), choices=Task.TaskType.choices)
    status = forms.ChoiceField(label=_("Status"), choices=Task.Status.choices)
    client_id = forms.TypedChoiceField(
        label=_("Customer"), coerce=int, required=False, empty_value=None
    )
    assignee_id = forms.TypedChoiceField(
        label=_("Assignee"), coerce=int, required=False, empty_value=None
    )
    billable = forms.TypedChoiceField(
        label=_("Billable"),
        choices=(("", _("As the project")), ("1", _("Billable")), ("0", _("Not billable"))),
        coerce=lambda v: v == "1",
        required=False,
        empty_value=None,
    )
    estimate_hours = optional_decimal(_("Estimate (hours)"))
    product_id = forms.TypedChoiceField(
        label=_("Product"), coerce=int, required=False, empty_value=None
    )
    price_list_id = forms.TypedChoiceField(
        label=_("Price list"), coerce=int, required=False, empty_value=None
    )
    unit = forms.ChoiceField(label=_("Unit"), required=False)
    unit_price = optional_decimal(_("Unit price"))
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )

    PRICE_FIELDS = ("product_id", "price_list_id", "unit", "unit_price")

    def __init__(
        self,
        *args,
        projects=(),
        contacts=(),
        members=(),
        products=(),
        price_lists=(),
        units=(),
        show_prices: bool = True,
        set_billing: bool = True,
        editing: bool = False,
        **kwargs,
    ):
        super().__init__(*args, edit=editing, **kwargs)
        self.editing = editing
        self.fields["project_id"].choices = blank(_("Choose a project")) + id_choices(
            projects, lambda p: f"{p.number} · {p.name}" if p.number else p.name
        )
        self.fields["client_id"].choices = blank(_("The project's customer")) + id_choices(contacts)
        self.fields["assignee_id"].choices = blank(_("Nobody")) + id_choices(
            members, lambda m: m.display_name
        )
        if show_prices:
            self.fields["product_id"].choices = blank(_("None")) + id_choices(products)
            self.fields["price_list_id"].choices = blank(_("None")) + id_choices(price_lists)
            self.fields["unit"].choices = blank(_("None")) + [
                (u.code, f"{u.name} ({u.code})") for u in units
            ]
        else:
            for name in self.PRICE_FIELDS:
                del self.fields[name]
        if not set_billing:
            # What is billed and to whom is billing's (set_task_billing): shown, not editable.
            # A new task takes its project's customer and billing; an existing one keeps its
            # project too.
            for name in ("client_id", "billable", *(("project_id",) if editing else ())):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Set by billing.")

    def input_data(self) -> dict[str, Any]:
        return self.update_data() if self.editing else self.create_data()

    def create_data(self) -> dict[str, Any]:
        """The fields given; empty optional choices are left to the service's defaults."""
        data = dict(self.cleaned_data)
        for name in ("client_id", "billable", "product_id", "price_list_id", "unit_price"):
            if data.get(name) is None:
                data.pop(name, None)
        if not data.get("unit"):
            data.pop("unit", None)
        return data

    def update_data(self) -> dict[str, Any]:
        """Only the changed fields (the price fields need a role that may set prices)."""
        data = {
            name: self.cleaned_data[name] for name in self.changed_data if name in self.cleaned_data
        }
        if "billable" in data and data["billable"] is None:
            del data["billable"]
        return data

    @staticmethod
    def initial_for(task) -> dict[str, Any]:
        return {
            "project_id": task.project_id,
            "title": task.title,
            "task_type": task.task_type,
            "status": task.status,
            "client_id": task.client_id,
            "assignee_id": task.assignee_id,
            "billable": "1" if task.billable else "0",
            "estimate_hours": trim(task.estimate_hours),
            "product_id": task.product_id,
            "price_list_id": task.price_list_id,
            "unit": task.unit.code if task.unit_id else "",
            "unit_price": trim(task.unit_price),
            "description": task.description,
        }


# --- projects -------------------------------------------------------------------------------


class ProjectFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    contact = forms.TypedChoiceField(
        label=_("Customer"), required=False, coerce=int, empty_value=None
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=blank(_("All statuses")) + Project.Status.choices
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=blank(_("All kinds")) + Project.Kind.choices
    )
    value_group = forms.ChoiceField(
        label=_("Value group"),
        required=False,
        choices=blank(_("All value groups")) + Project.ValueGroup.choices,
    )
    billing_model = forms.ChoiceField(
        label=_("Billing model"),
        required=False,
        choices=blank(_("All billing models")) + Project.BillingModel.choices,
    )

    def __init__(self, *args, contacts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].choices = blank(_("All customers")) + id_choices(contacts)


class ProjectForm(RoundingFieldsMixin, TypedInputForm):
    """A new project (`ProjectCreate`) or, when editing, the changed fields
    (`ProjectUpdate`)."""

    input_type = ProjectCreate
    update_type = ProjectUpdate

    name = text(_("Name"), required=True)
    number = text(_("Project number"), max_length=30)
    contact_id = forms.TypedChoiceField(
        label=_("Customer"), coerce=int, required=False, empty_value=None
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Project.Kind.choices)
    scope = forms.ChoiceField(label=_("Scope"), choices=Project.Scope.choices)
    value_group = forms.ChoiceField(label=_("Value group"), choices=Project.ValueGroup.choices)
    billing_model = forms.ChoiceField(
        label=_("Billing model"), choices=Project.BillingModel.choices
    )
    status = forms.ChoiceField(label=_("Status"), choices=Project.Status.choices)
    hourly_rate = optional_decimal(_("Hourly rate"))
    fixed_price = optional_decimal(_("Fixed price"))
    budget_hours = optional_decimal(_("Budget (hours)"))
    budget_warning_percent = optional_int(_("Budget warning at (%)"), min_value=1, max_value=1000)
    currency = text(_("Currency"), max_length=3, placeholder=_("as the customer"))
    start_date = forms.DateField(label=_("Start"), required=False, widget=DATE_WIDGET)
    end_date = forms.DateField(label=_("End"), required=False, widget=DATE_WIDGET)
    po_number = text(_("Purchase order number"), max_length=60)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    # Not part of the project's input: saved by `work.absence.project_absence_set`.
    is_absence = forms.BooleanField(
        label=_("Absence (holiday, sickness)"),
        required=False,
        help_text=_("Time on this project lowers the available hours in the utilization report."),
    )

    RATE_FIELDS = ("hourly_rate", "fixed_price")

    def __init__(
        self,
        *args,
        contacts=(),
        show_rates: bool = True,
        edit: bool = False,
        absence: bool = False,
        **kwargs,
    ):
        """``absence``: offer the absence checkbox (editing an internal project)."""
        super().__init__(*args, edit=edit, **kwargs)
        self.editing = edit
        self.fields["contact_id"].choices = blank(_("No customer (internal)")) + id_choices(
            contacts
        )
        if not show_rates:
            for name in self.RATE_FIELDS:
                del self.fields[name]
        if not absence:
            del self.fields["is_absence"]

    @property
    def absence_changed(self) -> bool:
        """Whether the absence checkbox is offered and was changed."""
        return "is_absence" in self.fields and "is_absence" in self.changed_data

    def input_data(self) -> dict[str, Any]:
        data = {
            k: v
            for k, v in self.cleaned_data.items()
            if not k.startswith("tr_") and k != "is_absence"
        }
        data["time_rounding"] = self.time_rounding()
        data["currency"] = (data.get("currency") or "").upper()
        if not self.editing:
            if not data["currency"]:
                del data["currency"]  # the customer's, else the company's
            return data
        changed = set(self.changed_data)
        if changed & {"tr_increment", "tr_direction", "tr_minimum", "tr_level"}:
            changed.add("time_rounding")
        return {k: v for k, v in data.items() if k in changed}

    @classmethod
    def initial_for(cls, project) -> dict[str, Any]:
        names = [n for n in cls.base_fields if not n.startswith("tr_")]
        initial = {n: getattr(project, n) for n in names if n != "contact_id"}
        initial["contact_id"] = project.contact_id
        for name in ("hourly_rate", "fixed_price", "budget_hours"):
            initial[name] = trim(initial[name])
        return initial | cls.rounding_initial(project.time_rounding)


class ProjectMemberRateForm(TypedInputForm):
    input_type = ProjectMemberRate

    membership_id = forms.TypedChoiceField(label=_("Member"), coerce=int)
    hourly_rate = optional_decimal(_("Hourly rate"))

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["membership_id"].choices = blank(_("Choose a member")) + id_choices(
            members, lambda m: m.display_name
        )

    def input_data(self) -> dict[str, Any]:
        return {"hourly_rate": self.cleaned_data.get("hourly_rate")}


# --- entries --------------------------------------------------------------------------------


def searching_task_picker(field: forms.Field) -> None:
    """Mark a task select for app.js: it becomes a combobox that searches open tasks as one
    types (web:task_search); without JavaScript it stays the plain select."""
    field.widget.attrs["data-task-picker"] = reverse_lazy("web:task_search")


class TimerStartForm(forms.Form):
    task_id = forms.TypedChoiceField(label=_("Task"), coerce=int)
    description = text(_("What are you working on?"), max_length=500)

    def __init__(self, *args, tasks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["task_id"].choices = blank(_("Choose a task")) + task_choices(tasks)
        searching_task_picker(self.fields["task_id"])


def task_choices(tasks) -> list[tuple[int, str]]:
    return [(t.pk, f"#{t.number} {t.title} · {t.project.name}") for t in tasks]


# Service field -> form field, for errors about the entry's times.
ENTRY_ALIASES = {"started_at": "start_time", "stopped_at": "end_time"}


class EntryForm(TypedInputForm):
    """One form for every kind; the fields another kind uses are ignored on save. Builds an
    `EntryCreate`, or when editing an `EntryUpdate` of every field but the kind; times are
    read in the time zone `tz`."""

    input_type = EntryCreate
    update_type = EntryUpdate
    input_aliases = ENTRY_ALIASES

    kind = forms.ChoiceField(label=_("Kind"), choices=TaskEntry.Kind.choices)
    task_id = forms.TypedChoiceField(label=_("Task"), coerce=int)
    date = forms.DateField(label=_("Date"), widget=DATE_WIDGET)
    start_time = forms.TimeField(label=_("From"), required=False, widget=TIME_WIDGET)
    end_time = forms.TimeField(label=_("To"), required=False, widget=TIME_WIDGET)
    duration = forms.CharField(
        label=_("Duration"),
        required=False,
        max_length=20,
        help_text=_("Instead of From and To: 1:30, 1,5, 90m or 1h 30m."),
    )
    distance_km = optional_decimal(_("Distance (km)"))
    transport_minutes = forms.IntegerField(label=_("Travel time (minutes)"), required=False)
    quantity = optional_decimal(_("Quantity"))
    unit_price = optional_decimal(_("Unit price"))
    product_id = forms.TypedChoiceField(
        label=_("Product"), required=False, coerce=int, empty_value=None
    )
    description = text(_("Description"), max_length=2000)

    KIND_FIELDS = {
        TaskEntry.Kind.TIME: ("start_time", "end_time", "duration"),
        TaskEntry.Kind.MILEAGE: ("distance_km", "transport_minutes"),
        TaskEntry.Kind.EXPENSE: ("quantity", "unit_price", "product_id"),
        TaskEntry.Kind.GOODS: ("quantity", "unit_price", "product_id"),
    }

    def __init__(
        self,
        *args,
        tz,
        tasks=(),
        show_prices: bool = True,
        products=(),
        edit: bool = False,
        **kwargs,
    ):
        super().__init__(*args, edit=edit, **kwargs)
        self.tz = tz
        self.editing = edit
        self.fields["task_id"].choices = blank(_("Choose a task")) + task_choices(tasks)
        searching_task_picker(self.fields["task_id"])
        self.fields["product_id"].choices = blank(_("As the task")) + id_choices(products)
        if not show_prices:
            del self.fields["unit_price"]

    def clean(self):
        data = super().clean()
        if data.get("kind") != TaskEntry.Kind.TIME:
            return data
        if (data.get("duration") or "").strip():
            # A bare duration for the day, without clock times (the input checks it).
            return data
        # A time entry logged afterwards has both ends (or a duration); the timer records
        # running ones.
        for name in ("start_time", "end_time"):
            if data.get(name) is None and name not in self.errors:
                self.add_error(name, _("Enter the time."))
        return data

    def input_data(self) -> dict[str, Any]:
        """The entry's fields for its kind (all but the kind when editing)."""
        data = self.cleaned_data
        kind = data.get("kind") or TaskEntry.Kind.TIME
        out: dict[str, Any] = {
            "task_id": data.get("task_id"),
            "date": data.get("date"),
            "description": data.get("description", ""),
        }
        if not self.editing:
            out["kind"] = kind
        if kind == TaskEntry.Kind.TIME:
            day = data.get("date") or timezone.localdate(timezone=self.tz)
            span = local_span(day, data.get("start_time"), data.get("end_time"), self.tz)
            out["started_at"], out["stopped_at"] = span
            out["duration"] = (data.get("duration") or "").strip() or None
        else:
            for name in self.KIND_FIELDS[kind]:
                if name in self.fields:
                    out[name] = data.get(name)
        return out

    @staticmethod
    def initial_for(entry, tz) -> dict[str, Any]:
        def local_time(value):
            return timezone.localtime(value, tz).time().replace(second=0) if value else None

        return {
            "kind": entry.kind,
            "task_id": entry.task_id,
            "date": entry.date,
            "start_time": local_time(entry.started_at),
            "end_time": local_time(entry.stopped_at),
            "duration": (
                format_minutes(entry.duration_seconds // 60)
                if entry.kind == TaskEntry.Kind.TIME and entry.started_at is None
                else ""
            ),
            "distance_km": trim(entry.distance_km),
            "transport_minutes": entry.transport_minutes,
            "quantity": trim(entry.quantity),
            "unit_price": trim(entry.unit_price),
            "product_id": entry.product_id,
            "description": entry.description,
        }


class RejectForm(TypedInputForm):
    input_type = EntryReject

    reason = text(_("Reason"), required=True, max_length=1000)
