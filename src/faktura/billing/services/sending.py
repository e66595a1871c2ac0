"""Send an issued invoice to the customer by e-mail (SMTP from EMAIL_URL).

The message carries the Factur-X PDF; for public-sector customers (with a Leitweg-ID) the
XRechnung XML as well, which their portals require. Subject and body come from the company's
template in the customer's language.

Nothing is sent twice: a delivery row in state `sending` (one per invoice at a time, a unique
index) is claimed before talking to the server; a second call while one is in flight, or
after one succeeded, is refused (409) unless `resend` is asked for explicitly. A failure
(server down, address refused) is recorded on the delivery, the invoice stays `issued`, and
the same call can be retried.
"""

from __future__ import annotations

import smtplib
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.message import make_msgid
from django.db import IntegrityError, transaction
from django.utils import timezone

from faktura.billing.models import Invoice
from faktura.billing.services.documents import invoice_documents_render
from faktura.common import validators as v
from faktura.common.context import CommandContext
from faktura.common.errors import BusinessRuleViolation, Conflict, NotFound
from faktura.common.services import audit_record
from faktura.documents.models import Delivery, DocumentFormat
from faktura.documents.rendering.formatting import format_date, number_style
from faktura.documents.services import document_read

SENDABLE = (Invoice.Status.ISSUED, Invoice.Status.SENT, Invoice.Status.PAID)
KIND_LABEL = {
    ("invoice", "de"): "Rechnung",
    ("invoice", "en"): "Invoice",
    ("credit_note", "de"): "Gutschrift",
    ("credit_note", "en"): "Credit note",
}


class SendFailed(BusinessRuleViolation):
    """The mail server did not accept the message."""

    code = "send_failed"


def _message_texts(invoice: Invoice) -> tuple[str, str]:
    tenant = invoice.tenant
    language = "en" if invoice.language == "en" else "de"
    subject = getattr(tenant, f"email_subject_{language}")
    body = getattr(tenant, f"email_body_{language}")
    style = number_style(language, invoice.currency)
    values = {
        "number": invoice.number,
        "customer": (invoice.buyer or {}).get("name", ""),
        "company": (invoice.seller or {}).get("name", tenant.name),
        "gross": style.money(invoice.gross_total),
        "due_date": format_date(invoice.due_date, language) if invoice.due_date else "",
        "kind": KIND_LABEL[(invoice.kind, language)],
    }
    return subject.format(**values).replace("\n", " "), body.format(**values)


def invoice_send(
    ctx: CommandContext, *, invoice_id: int, to: str = "", resend: bool = False
) -> Delivery:
    ctx.require("manage_invoices")
    to = v.email("to", to)
    with transaction.atomic():
        invoice = (
            Invoice.objects.select_for_update()
            .select_related("tenant")
            .filter(tenant=ctx.tenant, pk=invoice_id)
            .first()
        )
        if invoice is None:
            raise NotFound("Invoice not found.")
        if invoice.status not in SENDABLE:
            raise Conflict("Only issued invoices can be sent.", code="invoice_not_issued")
        recipient = to or (invoice.buyer or {}).get("email", "")
        if not recipient:
            raise BusinessRuleViolation(
                "The customer has no invoice e-mail address; give one in `to`.",
                code="no_recipient",
                fields={"to": "No recipient."},
            )
        deliveries = Delivery.objects.filter(invoice=invoice)
        if deliveries.filter(status=Delivery.Status.SENDING).exists():
            raise Conflict("This invoice is being sent right now.", code="send_in_progress")
        if not resend and deliveries.filter(status=Delivery.Status.SENT).exists():
            raise Conflict(
                "This invoice was sent already; ask for `resend` to send it again.",
                code="invoice_already_sent",
            )
        subject, body = _message_texts(invoice)
        try:
            with transaction.atomic():
                delivery = Delivery.objects.create(
                    tenant=ctx.tenant, invoice=invoice, recipient=recipient, subject=subject
                )
        except IntegrityError as exc:
            raise Conflict(
                "This invoice is being sent right now.", code="send_in_progress"
            ) from exc

    # Outside the transaction: rendering and SMTP may take seconds and must not hold locks.
    try:
        message = _build_message(invoice, delivery, subject, body)
        with get_connection(fail_silently=False, timeout=30) as connection:
            message.connection = connection
            message.send()
    except (smtplib.SMTPException, OSError, ValueError) as exc:
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise SendFailed(f"The mail server did not accept the message: {exc}") from exc

    with transaction.atomic():
        now = timezone.now()
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.SENT, message_id=delivery.message_id, sent_at=now
        )
        Invoice.objects.filter(pk=invoice.pk, status=Invoice.Status.ISSUED).update(
            status=Invoice.Status.SENT
        )
        audit_record(
            ctx, action="invoice_send", obj=invoice,
            data={"to": recipient, "message_id": delivery.message_id, "resend": resend},
        )  # fmt: skip
    delivery.refresh_from_db()
    return delivery


def _build_message(invoice: Invoice, delivery: Delivery, subject: str, body: str) -> EmailMessage:
    documents = {d.format: d for d in invoice_documents_render(invoice_id=invoice.pk)}
    wanted = [DocumentFormat.PDF]
    if (invoice.buyer or {}).get("leitweg_id"):
        wanted.append(DocumentFormat.XRECHNUNG_UBL)
    domain = (settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost").strip(">")
    delivery.message_id = make_msgid(domain=domain)
    seller_email = (invoice.seller or {}).get("email", "")
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.recipient],
        reply_to=[seller_email] if seller_email else None,
        headers={"Message-ID": delivery.message_id},
    )
    names = []
    for fmt in wanted:
        document = documents[fmt]
        message.attach(document.filename, document_read(document), document.media_type)
        names.append(document.filename)
    Delivery.objects.filter(pk=delivery.pk).update(attachments=names)
    return message


def deliveries_of(*, tenant, invoice_id: int) -> Any:
    return Delivery.objects.filter(tenant=tenant, invoice_id=invoice_id)
