"""Proofs over the whole database that receivables kept invariant 7 (DESIGN.md section 4):
money received is never lost or counted twice.

`check_invariants()` returns a list of problems, empty when everything holds:

1. Every payment is allocated once: its `payment` allocation on the invoice (none when all
   of it paid dunning charges) and its `payment` rows on charges add up to its amount; a
   reversal takes back exactly that: a `payment_reversal` allocation of minus the invoice's
   part and a reversal row of minus each charge's part.
2. Every issued credit note settles its invoice with exactly one `credit_note` allocation of
   its (negated) gross.
3. Credit moved between invoices adds up: each `credit_transfer` is the negation of the
   `credit_applied` row it funds.
4. An allocation has its invoice's tenant and currency.
5. The stored status agrees with the derived balance: `paid` invoices have nothing open,
   issued and sent ones something.
6. A cash discount (and its reversal) stands on a payment, and its per-VAT-group shares add
   up to it, each share's net and VAT to the share (issue 12).
7. A dunning charge is never settled beyond its amount, nor below zero: what its ledger rows
   take off lies between 0 and the charge (issue 12).
"""

from __future__ import annotations

from collections import defaultdict

from faktura.billing.models import Invoice
from faktura.core.money import exact_sum, negate
from faktura.core.problems import Problem, error
from faktura.receivables.models import (
    Allocation,
    CashDiscountShare,
    ChargeAllocation,
    Payment,
    ReceivableCharge,
)
from faktura.receivables.selectors import balances


def check_invariants(*, tenant=None) -> list[Problem]:
    def scoped(qs):
        return qs if tenant is None else qs.filter(tenant=tenant)

    problems: list[Problem] = []
    rows = list(scoped(Allocation.objects.select_related("invoice")).order_by("pk"))
    by_payment: dict[tuple[int, str], list[Allocation]] = defaultdict(list)
    by_note: dict[int, list[Allocation]] = defaultdict(list)
    by_pk = {row.pk: row for row in rows}
    for row in rows:
        if row.payment_id is not None:
            by_payment[(row.payment_id, row.kind)].append(row)
        if row.credit_note_id is not None:
            by_note[row.credit_note_id].append(row)
        if row.tenant_id != row.invoice.tenant_id or row.currency != row.invoice.currency:
            problems.append(error("allocation_mismatch", f"allocation {row.pk} vs its invoice"))
        if row.kind == Allocation.Kind.CREDIT_TRANSFER:
            funded = by_pk.get(row.source_id)
            if funded is None or funded.amount != negate(row.amount):
                problems.append(error("credit_transfer_unbalanced", f"allocation {row.pk}"))
    on_charges: dict[tuple[int, str], list] = defaultdict(list)
    for payment_id, kind, amount in scoped(
        ChargeAllocation.objects.filter(payment__isnull=False)
    ).values_list("payment_id", "kind", "amount"):
        on_charges[(payment_id, kind)].append(amount)
    for payment in scoped(Payment.objects.select_related("reversal")):
        paid = by_payment.get((payment.pk, Allocation.Kind.PAYMENT), [])
        to_charges = on_charges.get((payment.pk, ChargeAllocation.Kind.PAYMENT), [])
        if (
            len(paid) > 1
            or exact_sum([payment.amount * 0, *(a.amount for a in paid), *to_charges])
            != payment.amount
        ):
            problems.append(error("payment_not_allocated_once", f"payment {payment.pk}"))
        taken_back = by_payment.get((payment.pk, Allocation.Kind.PAYMENT_REVERSAL), [])
        wanted = [negate(a.amount) for a in paid] if hasattr(payment, "reversal") else []
        back = on_charges.get((payment.pk, ChargeAllocation.Kind.PAYMENT_REVERSAL), [])
        wanted_back = sorted(negate(a) for a in to_charges) if hasattr(payment, "reversal") else []
        if [a.amount for a in taken_back] != wanted or sorted(back) != wanted_back:
            problems.append(error("reversal_not_allocated_once", f"payment {payment.pk}"))
    notes = scoped(
        Invoice.objects.filter(kind=Invoice.Kind.CREDIT_NOTE, credit_note_of__isnull=False)
    ).exclude(status=Invoice.Status.DRAFT)
    for note_id, gross in notes.values_list("pk", "gross_total"):
        if [a.amount for a in by_note.get(note_id, [])] != [negate(gross)]:
            problems.append(error("credit_note_not_settled", f"credit note {note_id}"))
    problems.extend(_cash_discounts(rows, scoped))
    problems.extend(_charges(scoped))
    invoices = list(
        scoped(Invoice.objects.filter(kind=Invoice.Kind.INVOICE)).filter(
            status__in=(Invoice.Status.ISSUED, Invoice.Status.SENT, Invoice.Status.PAID)
        )
    )
    found = balances(invoices)
    for invoice in invoices:
        is_open = found[invoice.pk].open > 0
        if is_open == (invoice.status == Invoice.Status.PAID):
            problems.append(
                error(
                    "status_disagrees_with_balance",
                    f"invoice {invoice.pk} is {invoice.status}, open {found[invoice.pk].open}",
                )
            )
    return problems


def _cash_discounts(rows: list[Allocation], scoped) -> list[Problem]:
    kinds = (Allocation.Kind.CASH_DISCOUNT, Allocation.Kind.CASH_DISCOUNT_REVERSAL)
    shares: dict[int, list[CashDiscountShare]] = defaultdict(list)
    for share in scoped(CashDiscountShare.objects.all()):
        shares[share.allocation_id].append(share)
    problems = []
    for row in rows:
        if row.kind not in kinds:
            continue
        parts = shares.get(row.pk, [])
        balanced = exact_sum([row.amount * 0, *(s.amount for s in parts)]) == row.amount and all(
            exact_sum([s.net, s.vat]) == s.amount for s in parts
        )
        if row.payment_id is None or not parts or not balanced:
            problems.append(error("cash_discount_unbalanced", f"allocation {row.pk}"))
    return problems


def _charges(scoped) -> list[Problem]:
    taken: dict[int, list] = defaultdict(list)
    for charge_id, amount in scoped(ChargeAllocation.objects.all()).values_list(
        "charge_id", "amount"
    ):
        taken[charge_id].append(amount)
    problems = []
    for charge_id, amount in scoped(ReceivableCharge.objects.all()).values_list("id", "amount"):
        settled = exact_sum([amount * 0, *taken.get(charge_id, [])])
        if settled < 0 or settled > amount:
            problems.append(error("charge_oversettled", f"charge {charge_id}: {settled}"))
    return problems
