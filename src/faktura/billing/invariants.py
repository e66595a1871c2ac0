"""Proofs over the whole database that billing kept its promises (DESIGN.md section 4).

`check_invariants()` returns a list of problems, empty when everything holds:

1. Every entry's billing state equals what its billable items say (see `states.py`), so
   each entry is in exactly one state and nothing is silently dropped.
2. No entry has two live items of one line kind (nothing billed twice).
3. Items and their invoice lines agree: pending items are on no line, items on a draft are
   on a draft's line, invoiced items are on an issued invoice's line, and every item, line
   and invoice belongs to the item's tenant.
4. Every line amount is quantity x unit price rounded once, and every issued document's
   frozen totals are what `core.invoice_math` computes from its lines.
5. Issued numbers are unique and gapless per tenant, series and period.

It reads in chunks and is meant for tests, `faktura check` style audits and benchmarks.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal

from faktura.billing.models import ISSUED, BillableItem, Invoice, InvoiceLine
from faktura.billing.states import derive_entry_state
from faktura.core.invoice_math import LineInput, invoice_totals, line_net
from faktura.core.numbering import find_gaps
from faktura.core.problems import Problem, error
from faktura.core.tax import VatCategory
from faktura.work.models import TaskEntry


def check_invariants(*, tenant=None) -> list[Problem]:
    problems: list[Problem] = []
    problems += _entry_states(tenant)
    problems += _items_and_lines(tenant)
    problems += _amounts(tenant)
    problems += _numbers(tenant)
    return problems


def _scoped(qs, tenant):
    return qs if tenant is None else qs.filter(tenant=tenant)


def _entry_states(tenant) -> list[Problem]:
    problems = []
    statuses: dict[int, list[str]] = defaultdict(list)
    kinds: Counter = Counter()
    items = _scoped(BillableItem.objects.filter(entry__isnull=False), tenant)
    for entry_id, status, kind in items.values_list("entry_id", "status", "kind").iterator(
        chunk_size=5000
    ):
        statuses[entry_id].append(status)
        if status != BillableItem.Status.RELEASED:
            kinds[(entry_id, kind)] += 1
    for (entry_id, kind), n in kinds.items():
        if n > 1:
            problems.append(
                error("entry_billed_twice", f"entry {entry_id} has {n} live {kind} items")
            )
    entries = _scoped(TaskEntry.objects.all(), tenant)
    for entry_id, state in entries.values_list("pk", "billing_state").iterator(chunk_size=5000):
        expected = derive_entry_state(
            s for s in statuses.get(entry_id, ()) if s != BillableItem.Status.RELEASED
        )
        if state == TaskEntry.BillingState.NOT_BILLABLE and not statuses.get(entry_id):
            continue  # excluded before compile; no item ever existed
        if state != expected:
            problems.append(
                error(
                    "entry_state_mismatch",
                    f"entry {entry_id} is {state} but its items say {expected}",
                )
            )
    return problems


def _items_and_lines(tenant) -> list[Problem]:
    problems = []
    items = _scoped(BillableItem.objects.all(), tenant).values_list(
        "pk", "tenant_id", "status", "invoice_line__invoice__status",
        "invoice_line__invoice__kind", "invoice_line__invoice__tenant_id",
    )  # fmt: skip
    S = BillableItem.Status
    for pk, tenant_id, status, inv_status, inv_kind, inv_tenant in items.iterator(chunk_size=5000):
        if inv_tenant is not None and inv_tenant != tenant_id:
            problems.append(error("cross_tenant", f"item {pk} is on another tenant's invoice"))
        if status == S.PENDING and inv_status is not None:
            problems.append(error("pending_on_invoice", f"pending item {pk} is on an invoice"))
        elif status == S.ON_DRAFT and inv_status != Invoice.Status.DRAFT:
            problems.append(error("draft_item_not_on_draft", f"item {pk} is not on a draft"))
        elif status == S.INVOICED and (inv_status not in ISSUED or inv_kind != "invoice"):
            problems.append(
                error("invoiced_item_not_issued", f"item {pk} is not on an issued invoice")
            )
    return problems


def _amounts(tenant) -> list[Problem]:
    problems = []
    lines_by_invoice: dict[int, list[InvoiceLine]] = defaultdict(list)
    lines = _scoped(InvoiceLine.objects.all(), tenant).only(
        "pk", "invoice_id", "quantity", "unit_price", "net_amount", "vat_category", "vat_rate",
        "do_not_bill", "exemption_reason",
    )  # fmt: skip
    for line in lines.iterator(chunk_size=5000):
        if line.net_amount != line_net(line.quantity, line.unit_price):
            problems.append(
                error(
                    "line_amount",
                    f"line {line.pk}: {line.quantity} x {line.unit_price} != {line.net_amount}",
                )
            )
        lines_by_invoice[line.invoice_id].append(line)
    invoices = _scoped(Invoice.objects.filter(status__in=ISSUED), tenant)
    for invoice in invoices.only("pk", "currency", "net_total", "vat_total", "gross_total"):
        totals = invoice_totals(
            [
                LineInput(
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    vat_category=VatCategory(line.vat_category),
                    vat_rate=Decimal(line.vat_rate),
                    do_not_bill=line.do_not_bill,
                    exemption_reason=line.exemption_reason,
                )
                for line in lines_by_invoice.get(invoice.pk, [])
            ],
            invoice.currency,
        )
        frozen = (invoice.net_total, invoice.vat_total, invoice.gross_total)
        if frozen != (totals.net, totals.vat, totals.gross):
            problems.append(
                error("frozen_totals", f"invoice {invoice.pk}: {frozen} != computed {totals}")
            )
    return problems


def _numbers(tenant) -> list[Problem]:
    problems = []
    series: dict[tuple, list[int]] = defaultdict(list)
    issued = _scoped(Invoice.objects.filter(status__in=ISSUED), tenant)
    for tenant_id, kind, period, value, number in issued.values_list(
        "tenant_id", "kind", "sequence_period", "sequence_value", "number"
    ):
        if value is None or not number:
            problems.append(error("unnumbered", f"issued {kind} without a number"))
            continue
        series[(tenant_id, kind, period)].append(value)
    for key, values in series.items():
        report = find_gaps(values)
        if not report.is_gapless:
            problems.append(
                error(
                    "number_gap",
                    f"{key}: missing {list(report.missing)}, duplicates {list(report.duplicates)}",
                )
            )
    return problems
