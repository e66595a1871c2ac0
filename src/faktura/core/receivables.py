"""What a customer still owes on an invoice, derived from its allocation rows, and the age of
an open amount. Pure functions over plain values (DESIGN.md section 4, invariant 7).

An invoice's open amount is never stored: it is the gross less every allocation (payments,
credit notes, write-offs, credit balance applied), each a row of its own. A reversal is a
negative row, never a deleted one. Sums are exact (`money.exact_sum`); nothing is rounded here,
every allocation already is an amount in the currency's decimals.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from faktura.core.money import exact_sum, negate

# Allocation kinds (the `kind` of a receivables allocation row).
PAYMENT = "payment"  # money received, applied to the invoice
PAYMENT_REVERSAL = "payment_reversal"  # a reversed payment taken back (negative)
CREDIT_NOTE = "credit_note"  # a credit note settling its invoice
WRITE_OFF = "write_off"  # a remainder written off with a reason
CREDIT_APPLIED = "credit_applied"  # the customer's credit balance used on this invoice
CREDIT_TRANSFER = "credit_transfer"  # credit moved off an overpaid invoice (negative)
CASH_DISCOUNT = "cash_discount"  # the cash discount taken by a payment within the period
CASH_DISCOUNT_REVERSAL = "cash_discount_reversal"  # its payment was reversed (negative)

# Money that came from the customer: payments (less reversals) and credit used from their
# balance (less what moved away to another invoice).
RECEIVED = frozenset({PAYMENT, PAYMENT_REVERSAL, CREDIT_APPLIED, CREDIT_TRANSFER})

# Payment states (derived, never stored).
UNPAID = "unpaid"
PARTIALLY_PAID = "partially_paid"
PAID = "paid"
OVERPAID = "overpaid"

# Aging buckets: (key, first day overdue, last day overdue or None).
AGING_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("current", -(10**9), 0),
    ("days_1_30", 1, 30),
    ("days_31_60", 31, 60),
    ("days_61_90", 61, 90),
    ("days_over_90", 91, None),
)


@dataclass(frozen=True)
class Balance:
    """An invoice's standing. `open` is gross less all allocations; negative means the
    customer paid more than owed (their credit balance)."""

    gross: Decimal
    paid: Decimal  # received from the customer (payments and credit used), net of reversals
    credited: Decimal  # taken off by credit notes (positive)
    written_off: Decimal
    open: Decimal
    discounted: Decimal = Decimal(0)  # cash discount taken (net of reversals)

    @property
    def state(self) -> str:
        return payment_state(self)

    @property
    def credit(self) -> Decimal:
        """What the customer has overpaid on this invoice (0 when nothing)."""
        return negate(self.open) if self.open < 0 else self.open * 0


def balance(gross: Decimal, allocations: Iterable[tuple[str, Decimal]]) -> Balance:
    """The balance of an invoice of `gross` with these `(kind, amount)` allocation rows.

    Every row's amount is what it takes off the open amount (a reversal or a transfer away is
    negative). The zero sums carry the gross's decimals ("0.00", not "0")."""
    zero = gross * 0
    rows = list(allocations)
    paid = exact_sum([zero, *(amount for kind, amount in rows if kind in RECEIVED)])
    credited = exact_sum([zero, *(amount for kind, amount in rows if kind == CREDIT_NOTE)])
    written_off = exact_sum([zero, *(amount for kind, amount in rows if kind == WRITE_OFF)])
    discounted = exact_sum(
        [
            zero,
            *(amount for kind, amount in rows if kind in (CASH_DISCOUNT, CASH_DISCOUNT_REVERSAL)),
        ]
    )
    taken = exact_sum([zero, *(amount for _kind, amount in rows)])
    return Balance(
        gross=gross,
        paid=paid,
        credited=credited,
        written_off=written_off,
        open=exact_sum([gross, negate(taken)]),
        discounted=discounted,
    )


def payment_state(b: Balance) -> str:
    """`paid` when nothing is open, `overpaid` when more came in than was owed,
    `partially_paid` when something settled part of it, else `unpaid`."""
    if b.open < 0:
        return OVERPAID
    if b.open == 0:
        return PAID
    if b.paid > 0 or b.written_off > 0:
        return PARTIALLY_PAID
    return UNPAID


def days_overdue(due_date: dt.date | None, today: dt.date) -> int:
    """Whole days past the due date (0 on the due date and before)."""
    if due_date is None:
        return 0
    return max((today - due_date).days, 0)


def aging_bucket(days: int) -> str:
    """The aging bucket of an amount `days` overdue (0 or less: `current`)."""
    for key, first, last in AGING_BUCKETS:
        if days >= first and (last is None or days <= last):
            return key
    raise AssertionError(days)  # the buckets cover every integer


@dataclass(frozen=True)
class PaymentSplit:
    """How one payment on an invoice is shared out (`split_payment`)."""

    invoice: Decimal  # taken off the invoice's open amount (with any overpayment)
    charges: tuple[tuple[int, Decimal], ...]  # (charge id, amount) for its dunning charges
    excess: Decimal  # beyond the invoice and its charges: an overpayment


def split_payment(
    amount: Decimal, *, invoice_open: Decimal, charges: Iterable[tuple[int, Decimal]]
) -> PaymentSplit:
    """Share a payment out over an invoice and its open dunning charges (fees, interest).

    The invoice's open amount is settled first, then the charges in the order given (oldest
    first: each reminder's fee before its interest). This is the order a German service
    company books in: the invoice is what its books and the customer's remittance name, and
    the charges are what is left over. What goes beyond both is the `excess` and belongs to
    the invoice (an overpayment, the customer's credit). No rounding: every amount already
    has the currency's decimals."""
    zero = amount * 0
    to_invoice = min(amount, max(invoice_open, zero))
    left = exact_sum([amount, negate(to_invoice)])
    shares = []
    for charge_id, open_amount in charges:
        if left <= 0:
            break
        take = min(left, open_amount)
        if take > 0:
            shares.append((charge_id, take))
            left = exact_sum([left, negate(take)])
    return PaymentSplit(invoice=exact_sum([to_invoice, left]), charges=tuple(shares), excess=left)
