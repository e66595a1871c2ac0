"""Gapless invoice and credit-note numbers: allocation in the issuing transaction, and the
starting counter for companies that continue another tool's series.

A number is drawn only by `number_allocate`, called by the issue and credit-note services inside
the transaction that also freezes the document. If that transaction rolls back, the counter
rolls back with it, so drafts and failed issues never consume a number.

Serialisation: PostgreSQL locks the sequence row (`SELECT ... FOR UPDATE`) until the issuing
transaction ends; SQLite runs every write transaction as `BEGIN IMMEDIATE` (see settings), so
only one issuer holds the database's write lock at a time. Either way two issuers can never
read the same counter value.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from faktura.billing.errors import IssueDateInvalid, NumberingBackwards, NumberingGap, NumberTaken
from faktura.billing.inputs import NumberingSetNext
from faktura.billing.models import Invoice, NumberSequence
from faktura.common.context import CommandContext
from faktura.common.errors import ValidationFailed
from faktura.common.services import audit_record
from faktura.core.numbering import period_key, render_number
from faktura.tenancy.models import Tenant
from faktura.tenancy.selectors import tenant_today

KINDS = tuple(Invoice.Kind.values)


@dataclass(frozen=True, slots=True)
class AllocatedNumber:
    number: str
    period: str
    value: int


def number_format(tenant: Tenant, kind: str) -> str:
    if kind == Invoice.Kind.CREDIT_NOTE:
        return tenant.credit_note_number_format
    return tenant.invoice_number_format


def _sequence_locked(tenant: Tenant, kind: str, period: str) -> NumberSequence:
    """The sequence row, locked; created on first use. Two first issuers racing to create it
    both end up locking the one row: the loser's INSERT fails on the unique constraint inside a
    savepoint and it reads (and waits for) the winner's row."""
    rows = NumberSequence.objects.select_for_update().filter(
        tenant=tenant, kind=kind, period=period
    )
    sequence = rows.first()
    if sequence is None:
        try:
            with transaction.atomic():
                NumberSequence.objects.create(tenant=tenant, kind=kind, period=period)
        except IntegrityError:
            pass
        sequence = rows.get()
    return sequence


def _check_issue_date(tenant: Tenant, kind: str, issue_date: dt.date, now) -> None:
    """Numbers and dates of a series rise together; runs under the sequence lock."""
    today = tenant_today(tenant, now)
    if issue_date > today:
        raise IssueDateInvalid(
            f"The issue date {issue_date.isoformat()} is in the future (today is "
            f"{today.isoformat()}).",
            fields={"issue_date": "Must not be after today."},
        )
    issued = Invoice.objects.filter(tenant=tenant, kind=kind, number__isnull=False)
    latest = issued.order_by("-issue_date").values_list("number", "issue_date").first()
    if latest and latest[1] and issue_date < latest[1]:
        raise IssueDateInvalid(
            f"{latest[0]} is dated {latest[1].isoformat()}; the next number cannot carry the "
            f"earlier date {issue_date.isoformat()}.",
            fields={"issue_date": f"Must be on or after {latest[1].isoformat()}."},
        )


def number_allocate(
    *, tenant: Tenant, kind: str, issue_date: dt.date, now: dt.datetime | None = None
) -> AllocatedNumber:
    """The next number of the tenant's `kind` series for a document issued on `issue_date`.

    Must run inside the transaction that issues the document (it asserts so). The counter
    period follows the tenant's reset setting; the number is rendered with the tenant's format.
    The date may not be after today (`now`, in the tenant's time zone) nor before the date of
    the series' latest document: 422 `issue_date_invalid`.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("number_allocate must run inside the issuing transaction")
    period = period_key(issue_date.year, issue_date.month, tenant.number_reset)
    sequence = _sequence_locked(tenant, kind, period)
    _check_issue_date(tenant, kind, issue_date, now)
    value = sequence.last_value + 1
    sequence.last_value = value
    sequence.save(update_fields=["last_value", "updated_at"])
    number = render_number(
        number_format(tenant, kind), year=issue_date.year, month=issue_date.month, seq=value
    )
    if Invoice.objects.filter(tenant=tenant, kind=kind, number=number).exists():
        # Only possible after the number format was changed to one that repeats old numbers.
        raise NumberTaken(
            f"The number {number} exists already; check the number format in the settings."
        )
    return AllocatedNumber(number=number, period=period, value=value)


def numbering_set_next(
    ctx: CommandContext,
    *,
    kind: str,
    data: NumberingSetNext,
    today: dt.date | None = None,
) -> NumberSequence:
    """Set the next counter value of a series (e.g. 1042 when continuing another tool's series).

    Allowed only forward: a value below the next one would repeat numbers. Jumping ahead is
    allowed while the period has no issued document yet (the migration case); afterwards it
    would leave a gap and is refused too. `period` defaults to today's counter period.
    """
    ctx.require("manage_invoices")
    if kind not in KINDS:
        raise ValidationFailed.field("kind", f"Must be one of {', '.join(KINDS)}.")
    next_value, period = data.next_value, data.period
    with transaction.atomic():
        tenant = Tenant.objects.get(pk=ctx.tenant.pk)
        if period is None:
            day = today or tenant_today(tenant)
            period = period_key(day.year, day.month, tenant.number_reset)
        sequence = _sequence_locked(tenant, kind, period)
        current_next = sequence.last_value + 1
        issued = Invoice.objects.filter(
            tenant=tenant, kind=kind, sequence_period=period, number__isnull=False
        ).exists()
        if next_value < current_next:
            raise NumberingBackwards(
                f"The next number is {current_next}; a lower value would repeat numbers.",
                fields={"next_value": f"Must be at least {current_next}."},
            )
        if next_value > current_next and issued:
            raise NumberingGap(
                f"Numbers of {period} were issued already; jumping to {next_value} would leave "
                f"a gap after {current_next - 1}.",
                fields={"next_value": f"Must be {current_next} now."},
            )
        if next_value != current_next:
            sequence.last_value = next_value - 1
            if not issued:
                sequence.first_value = next_value
            sequence.save(update_fields=["last_value", "first_value", "updated_at"])
        audit_record(
            ctx,
            action="numbering_set_next",
            obj=sequence,
            data={"kind": kind, "period": period, "next_value": next_value},
        )
    return sequence
