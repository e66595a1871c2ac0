"""Send an issued invoice to the customer by e-mail (SMTP from EMAIL_URL).

The message carries the Factur-X PDF; for public-sector customers (with a Leitweg-ID) the
XRechnung XML as well, which their portals require. Subject and body come from the company's
template in the customer's language.

Nothing is sent twice: a delivery row in state `sending` (one per invoice at a time, a unique
index) is claimed before talking to the server; a second call while one is in flight, or
after one succeeded, is refused (409) unless `resend` is asked for explicitly. Every failure
after the claim (server down, address refused, a stored document that fails its checksum, a
crash while recording the outcome) is recorded on the delivery as `failed` with its error, the
invoice stays `issued`, and the same call can be retried. A claim whose process died before it
could record anything (killed worker, lost database connection) is taken over by the next
attempt once it is older than `SENDING_TIMEOUT`, far longer than rendering plus the SMTP
timeout take, so a live attempt is never overtaken.

Credit notes get their own wording (the absolute amount, the corrected invoice, no due date);
the company's template is written for invoices and asks the customer to pay.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.message import make_msgid
from django.db import IntegrityError, transaction
from django.utils import timezone

from faktura.billing import hooks
from faktura.billing.errors import (
    InvoiceAlreadySent,
    InvoiceNotIssued,
    NoRecipient,
    SendFailed,
    SendInProgress,
)
from faktura.billing.inputs import InvoiceSend
from faktura.billing.models import Invoice
from faktura.billing.selectors.invoices import preferred_format
from faktura.billing.services.documents import EINVOICE_FORMATS, invoice_documents_render
from faktura.common.context import CommandContext
from faktura.common.errors import NotFound
from faktura.common.services import audit_record
from faktura.documents.models import Delivery, DocumentFormat
from faktura.documents.rendering.formatting import format_date, number_style
from faktura.documents.services import document_read

logger = logging.getLogger(__name__)

SENDABLE = (Invoice.Status.ISSUED, Invoice.Status.SENT, Invoice.Status.PAID)
# A `sending` delivery older than this has lost its process; a new attempt may take it over.
# Rendering takes seconds and SMTP gives up after SMTP_TIMEOUT, so a live attempt is never
# this old.
SENDING_TIMEOUT = timedelta(minutes=10)
SMTP_TIMEOUT = 30  # seconds
# "Gutschrift" would mean self-billing by the customer (§ 14 (2) UStG); a correction of our
# own invoice is a "Rechnungskorrektur".
KIND_LABEL = {
    ("invoice", "de"): "Rechnung",
    ("invoice", "en"): "Invoice",
    ("credit_note", "de"): "Rechnungskorrektur",
    ("credit_note", "en"): "Credit note",
}
# The body of a credit note's message. The company's template is an invoice's (it asks for
# payment by a due date), so credit notes use these; the subject stays the company's.
CREDIT_NOTE_BODY = {
    "de": (
        "Guten Tag,\n\nanbei erhalten Sie unsere Rechnungskorrektur {number} über {gross}"
        "{of_invoice}. Der Betrag wird Ihnen erstattet bzw. verrechnet."
        "\n\nMit freundlichen Grüßen\n{company}"
    ),
    "en": (
        "Hello,\n\nplease find attached our credit note {number} for {gross}{of_invoice}. "
        "The amount will be refunded or offset against open invoices."
        "\n\nKind regards\n{company}"
    ),
}
OF_INVOICE = {"de": " zu Rechnung {number}", "en": " relating to invoice {number}"}
OF_INVOICE_DATED = {
    "de": " zu Rechnung {number} vom {date}",
    "en": " relating to invoice {number} of {date}",
}


def _message_texts(invoice: Invoice) -> tuple[str, str]:
    """Subject and body in the customer's language. A credit note's amount is printed without
    its ledger sign (as on its PDF) and it names the invoice it corrects, not a due date."""
    tenant = invoice.tenant
    language = "en" if invoice.language == "en" else "de"
    credit_note = invoice.kind == Invoice.Kind.CREDIT_NOTE
    subject = getattr(tenant, f"email_subject_{language}")
    body = getattr(tenant, f"email_body_{language}")
    style = number_style(language, invoice.currency)
    gross = abs(invoice.gross_total) if credit_note else invoice.gross_total
    values = {
        "number": invoice.number,
        "customer": (invoice.buyer or {}).get("name", ""),
        "company": (invoice.seller or {}).get("name", tenant.name),
        "gross": style.money(gross),
        "due_date": format_date(invoice.due_date, language) if invoice.due_date else "",
        "kind": KIND_LABEL[(invoice.kind, language)],
        "of_invoice": "",
    }
    if credit_note:
        body = CREDIT_NOTE_BODY[language]
        values["due_date"] = ""
        corrected = invoice.credit_note_of
        if corrected is not None and corrected.number:
            if corrected.issue_date:
                values["of_invoice"] = OF_INVOICE_DATED[language].format(
                    number=corrected.number, date=format_date(corrected.issue_date, language)
                )
            else:
                values["of_invoice"] = OF_INVOICE[language].format(number=corrected.number)
    return subject.format(**values).replace("\n", " "), body.format(**values)


_TO_CUSTOMER = InvoiceSend()  # to the customer's invoice address, once


def invoice_send(
    ctx: CommandContext,
    *,
    invoice_id: int,
    data: InvoiceSend = _TO_CUSTOMER,
    mail_backend: str | None = None,
) -> Delivery:
    """E-mail the issued invoice to `to` (default: the customer's invoice address) with its
    documents attached and mark it sent; see the module docstring for failures and retries.
    `mail_backend` (a Django e-mail backend path) replaces the configured one for this
    message: the demo sends through the in-memory backend, so nothing leaves the machine."""
    ctx.require("manage_invoices")
    to, resend = data.to, data.resend
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
            raise InvoiceNotIssued("Only issued invoices can be sent.")
        recipient = to or (invoice.buyer or {}).get("email", "")
        if not recipient:
            raise NoRecipient(fields={"to": "No recipient."})
        deliveries = Delivery.objects.filter(invoice=invoice)
        in_flight = deliveries.filter(status=Delivery.Status.SENDING).first()
        if in_flight is not None:
            if in_flight.created_at > timezone.now() - SENDING_TIMEOUT:
                raise SendInProgress()
            # Its process died without recording an outcome: close it so this attempt can
            # claim (the unique index still lets only one of several takers through).
            Delivery.objects.filter(pk=in_flight.pk, status=Delivery.Status.SENDING).update(
                status=Delivery.Status.FAILED,
                error=(
                    "No outcome recorded within "
                    f"{int(SENDING_TIMEOUT.total_seconds() // 60)} minutes; "
                    "taken over by a new attempt."
                ),
            )
        if not resend and deliveries.filter(status=Delivery.Status.SENT).exists():
            raise InvoiceAlreadySent()
        subject, body = _message_texts(invoice)
        try:
            with transaction.atomic():
                delivery = Delivery.objects.create(
                    tenant=ctx.tenant, invoice=invoice, recipient=recipient, subject=subject
                )
        except IntegrityError as exc:
            raise SendInProgress() from exc

    # Outside the transaction: rendering and SMTP may take seconds and must not hold locks.
    # From here on every way out either records `sent` or records `failed` with the error,
    # so the claim never outlives this call.
    accepted = False
    try:
        message = _build_message(invoice, delivery, subject, body)
        with get_connection(mail_backend, fail_silently=False, timeout=SMTP_TIMEOUT) as connection:
            message.connection = connection
            message.send()
            accepted = True
        with transaction.atomic():
            now = timezone.now()
            Delivery.objects.filter(pk=delivery.pk).update(
                status=Delivery.Status.SENT, message_id=delivery.message_id, sent_at=now
            )
            became_sent = Invoice.objects.filter(
                pk=invoice.pk, status=Invoice.Status.ISSUED
            ).update(status=Invoice.Status.SENT)
            if became_sent:
                for sent in hooks.invoice_sent:
                    sent(ctx, invoice)
            audit_record(
                ctx, action="invoice_send", obj=invoice,
                data={"to": recipient, "message_id": delivery.message_id, "resend": resend},
            )  # fmt: skip
    except BaseException as exc:  # also a worker being stopped: the claim must not stay
        _record_failure(delivery, exc, accepted=accepted)
        if not accepted and isinstance(exc, (smtplib.SMTPException, OSError, ValueError)):
            raise SendFailed(f"The mail server did not accept the message: {exc}") from exc
        raise
    delivery.refresh_from_db()
    return delivery


def _record_failure(delivery: Delivery, exc: BaseException, *, accepted: bool) -> None:
    """Mark the claimed delivery failed with the error. When the server had accepted the
    message already, the error says so (with its Message-ID), so nobody resends blindly."""
    error = f"{type(exc).__name__}: {exc}"
    if accepted:
        error = (
            f"The mail server accepted the message {delivery.message_id}, "
            f"but recording it failed: {error}"
        )
    try:
        Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.SENDING).update(
            status=Delivery.Status.FAILED, error=error[:2000]
        )
    except Exception:
        # The database is unreachable too; the claim expires after SENDING_TIMEOUT.
        logger.exception("Could not record the failed delivery %s", delivery.pk)


def _build_message(invoice: Invoice, delivery: Delivery, subject: str, body: str) -> EmailMessage:
    documents = {d.format: d for d in invoice_documents_render(invoice_id=invoice.pk)}
    # The PDF (with its Factur-X XML) always; the customer's preferred XML format beside it
    # when it is one (only available formats are stored).
    wanted = [DocumentFormat.PDF]
    preferred = EINVOICE_FORMATS.get(preferred_format(invoice), DocumentFormat.PDF)
    if preferred != DocumentFormat.PDF and preferred in documents:
        wanted.append(preferred)
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
