"""Bank statement import: receive a CAMT.053 or MT940 file, store its transactions once, and
match incoming payments to open invoices (`core.bank_matching`); a person confirms the
suggestions, matches what stayed unmatched, or ignores it.

Importing the same statement again, or one that overlaps it, changes nothing for the
transactions seen before: each has a key (the bank's reference or a hash of its fields) with a
unique index per company. Auto-matched credits become payments (`payment_record`'s rules: never
beyond the open amount, never before the invoice date) linked to their transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from faktura.billing.models import Invoice
from faktura.billing.services.idempotency import idempotent
from faktura.common.context import CommandContext
from faktura.common.errors import (
    BusinessRuleViolation,
    Conflict,
    ReferenceNotFound,
    ValidationFailed,
)
from faktura.common.models import AuditEvent, Operation
from faktura.common.services import audit_record, operation_start
from faktura.common.sql import id_batches
from faktura.core import bank_matching as matching
from faktura.core import receivables as rules
from faktura.core.money import amount_places, exact_sum, has_places, negate
from faktura.receivables.charge_selectors import charges_of, open_charges
from faktura.receivables.errors import OverpaymentNotAllowed
from faktura.receivables.inputs import (
    BankStatementUpload,
    BankTransactionIgnore,
    BankTransactionMatch,
    PaymentRecord,
)
from faktura.receivables.models import (
    Allocation,
    BankStatement,
    BankTransaction,
    CashDiscountShare,
    ChargeAllocation,
    Payment,
)
from faktura.receivables.plain_insert import insert_plain, plain_value
from faktura.receivables.selectors import (
    OPEN_STATUSES,
    bank_transaction_get,
    invoice_balance,
    open_items,
)
from faktura.receivables.services.payments import _payment_record, cash_discount_shares
from faktura.receivables.statements import parse_statement
from faktura.tenancy.models import Tenant
from faktura.tenancy.selectors import tenant_today

Status = BankTransaction.Status
DONE = (Status.MATCHED, Status.IGNORED)
TX_COLUMNS = (
    "tenant_id", "statement_id", "key", "booking_date", "value_date", "amount", "currency",
    "counterparty_name", "counterparty_iban", "remittance", "bank_reference", "status",
)  # fmt: skip


@dataclass(slots=True)
class _Tx:
    """What matching needs of a stored bank transaction (read as plain values: a statement
    may carry ten thousand)."""

    pk: int
    booking_date: dt.date
    amount: Decimal
    currency: str
    counterparty_name: str
    remittance: str
    status: str = Status.UNMATCHED
    reason: str = ""
    suggested_invoice_ids: list[int] = field(default_factory=list)


def _transactions_of(statement: BankStatement) -> list[_Tx]:
    rows = (
        BankTransaction.objects.filter(statement=statement)
        .order_by("booking_date", "id")
        .values_list("id", "booking_date", "amount", "currency", "counterparty_name", "remittance")
    )
    return [_Tx(*row) for row in rows]


class BankTransactionDone(Conflict):
    """The transaction is matched or ignored already."""

    code = "bank_transaction_done"


class BankTransactionNotCredit(BusinessRuleViolation):
    """Only incoming money (a credit in the account's currency) pays an invoice."""

    code = "bank_transaction_not_credit"


def bank_statement_receive(ctx: CommandContext, *, data: BankStatementUpload) -> BankStatement:
    """Check the file (a complete CAMT.053 or MT940 statement, else 400 `statement_invalid`
    and nothing stored) and keep it for the import."""
    ctx.require("manage_invoices")
    parsed = parse_statement(data.content)
    with transaction.atomic():
        statement = BankStatement.objects.create(
            tenant=ctx.tenant,
            format=parsed.format,
            filename=data.filename,
            sha256=hashlib.sha256(data.content).hexdigest(),
            content=data.content,
            account=parsed.account[:60],
            currency=parsed.currency[:3],
            statement_id=parsed.statement_id[:100],
            transactions=len(parsed.lines),
        )
        audit_record(
            ctx,
            action="bank_statement_receive",
            obj=statement,
            data={"format": parsed.format, "transactions": len(parsed.lines)},
        )
    return statement


def bank_statement_import_start(
    ctx: CommandContext, *, data: BankStatementUpload, idempotency_key: str = ""
) -> Operation:
    """Receive the file now (a bad file answers 400 at once) and import it in the background;
    the operation's result is the statement's counts. With an `idempotency_key` a replay of the
    same upload answers the first request's operation and stores no second statement."""
    return idempotent(
        ctx,
        scope="bank_statement_import",
        key=idempotency_key,
        request={"filename": data.filename, "sha256": hashlib.sha256(data.content).hexdigest()},
        run=lambda: _bank_statement_import_start(ctx, data=data),
        model=Operation,
    )


def _bank_statement_import_start(ctx: CommandContext, *, data: BankStatementUpload) -> Operation:
    from faktura.receivables.tasks import bank_statement_import_task

    with transaction.atomic():
        statement = bank_statement_receive(ctx, data=data)
        return operation_start(
            ctx,
            kind="bank_statement_import",
            task=bank_statement_import_task,
            params={"statement_id": statement.pk},
        )


def bank_statement_import(ctx: CommandContext, *, statement_id: int) -> BankStatement:
    """Store the statement's new transactions and match them. A statement imported already is
    left as it is (a task delivered twice does nothing the second time)."""
    ctx.require("manage_invoices")
    with transaction.atomic():
        statement = (
            BankStatement.objects.select_for_update().filter(tenant=ctx.tenant, pk=statement_id)
        ).first()
        if statement is None:
            raise ReferenceNotFound.field("statement_id", "No such statement.")
        if statement.status == BankStatement.Status.IMPORTED:
            return statement
        parsed = parse_statement(bytes(statement.content))
        keys = [line.key for line in parsed.lines]
        seen = set(
            BankTransaction.objects.filter(tenant=ctx.tenant, key__in=keys).values_list(
                "key", flat=True
            )
        )
        fresh = []
        for line in parsed.lines:
            if line.key in seen:
                continue
            seen.add(line.key)
            fresh.append(line)
        now = timezone.now()
        insert_plain(
            BankTransaction, TX_COLUMNS,
            [
                (ctx.tenant.pk, statement.pk, line.key, line.booking_date,
                 line.value_date, line.amount, line.currency,
                 line.counterparty_name, line.counterparty_iban, line.remittance,
                 line.bank_reference, Status.UNMATCHED)
                for line in fresh
            ],
            now=now,
        )  # fmt: skip
        created = _transactions_of(statement)
        counts = _match_all(
            ctx, created, account_currency=statement.currency or "", statement_id=statement.pk
        )
        statement.status = BankStatement.Status.IMPORTED
        statement.duplicates = len(parsed.lines) - len(created)
        statement.matched = counts[Status.MATCHED]
        statement.suggested = counts[Status.SUGGESTED]
        statement.unmatched = counts[Status.UNMATCHED]
        statement.save()
        audit_record(
            ctx,
            action="bank_statement_import",
            obj=statement,
            data={
                "transactions": statement.transactions,
                "matched": statement.matched,
                "suggested": statement.suggested,
                "unmatched": statement.unmatched,
                "duplicates": statement.duplicates,
            },
        )
    return statement


def _match_all(
    ctx: CommandContext, transactions: list[_Tx], *, account_currency: str, statement_id: int
) -> dict[str, int]:
    """Decide each transaction in booking order against the open invoices, keeping the open
    amounts current, and record the certain ones as payments.

    The open invoices are locked first (in id order) and read after, so no payment recorded
    meanwhile is missed. The payments follow `payment_record`'s rules (issued or sent, never
    beyond the open amount and open dunning charges, not before the invoice date, not in the
    future, the currency's decimals); a match that breaks one becomes a suggestion. Payments,
    allocations and audit rows are written as plain rows, and invoices with nothing left open
    become paid."""
    counts = {Status.MATCHED: 0, Status.SUGGESTED: 0, Status.UNMATCHED: 0}
    list(
        Invoice.objects.select_for_update()
        .filter(tenant=ctx.tenant, kind=Invoice.Kind.INVOICE, status__in=OPEN_STATUSES)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    items = open_items(tenant=ctx.tenant)
    book = matching.Book.of(items)
    dates = {item.invoice_id: item.issue_date for item in items}
    # The open charges of reminded invoices, oldest first: a payment beyond the invoice's
    # open amount settles them (`core.receivables.split_payment`).
    charged = charges_of(item.invoice_id for item in items if item.charges)
    charge_open = {
        invoice_id: [[c.id, c.open] for c in charges if c.open > 0]
        for invoice_id, charges in charged.items()
    }
    today = tenant_today(ctx.tenant)
    planned: list[_Planned] = []
    for tx in transactions:
        line = matching.Line(
            amount=tx.amount, currency=tx.currency, remittance=tx.remittance,
            counterparty=tx.counterparty_name, date=tx.booking_date,
        )  # fmt: skip
        decision = matching.decide(line, book, account_currency=account_currency or tx.currency)
        status, suggestions = decision.status, list(decision.suggestions)
        if status == matching.MATCHED:
            allowed = tx.booking_date <= today and all(
                dates[invoice_id] is None or tx.booking_date >= dates[invoice_id]
                for invoice_id, _amount in decision.allocations
            )
            allowed = allowed and all(
                has_places(amount, amount_places(book.items[invoice_id].currency))
                for invoice_id, amount in decision.allocations
            )
            if allowed:
                earned = dict(decision.discounts)
                for invoice_id, amount in decision.allocations:
                    open_list = charge_open.get(invoice_id, [])
                    split = rules.split_payment(
                        amount,
                        invoice_open=book.open(invoice_id),
                        charges=[(cid, left) for cid, left in open_list],
                    )
                    taken = dict(split.charges)
                    for row in open_list:
                        if row[0] in taken:
                            row[1] = exact_sum([row[1], negate(taken[row[0]])])
                    planned.append(_Planned(tx, invoice_id, amount, split, earned.get(invoice_id)))
                    book.settle(invoice_id, amount, earned.get(invoice_id))
            else:  # e.g. booked before the invoice date: a person decides
                status = matching.SUGGESTED
                suggestions = [invoice_id for invoice_id, _amount in decision.allocations]
        tx.status = status
        tx.reason = decision.reason
        tx.suggested_invoice_ids = suggestions
        counts[status] += 1
    # One UPDATE per outcome (most transactions share theirs), not a CASE per row.
    outcomes: dict[tuple, list[int]] = defaultdict(list)
    for tx in transactions:
        outcomes[(tx.status, tx.reason, tuple(tx.suggested_invoice_ids))].append(tx.pk)
    # The most common outcome is written to all of the statement's (new) transactions at
    # once, the others over it by id.
    ordered = sorted(outcomes.items(), key=lambda kv: -len(kv[1]))
    for n, ((status, reason, suggestions), ids) in enumerate(ordered):
        values = {"status": status, "reason": reason, "suggested_invoice_ids": list(suggestions)}
        if n == 0:
            BankTransaction.objects.filter(statement_id=statement_id).update(**values)
            continue
        for batch in id_batches(ids):
            BankTransaction.objects.filter(pk__in=batch).update(**values)
    _payments_create(ctx, planned, book, statement_id=statement_id)
    return counts


@dataclass(slots=True)
class _Planned:
    """A payment a matched transaction makes: its amount and how it is shared out."""

    tx: _Tx
    invoice_id: int
    amount: Decimal
    split: rules.PaymentSplit
    discount: Decimal | None


PAYMENT_COLUMNS = (
    "tenant_id", "invoice_id", "contact_id", "amount", "currency", "date", "method",
    "reference", "bank_transaction_id",
)  # fmt: skip
ALLOCATION_COLUMNS = (
    "tenant_id", "invoice_id", "kind", "amount", "currency", "date", "payment_id",
)  # fmt: skip
CHARGE_ALLOCATION_COLUMNS = ("tenant_id", "charge_id", "kind", "amount", "date", "payment_id")
AUDIT_COLUMNS = (
    "tenant_id", "actor_id", "action", "object_type", "object_id", "source", "reason", "data",
    "created_at",
)  # fmt: skip


def _payments_create(
    ctx: CommandContext, planned: list[_Planned], book, *, statement_id: int
) -> None:
    """The payments of the matched transactions with their allocations (on the invoice, on
    its dunning charges) and audit rows, written as plain rows; a payment in the cash discount
    period also gets its discount allocation, split per VAT group. The invoices they settle
    become paid."""
    if not planned:
        return
    now = timezone.now()
    tenant_id = ctx.tenant.pk
    method = Payment.Method.BANK_TRANSFER
    insert_plain(
        Payment, PAYMENT_COLUMNS,
        [
            (tenant_id, p.invoice_id, book.items[p.invoice_id].contact_id, p.amount,
             book.items[p.invoice_id].currency, p.tx.booking_date, method,
             p.tx.remittance[:140], p.tx.pk)
            for p in planned
        ],
        now=now,
    )  # fmt: skip
    ids = {
        (tx_id, invoice_id): pk
        for pk, tx_id, invoice_id in Payment.objects.filter(
            tenant=ctx.tenant, bank_transaction__statement_id=statement_id
        )
        .order_by()
        .values_list("id", "bank_transaction_id", "invoice_id")
    }
    payment_kind = Allocation.Kind.PAYMENT
    insert_plain(
        Allocation, ALLOCATION_COLUMNS,
        [
            (tenant_id, p.invoice_id, payment_kind, p.split.invoice,
             book.items[p.invoice_id].currency, p.tx.booking_date,
             ids[(p.tx.pk, p.invoice_id)])
            for p in planned
            if p.split.invoice != 0
        ],
        now=now,
    )  # fmt: skip
    insert_plain(
        ChargeAllocation, CHARGE_ALLOCATION_COLUMNS,
        [
            (tenant_id, charge_id, ChargeAllocation.Kind.PAYMENT, part,
             p.tx.booking_date, ids[(p.tx.pk, p.invoice_id)])
            for p in planned
            for charge_id, part in p.split.charges
        ],
        now=now,
    )  # fmt: skip
    _discounts_create(ctx, [p for p in planned if p.discount is not None], ids)
    actor = ctx.user.pk if ctx.user is not None else None
    insert_plain(
        AuditEvent, AUDIT_COLUMNS,
        [
            (tenant_id, actor, "payment_record", "payment", str(ids[(p.tx.pk, p.invoice_id)]),
             ctx.source, ctx.reason,
             plain_value({
                 "invoice_id": p.invoice_id, "amount": str(p.amount),
                 "date": p.tx.booking_date.isoformat(), "method": method.value,
                 "bank_transaction_id": p.tx.pk, "cash_discount": _text(p.discount),
                 "charges": {str(c): str(a) for c, a in p.split.charges},
             }),
             plain_value(now))
            for p in planned
        ],
        now=now,
    )  # fmt: skip
    settled = sorted({p.invoice_id for p in planned if book.open(p.invoice_id) <= 0})
    for batch in id_batches(settled):
        Invoice.objects.filter(pk__in=batch, status__in=OPEN_STATUSES).update(
            status=Invoice.Status.PAID
        )


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _discounts_create(
    ctx: CommandContext, earned: list[_Planned], ids: dict[tuple[int, int], int]
) -> None:
    """The cash discount allocations (and their per-VAT-group shares) of matched payments."""
    if not earned:
        return
    invoices = Invoice.objects.in_bulk([p.invoice_id for p in earned])
    allocations = Allocation.objects.bulk_create(
        [
            Allocation(
                tenant=ctx.tenant, invoice_id=p.invoice_id,
                kind=Allocation.Kind.CASH_DISCOUNT, amount=p.discount,
                currency=invoices[p.invoice_id].currency, date=p.tx.booking_date,
                payment_id=ids[(p.tx.pk, p.invoice_id)],
                reason=f"cash discount {invoices[p.invoice_id].cash_discount_percent} %",
            )
            for p in earned
        ],
        batch_size=1000,
    )  # fmt: skip
    shares = [
        share
        for allocation in allocations
        for share in cash_discount_shares(invoices[allocation.invoice_id], [allocation])
    ]
    CashDiscountShare.objects.bulk_create(shares, batch_size=1000)


def _pay(ctx: CommandContext, tx: BankTransaction, invoice_id: int, amount: Decimal) -> Payment:
    return _payment_record(
        ctx,
        invoice_id=invoice_id,
        data=PaymentRecord(
            amount=amount,
            date=tx.booking_date,
            method="bank_transfer",
            reference=tx.remittance[:140],
        ),
        bank_transaction=tx,
    )


def _transaction_locked(ctx: CommandContext, transaction_id: int) -> BankTransaction:
    bank_transaction_get(tenant=ctx.tenant, transaction_id=transaction_id)  # 404
    return BankTransaction.objects.select_for_update().get(pk=transaction_id)


def _matched_so_far(tx: BankTransaction) -> Decimal:
    amounts = Payment.objects.filter(bank_transaction=tx, reversal__isnull=True).values_list(
        "amount", flat=True
    )
    return exact_sum([tx.amount * 0, *amounts])


def bank_transaction_match(
    ctx: CommandContext, *, transaction_id: int, data: BankTransactionMatch
) -> BankTransaction:
    """Record (part of) an incoming transaction as a payment of the invoice; the transaction is
    matched once all of it is allocated (a transfer for two invoices is matched twice).

    Errors: 409 `bank_transaction_done`; 422 `bank_transaction_not_credit` (a debit, another
    currency than the invoice's), `overpayment_not_allowed` (more than is open or left of the
    transaction); 400 naming `invoice_id` for an unknown invoice.
    """
    ctx.require("manage_invoices")
    with transaction.atomic():
        tx = _transaction_locked(ctx, transaction_id)
        if tx.status in DONE:
            raise BankTransactionDone(f"The transaction is {tx.status} already.")
        invoice = Invoice.objects.filter(tenant=ctx.tenant, pk=data.invoice_id).first()
        if invoice is None:
            raise ReferenceNotFound.field("invoice_id", "No such invoice.")
        if tx.amount <= 0 or tx.currency != invoice.currency:
            raise BankTransactionNotCredit(
                f"A {tx.amount} {tx.currency} transaction cannot pay an invoice in "
                f"{invoice.currency}."
            )
        left = exact_sum([tx.amount, negate(_matched_so_far(tx))])
        amount = data.amount
        if amount is None:
            owed = exact_sum(
                [max(invoice_balance(invoice).open, left * 0),
                 *(c.open for c in open_charges(invoice.pk))]
            )  # fmt: skip
            amount = min(left, owed)
        if amount <= 0 or amount > left:
            raise OverpaymentNotAllowed(
                f"amount: {left} {tx.currency} of the transaction is left to allocate.",
                fields={"amount": f"At most {left}."},
            )
        _pay(ctx, tx, invoice.pk, amount)
        if amount == left:
            tx.status = Status.MATCHED
            tx.reason = "confirmed"
        tx.save(update_fields=["status", "reason", "updated_at"])
        audit_record(
            ctx,
            action="bank_transaction_match",
            obj=tx,
            data={"invoice_id": invoice.pk, "amount": str(amount), "status": tx.status},
        )
    return tx


def bank_transaction_ignore(
    ctx: CommandContext, *, transaction_id: int, data: BankTransactionIgnore
) -> BankTransaction:
    """Leave a transaction out of the open list (not a customer payment). 409 when matched."""
    ctx.require("manage_invoices")
    with transaction.atomic():
        tx = _transaction_locked(ctx, transaction_id)
        if tx.status in DONE:
            raise BankTransactionDone(f"The transaction is {tx.status} already.")
        if Payment.objects.filter(bank_transaction=tx, reversal__isnull=True).exists():
            raise BankTransactionDone("Part of this transaction is matched already.")
        tx.status = Status.IGNORED
        tx.note = data.note
        tx.save(update_fields=["status", "note", "updated_at"])
        audit_record(ctx, action="bank_transaction_ignore", obj=tx, data={"note": data.note})
    return tx


def tenant_for_cli(slug: str | None) -> Tenant:
    """The company a command works for: `--tenant SLUG`, or the only one there is."""
    if slug:
        found = Tenant.objects.filter(slug=slug).first()
        if found is None:
            raise ReferenceNotFound.field("tenant", f"No company {slug!r}.")
        return found
    tenants = list(Tenant.objects.all()[:2])
    if len(tenants) != 1:
        raise ValidationFailed.field("tenant", "Name the company with --tenant SLUG.")
    return tenants[0]
