"""Projects, tasks (tickets) and task entries (time, mileage, expenses, goods)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from faktura.common.models import TenantOwnedModel


class Project(TenantOwnedModel):
    class Kind(models.TextChoices):
        SINGLE = "single", _("Single")  # one-off; billed when it is ready to bill
        ONGOING = "ongoing", _("Ongoing")  # continuous work, billed per period

    class Scope(models.TextChoices):
        EXTERNAL = "external", _("External")  # work for a customer (value group A)
        INTERNAL = "internal", _("Internal")  # own work (value groups B, C, D)

    class ValueGroup(models.TextChoices):
        A = "A", _("A – customer work")  # billable external work
        B = "B", _("B – investment")  # internal work that builds value (products, know-how)
        C = "C", _("C – overhead")  # necessary internal work (admin, sales)
        D = "D", _("D – waste")  # work nobody wanted (technical issues, rework)

    class BillingModel(models.TextChoices):
        TIME_AND_MATERIALS = "time_and_materials", _("Time and materials")  # entries billed
        FIXED_PRICE = "fixed_price", _("Fixed price")  # billed by agreed amount, not entries
        NON_BILLABLE = "non_billable", _("Not billable")  # never billed

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")  # work is logged
        ON_HOLD = "on_hold", _("On hold")  # paused; no new entries
        READY_TO_BILL = "ready_to_bill", _("Ready to bill")  # a single project, done
        COMPLETED = "completed", _("Completed")  # billed and closed
        ARCHIVED = "archived", _("Archived")  # hidden from daily lists

    number = models.CharField(_("project number"), max_length=30, blank=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.PROTECT,
        related_name="projects",
    )  # fmt: skip
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.ONGOING)
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.EXTERNAL)
    value_group = models.CharField(max_length=1, choices=ValueGroup.choices, default="A")
    # Internal projects only: time logged here is absence (holiday, sickness, training
    # leave); it is not work and lowers the hours a member is available (utilization report).
    is_absence = models.BooleanField(default=False)
    billing_model = models.CharField(
        max_length=20, choices=BillingModel.choices, default=BillingModel.TIME_AND_MATERIALS
    )
    hourly_rate = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    fixed_price = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    budget_hours = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    # The share of the budget hours at which the project page warns (fixed-price projects).
    budget_warning_percent = models.PositiveSmallIntegerField(default=80)
    currency = models.CharField(max_length=3, default="EUR")
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.ACTIVE)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    po_number = models.CharField(_("purchase order number"), max_length=60, blank=True)
    time_rounding = models.JSONField(null=True, blank=True)  # null: customer's or tenant's rule
    # null: the company's rule (tenancy.BillingTrigger)
    billing_trigger = models.CharField(max_length=12, null=True, blank=True)  # noqa: DJ001

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["tenant", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "number"],
                condition=~models.Q(number=""),
                name="project_unique_number",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(scope="external", value_group="A")
                    | models.Q(scope="internal", value_group__in=["B", "C", "D"])
                ),
                name="project_value_group_matches_scope",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProjectMember(TenantOwnedModel):
    """A member's rate on one project (price precedence: after the task, before the project)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="members")
    membership = models.ForeignKey(
        "tenancy.Membership", on_delete=models.CASCADE, related_name="project_rates"
    )
    hourly_rate = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "membership"], name="project_member_unique"),
        ]


class Task(TenantOwnedModel):
    """A ticket: the unit of work customers recognise on their invoice."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")  # not started
        IN_PROGRESS = "in_progress", _("In progress")  # being worked on
        DONE = "done", _("Done")  # work finished, awaiting closing
        CLOSED = "closed", _("Closed")  # closed; ready to bill

    class TaskType(models.TextChoices):
        SUPPORT = "support", _("Support")
        INCIDENT = "incident", _("Incident")
        CHANGE = "change", _("Change request")
        DEVELOPMENT = "development", _("Development")
        CONSULTING = "consulting", _("Consulting")
        MAINTENANCE = "maintenance", _("Maintenance")
        INSTALLATION = "installation", _("Installation")
        OTHER = "other", _("Other")

    number = models.PositiveIntegerField()  # ticket number, per tenant
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="tasks")
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    task_type = models.CharField(max_length=20, choices=TaskType.choices, default="support")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    billable = models.BooleanField(default=True)
    client = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.PROTECT,
        related_name="tasks",
    )  # fmt: skip
    assignee = models.ForeignKey(
        "tenancy.Membership", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="assigned_tasks",
    )  # fmt: skip
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    price_list = models.ForeignKey(
        "catalog.PriceList", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    unit = models.ForeignKey(
        "catalog.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit_price = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    estimate_hours = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-number"]
        indexes = [
            models.Index(fields=["tenant", "status"]),
            models.Index(fields=["project", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="task_unique_number"),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.title}"


# A running timer: a time entry that started and has not stopped. A time entry logged as a
# bare duration has neither end and is finished work, never a timer.
RUNNING_TIMER = models.Q(kind="time", started_at__isnull=False, stopped_at__isnull=True)


class TaskEntry(TenantOwnedModel):
    """Work logged on a task. Logged time is never rewritten; billing derives quantities."""

    class Kind(models.TextChoices):
        TIME = "time", _("Time")  # started_at/stopped_at (or neither), duration in seconds
        MILEAGE = "mileage", _("Mileage")  # distance_km and optional transport_minutes
        EXPENSE = "expense", _("Expense")  # quantity x unit_price, passed on
        GOODS = "goods", _("Goods")  # quantity x unit_price, delivered

    class Approval(models.TextChoices):
        DRAFT = "draft", _("Draft")  # being recorded; editable by its author
        SUBMITTED = "submitted", _("Submitted")  # waiting for an approver
        APPROVED = "approved", _("Approved")  # locked; may be billed
        REJECTED = "rejected", _("Rejected")  # sent back; editable, submit again

    class BillingState(models.TextChoices):
        UNBILLED = "unbilled", _("Unbilled")  # not yet compiled
        COMPILED = "compiled", _("Compiled")  # a pending billable item exists
        ON_DRAFT = "on_draft", _("On draft")  # its item is on an invoice draft
        INVOICED = "invoiced", _("Invoiced")  # on an issued invoice
        DEFERRED = "deferred", _("Deferred")  # carried forward to a later period
        WRITTEN_OFF = "written_off", _("Written off")  # will never be billed
        NOT_BILLABLE = "not_billable", _("Not billable")  # excluded from billing

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="entries")
    membership = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, related_name="entries"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.TIME)
    date = models.DateField()  # the day of the work in the tenant's time zone
    started_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(default=0)
    distance_km = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    transport_minutes = models.PositiveIntegerField(null=True, blank=True)
    quantity = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    unit_price = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    # Goods and expenses: the product sold (null: the task's or an assignment's, as compiled).
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.TextField(blank=True)
    approval_status = models.CharField(
        max_length=10, choices=Approval.choices, default=Approval.DRAFT
    )
    approved_by = models.ForeignKey(
        "tenancy.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)
    billing_state = models.CharField(
        max_length=12, choices=BillingState.choices, default=BillingState.UNBILLED
    )

    class Meta:
        ordering = ["-date", "-started_at", "-id"]
        verbose_name_plural = "task entries"
        indexes = [
            models.Index(fields=["tenant", "billing_state", "approval_status"]),
            models.Index(fields=["tenant", "date"]),
            models.Index(fields=["task", "date"]),
            # The time reports (value groups, utilization, deferred and written-off time):
            # a company's time entries of a period in day order, with every column those
            # reports sum or group by, so the database reads the index alone.
            models.Index(
                fields=[
                    "tenant",
                    "kind",
                    "date",
                    "membership",
                    "task",
                    "billing_state",
                    "duration_seconds",
                ],
                name="entry_report_scan",
            ),
        ]
        constraints = [
            # At most one running timer per member.
            models.UniqueConstraint(
                fields=["membership"],
                condition=RUNNING_TIMER,
                name="entry_one_running_timer",
            ),
            models.CheckConstraint(
                condition=models.Q(stopped_at__isnull=True)
                | models.Q(started_at__isnull=True)
                | models.Q(stopped_at__gte=models.F("started_at")),
                name="entry_stop_after_start",
            ),
            # A stop without a start is neither a timer nor a bare duration.
            models.CheckConstraint(
                condition=models.Q(stopped_at__isnull=True) | models.Q(started_at__isnull=False),
                name="entry_stop_needs_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.task_id} ({self.date})"

    @property
    def is_running(self) -> bool:
        return (
            self.kind == self.Kind.TIME and self.started_at is not None and self.stopped_at is None
        )

    @property
    def is_submittable(self) -> bool:
        """Not submitted or approved (a draft or sent back): its author may still submit it."""
        return self.approval_status in (self.Approval.DRAFT, self.Approval.REJECTED)

    @property
    def is_editable(self) -> bool:
        """Whether the entry may still be changed or deleted: submitted and approved entries
        are locked until an approver reopens them, and billing must not have taken it."""
        return self.is_submittable and self.billing_state == self.BillingState.UNBILLED
