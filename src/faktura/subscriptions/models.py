"""Recurring and one-time billing: subscriptions and their price changes, products attached
to a project, and the record of each company's month-end runs."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from faktura.common.models import TenantOwnedModel


class Subscription(TenantOwnedModel):
    """A product billed to a customer every period (see `core.subscriptions` for periods, due
    dates and proration). `billed_through` is the first period start not billed yet and
    `next_due` that period's due date, so a due run reads only the subscriptions that are due."""

    class Interval(models.TextChoices):
        MONTHLY = "monthly", _("Monthly")  # calendar months
        QUARTERLY = "quarterly", _("Quarterly")  # calendar quarters
        YEARLY = "yearly", _("Yearly")  # calendar years

    class Billing(models.TextChoices):
        ADVANCE = "advance", _("In advance")  # due on the first day of the period
        ARREARS = "arrears", _("In arrears")  # due on the last day of the period

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")  # billed when due
        PAUSED = "paused", _("Paused")  # not billed; periods of the pause are skipped
        ENDED = "ended", _("Ended")  # never billed again

    contact = models.ForeignKey("contacts.Contact", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey(
        "work.Project", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    interval = models.CharField(max_length=10, choices=Interval.choices, default="monthly")
    billing = models.CharField(max_length=10, choices=Billing.choices, default="advance")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    quantity = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    unit_price = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    billed_through = models.DateField(null=True, blank=True)
    next_due = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["tenant", "status", "next_due"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="subscription_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} for {self.contact_id} ({self.interval})"


class SubscriptionPrice(TenantOwnedModel):
    """A price change effective from a date: a period is billed at the price in force on its
    first served day."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="prices")
    effective_from = models.DateField()
    unit_price = models.DecimalField(max_digits=18, decimal_places=6)

    class Meta:
        ordering = ["effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "effective_from"], name="subscription_price_unique_day"
            ),
        ]


class ProjectProduct(TenantOwnedModel):
    """A one-time product on a project (a workshop, a setup fee), billed once when due."""

    class Due(models.TextChoices):
        ON_READY_TO_BILL = "on_ready_to_bill", _("When the project is ready to bill")
        NEXT_RUN = "next_run", _("With the next run")

    project = models.ForeignKey("work.Project", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(max_digits=14, decimal_places=4)
    unit_price = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    description = models.TextField(blank=True)
    due = models.CharField(max_length=20, choices=Due.choices, default=Due.NEXT_RUN)
    billed_at = models.DateTimeField(null=True, blank=True)  # its billable item was created

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["tenant", "billed_at"])]


class MonthEndRun(TenantOwnedModel):
    """A company's month-end run for one month: the unique key lets two schedulers never both
    run it."""

    period = models.CharField(max_length=7)  # YYYY-MM
    result = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "period"], name="month_end_run_unique"),
        ]
