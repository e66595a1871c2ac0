"""Use cases of dunning: the company's levels, options and base rates, dunning runs that create
reminders, pausing and resuming an invoice's dunning, and the daily run of the scheduler.

A reminder is created once per invoice and level (unique key): a run checks each proposal again
with the invoice row locked, so a run twice, or two at once, never creates a second reminder of
the same level. The reminder carries its fee and interest; the invoice stays as it was issued.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import logging
import smtplib
from collections import defaultdict

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.utils import timezone

from faktura.billing.errors import NoRecipient, SendFailed
from faktura.billing.models import Invoice
from faktura.billing.services.drafts import invoice_locked
from faktura.billing.services.sending import SMTP_TIMEOUT
from faktura.billing.snapshot import buyer_party, seller_party
from faktura.common.context import CommandContext
from faktura.common.errors import (
    FakturaError,
    ReferenceNotFound,
    ValidationFailed,
)
from faktura.common.models import Operation
from faktura.common.services import audit_record, operation_start
from faktura.core.money import exact_sum
from faktura.documents.rendering import RenderError
from faktura.documents.rendering.formatting import format_date, number_style
from faktura.documents.rendering.reminder import (
    ReminderDocument,
    ReminderItem,
    render_reminder_pdf,
)
from faktura.receivables.dunning_selectors import (
    dunning_proposals,
    dunning_settings,
    reminder_get,
)
from faktura.receivables.errors import (
    DunningLevelsInvalid,
    InvoiceNotDunnable,
    ReminderAlreadySent,
    ReminderUnprintable,
)
from faktura.receivables.inputs import (
    BaseRateAdd,
    DunningLevelsSet,
    DunningPause,
    DunningRunStart,
    DunningSettingsSet,
    ReminderSend,
)
from faktura.receivables.models import (
    BaseRate,
    DunningHold,
    DunningLevel,
    DunningRun,
    DunningSettings,
    ReceivableCharge,
    Reminder,
    ReminderLetter,
)
from faktura.receivables.selectors import OPEN_STATUSES
from faktura.tenancy.selectors import tenant_today

logger = logging.getLogger(__name__)


def dunning_levels_set(ctx: CommandContext, *, data: DunningLevelsSet) -> list[DunningLevel]:
    """Replace the company's levels. Reminders already written keep their level and amounts.
    Errors: 400 `dunning_levels_invalid` (not numbered 1, 2, ..., days not growing)."""
    ctx.require("manage_settings")
    levels = sorted(data.levels, key=lambda lv: lv.level)
    if [lv.level for lv in levels] != list(range(1, len(levels) + 1)):
        raise DunningLevelsInvalid(
            "levels: number them 1, 2, 3, ... without gaps.",
            fields={"levels": "Number the levels 1, 2, 3, ... without gaps."},
        )
    days = [lv.days_after_due for lv in levels]
    if any(later <= earlier for earlier, later in itertools.pairwise(days)):
        raise DunningLevelsInvalid(
            "levels: each level comes more days after the due date than the one before.",
            fields={"levels": "Each level needs more days after the due date than the last."},
        )
    with transaction.atomic():
        DunningLevel.objects.filter(tenant=ctx.tenant).delete()
        rows = DunningLevel.objects.bulk_create(
            DunningLevel(tenant=ctx.tenant, **lv.model_dump()) for lv in levels
        )
        audit_record(
            ctx,
            action="dunning_levels_set",
            object_type="dunning_levels",
            data={"levels": [lv.model_dump(mode="json") for lv in levels]},
        )
    return rows


def dunning_settings_set(ctx: CommandContext, *, data: DunningSettingsSet) -> DunningSettings:
    ctx.require("manage_settings")
    with transaction.atomic():
        row, _created = DunningSettings.objects.update_or_create(
            tenant=ctx.tenant, defaults=data.model_dump()
        )
        audit_record(ctx, action="dunning_settings_set", obj=row, data=data.model_dump())
    return row


def base_rate_add(ctx: CommandContext, *, data: BaseRateAdd) -> BaseRate:
    """Add a base rate valid from a date (or replace the company's rate of that date)."""
    ctx.require("manage_settings")
    with transaction.atomic():
        row, _created = BaseRate.objects.update_or_create(
            tenant=ctx.tenant, valid_from=data.valid_from, defaults={"rate": data.rate}
        )
        audit_record(ctx, action="base_rate_add", obj=row, data=data.model_dump(mode="json"))
    return row


def dunning_run(
    ctx: CommandContext, *, data: DunningRunStart, today: dt.date | None = None
) -> list[Reminder]:
    """Create a reminder for every invoice proposed today (or those of `invoice_ids` that are
    proposed). Invoices are locked one by one in id order and their proposal computed again
    under the lock, so a concurrent run finds the reminder and skips the invoice. `today`
    (default: the company's today; never later) dates a run in the past, for the demo data."""
    ctx.require("manage_invoices")
    _check_ids(ctx, data)
    today = min(today, tenant_today(ctx.tenant)) if today else tenant_today(ctx.tenant)
    options = dunning_settings(tenant=ctx.tenant)
    proposed = dunning_proposals(tenant=ctx.tenant, today=today, invoice_ids=data.invoice_ids)
    created = []
    for invoice_id in sorted(p.invoice.pk for p in proposed):
        try:
            with transaction.atomic():
                invoice_locked(ctx.tenant, invoice_id)
                again = dunning_proposals(tenant=ctx.tenant, today=today, invoice_ids=[invoice_id])
                if not again:
                    continue
                created.append(_reminder_create(ctx, again[0], today, options))
        except IntegrityError:
            continue  # another run wrote this level first
    if options.combine:
        _letters_create(ctx, created)
    return created


def _letters_create(ctx: CommandContext, reminders: list[Reminder]) -> list[ReminderLetter]:
    """Group the reminders a run wrote by customer, level and currency: each group of two or
    more goes out as one letter (one total, one deadline); the reminders stay one per
    invoice and point to it."""
    groups: dict[tuple[int, int, str], list[Reminder]] = defaultdict(list)
    for reminder in reminders:
        groups[(reminder.contact_id, reminder.level, reminder.currency)].append(reminder)
    letters = []
    for (contact_id, level, currency), members in sorted(groups.items()):
        if len(members) < 2:
            continue
        with transaction.atomic():
            letter = ReminderLetter.objects.create(
                tenant=ctx.tenant, contact_id=contact_id, level=level, date=members[0].date,
                currency=currency, total_due=exact_sum(r.total_due for r in members),
                new_due_date=max(r.new_due_date for r in members),
            )  # fmt: skip
            Reminder.objects.filter(pk__in=[r.pk for r in members], letter=None).update(
                letter=letter
            )
            for reminder in members:
                reminder.letter = letter
            audit_record(
                ctx, action="reminder_letter_create", obj=letter,
                data={"reminder_ids": [r.pk for r in members], "total_due": str(letter.total_due)},
            )  # fmt: skip
        letters.append(letter)
    return letters


def _check_ids(ctx: CommandContext, data: DunningRunStart) -> None:
    """Every id of `invoice_ids` names one of the company's invoices (400 otherwise)."""
    if not data.invoice_ids:
        return
    wanted = set(data.invoice_ids)
    known = set(
        Invoice.objects.filter(tenant=ctx.tenant, pk__in=wanted).values_list("pk", flat=True)
    )
    if unknown := sorted(wanted - known):
        raise ReferenceNotFound.field(
            "invoice_ids", f"No such invoice: {', '.join(map(str, unknown[:10]))}."
        )


def _reminder_create(ctx: CommandContext, proposal, today: dt.date, options) -> Reminder:
    invoice = proposal.invoice
    reminder = Reminder.objects.create(
        tenant=ctx.tenant,
        invoice_id=invoice.pk,
        contact_id=invoice.contact_id,
        level=proposal.level.level,
        level_name=proposal.level.name,
        date=today,
        currency=invoice.currency,
        open_amount=proposal.open_amount,
        fee=proposal.fee,
        interest=proposal.interest,
        interest_from=proposal.interest_from,
        interest_to=proposal.interest_to,
        earlier_charges=proposal.earlier_charges,
        total_due=proposal.total_due,
        new_due_date=today + dt.timedelta(days=options.deadline_days),
        language=invoice.contact_language or invoice.language,
    )
    _charges_create(reminder, flat_fee=proposal.flat_fee)
    audit_record(
        ctx,
        action="reminder_create",
        obj=reminder,
        data={
            "invoice_id": invoice.pk,
            "level": reminder.level,
            "open_amount": str(reminder.open_amount),
            "fee": str(reminder.fee),
            "interest": str(reminder.interest),
        },
    )
    return reminder


def _charges_create(reminder: Reminder, *, flat_fee: bool) -> list[ReceivableCharge]:
    """The reminder's fee and interest as receivable items of their own (none for a zero
    amount); the invoice is not touched."""
    Kind = ReceivableCharge.Kind
    wanted = [
        (Kind.FLAT_FEE if flat_fee else Kind.FEE, reminder.fee),
        (Kind.INTEREST, reminder.interest),
    ]
    return ReceivableCharge.objects.bulk_create(
        ReceivableCharge(
            tenant_id=reminder.tenant_id,
            invoice_id=reminder.invoice_id,
            reminder=reminder,
            contact_id=reminder.contact_id,
            kind=kind,
            amount=amount,
            currency=reminder.currency,
            date=reminder.date,
        )
        for kind, amount in wanted
        if amount > 0
    )


def dunning_run_start(ctx: CommandContext, *, data: DunningRunStart) -> Operation:
    """Run `dunning_run` in the background (202); the operation's result lists the reminders."""
    from faktura.receivables.tasks import dunning_run_task

    ctx.require("manage_invoices")
    _check_ids(ctx, data)
    return operation_start(
        ctx,
        kind="dunning_run",
        task=dunning_run_task,
        params={"invoice_ids": data.invoice_ids},
    )


def invoice_dunning_pause(
    ctx: CommandContext, *, invoice_id: int, data: DunningPause
) -> DunningHold:
    """Keep the invoice out of dunning until `until` (or until resumed), or as disputed.
    Pausing again replaces the reason and date. Errors: 409 `invoice_not_dunnable`."""
    ctx.require("manage_invoices")
    with transaction.atomic():
        invoice = invoice_locked(ctx.tenant, invoice_id)
        if invoice.status not in OPEN_STATUSES or invoice.kind != invoice.Kind.INVOICE:
            raise InvoiceNotDunnable(
                f"Invoice {invoice.number or invoice.pk} is {invoice.status}; only issued or "
                "sent invoices are reminded."
            )
        if data.until is not None and data.until < tenant_today(ctx.tenant):
            raise ValidationFailed.field("until", "Must be today or later.")
        kind = DunningHold.Kind.DISPUTED if data.disputed else DunningHold.Kind.PAUSED
        hold, _created = DunningHold.objects.update_or_create(
            invoice=invoice,
            defaults={"tenant": ctx.tenant, "kind": kind, "reason": data.reason,
                      "until": data.until},
        )  # fmt: skip
        audit_record(
            ctx,
            action="invoice_dunning_pause",
            obj=invoice,
            data={"kind": kind, "reason": data.reason, "until": str(data.until or "")},
        )
    return hold


def invoice_dunning_resume(ctx: CommandContext, *, invoice_id: int) -> None:
    """Dunning goes on for the invoice (nothing happens when it was not paused)."""
    ctx.require("manage_invoices")
    with transaction.atomic():
        invoice = invoice_locked(ctx.tenant, invoice_id)
        deleted, _ = DunningHold.objects.filter(tenant=ctx.tenant, invoice=invoice).delete()
        if deleted:
            audit_record(ctx, action="invoice_dunning_resume", obj=invoice)


def dunning_daily(ctx: CommandContext, *, today: dt.date | None = None) -> DunningRun | None:
    """The scheduler's run for the company's day: when the company turned on automatic sending
    it creates the reminders due and e-mails them (one the mail server refuses, or of a
    customer without an address, waits for a person); else the proposals wait on the Dunning
    page. Once per company and
    day: a second scheduler finds the run's key taken and does nothing (returns None)."""
    day = today or tenant_today(ctx.tenant)
    if not ctx.can("manage_invoices"):
        return None
    try:
        with transaction.atomic():
            run = DunningRun.objects.create(tenant=ctx.tenant, day=day)
    except IntegrityError:
        return None
    options = dunning_settings(tenant=ctx.tenant)
    if not options.auto_send:
        return run
    reminders = dunning_run(ctx, data=DunningRunStart())
    sent = 0
    for reminder in reminders:
        try:
            reminder_send(ctx, reminder_id=reminder.pk, data=ReminderSend(resend=False))
            sent += 1
        except FakturaError as exc:  # no address, a mail server refusing: a person sends it
            logger.warning("reminder %s not sent: %s", reminder.pk, exc.message)
    DunningRun.objects.filter(pk=run.pk).update(reminders=len(reminders), sent=sent)
    run.reminders, run.sent = len(reminders), sent
    return run


def reminder_document(ctx: CommandContext, *, reminder_id: int) -> tuple[Reminder, bytes]:
    """The reminder's PDF: rendered once from the frozen invoice's parties and the reminder's
    amounts, stored with its SHA-256; later downloads return the same bytes. A reminder that
    went out in a letter with the customer's other invoices answers the letter's PDF."""
    ctx.require("view_invoices")
    reminder = reminder_get(tenant=ctx.tenant, reminder_id=reminder_id)
    if reminder.letter_id is not None:
        return reminder, _letter_document(reminder.letter_id)
    if reminder.sha256:
        stored = Reminder.objects.filter(pk=reminder.pk).values_list("pdf", flat=True).get()
        return reminder, _stored_pdf(stored)
    invoice = reminder.invoice
    seller = invoice.seller or {}
    try:
        content = _render(reminder, invoice, seller)
    except RenderError as exc:
        raise ReminderUnprintable(
            "The reminder cannot be printed (a text the document fonts cannot print, e.g. in "
            "the level's name)."
        ) from exc
    digest = hashlib.sha256(content).hexdigest()
    with transaction.atomic():
        # The first render is kept; a concurrent one finds the row filled and returns that.
        Reminder.objects.filter(pk=reminder.pk, sha256="").update(sha256=digest, pdf=content)
        stored, reminder.sha256 = (
            Reminder.objects.filter(pk=reminder.pk).values_list("pdf", "sha256").get()
        )
    return reminder, _stored_pdf(stored)


def _letter_document(letter_id: int) -> bytes:
    """The PDF of a letter, rendered once and stored with its SHA-256."""
    letter = ReminderLetter.objects.get(pk=letter_id)
    if letter.sha256:
        return _stored_pdf(letter.pdf)
    members = list(
        Reminder.objects.filter(letter=letter)
        .select_related("invoice")
        .defer("pdf")
        .order_by("invoice__issue_date", "invoice_id")
    )
    first = members[0]
    seller = first.invoice.seller or {}
    items = tuple(_letter_item(r, r.invoice) for r in members)
    document = ReminderDocument(
        seller=seller_party(seller), buyer=buyer_party(first.invoice.buyer or {}),
        language=first.language, title=first.level_name, level=letter.level, date=letter.date,
        currency=letter.currency, invoice_number=first.invoice.number or "",
        invoice_date=first.invoice.issue_date, invoice_due_date=first.invoice.due_date,
        open_amount=exact_sum(r.open_amount for r in members),
        fee=exact_sum(r.fee for r in members),
        interest=exact_sum(r.interest for r in members),
        interest_from=None, interest_to=None, total_due=letter.total_due,
        new_due_date=letter.new_due_date, iban=seller.get("iban", ""),
        earlier_charges=exact_sum(r.earlier_charges for r in members), items=items,
    )  # fmt: skip
    try:
        content = render_reminder_pdf(document)
    except RenderError as exc:
        raise ReminderUnprintable(
            "The reminder cannot be printed (a text the document fonts cannot print, e.g. in "
            "the level's name)."
        ) from exc
    digest = hashlib.sha256(content).hexdigest()
    with transaction.atomic():
        ReminderLetter.objects.filter(pk=letter.pk, sha256="").update(sha256=digest, pdf=content)
        stored = ReminderLetter.objects.filter(pk=letter.pk).values_list("pdf", flat=True).get()
    return _stored_pdf(stored)


def _letter_item(reminder: Reminder, invoice) -> ReminderItem:
    return ReminderItem(
        invoice_number=invoice.number or "", invoice_date=invoice.issue_date,
        invoice_due_date=invoice.due_date, open_amount=reminder.open_amount, fee=reminder.fee,
        interest=reminder.interest, earlier_charges=reminder.earlier_charges,
    )  # fmt: skip


def _letter_numbers(letter: ReminderLetter) -> list[str]:
    return [
        number or ""
        for number in Reminder.objects.filter(letter=letter)
        .order_by("invoice__issue_date", "invoice_id")
        .values_list("invoice__number", flat=True)
    ]


def _stored_pdf(value: bytes | memoryview | None) -> bytes:
    """The stored PDF column as bytes (PostgreSQL returns a memoryview); it is filled together
    with the SHA-256, so a reminder with a digest always has it."""
    if value is None:
        raise RuntimeError("a reminder with a SHA-256 but no stored PDF")
    return bytes(value)


def _render(reminder: Reminder, invoice, seller: dict) -> bytes:
    return render_reminder_pdf(
        ReminderDocument(
            seller=seller_party(seller),
            buyer=buyer_party(invoice.buyer or {}),
            language=reminder.language,
            title=reminder.level_name,
            level=reminder.level,
            date=reminder.date,
            currency=reminder.currency,
            invoice_number=invoice.number or "",
            invoice_date=invoice.issue_date,
            invoice_due_date=invoice.due_date,
            open_amount=reminder.open_amount,
            fee=reminder.fee,
            interest=reminder.interest,
            interest_from=reminder.interest_from,
            interest_to=reminder.interest_to,
            total_due=reminder.total_due,
            new_due_date=reminder.new_due_date,
            iban=seller.get("iban", ""),
            earlier_charges=reminder.earlier_charges,
        )
    )


SUBJECT = {"de": "{title} zur Rechnung {number}", "en": "{title} for invoice {number}"}
BODY = {
    "de": "Sehr geehrte Damen und Herren,\n\nanbei erhalten Sie unsere {title} zur Rechnung "
    "{number}. Bitte überweisen Sie {total} bis zum {deadline}.\n\nMit freundlichen Grüßen\n"
    "{company}",
    "en": "Dear Sir or Madam,\n\nplease find attached our {title} for invoice {number}. Please "
    "transfer {total} by {deadline}.\n\nKind regards\n{company}",
}


def reminder_send(
    ctx: CommandContext, *, reminder_id: int, data: ReminderSend, mail_backend: str | None = None
) -> Reminder:
    """E-mail the reminder with its PDF through the configured mail server (the invoices' one)
    and record when. Errors: 409 `reminder_already_sent` (unless `resend`); 422
    `no_recipient`, `send_failed`."""
    ctx.require("manage_invoices")
    to = data.to
    reminder, content = reminder_document(ctx, reminder_id=reminder_id)
    if reminder.sent_at is not None and not data.resend:
        raise ReminderAlreadySent(
            f"Reminder {reminder.pk} was sent on {reminder.sent_at:%Y-%m-%d}."
        )
    invoice = reminder.invoice
    recipient = to or (invoice.buyer or {}).get("email", "") or reminder.contact.email
    if not recipient:
        raise NoRecipient(fields={"to": "No recipient."})
    language = "en" if reminder.language == "en" else "de"
    style = number_style(language, reminder.currency)
    letter = reminder.letter  # one letter for several invoices: its total, all its numbers
    values = {
        "title": reminder.level_name,
        "number": ", ".join(_letter_numbers(letter)) if letter else invoice.number,
        "total": style.money(letter.total_due if letter else reminder.total_due),
        "deadline": format_date(reminder.new_due_date, language),
        "company": (invoice.seller or {}).get("name", ctx.tenant.name),
    }
    seller_email = (invoice.seller or {}).get("email", "")
    message = EmailMessage(
        subject=SUBJECT[language].format(**values),
        body=BODY[language].format(**values),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient],
        reply_to=[seller_email] if seller_email else None,
    )
    message.attach(f"reminder-{invoice.number}-{reminder.level}.pdf", content, "application/pdf")
    claim = timezone.now()
    if not data.resend and not (
        Reminder.objects.filter(pk=reminder.pk, sent_at=None).update(sent_at=claim)
    ):
        # Another request sent it since it was read: a first send goes out once. (A crash
        # between this claim and the mail server leaves it marked sent; `resend` sends again.)
        raise ReminderAlreadySent(f"Reminder {reminder.pk} was sent meanwhile.")
    try:
        with get_connection(mail_backend, fail_silently=False, timeout=SMTP_TIMEOUT) as conn:
            message.connection = conn
            message.send()
    except (smtplib.SMTPException, OSError, ValueError) as exc:
        if not data.resend:
            Reminder.objects.filter(pk=reminder.pk, sent_at=claim).update(sent_at=None)
        raise SendFailed(f"The mail server did not accept the message: {exc}") from exc
    with transaction.atomic():
        now = timezone.now()
        Reminder.objects.filter(pk=reminder.pk).update(sent_at=now)
        if letter is not None:  # the letter went out for all of its invoices
            Reminder.objects.filter(letter=letter, sent_at=None).update(sent_at=now)
        reminder.sent_at = now
        audit_record(
            ctx, action="reminder_send", obj=reminder,
            data={"to": recipient, "invoice_id": invoice.pk, "resend": data.resend},
        )  # fmt: skip
    return reminder
