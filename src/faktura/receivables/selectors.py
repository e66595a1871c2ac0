"""Read queries of receivables: balances derived from the allocation ledger, payments, credit
balances, and the receivables view with its aging. Every query is filtered by tenant.

Amounts are summed in Python from decimal columns (`core.receivables`, `core.money.exact_sum`),
never by SQL: SQLite stores decimals as floats.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet

from faktura.billing.models import Invoice
from faktura.common.errors import NotFound, ValidationFailed
from faktura.common.sql import id_batches
from faktura.contacts.models import Contact
from faktura.core import cash_discount
from faktura.core import receivables as rules
from faktura.core.bank_matching import OpenItem
from faktura.core.money import amount_places, exact_sum, negate, quantize_amount
from faktura.documents.models import Delivery
from faktura.receivables.charge_selectors import (
    charges_open,
    charges_open_where,
    open_charges_of_tenant,
)
from faktura.receivables.dunning_selectors import dunning_levels_reached
from faktura.receivables.models import (
    Allocation,
    BankStatement,
    BankTransaction,
    Payment,
    SentMark,
)
from faktura.tenancy.selectors import tenant_today

OPEN_STATUSES = (Invoice.Status.ISSUED, Invoice.Status.SENT)
# Filters of the receivables view by payment state.
STATES = ("overdue", "current", rules.UNPAID, rules.PARTIALLY_PAID)


def is_overdue(invoice: Invoice, today: dt.date) -> bool:
    """An issued or sent invoice past its due date (``today`` is the company's date). With a
    balance attached (`annotate`), only while something is still open."""
    balance = getattr(invoice, "balance", None)
    return (
        invoice.kind == Invoice.Kind.INVOICE
        and invoice.status in OPEN_STATUSES
        and invoice.due_date is not None
        and invoice.due_date < today
        and (balance is None or balance.open > 0)
    )


# --- balances ---------------------------------------------------------------------------------


def allocation_rows(invoice_ids: Iterable[int]) -> dict[int, list[tuple[str, Decimal]]]:
    """`(kind, amount)` of every allocation of these invoices, one query per 500 ids."""
    rows: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
    for batch in id_batches(sorted(set(invoice_ids))):
        query = Allocation.objects.filter(invoice_id__in=batch).order_by()
        for invoice_id, kind, amount in query.values_list("invoice_id", "kind", "amount"):
            rows[invoice_id].append((kind, amount))
    return rows


def balances(invoices: Sequence[Invoice]) -> dict[int, rules.Balance]:
    """The balance of each invoice (by id), from its allocation rows."""
    rows = allocation_rows(invoice.pk for invoice in invoices)
    return {
        invoice.pk: rules.balance(invoice.gross_total, rows.get(invoice.pk, ()))
        for invoice in invoices
    }


def invoice_balance(invoice: Invoice) -> rules.Balance:
    return balances([invoice])[invoice.pk]


def annotate(invoices: Sequence[Invoice], *, today: dt.date) -> None:
    """Attach what the invoice API and pages show about collecting each invoice: `balance`,
    `open_amount`, `paid_amount`, `payment_state`, `overdue`, `days_overdue`, `dunning_level`
    (of the last reminder, 0: none) and `last_reminder` (its date). Drafts and credit notes
    collect nothing: their amounts and state are None. Two queries."""
    collected = [i for i in invoices if i.kind == Invoice.Kind.INVOICE and not i.is_draft]
    found = balances(collected)
    reminded = dunning_levels_reached(i.pk for i in collected) if collected else {}
    charged = charges_open(i.pk for i in collected) if collected else {}
    for invoice in invoices:
        balance = found.get(invoice.pk)
        invoice.balance = balance
        invoice.open_amount = balance.open if balance else None
        invoice.paid_amount = balance.paid if balance else None
        invoice.payment_state = balance.state if balance else None
        invoice.overdue = balance is not None and is_overdue(invoice, today)
        invoice.days_overdue = rules.days_overdue(invoice.due_date, today) if invoice.overdue else 0
        last = reminded.get(invoice.pk)
        invoice.dunning_level = last.level if last else 0
        invoice.last_reminder = last.date if last else None
        zero = invoice.gross_total * 0
        invoice.charges_open = charged.get(invoice.pk, zero) if balance else None


def invoices_annotate(tenant, invoices: Sequence[Invoice]) -> None:
    """`annotate` with the company's today: the billing API's invoice reader hook."""
    annotate(invoices, today=tenant_today(tenant))


def was_sent(invoice: Invoice) -> bool:
    """Delivered by e-mail through Faktura, or marked sent by hand."""
    return (
        Delivery.objects.filter(invoice_id=invoice.pk, status=Delivery.Status.SENT).exists()
        or SentMark.objects.filter(invoice_id=invoice.pk).exists()
    )


# --- payments and allocations -----------------------------------------------------------------


def payment_list(
    *, tenant, invoice_id: int | None = None, contact_id: int | None = None
) -> QuerySet[Payment]:
    """Payments, newest first, each with its reversal (joined)."""
    discounts = Allocation.objects.filter(kind=Allocation.Kind.CASH_DISCOUNT)
    qs = (
        Payment.objects.filter(tenant=tenant)
        .select_related("reversal")
        .prefetch_related(Prefetch("allocations", queryset=discounts, to_attr="discount_rows"))
    )
    if invoice_id is not None:
        qs = qs.filter(invoice_id=invoice_id)
    if contact_id is not None:
        qs = qs.filter(contact_id=contact_id)
    return qs.order_by("-date", "-id")


def payment_get(*, tenant, payment_id: int) -> Payment:
    payment = payment_list(tenant=tenant).filter(pk=payment_id).first()
    if payment is None:
        raise NotFound("Payment not found.")
    return payment


def allocation_list(*, tenant, invoice_id: int) -> list[Allocation]:
    """The ledger of one invoice, oldest first (404 for another tenant's invoice)."""
    if not Invoice.objects.filter(tenant=tenant, pk=invoice_id).exists():
        raise NotFound("Invoice not found.")
    return list(
        Allocation.objects.filter(tenant=tenant, invoice_id=invoice_id)
        .select_related("credit_note")
        .prefetch_related("shares")
        .order_by("date", "id")
    )


def credit_sources(*, tenant, contact_id: int, currency: str) -> list[tuple[Invoice, Decimal]]:
    """The customer's invoices in `currency` with more received than owed, oldest first, and
    how much credit each holds."""
    ids = (
        Allocation.objects.filter(tenant=tenant, invoice__contact_id=contact_id, currency=currency)
        .order_by()
        .values_list("invoice_id", flat=True)
        .distinct()
    )
    invoices = list(
        Invoice.objects.filter(tenant=tenant, pk__in=list(ids), kind=Invoice.Kind.INVOICE)
        .exclude(status=Invoice.Status.DRAFT)
        .order_by("issue_date", "id")
    )
    found = balances(invoices)
    return [(i, found[i.pk].credit) for i in invoices if found[i.pk].credit > 0]


def credit_balances(*, tenant, contact_id: int | None = None) -> list[dict[str, Any]]:
    """Each customer's credit balance per currency (overpayments not applied yet)."""
    query = Allocation.objects.filter(tenant=tenant).order_by()
    if contact_id is not None:
        query = query.filter(invoice__contact_id=contact_id)
    ids = list(query.values_list("invoice_id", flat=True).distinct())
    invoices = list(
        Invoice.objects.filter(tenant=tenant, pk__in=ids, kind=Invoice.Kind.INVOICE)
        .select_related("contact")
        .order_by("issue_date", "id")
    )
    found = balances(invoices)
    credit: dict[tuple[int, str], list[Decimal]] = defaultdict(list)
    names: dict[int, str] = {}
    for invoice in invoices:
        if found[invoice.pk].credit > 0:
            credit[(invoice.contact_id, invoice.currency)].append(found[invoice.pk].credit)
            names[invoice.contact_id] = invoice.contact.name
    return [
        {
            "contact_id": contact,
            "contact_name": names[contact],
            "currency": currency,
            "amount": exact_sum(amounts),
        }
        for (contact, currency), amounts in sorted(credit.items(), key=lambda kv: kv[0])
    ]


# --- the receivables view ---------------------------------------------------------------------


def receivables(
    *,
    tenant,
    today: dt.date,
    contact_id: int | None = None,
    state: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> dict[str, Any]:
    """Issued invoices with something open (issued or sent, not paid), split into ``overdue``
    (oldest due date first) and ``current`` (not yet due), with the open and overdue
    ``totals`` per currency and the ``aging`` per customer.

    Filters: the customer, the `state` (`overdue`, `current`, `unpaid`, `partially_paid`) and
    the period of the issue date (`date_from`, `date_to`, both included). Each invoice gets
    its `balance`, ``credited`` (what credit notes took off, negative), ``paid``,
    ``open_amount``, ``payment_state``, ``days_overdue`` and ``dunning_level``.
    """
    if state and state not in STATES:
        raise ValidationFailed.field("state", f"Must be one of {', '.join(STATES)}.")
    if date_from and date_to and date_from > date_to:
        raise ValidationFailed.field("date_to", "Must be on or after the start of the period.")
    qs = Invoice.objects.filter(
        tenant=tenant, kind=Invoice.Kind.INVOICE, status__in=OPEN_STATUSES
    ).select_related("contact")
    if contact_id is not None:
        qs = qs.filter(contact_id=contact_id)
    if date_from is not None:
        qs = qs.filter(issue_date__gte=date_from)
    if date_to is not None:
        qs = qs.filter(issue_date__lte=date_to)
    invoices = list(qs.order_by("due_date", "issue_date", "id"))
    annotate(invoices, today=today)
    overdue, current = [], []
    for invoice in invoices:
        balance = invoice.balance
        if balance.open <= 0:
            continue  # settled; its status follows in the same transaction as the allocation
        invoice.credited = negate(balance.credited)
        invoice.paid = balance.paid
        if state == "overdue" and not invoice.overdue:
            continue
        if state == "current" and invoice.overdue:
            continue
        if state in (rules.UNPAID, rules.PARTIALLY_PAID) and invoice.payment_state != state:
            continue
        (overdue if invoice.overdue else current).append(invoice)
    shown = overdue + current
    charges = _open_charges(tenant, contact_id=contact_id, date_from=date_from, date_to=date_to)
    return {
        "overdue": overdue,
        "current": current,
        "charges": charges,
        "totals": _totals(shown, charges),
        "aging": aging(shown),
        "aging_totals": _aging_totals(shown),
    }


def _open_charges(
    tenant, *, contact_id: int | None, date_from: dt.date | None, date_to: dt.date | None
) -> list[dict[str, Any]]:
    """The dunning fees and interest with something open (also of invoices paid already), as
    rows of their own, oldest first; the customer filter applies, the period to their date."""
    found = open_charges_of_tenant(tenant=tenant)
    invoices = Invoice.objects.in_bulk({c.invoice_id for c in found}) if found else {}
    names = dict(
        Contact.objects.filter(pk__in={i.contact_id for i in invoices.values()}).values_list(
            "id", "name"
        )
    ) if found else {}  # fmt: skip
    rows = []
    for charge in found:
        invoice = invoices[charge.invoice_id]
        if contact_id is not None and invoice.contact_id != contact_id:
            continue
        if (date_from and charge.date < date_from) or (date_to and charge.date > date_to):
            continue
        rows.append(
            {
                "id": charge.id, "invoice_id": charge.invoice_id, "number": invoice.number,
                "contact_id": invoice.contact_id, "contact_name": names[invoice.contact_id],
                "reminder_id": charge.reminder_id, "kind": charge.kind, "date": charge.date,
                "currency": charge.currency, "amount": charge.amount, "paid": charge.paid,
                "open_amount": charge.open,
            }
        )  # fmt: skip
    return rows


def _totals(invoices: Sequence[Invoice], charges: Sequence[dict] = ()) -> list[dict[str, Any]]:
    open_by: dict[str, list[Decimal]] = defaultdict(list)
    overdue_by: dict[str, list[Decimal]] = defaultdict(list)
    charges_by: dict[str, list[Decimal]] = defaultdict(list)
    for invoice in invoices:
        open_by[invoice.currency].append(invoice.open_amount)
        if invoice.overdue:
            overdue_by[invoice.currency].append(invoice.open_amount)
    for charge in charges:
        charges_by[charge["currency"]].append(charge["open_amount"])
    return [
        {
            "currency": currency,
            "open": exact_sum(open_by.get(currency) or [zero]),
            "overdue": exact_sum(overdue_by.get(currency) or [zero]),
            "charges_open": exact_sum(charges_by.get(currency) or [zero]),
            "count": len(open_by.get(currency, [])),
        }
        for currency in sorted({*open_by, *charges_by})
        for zero in [quantize_amount(0, amount_places(currency))]
    ]


BUCKETS = tuple(key for key, _first, _last in rules.AGING_BUCKETS)


def _buckets(invoices: Iterable[Invoice], currency: str) -> dict[str, Decimal]:
    zero = quantize_amount(0, amount_places(currency))  # an empty bucket reads 0.00, not 0
    amounts: dict[str, list[Decimal]] = {key: [zero] for key in BUCKETS}
    for invoice in invoices:
        amounts[rules.aging_bucket(invoice.days_overdue)].append(invoice.open_amount)
    return {key: exact_sum(values) for key, values in amounts.items()}


def aging(invoices: Sequence[Invoice]) -> list[dict[str, Any]]:
    """The open amounts per customer and currency in the aging buckets (current, 1-30,
    31-60, 61-90, over 90 days overdue), customers by name."""
    groups: dict[tuple[str, int, str], list[Invoice]] = defaultdict(list)
    for invoice in invoices:
        groups[(invoice.contact.name, invoice.contact_id, invoice.currency)].append(invoice)
    rows = []
    for (name, contact_id, currency), members in sorted(groups.items()):
        buckets = _buckets(members, currency)
        rows.append(
            {
                "contact_id": contact_id,
                "contact_name": name,
                "currency": currency,
                **buckets,
                "total": exact_sum(buckets.values()),
                "count": len(members),
            }
        )
    return rows


def _aging_totals(invoices: Sequence[Invoice]) -> list[dict[str, Any]]:
    by_currency: dict[str, list[Invoice]] = defaultdict(list)
    for invoice in invoices:
        by_currency[invoice.currency].append(invoice)
    rows = []
    for currency, members in sorted(by_currency.items()):
        buckets = _buckets(members, currency)
        rows.append({"currency": currency, **buckets, "total": exact_sum(buckets.values())})
    return rows


# --- CSV export -------------------------------------------------------------------------------

CSV_COLUMNS = (
    "number", "customer", "issue_date", "due_date", "currency", "gross", "credited", "paid",
    "open_amount", "days_overdue", "dunning_level", "payment_state", "status", "charges_open",
    "item",
)  # fmt: skip


def _cell(value: Any) -> str:
    """A CSV cell that a spreadsheet shows as text: a leading = + - @ (or a tab or carriage
    return) would start a formula, so such cells get a leading apostrophe. Amounts are
    written as plain decimals; a negative one is neutralised like any other cell."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def receivables_csv(view: dict[str, Any]) -> str:
    """The rows of the receivables view (overdue first) as CSV, one invoice per row (`item`
    `invoice`), then one row per dunning fee or interest with something open (`item` its
    kind: the reminder's date in `issue_date`, its amount in `gross`)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for invoice in [*view["overdue"], *view["current"]]:
        writer.writerow(
            [
                _cell(value)
                for value in (
                    invoice.number,
                    invoice.contact.name,
                    invoice.issue_date,
                    invoice.due_date,
                    invoice.currency,
                    invoice.gross_total,
                    invoice.credited,
                    invoice.paid,
                    invoice.open_amount,
                    invoice.days_overdue,
                    invoice.dunning_level,
                    invoice.payment_state,
                    invoice.status,
                    invoice.charges_open,
                    "invoice",
                )
            ]
        )
    for charge in view.get("charges", []):
        writer.writerow(
            [
                _cell(value)
                for value in (
                    charge["number"], charge["contact_name"], charge["date"], "",
                    charge["currency"], charge["amount"], "", charge["paid"],
                    charge["open_amount"], "", "", "", "", "", charge["kind"],
                )
            ]
        )  # fmt: skip
    return out.getvalue()


# --- bank statements --------------------------------------------------------------------------


def cash_discount_offer(invoice) -> tuple[Decimal, dt.date] | None:
    """The discount an issued invoice offers and the last day it applies (issue date + days,
    a date in the company's time zone), or None when its terms have none."""
    percent, days = invoice.cash_discount_percent, invoice.cash_discount_days
    if invoice.kind != Invoice.Kind.INVOICE or invoice.issue_date is None:
        return None
    if not percent or not days or percent <= 0:
        return None
    places = amount_places(invoice.currency)
    discount = cash_discount.discount_amount(invoice.gross_total, percent, places)
    if discount <= 0:
        return None
    return discount, cash_discount.last_day(invoice.issue_date, days)


def _discount_terms(invoice, balance: rules.Balance) -> dict[str, Any]:
    offer = cash_discount_offer(invoice)
    if offer is None or balance.discounted != 0:
        return {}
    return {"discount": offer[0], "discount_until": offer[1]}


def open_items(*, tenant) -> list[OpenItem]:
    """Every issued or sent invoice with something open, for matching bank transactions.
    Read as plain values in four queries whatever their number (a statement may be matched
    against ten thousand open invoices)."""
    scope = {"tenant": tenant, "kind": Invoice.Kind.INVOICE, "status__in": OPEN_STATUSES}
    related = {f"invoice__{key}": value for key, value in scope.items()}
    rows = (
        Invoice.objects.filter(**scope)
        .order_by("due_date", "id")
        .values_list(
            "id", "number", "contact_id", "contact__name", "currency", "gross_total",
            "issue_date", "cash_discount_percent", "cash_discount_days",
        )
    )  # fmt: skip
    ledger: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
    for invoice_id, kind, amount in (
        Allocation.objects.filter(**related).order_by().values_list("invoice_id", "kind", "amount")
    ):
        ledger[invoice_id].append((kind, amount))
    charged = charges_open_where(**related)
    items = []
    untouched: dict[Decimal, rules.Balance] = {}  # most open invoices have no ledger rows yet
    for pk, number, contact_id, name, currency, gross, issue_date, percent, days in rows:
        if pk in ledger:
            balance = rules.balance(gross, ledger[pk])
        else:
            balance = untouched.get(gross) or untouched.setdefault(gross, rules.balance(gross, ()))
        if balance.open <= 0:
            continue
        terms = _discount_terms(_Terms(gross, currency, issue_date, percent, days), balance)
        items.append(
            OpenItem(
                invoice_id=pk, number=number or "", contact_id=contact_id, contact_name=name,
                currency=currency, open=balance.open, issue_date=issue_date,
                charges=charged.get(pk), **terms,
            )
        )  # fmt: skip
    return items


@dataclass(frozen=True, slots=True)
class _Terms:
    """What `cash_discount_offer` reads of an invoice, from plain values."""

    gross_total: Decimal
    currency: str
    issue_date: dt.date | None
    cash_discount_percent: Decimal | None
    cash_discount_days: int | None
    kind: str = Invoice.Kind.INVOICE


def bank_statement_list(*, tenant) -> QuerySet[BankStatement]:
    return BankStatement.objects.filter(tenant=tenant).defer("content").order_by("-id")


def bank_statement_get(*, tenant, statement_id: int) -> BankStatement:
    statement = bank_statement_list(tenant=tenant).filter(pk=statement_id).first()
    if statement is None:
        raise NotFound("Bank statement not found.")
    return statement


def bank_transaction_list(*, tenant, status: str = "") -> QuerySet[BankTransaction]:
    """Bank transactions, newest booking first; `status` filters."""
    qs = BankTransaction.objects.filter(tenant=tenant)
    if status:
        if status not in BankTransaction.Status.values:
            raise ValidationFailed.field(
                "status", f"Must be one of {', '.join(BankTransaction.Status.values)}."
            )
        qs = qs.filter(status=status)
    return qs.order_by("-booking_date", "-id")


def bank_transaction_get(*, tenant, transaction_id: int) -> BankTransaction:
    found = BankTransaction.objects.filter(tenant=tenant, pk=transaction_id).first()
    if found is None:
        raise NotFound("Bank transaction not found.")
    return found


def suggestions_of(transactions: Sequence[BankTransaction]) -> dict[int, Invoice]:
    """The invoices the transactions suggest, by id, in one query."""
    ids = {i for tx in transactions for i in tx.suggested_invoice_ids}
    if not ids:
        return {}
    tenant_ids = {tx.tenant_id for tx in transactions}
    return {
        invoice.pk: invoice
        for invoice in Invoice.objects.filter(tenant_id__in=tenant_ids, pk__in=ids)
    }


def invoice_by_number(*, tenant, number: str) -> Invoice | None:
    number = (number or "").strip()
    if not number:
        return None
    return Invoice.objects.filter(
        tenant=tenant, kind=Invoice.Kind.INVOICE, number__iexact=number
    ).first()
