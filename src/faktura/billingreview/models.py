"""The month-end billing review of one customer: which entries are billed now, deferred or
written off, and the invoice it generated. Its state is stored, so a review survives a reload
and can be finished by another person."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from faktura.common.models import TenantOwnedModel


class BillingReview(TenantOwnedModel):
    """One customer's review for a period. The entries it shows are fixed when it is started
    (or its period changes): one `BillingReviewDecision` row each."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")  # being reviewed; nothing billed yet
        ISSUED = "issued", _("Generated")  # its invoice (issued or a draft) was generated
        CLOSED = "closed", _("Closed")  # nothing billed; its deferrals and write-offs applied
        ABANDONED = "abandoned", _("Abandoned")  # dropped; none of its decisions applied

    contact = models.ForeignKey("contacts.Contact", on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField()
    period_end = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    # A frame order of the app above billing that registers `billing.hooks.frame_order_options`;
    # an id, not a foreign key, so the review does not depend on that app.
    frame_order_id = models.PositiveBigIntegerField(null=True, blank=True)
    payment_terms_days = models.PositiveSmallIntegerField(null=True, blank=True)
    po_number = models.CharField(max_length=60, blank=True)
    notes = models.TextField(blank=True)
    write_off_reason = models.CharField(max_length=500, blank=True)
    invoice = models.ForeignKey(
        "billing.Invoice", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "contact", "status"])]

    def __str__(self) -> str:
        return f"Review {self.pk} ({self.period_start} - {self.period_end})"


class BillingReviewDecision(models.Model):
    """What happens to one entry of a review when its invoice is generated."""

    class Decision(models.TextChoices):
        BILL = "bill", _("Bill")  # on this invoice
        DEFER = "defer", _("Defer")  # stays unbilled, back in a later review
        WRITE_OFF = "write_off", _("Write off")  # never billed; hours stay recorded

    review = models.ForeignKey(BillingReview, on_delete=models.CASCADE, related_name="decisions")
    entry = models.ForeignKey("work.TaskEntry", on_delete=models.CASCADE, related_name="+")
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.BILL)
    defer_until = models.DateField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "entry"], name="review_decision_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.entry_id}: {self.decision}"
