"""Use cases of receivables: record and reverse payments, write off a remainder, apply a
customer's credit balance, settle a credit note against its invoice, mark an invoice sent.

Each runs in one transaction with the invoice row locked (`invoice_locked`: PostgreSQL row
locks; SQLite's IMMEDIATE transactions hold the write lock), so two payments at once are
checked one after the other against the open amount and never overdraw it. Each writes an
allocation row (never edits or deletes one) and an audit row, then lets the invoice's status
follow its balance: `paid` when nothing is open, back to `sent` (or `issued`) when a reversal
opens it again.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from faktura.billing import hooks as billing_hooks
from faktura.billing.models import Invoice
from faktura.billing.services.drafts import invoice_locked
from faktura.billing.services.idempotency import idempotent
from faktura.common.context import CommandContext
from faktura.common.errors import NotFound
from faktura.common.services import audit_record
from faktura.core import cash_discount
from faktura.core import receivables as rules
from faktura.core.money import amount_places, exact_sum, has_places, negate
from faktura.receivables import hooks
from faktura.receivables.charge_selectors import open_charges
from faktura.receivables.errors import (
    AmountPlaces,
    DateOutOfRange,
    InvoiceNotOpen,
    InvoiceNotPayable,
    InvoiceNotSendable,
    NoCreditBalance,
    OverpaymentNotAllowed,
    PaymentAlreadyReversed,
)
from faktura.receivables.inputs import (
    CreditApply,
    InvoiceMarkSent,
    InvoiceWriteOff,
    PaymentRecord,
    PaymentReverse,
)
from faktura.receivables.models import (
    Allocation,
    CashDiscountShare,
    ChargeAllocation,
    Payment,
    PaymentReversal,
    SentMark,
)
from faktura.receivables.selectors import (
    cash_discount_offer,
    credit_sources,
    invoice_balance,
    was_sent,
)
from faktura.tenancy.selectors import tenant_today

Status = Invoice.Status
Kind = Allocation.Kind
# Payments are taken on issued and sent invoices, and on paid ones as an overpayment (a
# customer who paid twice).
PAYABLE = (Status.ISSUED, Status.SENT, Status.PAID)
OPEN = (Status.ISSUED, Status.SENT)


def _payable(invoice: Invoice, statuses=PAYABLE) -> None:
    if invoice.kind != Invoice.Kind.INVOICE:
        raise InvoiceNotPayable("A credit note takes no payments; it settles its invoice.")
    if invoice.status not in statuses:
        raise InvoiceNotPayable(
            f"Invoice {invoice.number or invoice.pk} is {invoice.status}; only issued or sent "
            "invoices are collected."
        )


def _day(ctx: CommandContext, value: dt.date | None, *, not_before: dt.date | None, what: str):
    """The date of a receivables event: default the company's today; never in the future and
    never before `not_before` (the invoice's or the payment's date)."""
    today = tenant_today(ctx.tenant)
    day = value or today
    if day > today:
        raise DateOutOfRange(
            f"date: {day} is in the future.", fields={"date": "Must not be in the future."}
        )
    if not_before is not None and day < not_before:
        raise DateOutOfRange(
            f"date: {day} is before the {what} ({not_before}).",
            fields={"date": f"Must be on or after {not_before.isoformat()} ({what})."},
        )
    return day


def _check_places(invoice: Invoice, amount: Decimal) -> None:
    places = amount_places(invoice.currency)
    if not has_places(amount, places):
        raise AmountPlaces(
            f"amount: {invoice.currency} amounts have {places} decimals.",
            fields={"amount": f"At most {places} decimals in {invoice.currency}."},
        )


def status_follow(invoice: Invoice) -> str:
    """Let an issued, sent or paid invoice's status follow its balance: `paid` when nothing is
    open, back to `sent` (when it was delivered) or `issued` when something is open again.
    Call with the invoice locked, inside the change's transaction; returns the status."""
    if invoice.kind != Invoice.Kind.INVOICE or invoice.status not in PAYABLE:
        return invoice.status
    balance = invoice_balance(invoice)
    wanted = invoice.status
    if balance.open <= 0:
        wanted = Status.PAID
    elif invoice.status == Status.PAID:
        wanted = Status.SENT if was_sent(invoice) else Status.ISSUED
    if wanted != invoice.status:
        invoice.status = wanted
        invoice.save(update_fields=["status", "updated_at"])
    return wanted


# --- cash discount ----------------------------------------------------------------------------


def cash_discount_due(
    invoice: Invoice, *, open_amount: Decimal, discounted: Decimal, amount: Decimal, day: dt.date
) -> Decimal | None:
    """The discount a payment of `amount` on `day` earns: only when it is paid within the
    period, no discount was taken before, and it is exactly what is open less the discount
    (the customer pays gross - discount). None otherwise: the payment is a partial one."""
    offer = cash_discount_offer(invoice)
    if offer is None or discounted != 0:
        return None
    discount, last_day = offer
    if day > last_day:
        return None
    if amount != exact_sum([open_amount, negate(discount)]):
        return None
    return discount


def vat_groups(invoice: Invoice) -> list[cash_discount.VatGroup]:
    return [
        cash_discount.VatGroup(
            category=row["category"],
            rate=Decimal(row["rate"]),
            taxable=Decimal(row["taxable_amount"]),
            vat=Decimal(row["vat_amount"]),
        )
        for row in invoice.vat_breakdown
    ]


def cash_discount_shares(
    invoice: Invoice, allocations: list[Allocation], *, sign: int = 1
) -> list[CashDiscountShare]:
    """The per-VAT-group rows of these discount allocations (all of `invoice`), unsaved;
    `sign=-1`: the same rows negated (for the reversal of a discount)."""
    places = amount_places(invoice.currency)
    groups = vat_groups(invoice)
    rows = []
    for allocation in allocations:
        for share in cash_discount.split(allocation.amount, groups, places):
            rows.append(
                CashDiscountShare(
                    tenant_id=allocation.tenant_id,
                    allocation=allocation,
                    vat_category=share.category,
                    vat_rate=share.rate,
                    amount=share.amount if sign > 0 else negate(share.amount),
                    net=share.net if sign > 0 else negate(share.net),
                    vat=share.vat if sign > 0 else negate(share.vat),
                )
            )
    return rows


def _cash_discount_allocate(
    ctx: CommandContext, invoice: Invoice, payment: Payment, discount: Decimal
) -> Allocation:
    allocation = Allocation.objects.create(
        tenant=ctx.tenant,
        invoice=invoice,
        kind=Kind.CASH_DISCOUNT,
        amount=discount,
        currency=invoice.currency,
        date=payment.date,
        payment=payment,
        reason=f"cash discount {invoice.cash_discount_percent} %",
    )
    CashDiscountShare.objects.bulk_create(cash_discount_shares(invoice, [allocation]))
    return allocation


# --- payments ---------------------------------------------------------------------------------


def payment_record(
    ctx: CommandContext,
    *,
    invoice_id: int,
    data: PaymentRecord,
    idempotency_key: str = "",
) -> Payment:
    """Record a payment received for the invoice and allocate it.

    An amount beyond the open balance is refused (422 `overpayment_not_allowed`) unless
    `allow_overpayment`: then the invoice is overpaid and the excess is the customer's credit
    balance (`credit_apply` uses it on another invoice). A payment dated within the invoice's
    cash discount period of exactly the open amount less the discount also books the discount
    (a `cash_discount` allocation split per VAT group) and settles the invoice. With an
    `idempotency_key`, a replay of the same request answers the payment the first one
    recorded.

    Errors: 409 `invoice_not_payable` (draft, void, credit note); 400 `date_out_of_range`
    (before the invoice date, in the future), `amount_places`.
    """
    ctx.require("manage_invoices")
    return idempotent(
        ctx,
        scope="payment_record",
        key=idempotency_key,
        request={"invoice_id": invoice_id, **data.model_dump(mode="json")},
        run=lambda: _payment_record(ctx, invoice_id=invoice_id, data=data),
        model=Payment,
    )


def _payment_record(
    ctx: CommandContext, *, invoice_id: int, data: PaymentRecord, bank_transaction=None
) -> Payment:
    with transaction.atomic():
        invoice = invoice_locked(ctx.tenant, invoice_id)
        _payable(invoice)
        _check_places(invoice, data.amount)
        day = _day(ctx, data.date, not_before=invoice.issue_date, what="invoice date")
        balance = invoice_balance(invoice)
        discount = cash_discount_due(
            invoice,
            open_amount=balance.open,
            discounted=balance.discounted,
            amount=data.amount,
            day=day,
        )
        charges = open_charges(invoice.pk)
        split = rules.split_payment(
            data.amount,
            invoice_open=balance.open,
            charges=[(charge.id, charge.open) for charge in charges],
        )
        if split.excess > 0 and not data.allow_overpayment:
            owed = exact_sum([max(balance.open, balance.open * 0), *(c.open for c in charges)])
            raise OverpaymentNotAllowed(
                f"amount: only {owed} {invoice.currency} is open on invoice "
                f"{invoice.number}{' with its dunning charges' if charges else ''}; allow an "
                "overpayment to keep the excess as credit.",
                fields={"amount": f"At most {owed} is open."},
            )
        payment = Payment.objects.create(
            tenant=ctx.tenant,
            invoice=invoice,
            contact_id=invoice.contact_id,
            amount=data.amount,
            currency=invoice.currency,
            date=day,
            method=data.method,
            reference=data.reference,
            bank_transaction=bank_transaction,
        )
        if split.invoice != 0:
            Allocation.objects.create(
                tenant=ctx.tenant,
                invoice=invoice,
                kind=Kind.PAYMENT,
                amount=split.invoice,
                currency=invoice.currency,
                date=day,
                payment=payment,
            )
        ChargeAllocation.objects.bulk_create(
            ChargeAllocation(
                tenant=ctx.tenant,
                charge_id=charge_id,
                kind=ChargeAllocation.Kind.PAYMENT,
                amount=amount,
                date=day,
                payment=payment,
            )
            for charge_id, amount in split.charges
        )
        if discount is not None:
            _cash_discount_allocate(ctx, invoice, payment, discount)
        status = status_follow(invoice)
        audit_record(
            ctx,
            action="payment_record",
            obj=payment,
            data={
                "invoice_id": invoice.pk,
                "amount": str(data.amount),
                "date": day.isoformat(),
                "method": payment.method,
                "overpayment": split.excess > 0,
                "charges": {str(charge_id): str(amount) for charge_id, amount in split.charges},
                "cash_discount": None if discount is None else str(discount),
                "invoice_status": status,
                "bank_transaction_id": bank_transaction.pk if bank_transaction else None,
            },
        )
        for recorded in hooks.payment_recorded:
            recorded(ctx, payment)
    return payment


def payment_reverse(ctx: CommandContext, *, payment_id: int, data: PaymentReverse) -> Payment:
    """Reverse a payment (bounced, booked by mistake): a reversal row with the reason and a
    negative allocation; the payment itself stays. The invoice opens again.

    Errors: 404 for an unknown payment; 409 `payment_already_reversed`; 400
    `date_out_of_range` (before the payment, in the future).
    """
    ctx.require("manage_invoices")
    with transaction.atomic():
        found = Payment.objects.filter(tenant=ctx.tenant, pk=payment_id).first()
        if found is None:
            raise NotFound("Payment not found.")
        invoice = invoice_locked(ctx.tenant, found.invoice_id)  # locks before reading again
        payment = Payment.objects.select_related("reversal").get(pk=found.pk)
        if hasattr(payment, "reversal"):
            raise PaymentAlreadyReversed(
                f"Payment {payment.pk} was reversed on {payment.reversal.date}."
            )
        day = _day(ctx, data.date, not_before=payment.date, what="payment date")
        PaymentReversal.objects.create(
            tenant=ctx.tenant, payment=payment, date=day, reason=data.reason
        )
        paid_in = Allocation.objects.filter(payment=payment, kind=Kind.PAYMENT).first()
        if paid_in is not None:
            Allocation.objects.create(
                tenant=ctx.tenant,
                invoice=invoice,
                kind=Kind.PAYMENT_REVERSAL,
                amount=negate(paid_in.amount),
                currency=payment.currency,
                date=day,
                payment=payment,
                reason=data.reason,
            )
        # The fees and interest it paid are open again.
        ChargeAllocation.objects.bulk_create(
            ChargeAllocation(
                tenant=ctx.tenant,
                charge_id=row.charge_id,
                kind=ChargeAllocation.Kind.PAYMENT_REVERSAL,
                amount=negate(row.amount),
                date=day,
                payment=payment,
                reason=data.reason,
            )
            for row in ChargeAllocation.objects.filter(
                payment=payment, kind=ChargeAllocation.Kind.PAYMENT
            ).order_by("id")
        )
        # The discount stood on the payment in time; without the payment it is gone too.
        taken = list(Allocation.objects.filter(payment=payment, kind=Kind.CASH_DISCOUNT))
        for allocation in taken:
            reversal = Allocation.objects.create(
                tenant=ctx.tenant,
                invoice=invoice,
                kind=Kind.CASH_DISCOUNT_REVERSAL,
                amount=negate(allocation.amount),
                currency=allocation.currency,
                date=day,
                payment=payment,
                reason=data.reason,
            )
            shares = cash_discount_shares(invoice, [allocation], sign=-1)
            for share in shares:
                share.allocation = reversal
            CashDiscountShare.objects.bulk_create(shares)
        status = status_follow(invoice)
        audit_record(
            ctx,
            action="payment_reverse",
            obj=payment,
            data={"invoice_id": invoice.pk, "reason": data.reason, "invoice_status": status},
        )
        for reversed_ in hooks.payment_reversed:
            reversed_(ctx, payment)
    return Payment.objects.select_related("reversal").get(pk=payment.pk)


# --- write-off and credit ---------------------------------------------------------------------


def invoice_write_off(ctx: CommandContext, *, invoice_id: int, data: InvoiceWriteOff) -> Allocation:
    """Write off what is still open on the invoice (bank fees, a small difference), with the
    reason; the invoice becomes paid. Errors: 409 `invoice_not_payable`, `invoice_not_open`."""
    ctx.require("manage_invoices")
    with transaction.atomic():
        invoice = invoice_locked(ctx.tenant, invoice_id)
        _payable(invoice, OPEN)
        day = _day(ctx, data.date, not_before=invoice.issue_date, what="invoice date")
        balance = invoice_balance(invoice)
        if balance.open <= 0:
            raise InvoiceNotOpen(f"Nothing is open on invoice {invoice.number}.")
        allocation = Allocation.objects.create(
            tenant=ctx.tenant,
            invoice=invoice,
            kind=Kind.WRITE_OFF,
            amount=balance.open,
            currency=invoice.currency,
            date=day,
            reason=data.reason,
        )
        status = status_follow(invoice)
        audit_record(
            ctx,
            action="invoice_write_off",
            obj=invoice,
            data={"amount": str(balance.open), "reason": data.reason, "invoice_status": status},
        )
    return allocation


def credit_apply(ctx: CommandContext, *, invoice_id: int, data: CreditApply) -> list[Allocation]:
    """Use the customer's credit balance (what they overpaid on other invoices in the same
    currency, oldest first) on this invoice. Each source invoice gets a negative
    `credit_transfer` row, this invoice a `credit_applied` row per source; the sum stays the
    same. Default amount: as much as the balance and the open amount allow.

    Errors: 409 `invoice_not_payable`, `invoice_not_open`; 422 `no_credit_balance` (none, or
    less than `amount`), `overpayment_not_allowed` (more than is open).
    """
    ctx.require("manage_invoices")
    with transaction.atomic():
        target = Invoice.objects.filter(tenant=ctx.tenant, pk=invoice_id).first()
        if target is None:
            raise NotFound("Invoice not found.")
        candidates = credit_sources(
            tenant=ctx.tenant, contact_id=target.contact_id, currency=target.currency
        )
        # Lock the target and every source in one order (by id), then read them again.
        ids = sorted({target.pk, *(invoice.pk for invoice, _credit in candidates)})
        locked = {
            invoice.pk: invoice
            for invoice in Invoice.objects.select_for_update()
            .filter(tenant=ctx.tenant, pk__in=ids)
            .order_by("pk")
        }
        target = locked[target.pk]
        _payable(target, OPEN)
        if data.amount is not None:
            _check_places(target, data.amount)
        day = _day(ctx, data.date, not_before=target.issue_date, what="invoice date")
        open_amount = invoice_balance(target).open
        if open_amount <= 0:
            raise InvoiceNotOpen(f"Nothing is open on invoice {target.number}.")
        sources = [
            (locked[invoice.pk], invoice_balance(locked[invoice.pk]).credit)
            for invoice, _credit in candidates
            if invoice.pk != target.pk
        ]
        sources = [(invoice, credit) for invoice, credit in sources if credit > 0]
        available = exact_sum(credit for _invoice, credit in sources)
        if available <= 0:
            raise NoCreditBalance(
                f"The customer has no credit balance in {target.currency}.",
                fields={"amount": "No credit balance."},
            )
        amount = data.amount if data.amount is not None else min(available, open_amount)
        if amount > available:
            raise NoCreditBalance(
                f"amount: the customer's credit balance is {available} {target.currency}.",
                fields={"amount": f"At most {available} (the credit balance)."},
            )
        if amount > open_amount:
            raise OverpaymentNotAllowed(
                f"amount: only {open_amount} {target.currency} is open on invoice {target.number}.",
                fields={"amount": f"At most {open_amount} is open."},
            )
        applied = []
        remaining = amount
        for source, credit in sources:
            if remaining <= 0:
                break
            take = min(credit, remaining)
            remaining = exact_sum([remaining, negate(take)])
            transfer = Allocation.objects.create(
                tenant=ctx.tenant, invoice=source, kind=Kind.CREDIT_TRANSFER,
                amount=negate(take), currency=source.currency, date=day,
                reason=f"applied to invoice {target.number}",
            )  # fmt: skip
            applied.append(
                Allocation.objects.create(
                    tenant=ctx.tenant,
                    invoice=target,
                    kind=Kind.CREDIT_APPLIED,
                    amount=take,
                    currency=target.currency,
                    date=day,
                    source=transfer,
                    reason=f"credit from invoice {source.number}",
                )
            )
            Allocation.objects.filter(pk=transfer.pk).update(source=applied[-1])
            status_follow(source)
        status = status_follow(target)
        audit_record(
            ctx,
            action="credit_apply",
            obj=target,
            data={
                "amount": str(amount),
                "sources": [a.reason for a in applied],
                "invoice_status": status,
            },
        )
    return applied


def credit_note_settle(ctx: CommandContext, note: Invoice) -> Allocation | None:
    """A credit note settles its invoice: an allocation of its amount (the billing service
    calls this inside the credit note's transaction, with the invoice locked). What it takes
    off beyond the open amount is the customer's credit balance."""
    if note.kind != Invoice.Kind.CREDIT_NOTE or note.credit_note_of_id is None:
        return None
    invoice = Invoice.objects.get(pk=note.credit_note_of_id)
    allocation = Allocation.objects.create(
        tenant=note.tenant,
        invoice=invoice,
        kind=Kind.CREDIT_NOTE,
        amount=negate(note.gross_total),
        currency=note.currency,
        date=note.issue_date,
        credit_note=note,
    )
    status_follow(invoice)
    return allocation


# --- sending ----------------------------------------------------------------------------------


def invoice_mark_sent(ctx: CommandContext, *, invoice_id: int, data: InvoiceMarkSent) -> SentMark:
    """Record that an issued invoice went to the customer outside Faktura's e-mail (post, a
    portal): it becomes `sent` (a paid one stays paid). Errors: 409 `invoice_not_sendable`
    for drafts and void invoices; 400 `date_out_of_range`."""
    ctx.require("manage_invoices")
    with transaction.atomic():
        invoice = invoice_locked(ctx.tenant, invoice_id)
        if invoice.status not in PAYABLE:
            raise InvoiceNotSendable(
                f"Invoice {invoice.number or invoice.pk} is {invoice.status}; only issued "
                "invoices can be marked sent."
            )
        day = _day(ctx, data.date, not_before=invoice.issue_date, what="invoice date")
        mark = SentMark.objects.create(
            tenant=ctx.tenant, invoice=invoice, channel=data.channel, date=day
        )
        if invoice.status == Status.ISSUED:
            invoice.status = Status.SENT
            invoice.save(update_fields=["status", "updated_at"])
            for sent in billing_hooks.invoice_sent:
                sent(ctx, invoice)
        audit_record(
            ctx,
            action="invoice_mark_sent",
            obj=invoice,
            data={"channel": mark.channel, "date": day.isoformat()},
        )
    return mark
