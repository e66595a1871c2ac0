"""Frame orders and their ledger.

A frame order's balance (hours and amount billed and remaining, utilization, status) is derived
from its `FrameOrderLedger` rows (`core.frame_orders`), never stored: an issued invoice writes
a draw row, its credit note a reversal row (DESIGN.md section 4, invariant 5).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from faktura.common.models import TenantOwnedModel
from faktura.core import frame_orders as rules
from faktura.core import retainers as retainer_rules


class FrameOrder(TenantOwnedModel):
    """A customer's blanket purchase order: a pool of hours and/or an amount, valid for a
    period, covering some of the customer's projects (none named: all of them)."""

    class OveragePolicy(models.TextChoices):
        BLOCK = rules.BLOCK, _("Block")  # an invoice that overdraws the pool is not issued
        WARN = rules.WARN, _("Warn")  # it is issued and the draw records a warning
        ALLOW = rules.ALLOW, _("Allow")  # it is issued

    contact = models.ForeignKey("contacts.Contact", on_delete=models.PROTECT, related_name="+")
    po_number = models.CharField(_("PO number"), max_length=60)
    hours = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    amount = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    projects = models.ManyToManyField("work.Project", blank=True, related_name="+")
    overage_policy = models.CharField(
        max_length=5, choices=OveragePolicy.choices, default=OveragePolicy.BLOCK
    )
    low_threshold_percent = models.PositiveSmallIntegerField(default=20)
    closed = models.BooleanField(default=False)
    notes = models.TextField(blank=True)
    # The last threshold ("low", "exhausted") the account owners were e-mailed about.
    alerted = models.CharField(max_length=10, blank=True)

    # Attached by the selectors (`with_balance`, `decorate`); not columns.
    balance: rules.Balance
    status: str

    class Meta:
        ordering = ["contact_id", "valid_from", "id"]
        indexes = [models.Index(fields=["tenant", "contact"])]

    def __str__(self) -> str:
        return self.po_number


class FrameOrderLedger(TenantOwnedModel):
    """One draw-down or reversal: hours and amount an issued invoice took from the pool
    (positive), or its credit note gave back (negative). Written once, never edited."""

    class Kind(models.TextChoices):
        DRAW = "draw", _("Draw")  # an issued invoice
        REVERSAL = "reversal", _("Reversal")  # a credit note of such an invoice

    frame_order = models.ForeignKey(FrameOrder, on_delete=models.PROTECT, related_name="ledger")
    invoice = models.ForeignKey("billing.Invoice", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    hours = models.DecimalField(max_digits=14, decimal_places=4)
    amount = models.DecimalField(max_digits=16, decimal_places=2)
    warning = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # An invoice (or credit note) draws once: issuing is never counted twice.
            models.UniqueConstraint(fields=["invoice"], name="frame_order_ledger_one_per_invoice")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.hours} h"


class Retainer(TenantOwnedModel):
    """A project's monthly retainer: `hours_per_month` at a fixed `monthly_fee`, billed as one
    line; hours beyond it (and beyond what rolled over) at `overage_rate` (None: the time
    lines' own price) (`core.retainers`)."""

    class Rollover(models.TextChoices):
        NONE = retainer_rules.NONE, _("Unused hours expire")  # at the end of the month
        NEXT_MONTH = retainer_rules.NEXT_MONTH, _("Unused hours roll over to the next month")

    project = models.ForeignKey("work.Project", on_delete=models.PROTECT, related_name="+")
    hours_per_month = models.DecimalField(max_digits=8, decimal_places=2)
    monthly_fee = models.DecimalField(max_digits=14, decimal_places=2)
    overage_rate = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    rollover = models.CharField(max_length=10, choices=Rollover.choices, default=Rollover.NONE)
    rollover_cap_hours = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["project_id", "start_date", "id"]
        indexes = [models.Index(fields=["tenant", "project"])]

    def __str__(self) -> str:
        return f"{self.hours_per_month} h / month"


class RetainerMonth(TenantOwnedModel):
    """The usage ledger of one retainer month, written when the month's draft is built (and
    rewritten while it is a draft): used, included, rolled-in, overage, carried and expired
    hours. The next month reads `carried` as its rolled-in hours.

    A credit note that credits the month's fee line reverses the month (`credit_note`): when it
    released the month's time for billing again, `invoice` is cleared and the month is billed
    again on its own draft by the next billing run, of whatever month; otherwise the month stays
    credited and passes no rollover hours on."""

    retainer = models.ForeignKey(Retainer, on_delete=models.PROTECT, related_name="months")
    month = models.DateField()  # the first day of the month
    invoice = models.ForeignKey(
        "billing.Invoice", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The (last) credit note that credited this month's fee line.
    credit_note = models.ForeignKey(
        "billing.Invoice", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    used_hours = models.DecimalField(max_digits=14, decimal_places=4)
    included_hours = models.DecimalField(max_digits=8, decimal_places=2)
    rolled_in_hours = models.DecimalField(max_digits=14, decimal_places=4)
    overage_hours = models.DecimalField(max_digits=14, decimal_places=4)
    carried_hours = models.DecimalField(max_digits=14, decimal_places=4)
    expired_hours = models.DecimalField(max_digits=14, decimal_places=4)

    class Meta:
        ordering = ["retainer_id", "month"]
        constraints = [
            models.UniqueConstraint(fields=["retainer", "month"], name="retainer_month_unique")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}: {self.used_hours} h"

    @property
    def state(self) -> str:
        """`billed`; `credited` (reversed for good); `reopened` (reversed, waiting to be billed
        again); `rebilled` (reversed, then billed on another invoice)."""
        if self.credit_note_id is None:
            return "billed"
        if self.invoice_id is None:
            return "reopened"
        return "rebilled" if self.invoice_id != self.credited_invoice_id else "credited"

    @property
    def credited_invoice_id(self) -> int | None:
        note = self.credit_note
        return None if note is None else note.credit_note_of_id
