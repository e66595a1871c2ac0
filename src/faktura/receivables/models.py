"""Payments, their reversals, the allocation ledger that settles invoices, and invoices marked
as sent by hand.

An invoice's open amount is derived from its `Allocation` rows (`core.receivables.balance`),
never stored. Nothing here is edited or deleted once written: a reversed payment gets a
`PaymentReversal` and a negative allocation.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from faktura.common.models import TenantOwnedModel
from faktura.core import receivables as rules


class Payment(TenantOwnedModel):
    """Money received from the customer for one invoice."""

    class Method(models.TextChoices):
        BANK_TRANSFER = "bank_transfer", _("Bank transfer")
        CASH = "cash", _("Cash")
        CARD = "card", _("Card")
        DIRECT_DEBIT = "direct_debit", _("Direct debit")
        OTHER = "other", _("Other")

    invoice = models.ForeignKey("billing.Invoice", on_delete=models.PROTECT, related_name="+")
    contact = models.ForeignKey("contacts.Contact", on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(max_digits=16, decimal_places=2)  # positive
    currency = models.CharField(max_length=3)
    date = models.DateField()
    method = models.CharField(max_length=14, choices=Method.choices)
    reference = models.CharField(max_length=140, blank=True)

    class Meta:
        ordering = ["date", "id"]
        indexes = [
            models.Index(fields=["tenant", "invoice"]),
            models.Index(fields=["tenant", "contact"]),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} on {self.date}"


class PaymentReversal(TenantOwnedModel):
    """A payment taken back (a bounced transfer, a mistake), with the reason. One per payment:
    a reversed payment cannot be reversed again."""

    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="reversal")
    date = models.DateField()
    reason = models.TextField()

    def __str__(self) -> str:
        return f"reversal of payment {self.payment_id}"


class Allocation(TenantOwnedModel):
    """One row of an invoice's ledger: `amount` is what it takes off the open amount (negative
    for a reversal or credit moved away)."""

    class Kind(models.TextChoices):
        PAYMENT = rules.PAYMENT, _("Payment")  # money received for the invoice
        PAYMENT_REVERSAL = rules.PAYMENT_REVERSAL, _("Payment reversed")  # negative
        CREDIT_NOTE = rules.CREDIT_NOTE, _("Credit note")  # a credit note of the invoice
        WRITE_OFF = rules.WRITE_OFF, _("Written off")  # a remainder written off, with a reason
        CREDIT_APPLIED = rules.CREDIT_APPLIED, _("Credit applied")  # customer credit used here
        CREDIT_TRANSFER = rules.CREDIT_TRANSFER, _("Credit moved")  # negative: credit moved on

    invoice = models.ForeignKey(
        "billing.Invoice", on_delete=models.PROTECT, related_name="allocations"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    amount = models.DecimalField(max_digits=16, decimal_places=2)
    currency = models.CharField(max_length=3)
    date = models.DateField()
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="allocations"
    )
    credit_note = models.ForeignKey(
        "billing.Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A credit transfer and the application it funds point at each other's invoice.
    source = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["tenant", "invoice"])]
        constraints = [
            # A credit note settles its invoice once.
            models.UniqueConstraint(
                fields=["credit_note"],
                condition=models.Q(kind="credit_note"),
                name="allocation_one_per_credit_note",
            ),
            # A payment is allocated once and reversed once.
            models.UniqueConstraint(
                fields=["payment", "kind"],
                condition=models.Q(payment__isnull=False),
                name="allocation_one_per_payment_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} {self.currency}"


class SentMark(TenantOwnedModel):
    """An invoice delivered outside Faktura's e-mail (post, a portal), marked sent by hand."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        POST = "post", _("Post")
        PORTAL = "portal", _("Portal")
        OTHER = "other", _("Other")

    invoice = models.ForeignKey("billing.Invoice", on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    date = models.DateField()

    class Meta:
        ordering = ["date", "id"]

    def __str__(self) -> str:
        return f"{self.channel} {self.date}"
