"""Offers: write a draft, send it (it takes its number then), and record the customer's answer.

An offer's positions are priced like invoice lines (`core.invoice_math`: line net =
ROUND_HALF_UP(quantity x unit price, 2), VAT per group rounded once), so the price a customer
accepts is exactly what the fixed-price project bills later. A draft changes freely; sending
numbers it from the offers' own gapless series ("A-2026-0001", counted per year) in the same
transaction that renders its PDF, so a number is taken only by an offer that has its document.
Accepting a sent offer creates a fixed-price single project for its net total, or turns the
customer's given project into one; the hours the offer sells (positions in HUR) become the
project's budget hours unless it has a budget.
"""

from __future__ import annotations

import logging
import smtplib
from decimal import Decimal

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.utils import timezone

from faktura.billing.selectors.invoices import breakdown_json
from faktura.billing.services.drafts import tax_group
from faktura.billing.services.issue import buyer_snapshot, seller_snapshot
from faktura.billing.snapshot import buyer_party, seller_party
from faktura.catalog.selectors import product_for_tenant, unit_for_tenant
from faktura.common.context import CommandContext
from faktura.common.errors import NotFound, Required, ValidationFailed
from faktura.common.inputs import parse
from faktura.common.services import audit_record
from faktura.contacts.models import Contact
from faktura.contacts.selectors import contact_for_tenant
from faktura.core.invoice_math import LineInput, invoice_totals
from faktura.core.money import quantize
from faktura.core.numbering import OFFER_RESET, period_key, render_number
from faktura.documents.rendering.coverage import check_texts, snapshot_texts
from faktura.documents.rendering.formatting import format_date
from faktura.documents.rendering.offer import OFFER_TEXTS, render_offer_pdf
from faktura.documents.rendering.renderer import RenderError
from faktura.einvoice.snapshot import InvoiceSnapshot, Line, Payment, VatRow
from faktura.offers.errors import (
    NoRecipient,
    OfferEmpty,
    OfferNotDraft,
    OfferNotSent,
    OfferUnprintable,
    SendFailed,
)
from faktura.offers.inputs import OfferAccept, OfferCreate, OfferLineIn, OfferSend, OfferUpdate
from faktura.offers.models import Offer, OfferLine, OfferNumberSequence
from faktura.tenancy.models import Tenant
from faktura.tenancy.selectors import tenant_today
from faktura.work.inputs import ProjectCreate, ProjectUpdate
from faktura.work.models import Project
from faktura.work.selectors import project_for_tenant
from faktura.work.services import project_create, project_update

log = logging.getLogger(__name__)

SMTP_TIMEOUT = 30  # seconds, as for invoices


# --- reading and locking ----------------------------------------------------------------------


def offer_locked(tenant, offer_id: int) -> Offer:
    """The offer, row-locked for the caller's transaction; another tenant's answers 404."""
    offer = (
        Offer.objects.select_for_update()
        .filter(tenant=tenant, pk=offer_id)
        .select_related("contact")
        .first()
    )
    if offer is None:
        raise NotFound("Offer not found.")
    return offer


def _draft_locked(tenant, offer_id: int) -> Offer:
    offer = offer_locked(tenant, offer_id)
    if offer.status != Offer.Status.DRAFT:
        raise OfferNotDraft(f"Offer {offer.number} is {offer.status}; only drafts change.")
    return offer


# --- lines and totals -------------------------------------------------------------------------


def _vat_group(contact: Contact, line: OfferLineIn, index: int) -> tuple[str, Decimal, str]:
    """A position's VAT group: the customer's tax treatment first (reverse charge, export,
    exempt: 0 %), else the given category (default S) at the given rate."""
    field = f"lines[{index}]"
    category = str(line.vat_category or "S")
    rate = line.vat_rate
    if category == "S" and rate is None:
        raise ValidationFailed.field(f"{field}.vat_rate", "Required for VAT category S.")
    if category != "S":
        if rate not in (None, Decimal(0)):
            raise ValidationFailed.field(
                f"{field}.vat_rate", f"A position in VAT category {category} is at 0 %."
            )
        rate = Decimal("0.00")
    assert rate is not None
    group = tax_group(contact, category, rate, "")
    if group[0] == "E" and not group[2]:
        raise ValidationFailed.field(
            f"{field}.vat_category",
            "An exempt position needs the customer's exemption reason.",
        )
    return group


def _lines_replace(ctx: CommandContext, offer: Offer, lines: list[OfferLineIn]) -> None:
    rows = []
    for index, line in enumerate(lines):
        unit_for_tenant(ctx.tenant, code=line.unit, field=f"lines[{index}].unit")
        product = None
        if line.product_id is not None:
            product = product_for_tenant(
                ctx.tenant, line.product_id, field=f"lines[{index}].product_id"
            )
        category, rate, reason = _vat_group(offer.contact, line, index)
        rows.append(
            OfferLine(
                tenant=ctx.tenant,
                offer=offer,
                position=index + 1,
                title=line.title,
                description=line.description,
                product=product,
                unit=line.unit,
                quantity=line.quantity,
                unit_price=line.unit_price,
                net_amount=Decimal(0),
                vat_category=category,
                vat_rate=rate,
                exemption_reason=reason,
            )
        )
    OfferLine.objects.filter(offer=offer).delete()
    totals = invoice_totals(_line_inputs(rows), offer.currency)
    for row, net in zip(rows, totals.line_nets, strict=True):
        row.net_amount = net
    OfferLine.objects.bulk_create(rows)
    offer.net_total, offer.vat_total, offer.gross_total = totals.net, totals.vat, totals.gross
    offer.vat_breakdown = breakdown_json(totals.breakdown)


def _line_inputs(lines) -> list[LineInput]:
    return [
        LineInput(
            quantity=line.quantity,
            unit_price=line.unit_price,
            vat_category=line.vat_category,
            vat_rate=line.vat_rate,
            exemption_reason=line.exemption_reason,
        )
        for line in lines
    ]


# --- create, update, delete -------------------------------------------------------------------


def offer_create(ctx: CommandContext, *, data: OfferCreate) -> Offer:
    """A draft offer for a customer of this tenant (another tenant's: 400 `contact_id`)."""
    ctx.require("manage_invoices")
    contact = contact_for_tenant(ctx.tenant, data.contact_id)
    currency = data.currency or contact.currency
    if currency != contact.currency:
        raise ValidationFailed.field(
            "currency", f"The customer is invoiced in {contact.currency}, not {currency}."
        )
    with transaction.atomic():
        offer = Offer.objects.create(
            tenant=ctx.tenant,
            contact=contact,
            title=data.title,
            intro_text=data.intro_text,
            valid_until=data.valid_until,
            currency=currency,
            language=contact.language or "de",
        )
        _lines_replace(ctx, offer, data.lines)
        offer.save()
        audit_record(ctx, action="offer_create", obj=offer, data={"contact_id": contact.pk})
    return offer


def offer_update(ctx: CommandContext, *, offer_id: int, data: OfferUpdate) -> Offer:
    """Change a draft: the given fields; `lines` replace every position. A sent, accepted or
    declined offer answers 409 `offer_not_draft`."""
    ctx.require("manage_invoices")
    changed = data.model_dump(exclude_unset=True)
    with transaction.atomic():
        offer = _draft_locked(ctx.tenant, offer_id)
        for name in ("title", "intro_text", "valid_until"):
            if name in changed:
                if name == "title" and data.title is None:
                    raise Required.field("title", "Cannot be empty.")
                setattr(offer, name, "" if changed[name] is None else changed[name])
        if "valid_until" in changed:
            offer.valid_until = data.valid_until
        if data.lines is not None:
            _lines_replace(ctx, offer, data.lines)
        offer.save()
        audit_record(ctx, action="offer_update", obj=offer, data={"fields": sorted(changed)})
    return offer


def offer_delete(ctx: CommandContext, *, offer_id: int) -> None:
    """Delete a draft (a sent offer keeps its number: decline it instead)."""
    ctx.require("manage_invoices")
    with transaction.atomic():
        offer = _draft_locked(ctx.tenant, offer_id)
        audit_record(ctx, action="offer_delete", obj=offer)
        offer.delete()


# --- numbering --------------------------------------------------------------------------------


def _number_allocate(tenant: Tenant, day) -> tuple[str, str, int]:
    """The next number of the offers' series for an offer dated `day`; must run inside the
    sending transaction (the counter rolls back with it). The counter row is locked
    (PostgreSQL) or the database write lock is held (SQLite's IMMEDIATE transactions)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("offer numbers are allocated inside the sending transaction")
    period = period_key(day.year, day.month, OFFER_RESET)
    rows = OfferNumberSequence.objects.select_for_update().filter(tenant=tenant, period=period)
    sequence = rows.first()
    if sequence is None:
        try:
            with transaction.atomic():
                OfferNumberSequence.objects.create(tenant=tenant, period=period)
        except IntegrityError:
            pass
        sequence = rows.get()
    sequence.last_value += 1
    sequence.save(update_fields=["last_value", "updated_at"])
    # The company's offer number format (`Tenant.offer_number_format`, validated with the
    # yearly reset when it is set); the counter's period is the year (`OFFER_RESET`).
    fmt = Tenant.objects.values_list("offer_number_format", flat=True).get(pk=tenant.pk)
    number = render_number(fmt, year=day.year, month=day.month, seq=sequence.last_value)
    return number, period, sequence.last_value


# --- the document -----------------------------------------------------------------------------


def offer_snapshot(offer: Offer, tenant: Tenant, contact: Contact) -> InvoiceSnapshot:
    """The offer as the plain data the PDF renderer reads (the company and customer as they
    are now; a sent offer's positions and totals never change)."""
    seller = seller_snapshot(tenant, language=offer.language)
    lines = list(OfferLine.objects.filter(offer=offer).select_related("product"))
    return InvoiceSnapshot(
        kind="invoice",
        number=offer.number or "",
        issue_date=offer.offer_date or tenant_today(tenant),
        due_date=None,
        currency=offer.currency,
        language=offer.language,
        seller=seller_party(seller),
        buyer=buyer_party(buyer_snapshot(contact)),
        payment=Payment(
            iban=seller.get("iban", ""),
            bic=seller.get("bic", ""),
            bank_name=seller.get("bank_name", ""),
            account_holder=seller.get("name", ""),
        ),
        lines=tuple(
            Line(
                id=str(line.position),
                title=line.title,
                quantity=line.quantity,
                unit=line.unit,
                unit_price=line.unit_price,
                net_amount=line.net_amount,
                vat_category=line.vat_category,
                vat_rate=Decimal(line.vat_rate),
                description=line.description,
                seller_item_id=line.product.sku if line.product else "",
            )
            for line in lines
        ),
        vat_breakdown=tuple(
            VatRow(
                category=row["category"],
                rate=Decimal(row["rate"]),
                taxable_amount=Decimal(row["taxable_amount"]),
                vat_amount=Decimal(row["vat_amount"]),
                exemption_reason=row.get("exemption_reason", ""),
                exemption_reason_code=row.get("exemption_reason_code", ""),
            )
            for row in offer.vat_breakdown
        ),
        net_total=offer.net_total,
        vat_total=offer.vat_total,
        gross_total=offer.gross_total,
        line_total=sum((line.net_amount for line in lines), Decimal("0.00")),
        note=offer.intro_text,
        footer=seller.get("invoice_footer", ""),
        accent_color=seller.get("accent_color", "#1f4e79"),
    )


def _logo(tenant: Tenant) -> bytes | None:
    name = tenant.logo.name if tenant.logo else ""
    if not name:
        return None
    try:
        with default_storage.open(name, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        log.warning("logo %s of tenant %s is missing; the offer is printed without it",
                    tenant.logo.name, tenant.pk)  # fmt: skip
        return None


def _render(offer: Offer, tenant: Tenant) -> bytes:
    contact = Contact.objects.get(pk=offer.contact_id)
    snapshot = offer_snapshot(offer, tenant, contact)
    unprintable = check_texts(snapshot_texts(snapshot))
    if unprintable:
        raise OfferUnprintable(
            unprintable[0].message, fields={item.path: item.message for item in unprintable}
        )
    try:
        return render_offer_pdf(snapshot, valid_until=offer.valid_until, logo=_logo(tenant))
    except RenderError as exc:
        raise OfferUnprintable(f"The offer cannot be printed: {exc.reason}") from exc


def offer_pdf(ctx: CommandContext, *, offer_id: int) -> tuple[str, bytes]:
    """The offer as PDF and its file name; a draft is watermarked and has no number."""
    ctx.require("view_invoices")
    offer = Offer.objects.filter(tenant=ctx.tenant, pk=offer_id).first()
    if offer is None:
        raise NotFound("Offer not found.")
    tenant = Tenant.objects.get(pk=ctx.tenant.pk)
    name = offer.number or f"draft-{offer.pk}"
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in name)
    return f"offer-{safe}.pdf", _render(offer, tenant)


# --- sending ----------------------------------------------------------------------------------

SUBJECT = {"de": "Angebot {number}: {title}", "en": "Offer {number}: {title}"}
BODY = {
    "de": "Sehr geehrte Damen und Herren,\n\nanbei erhalten Sie unser Angebot {number} "
    "„{title}“.{validity}\n\nMit freundlichen Grüßen\n{company}",
    "en": 'Dear Sir or Madam,\n\nplease find attached our offer {number} "{title}".'
    "{validity}\n\nKind regards\n{company}",
}
VALIDITY = {"de": " Es gilt bis zum {date}.", "en": " It is valid until {date}."}


def offer_send(
    ctx: CommandContext, *, offer_id: int, data: OfferSend, mail_backend: str | None = None
) -> Offer:
    """E-mail the offer with its PDF. A draft takes its number and date first (in the
    transaction that renders it); a sent offer is sent again unchanged. Errors: 409
    `offer_not_draft` (accepted or declined), 422 `offer_empty`, `no_recipient`,
    `offer_unprintable`, `send_failed` (the offer stays sent and numbered; send it again)."""
    ctx.require("manage_invoices")
    to = data.to
    tenant = Tenant.objects.get(pk=ctx.tenant.pk)
    with transaction.atomic():
        offer = offer_locked(ctx.tenant, offer_id)
        if offer.status not in (Offer.Status.DRAFT, Offer.Status.SENT):
            raise OfferNotDraft(f"Offer {offer.number} is {offer.status}.")
        recipient = to or offer.contact.email
        if not recipient:
            raise NoRecipient(fields={"to": "No recipient."})
        if not OfferLine.objects.filter(offer=offer).exists():
            raise OfferEmpty()
        first = offer.status == Offer.Status.DRAFT
        if first:
            offer.offer_date = tenant_today(tenant)
            offer.number, offer.sequence_period, offer.sequence_value = _number_allocate(
                tenant, offer.offer_date
            )
            offer.status = Offer.Status.SENT
            offer.save()
        content = _render(offer, tenant)
        audit_record(
            ctx, action="offer_send", obj=offer,
            data={"number": offer.number, "to": recipient, "first": first},
        )  # fmt: skip
    message = _message(offer, tenant, recipient, content)
    try:
        with get_connection(mail_backend, fail_silently=False, timeout=SMTP_TIMEOUT) as conn:
            message.connection = conn
            message.send()
    except (smtplib.SMTPException, OSError, ValueError) as exc:
        raise SendFailed(f"The mail server did not accept the message: {exc}") from exc
    Offer.objects.filter(pk=offer.pk).update(sent_at=timezone.now(), sent_to=recipient)
    offer.refresh_from_db()
    return offer


def _message(offer: Offer, tenant: Tenant, recipient: str, content: bytes) -> EmailMessage:
    language = "en" if offer.language == "en" else "de"
    validity = (
        VALIDITY[language].format(date=format_date(offer.valid_until, language))
        if offer.valid_until
        else ""
    )
    values = {"number": offer.number, "title": offer.title, "validity": validity,
              "company": tenant.name}  # fmt: skip
    message = EmailMessage(
        subject=SUBJECT[language].format(**values),
        body=BODY[language].format(**values),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient],
        reply_to=[tenant.email] if tenant.email else None,
    )
    label = OFFER_TEXTS[language]["offer"].lower()
    message.attach(f"{label}-{offer.number}.pdf", content, "application/pdf")
    return message


# --- the customer's answer --------------------------------------------------------------------


def offer_accept(ctx: CommandContext, *, offer_id: int, data: OfferAccept) -> Offer:
    """The customer accepted: the offer is `accepted` and billed as a fixed-price single
    project at its net total. Without `project_id` a new project is created (named after the
    offer); with one, that project of the same customer becomes the fixed-price project.
    Errors: 409 `offer_not_sent`; 400 `project_id` (another customer's, or one that bills
    another offer already)."""
    ctx.require("manage_invoices")
    with transaction.atomic():
        offer = offer_locked(ctx.tenant, offer_id)
        if offer.status != Offer.Status.SENT:
            raise OfferNotSent(f"The offer is {offer.status}; only a sent offer is accepted.")
        fields: dict = {
            "kind": Project.Kind.SINGLE,
            "billing_model": Project.BillingModel.FIXED_PRICE,
            "fixed_price": offer.net_total,
        }
        hours = _offered_hours(offer)
        if data.project_id is None:
            if hours:
                fields["budget_hours"] = hours
            project = project_create(
                ctx,
                data=parse(
                    ProjectCreate,
                    {"name": offer.title[:200], "contact_id": offer.contact_id,
                     "scope": "external", "currency": offer.currency, **fields},
                ),
            )  # fmt: skip
        else:
            project = project_for_tenant(ctx.tenant, data.project_id)
            if project.contact_id != offer.contact_id:
                raise ValidationFailed.field(
                    "project_id", "The project belongs to another customer."
                )
            if Offer.objects.filter(project=project, status=Offer.Status.ACCEPTED).exists():
                raise ValidationFailed.field(
                    "project_id", "The project bills another accepted offer already."
                )
            if hours and project.budget_hours is None:
                fields["budget_hours"] = hours
            project = project_update(ctx, project_id=project.pk, data=parse(ProjectUpdate, fields))
        offer.project = project
        offer.status = Offer.Status.ACCEPTED
        offer.decided_at = timezone.now()
        offer.save()
        audit_record(ctx, action="offer_accept", obj=offer, data={"project_id": project.pk})
    return offer


def _offered_hours(offer: Offer) -> Decimal | None:
    """The hours the offer sells (its positions in hours, HUR): the project's budget."""
    hours = sum(
        (line.quantity for line in OfferLine.objects.filter(offer=offer, unit="HUR")), Decimal(0)
    )
    return quantize(hours, 2) if hours > 0 else None


def offer_decline(ctx: CommandContext, *, offer_id: int) -> Offer:
    """The customer declined a sent offer (409 `offer_not_sent` otherwise)."""
    ctx.require("manage_invoices")
    with transaction.atomic():
        offer = offer_locked(ctx.tenant, offer_id)
        if offer.status != Offer.Status.SENT:
            raise OfferNotSent(f"The offer is {offer.status}; only a sent offer is declined.")
        offer.status = Offer.Status.DECLINED
        offer.decided_at = timezone.now()
        offer.save()
        audit_record(ctx, action="offer_decline", obj=offer)
    return offer
