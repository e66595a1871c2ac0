"""Read queries of dunning: the company's levels, options and base rates, the reminders, and
the proposals (invoices due for their next level). Every query is filtered by tenant.

The proposals read the open invoices, their allocation rows, reminders and holds in a few
queries whatever their number (no query per invoice), and compute with `core.dunning`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext_lazy

from faktura.billing.models import Invoice
from faktura.common.errors import NotFound
from faktura.contacts.models import Contact
from faktura.core import dunning as rules
from faktura.core import receivables as balance_rules
from faktura.core.money import amount_places, exact_sum
from faktura.receivables.charge_selectors import charges_open_where
from faktura.receivables.models import (
    Allocation,
    BaseRate,
    DunningHold,
    DunningLevel,
    DunningSettings,
    Reminder,
)

OPEN_STATUSES = (Invoice.Status.ISSUED, Invoice.Status.SENT)


# The default levels' names in the company's language (`core` holds them in English).
DEFAULT_LEVEL_NAMES = {
    "Payment reminder": gettext_lazy("Payment reminder"),
    "First dunning": gettext_lazy("First dunning"),
    "Second dunning": gettext_lazy("Second dunning"),
}


def dunning_levels(*, tenant) -> list[rules.Level]:
    """The company's levels, or the default ones (named in the company's language) while it
    has set none."""
    rows = DunningLevel.objects.filter(tenant=tenant).order_by("level")
    levels = [
        rules.Level(row.level, row.name, row.days_after_due, row.fee, row.interest) for row in rows
    ]
    if levels:
        return levels  # in level order
    with translation.override(tenant.language):
        return [
            replace(level, name=str(DEFAULT_LEVEL_NAMES.get(level.name, level.name)))
            for level in rules.DEFAULT_LEVELS
        ]


def dunning_settings(*, tenant) -> DunningSettings:
    """The company's dunning options (unsaved defaults while it has none)."""
    found = DunningSettings.objects.filter(tenant=tenant).first()
    return found or DunningSettings(tenant=tenant)


def base_rate_rows(*, tenant) -> QuerySet[BaseRate]:
    return BaseRate.objects.filter(tenant=tenant).order_by("valid_from")


def base_rates(*, tenant) -> list[tuple[dt.date, Decimal]]:
    """The published base rates with the company's own rows (those win on the same date)."""
    own = base_rate_rows(tenant=tenant).values_list("valid_from", "rate")
    return rules.merge_base_rates(rules.BASE_RATES, own)


def reminder_list(*, tenant, invoice_id: int | None = None) -> QuerySet[Reminder]:
    qs = (
        Reminder.objects.filter(tenant=tenant)
        .select_related("invoice", "contact")
        .prefetch_related("charges__allocations")
    )
    if invoice_id is not None:
        qs = qs.filter(invoice_id=invoice_id)
    return qs.order_by("-date", "-id").defer("pdf")


@dataclass(frozen=True)
class LetterRow:
    """One letter a customer got: a reminder of its own, or the reminders a combined letter
    (`ReminderLetter`) carried, with the letter's total and deadline. Any of its reminders
    answers the letter's PDF; `sent_at` is set once the letter went out."""

    letter_id: int | None
    reminders: tuple[Reminder, ...]
    date: dt.date
    level: int
    level_name: str
    contact: Contact
    currency: str
    total_due: Decimal
    new_due_date: dt.date
    sent_at: dt.datetime | None

    @property
    def first(self) -> Reminder:
        return self.reminders[0]


# What a row shows, nothing more: every reminder of the company is read at once.
LETTER_ROW_FIELDS = (
    "id", "date", "level", "level_name", "currency", "total_due", "new_due_date", "sent_at",
    "invoice__number", "contact__name", "letter__total_due", "letter__new_due_date",
)  # fmt: skip


def reminder_letters(*, tenant) -> list[LetterRow]:
    """The reminders written, one row per letter (newest first): a combined letter's
    reminders in one row with their invoices. One query (the few columns a row shows)."""
    found = (
        Reminder.objects.filter(tenant=tenant)
        .select_related("invoice", "contact", "letter")
        .only(*LETTER_ROW_FIELDS)
        .order_by("-date", "-id")
    )
    groups: dict[tuple[str, int], list[Reminder]] = {}
    for reminder in found:
        key = ("letter", reminder.letter_id) if reminder.letter_id else ("own", reminder.pk)
        groups.setdefault(key, []).append(reminder)
    rows = []
    for members in groups.values():
        members.sort(key=lambda r: r.pk)
        first, letter = members[0], members[0].letter
        sent = [r.sent_at for r in members if r.sent_at is not None]
        rows.append(
            LetterRow(
                letter_id=letter.pk if letter else None, reminders=tuple(members),
                date=first.date, level=first.level, level_name=first.level_name,
                contact=first.contact, currency=first.currency,
                total_due=letter.total_due if letter else first.total_due,
                new_due_date=letter.new_due_date if letter else first.new_due_date,
                sent_at=min(sent) if len(sent) == len(members) else None,
            )
        )  # fmt: skip
    return rows


def reminder_get(*, tenant, reminder_id: int) -> Reminder:
    found = Reminder.objects.filter(tenant=tenant, pk=reminder_id).select_related(
        "invoice", "contact"
    )
    reminder = found.first()
    if reminder is None:
        raise NotFound("Reminder not found.")
    return reminder


def dunning_levels_reached(invoice_ids: Iterable[int]) -> dict[int, Reminder]:
    """The last reminder (highest level) of each invoice that has one, by invoice id."""
    from faktura.common.sql import id_batches

    last: dict[int, Reminder] = {}
    for batch in id_batches(sorted(set(invoice_ids))):
        for reminder in Reminder.objects.filter(invoice_id__in=batch).defer("pdf").order_by():
            known = last.get(reminder.invoice_id)
            if known is None or reminder.level > known.level:
                last[reminder.invoice_id] = reminder
    return last


def hold_get(*, tenant, invoice_id: int) -> DunningHold | None:
    return DunningHold.objects.filter(tenant=tenant, invoice_id=invoice_id).first()


def _plain_rows(query) -> list[tuple]:
    """The rows of a `values_list` query of (id, number, currency, due_date, gross_total,
    language, contact_id), read by the database driver without Django's per-value converters
    (the proposals read many thousand rows). SQLite hands dates as ISO text and decimals as
    numbers: they are converted here, the amount through its shortest decimal text (what the
    2-decimal column holds); PostgreSQL hands decimals and dates as they are."""
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    if not fetched or isinstance(fetched[0][4], Decimal):
        return fetched
    # f"{gross:.2f}" is the shortest text of a 2-decimal column value (the float nearest to
    # it rounds back to it), read as a decimal without a second rounding step.
    return [
        (pk, number, currency, due if isinstance(due, dt.date) else dt.date.fromisoformat(due),
         Decimal(f"{gross:.2f}"), language, contact)
        for pk, number, currency, due, gross, language, contact in fetched
    ]  # fmt: skip


CENT = Decimal("0.01")


@dataclass(slots=True)
class ProposedInvoice:
    """What a proposal needs of an invoice and its customer (read as plain values: the
    proposals may cover many thousand invoices)."""

    pk: int
    number: str
    currency: str
    due_date: dt.date
    gross_total: Decimal
    language: str
    contact_id: int
    contact_name: str
    customer_kind: str
    contact_language: str


@dataclass(slots=True)
class Proposal:
    """An invoice due for its next level and what the reminder would say."""

    invoice: ProposedInvoice
    level: rules.Level
    days_overdue: int
    open_amount: Decimal
    fee: Decimal
    interest: Decimal
    interest_from: dt.date | None
    interest_to: dt.date | None
    total_due: Decimal
    last_level: int
    earlier_charges: Decimal = Decimal(0)  # earlier reminders' fees and interest still open
    flat_fee: bool = False  # the § 288 (5) BGB flat fee applies to this invoice


def dunning_proposals(
    *, tenant, today: dt.date, invoice_ids: Iterable[int] | None = None
) -> list[Proposal]:
    """Invoices due for their next dunning level on `today` (the company's date): issued or
    sent, something open, overdue by the level's days, the last reminder's deadline passed, not
    paused (until a date on or after today) or disputed. Oldest due date first.

    A fixed number of queries whatever the number of invoices: the candidates, their ledgers,
    reminders and holds, the customers."""
    levels = dunning_levels(tenant=tenant)
    first_days = min(level.days_after_due for level in levels)
    cutoff = today - dt.timedelta(days=first_days)
    scope = {
        "tenant": tenant,
        "kind": Invoice.Kind.INVOICE,
        "status__in": OPEN_STATUSES,
        "due_date__lte": cutoff,
    }
    invoices = Invoice.objects.filter(**scope)
    if invoice_ids is not None:
        invoices = invoices.filter(pk__in=list(invoice_ids))
    rows = _plain_rows(
        invoices.order_by("due_date", "id").values_list(
            "id", "number", "currency", "due_date", "gross_total", "language", "contact_id"
        )
    )
    if not rows:
        return []
    related = {f"invoice__{key}": value for key, value in scope.items()}
    held = set(
        DunningHold.objects.filter(**related)
        .filter(Q(kind=DunningHold.Kind.DISPUTED) | Q(until__isnull=True) | Q(until__gte=today))
        .values_list("invoice_id", flat=True)
    )
    ledger: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
    for invoice_id, kind, amount in (
        Allocation.objects.filter(**related).order_by().values_list("invoice_id", "kind", "amount")
    ):
        ledger[invoice_id].append((kind, amount))
    history: dict[int, list[tuple[int, Decimal, dt.date, dt.date | None]]] = defaultdict(list)
    for invoice_id, reached_level, fee, deadline, interest_to in (
        Reminder.objects.filter(**related)
        .order_by()
        .values_list("invoice_id", "level", "fee", "new_due_date", "interest_to")
    ):
        history[invoice_id].append((reached_level, fee, deadline, interest_to))
    earlier = charges_open_where(**related)
    contacts = {
        pk: (name, kind, language)
        for pk, name, kind, language in Contact.objects.filter(tenant=tenant).values_list(
            "id", "name", "customer_kind", "language"
        )
    }
    options = dunning_settings(tenant=tenant)
    rates = base_rates(tenant=tenant)
    proposals = []
    fees: dict = {}
    for pk, number, currency, due_date, gross, language, contact_id in rows:
        if pk in held:
            continue
        entries = ledger.get(pk)
        open_amount = balance_rules.balance(gross, entries).open if entries else gross
        if open_amount <= 0:
            continue
        past = sorted(history[pk]) if pk in history else []
        reached = past[-1][0] if past else 0
        days_overdue = (today - due_date).days
        level = rules.next_level(
            levels,
            reached=reached,
            days_overdue=days_overdue,
            last_deadline=past[-1][2] if past else None,
            today=today,
        )
        if level is None:
            continue
        name, kind, contact_language = contacts[contact_id]
        invoice = ProposedInvoice(
            pk, number, currency, due_date, gross, language, contact_id, name, kind,
            contact_language,
        )  # fmt: skip
        proposal = _proposal(invoice, level, open_amount, past, today, days_overdue, options,
                             rates, levels, fees)  # fmt: skip
        if pk in earlier:
            proposal.earlier_charges = earlier[pk]
            proposal.total_due = exact_sum([proposal.total_due, earlier[pk]])
        proposals.append(proposal)
    return proposals


_ZEROS = {places: Decimal(0).scaleb(-places) for places in range(5)}


@lru_cache(maxsize=64)
def _places(currency: str) -> int:
    return amount_places(currency)


def _proposal(invoice, level, open_amount, past, today, days_overdue, options, rates, levels, fees):
    kind = invoice.customer_kind
    places = _places(invoice.currency)
    flat = options.flat_fee and kind == rules.BUSINESS and invoice.currency == "EUR"
    charged = exact_sum(row[1] for row in past) if past else Decimal(0)
    key = (level.level, charged, flat)
    fee = fees.get(key)
    if fee is None:  # the same few values for most invoices
        fee = fees[key] = rules.reminder_fee(levels, level.level, charged=charged, flat_fee=flat)
    interest = _ZEROS[places]
    start = end = None
    if level.interest:
        # From the day after the due date, or after the days an earlier reminder charged.
        charged_to = max((row[3] for row in past if row[3] is not None), default=None)
        start = (charged_to or invoice.due_date) + dt.timedelta(days=1)
        end = today
        interest = rules.default_interest(
            open_amount, start=start, end=end, customer_kind=kind, base_rates=rates, places=places
        )
        if start > end:
            start = end = None
    return Proposal(
        invoice=invoice,
        level=level,
        days_overdue=days_overdue,
        open_amount=open_amount,
        fee=fee,
        interest=interest,
        interest_from=start,
        interest_to=end,
        total_due=open_amount + fee + interest,  # two decimals each: exact
        last_level=past[-1][0] if past else 0,
        flat_fee=flat and fee != level.fee,
    )
