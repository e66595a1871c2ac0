"""Rendered documents of issued invoices, stored once with their SHA-256."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from faktura.common.models import TenantOwnedModel


class DocumentFormat(models.TextChoices):
    PDF = "pdf", _("PDF (Factur-X, PDF/A-3)")  # the printable invoice with embedded CII XML
    XRECHNUNG_UBL = "xrechnung-ubl", _("XRechnung (UBL)")
    XRECHNUNG_CII = "xrechnung-cii", _("XRechnung (CII)")
    PEPPOL = "peppol", _("Peppol BIS Billing 3.0")


def _upload_to(document: StoredDocument, filename: str) -> str:
    return f"documents/{document.tenant_id}/{document.sha256[:2]}/{filename}"


class StoredDocument(TenantOwnedModel):
    """The bytes of one format of one issued invoice. Written once, never replaced."""

    invoice = models.ForeignKey(
        "billing.Invoice", on_delete=models.PROTECT, related_name="documents"
    )
    format = models.CharField(max_length=16, choices=DocumentFormat.choices)
    file = models.FileField(upload_to=_upload_to, max_length=255)
    filename = models.CharField(max_length=120)
    media_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["invoice", "format"], name="document_once_per_format"),
        ]

    def __str__(self) -> str:
        return self.filename


class Delivery(TenantOwnedModel):
    """One attempt to deliver a document to the customer (e-mail today)."""

    class Status(models.TextChoices):
        SENDING = "sending", _("Sending")  # handed to the mail server right now
        SENT = "sent", _("Sent")  # accepted by the mail server; message_id recorded
        FAILED = "failed", _("Failed")  # not accepted; `error` says why, may be retried

    invoice = models.ForeignKey(
        "billing.Invoice", on_delete=models.PROTECT, related_name="deliveries"
    )
    channel = models.CharField(max_length=10, default="email")
    recipient = models.CharField(max_length=254)
    subject = models.CharField(max_length=255)
    attachments = models.JSONField(default=list)  # file names
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SENDING)
    message_id = models.CharField(max_length=255, blank=True)
    error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # At most one delivery of an invoice in flight at a time.
            models.UniqueConstraint(
                fields=["invoice"],
                condition=models.Q(status="sending"),
                name="delivery_one_in_flight",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} to {self.recipient}: {self.status}"
