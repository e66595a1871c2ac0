"""Offers (quotes) with their positions, their number series, and the invoices that bill a
fixed-price project agreed by an offer (partial and final invoices)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from faktura.catalog.models import VatCategory
from faktura.common.models import TenantOwnedModel


class Offer(TenantOwnedModel):
    """A quote to a customer. Drafts change; a sent offer keeps its number and positions."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")  # being written; no number
        SENT = "sent", _("Sent")  # numbered and delivered; waits for the customer
        ACCEPTED = "accepted", _("Accepted")  # agreed: a fixed-price project bills it
        DECLINED = "declined", _("Declined")  # the customer said no

    number = models.CharField(max_length=60, null=True, blank=True)  # noqa: DJ001 - drafts: none
    sequence_period = models.CharField(max_length=10, blank=True)
    sequence_value = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    contact = models.ForeignKey("contacts.Contact", on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey(
        "work.Project", null=True, blank=True, on_delete=models.PROTECT, related_name="offers"
    )
    title = models.CharField(max_length=200)
    intro_text = models.TextField(blank=True)
    currency = models.CharField(max_length=3)
    language = models.CharField(max_length=2, default="de")
    offer_date = models.DateField(null=True, blank=True)  # set when sent
    valid_until = models.DateField(null=True, blank=True)
    net_total = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    vat_total = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    gross_total = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    vat_breakdown = models.JSONField(default=list, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_to = models.CharField(max_length=254, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)  # accepted or declined

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "number"],
                condition=models.Q(number__isnull=False),
                name="offer_unique_number",
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft", number__isnull=True)
                | (~models.Q(status="draft") & models.Q(number__isnull=False)),
                name="offer_number_iff_sent",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"Offer draft {self.pk}"


class OfferLine(TenantOwnedModel):
    """One position of an offer: a product or free text, quantity, unit, price and VAT."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.CharField(max_length=3)
    quantity = models.DecimalField(max_digits=14, decimal_places=4)
    unit_price = models.DecimalField(max_digits=18, decimal_places=6)
    net_amount = models.DecimalField(max_digits=16, decimal_places=2)
    vat_category = models.CharField(max_length=2, choices=VatCategory.choices, default="S")
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2)
    exemption_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["offer", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["offer", "position"], name="offer_line_position"),
        ]

    def __str__(self) -> str:
        return self.title


class OfferNumberSequence(TenantOwnedModel):
    """The counter of the offers' own number series, per year."""

    period = models.CharField(max_length=10)
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "period"], name="offer_sequence_unique"),
        ]


class ProjectInvoice(TenantOwnedModel):
    """An invoice that bills part or the rest of a fixed-price project's agreed price.

    A deleted draft takes its row with it; a voided invoice keeps it but no longer counts.
    """

    class Kind(models.TextChoices):
        PARTIAL = "partial", _("Partial invoice")  # a share of the price, before completion
        FINAL = "final", _("Final invoice")  # the whole price less the partial invoices

    project = models.ForeignKey("work.Project", on_delete=models.PROTECT, related_name="+")
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="project_invoices")
    invoice = models.OneToOneField(
        "billing.Invoice", on_delete=models.CASCADE, related_name="project_invoice"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    sequence = models.PositiveSmallIntegerField()  # partial invoice 1, 2, ...
    percent = models.DecimalField(max_digits=7, decimal_places=4)  # share of the net price
    net_amount = models.DecimalField(max_digits=16, decimal_places=2)

    class Meta:
        ordering = ["project", "sequence", "id"]
