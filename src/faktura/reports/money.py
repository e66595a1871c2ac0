"""The money reports (DESIGN.md section 6.2): revenue, receivables aging and frame orders.

Display figures only, nothing here goes on an invoice. Amounts are summed in SQL as whole
minor units (cents: ``ROUND(amount * 100)`` as an integer, exact on SQLite, which stores
decimals as floating point, and on PostgreSQL alike) and turned back into decimals once at
the end; ratios (rates, DSO) are rounded once, ROUND_HALF_UP (`core.money.quantize_ratio`).
Every figure is per currency: amounts in different currencies are never added.

Open amounts, aging buckets and dunning levels come from the receivables selector the
receivables page uses (`receivables.selectors.receivables`); frame-order balances from the
frame orders' own selector (`frameorders.selectors.frame_order_list`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar, Literal

from django.db import connection
from django.db.models import BigIntegerField, Exists, F, OuterRef, Q, Sum, Value
from django.db.models.functions import Cast, Coalesce, Round, TruncMonth
from pydantic import Field

from faktura.billing.models import BillableItem, Invoice, InvoiceLine
from faktura.catalog.models import LineKind, Product
from faktura.contacts.models import Contact
from faktura.core import receivables as rules
from faktura.core.money import exact_sum, quantize_ratio
from faktura.frameorders.selectors import frame_order_list
from faktura.offers.models import Offer
from faktura.receivables.selectors import receivables
from faktura.reports.errors import QueryInvalid
from faktura.reports.period import ReportQuery
from faktura.tenancy.models import Tenant
from faktura.work.models import RUNNING_TIMER, Project, TaskEntry

# Money in whole cents, hours in ten-thousandths (the columns' decimals).
CENTS = 100
HOUR_UNITS = 10_000
SECONDS_PER_HOUR = 3600

REVENUE_GROUPS = ("customer", "project", "product", "month")
GroupBy = Literal["customer", "project", "product", "month"]
BUCKETS = tuple(key for key, _first, _last in rules.AGING_BUCKETS)


def _units(field_name: str, scale: int) -> Cast:
    """``field`` in whole units of ``1/scale`` (an integer): exact sums on both databases."""
    return Cast(Round(F(field_name) * Value(scale)), output_field=BigIntegerField())


def _sum(field_name: str, scale: int = CENTS, **where: Any) -> Coalesce:
    """The exact sum of ``field`` in whole units of ``1/scale`` (an integer, 0 for none).
    PostgreSQL sums its exact numerics and converts once per group; SQLite, whose decimals
    are floating point, converts every row to whole units before adding."""
    condition = Q(**where) if where else None
    if connection.vendor == "postgresql":
        total: Any = Cast(
            Sum(F(field_name) * Value(scale), filter=condition), output_field=BigIntegerField()
        )
    else:
        total = Sum(_units(field_name, scale), filter=condition)
    return Coalesce(total, Value(0), output_field=BigIntegerField())


def money(units: int) -> Decimal:
    """Whole cents as an amount with 2 decimals (exact)."""
    return Decimal(int(units)).scaleb(-2)


def hours(units: int) -> Decimal:
    """Ten-thousandths of an hour as hours with 2 decimals (ROUND_HALF_UP, once)."""
    return quantize_ratio(int(units), HOUR_UNITS, 2)


def _rate(cents: int, hour_units: int) -> Decimal | None:
    """Amount per hour with 2 decimals; None without hours."""
    if not hour_units:
        return None
    return quantize_ratio(cents * HOUR_UNITS, hour_units * CENTS, 2)


# --- revenue ----------------------------------------------------------------------------------


class RevenueQuery(ReportQuery):
    """The revenue report's query (API and page): the period, the format and ``group_by``."""

    group_by: GroupBy = Field("customer", description="customer, project, product or month")

    extra_params: ClassVar[tuple[str, ...]] = ("group_by",)


def _issued_lines(tenant: Tenant, date_from: dt.date, date_to: dt.date):
    """Billed lines (not "do not bill") of the invoices and credit notes issued in the period,
    by their issue date (a day in the company's time zone). Credit-note lines carry negative
    amounts (`core.invoice_math`), so summing both gives the net revenue."""
    return (
        InvoiceLine.objects.filter(
            tenant=tenant,
            do_not_bill=False,
            invoice__issue_date__gte=date_from,
            invoice__issue_date__lte=date_to,
        )
        .exclude(invoice__status=Invoice.Status.DRAFT)
        .order_by()
    )


@dataclass(frozen=True)
class RevenueRow:
    key: str  # the customer's, project's or product's id, or the month (YYYY-MM); "" none
    label: str
    currency: str
    invoiced: Decimal  # net of the invoices issued in the period
    credited: Decimal  # net of the credit notes issued in the period (negative)
    net: Decimal  # invoiced + credited
    hours: Decimal  # billed hours (unit HUR) of invoices less credit notes


@dataclass(frozen=True)
class RateRow:
    """Realised against list rate of the time lines billed in the period, in one currency.

    ``billed = list_amount + corrections + write_offs + credit_notes``: what the price list
    would have billed for the work, changed by the reviewers' corrections on the drafts
    (quantities, prices), the hours written off in the billing review, and credit notes."""

    currency: str
    hours_logged: Decimal  # logged hours of the billed lines plus the written-off hours
    hours_billed: Decimal  # billed quantity (invoices less credit notes)
    list_amount: Decimal  # the items' amounts at their list price (incl. written-off)
    corrections: Decimal  # billed line amounts less their items' list amounts
    write_offs: Decimal  # list amount of the hours written off in review (negative)
    credit_notes: Decimal  # time lines of credit notes (negative)
    billed: Decimal  # net billed for time
    list_rate: Decimal | None  # list amount / list quantity: the average list price per hour
    realised_rate: Decimal | None  # billed / logged hours


@dataclass(frozen=True)
class FixedPriceRow:
    """A fixed-price project over its whole life (not only the period)."""

    project_id: int
    project: str
    contact: str
    currency: str
    budget: Decimal | None  # the accepted offer's net total, else the project's fixed price
    billed: Decimal  # net of its invoices less credit notes, ever
    remaining: Decimal | None  # budget - billed
    budget_hours: Decimal | None
    actual_hours: Decimal  # logged time, ever (running timers count 0)
    hours_percent: Decimal | None  # actual / budget hours in percent, 1 decimal
    realised_rate: Decimal | None  # billed / actual hours


@dataclass(frozen=True)
class CurrencyTotal:
    currency: str
    invoiced: Decimal
    credited: Decimal
    net: Decimal
    hours: Decimal


@dataclass(frozen=True)
class RevenueReport:
    date_from: dt.date
    date_to: dt.date
    group_by: str
    rows: list[RevenueRow]
    totals: list[CurrencyTotal]
    rates: list[RateRow]
    fixed_price: list[FixedPriceRow]


_GROUP_KEYS = {
    "customer": "invoice__contact_id",
    "project": "project_key",
    "product": "product_id",
    "month": "month",
}


def revenue(
    *, tenant: Tenant, date_from: dt.date, date_to: dt.date, group_by: str = "customer"
) -> RevenueReport:
    """Net revenue (invoices less credit notes, net of VAT) issued from ``date_from`` to
    ``date_to`` (issue dates, both included) per ``group_by`` (customer, project: the line's
    ticket's project, else the invoice's; product: the line's product; month: of the issue
    date) and currency, largest first; with the totals per currency, the realised against
    list rate of time lines (`RateRow`) and the fixed-price projects' budget against actual.
    Drafts and "do not bill" lines count nothing."""
    if group_by not in REVENUE_GROUPS:
        raise QueryInvalid.field("group_by", f"Must be one of {', '.join(REVENUE_GROUPS)}.")
    lines = _issued_lines(tenant, date_from, date_to)
    if group_by == "project":
        lines = lines.annotate(project_key=Coalesce("task__project_id", "invoice__project_id"))
    elif group_by == "month":
        lines = lines.annotate(month=TruncMonth("invoice__issue_date"))
    key = _GROUP_KEYS[group_by]
    found = lines.values(key, "invoice__currency").annotate(
        invoiced=_sum("net_amount", invoice__kind=Invoice.Kind.INVOICE),
        credited=_sum("net_amount", invoice__kind=Invoice.Kind.CREDIT_NOTE),
        hours=_sum("quantity", HOUR_UNITS, unit="HUR"),
    )
    raw = [
        (row[key], row["invoice__currency"], row["invoiced"], row["credited"], row["hours"])
        for row in found
    ]
    labels = _labels(tenant, group_by, [row[0] for row in raw])
    rows = []
    for value, currency, invoiced, credited, hour_units in raw:
        if group_by == "month":
            value = f"{value:%Y-%m}" if value else ""
        rows.append(
            RevenueRow(
                key="" if value is None else str(value),
                label=labels.get(value, "") if group_by != "month" else str(value),
                currency=currency,
                invoiced=money(invoiced),
                credited=money(credited),
                net=money(invoiced + credited),
                hours=hours(hour_units),
            )
        )
    if group_by == "month":
        rows.sort(key=lambda r: (r.key, r.currency))
    else:
        rows.sort(key=lambda r: (r.currency, -r.net, r.label.casefold(), r.key))
    return RevenueReport(
        date_from=date_from,
        date_to=date_to,
        group_by=group_by,
        rows=rows,
        totals=_currency_totals(raw),
        rates=rate_analysis(tenant=tenant, date_from=date_from, date_to=date_to),
        fixed_price=fixed_price_projects(tenant=tenant),
    )


def _currency_totals(raw: Iterable[tuple[Any, str, int, int, int]]) -> list[CurrencyTotal]:
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for _key, currency, invoiced, credited, hour_units in raw:
        sums[currency][0] += invoiced
        sums[currency][1] += credited
        sums[currency][2] += hour_units
    return [
        CurrencyTotal(
            currency=currency,
            invoiced=money(invoiced),
            credited=money(credited),
            net=money(invoiced + credited),
            hours=hours(hour_units),
        )
        for currency, (invoiced, credited, hour_units) in sorted(sums.items())
    ]


def _labels(tenant: Tenant, group_by: str, keys: list[Any]) -> dict[Any, str]:
    ids = {key for key in keys if key is not None}
    if group_by == "customer":
        model: Any = Contact
    elif group_by == "project":
        model = Project
    elif group_by == "product":
        model = Product
    else:
        return {}
    found = dict(model.objects.filter(tenant=tenant, pk__in=ids).values_list("pk", "name"))
    return {key: found.get(key, "") for key in keys}


def rate_analysis(*, tenant: Tenant, date_from: dt.date, date_to: dt.date) -> list[RateRow]:
    """Realised against list rate of the time lines (kind ``task_entry``) of the invoices and
    credit notes issued in the period, plus the time written off in the billing review whose
    service date lies in it, per currency (see `RateRow`). A line's list amount is what its
    billable items were compiled at (the price list's price for the rounded quantity); the
    line's amount is what was billed after review."""
    time_lines = _issued_lines(tenant, date_from, date_to).filter(kind=LineKind.TASK_ENTRY)
    is_invoice = {"invoice__kind": Invoice.Kind.INVOICE}
    # A credit note that released its entries hands their time back: it is billed again on a
    # later invoice, whose line logs it anew. Its (negative) logged hours count, so the time is
    # logged once; a credit note that wrote the time off leaves it logged (and unpaid).
    released = BillableItem.objects.filter(
        invoice_line=OuterRef("credited_line"), status=BillableItem.Status.RELEASED
    )
    lines = {
        row["invoice__currency"]: row
        for row in time_lines.annotate(releases=Exists(released))
        .values("invoice__currency")
        .annotate(
            invoiced=_sum("net_amount", **is_invoice),
            credited=_sum("net_amount", invoice__kind=Invoice.Kind.CREDIT_NOTE),
            logged=_sum("logged_quantity", HOUR_UNITS, **is_invoice),
            logged_back=_sum(
                "logged_quantity", HOUR_UNITS, invoice__kind=Invoice.Kind.CREDIT_NOTE, releases=True
            ),
            billed_hours=_sum("quantity", HOUR_UNITS),
        )
    }
    items = {
        row["currency"]: row
        for row in BillableItem.objects.filter(
            tenant=tenant,
            invoice_line__in=time_lines.filter(**is_invoice).values("pk"),
        )
        .order_by()
        .values("currency")
        .annotate(amount=_sum("amount"), quantity=_sum("quantity", HOUR_UNITS))
    }
    written_off = {
        row["currency"]: row
        for row in BillableItem.objects.filter(
            tenant=tenant,
            kind=LineKind.TASK_ENTRY,
            status=BillableItem.Status.WRITTEN_OFF,
            invoice_line__isnull=True,
            service_date__gte=date_from,
            service_date__lte=date_to,
        )
        .order_by()
        .values("currency")
        .annotate(
            amount=_sum("amount"),
            quantity=_sum("quantity", HOUR_UNITS),
            seconds=Coalesce(Sum("logged_seconds"), Value(0)),
        )
    }
    rows = []
    for currency in sorted({*lines, *items, *written_off}):
        line = lines.get(currency, {})
        item = items.get(currency, {})
        off = written_off.get(currency, {})
        invoiced, credited = line.get("invoiced", 0), line.get("credited", 0)
        item_amount, off_amount = item.get("amount", 0), off.get("amount", 0)
        # seconds -> ten-thousandths of an hour, exactly when a multiple of 0.36 s
        off_hours = quantize_ratio(off.get("seconds", 0) * HOUR_UNITS, SECONDS_PER_HOUR, 0)
        logged = line.get("logged", 0) + line.get("logged_back", 0) + int(off_hours)
        list_amount = item_amount + off_amount
        billed = invoiced + credited
        rows.append(
            RateRow(
                currency=currency,
                hours_logged=hours(logged),
                hours_billed=hours(line.get("billed_hours", 0)),
                list_amount=money(list_amount),
                corrections=money(invoiced - item_amount),
                write_offs=money(-off_amount),
                credit_notes=money(credited),
                billed=money(billed),
                list_rate=_rate(list_amount, item.get("quantity", 0) + off.get("quantity", 0)),
                realised_rate=_rate(billed, logged),
            )
        )
    return rows


def fixed_price_projects(*, tenant: Tenant) -> list[FixedPriceRow]:
    """Every fixed-price project (billing model "fixed price", or agreed by an accepted
    offer) that is not archived: its budget (the accepted offer's net total, else the
    project's fixed price) against what was billed for it (invoices less credit notes, net,
    by the line's ticket's project or the invoice's), and its budget hours against the time
    logged. Over the project's whole life, whatever the period."""
    offers = dict(
        Offer.objects.filter(tenant=tenant, status=Offer.Status.ACCEPTED, project__isnull=False)
        .order_by("decided_at", "id")
        .values_list("project_id", "net_total")
    )
    projects = list(
        Project.objects.filter(tenant=tenant)
        .filter(Q(billing_model=Project.BillingModel.FIXED_PRICE) | Q(pk__in=list(offers)))
        .exclude(status=Project.Status.ARCHIVED)
        .select_related("contact")
        .order_by("name", "id")
    )
    if not projects:
        return []
    ids = [project.pk for project in projects]
    billed = dict(
        InvoiceLine.objects.filter(tenant=tenant, do_not_bill=False)
        .exclude(invoice__status=Invoice.Status.DRAFT)
        .annotate(project_key=Coalesce("task__project_id", "invoice__project_id"))
        .filter(project_key__in=ids)
        .order_by()
        .values("project_key")
        .annotate(total=_sum("net_amount"))
        .values_list("project_key", "total")
    )
    seconds = dict(
        TaskEntry.objects.filter(tenant=tenant, task__project_id__in=ids, kind=TaskEntry.Kind.TIME)
        .exclude(RUNNING_TIMER)
        .order_by()
        .values("task__project_id")
        .annotate(total=Sum("duration_seconds"))
        .values_list("task__project_id", "total")
    )
    rows = []
    for project in projects:
        budget = offers.get(project.pk, project.fixed_price)
        cents = billed.get(project.pk, 0)
        logged = seconds.get(project.pk) or 0
        percent = None
        if project.budget_hours:
            # logged / 3600 / budget x 100, the budget in hundredths of an hour
            percent = quantize_ratio(
                logged * 100 * 100, int(project.budget_hours * 100) * SECONDS_PER_HOUR, 1
            )
        rows.append(
            FixedPriceRow(
                project_id=project.pk,
                project=project.name,
                contact=project.contact.name if project.contact else "",
                currency=project.currency,
                budget=budget,
                billed=money(cents),
                remaining=None if budget is None else budget - money(cents),
                budget_hours=project.budget_hours,
                actual_hours=quantize_ratio(logged, SECONDS_PER_HOUR, 2),
                hours_percent=percent,
                # cents / 100 per logged / 3600 hours
                realised_rate=quantize_ratio(cents * 36, logged, 2) if logged else None,
            )
        )
    return rows


# --- receivables aging ------------------------------------------------------------------------


@dataclass(frozen=True)
class AgingRow:
    contact_id: int
    contact: str
    currency: str
    buckets: dict[str, Decimal]  # BUCKETS -> open amount
    total: Decimal
    count: int  # open invoices
    dunning_level: int  # the highest reminder level of its open invoices (0: none)
    dunned: int  # open invoices with a reminder


@dataclass(frozen=True)
class AgingTotal:
    currency: str
    buckets: dict[str, Decimal]
    total: Decimal
    count: int
    sales: Decimal  # gross of the invoices issued in the period less its credit notes
    dso: Decimal | None  # days sales outstanding, 1 decimal; None without sales


@dataclass(frozen=True)
class DunningLevelRow:
    level: int  # 0: no reminder yet
    currency: str
    count: int
    open: Decimal


@dataclass
class AgingReport:
    date_from: dt.date
    date_to: dt.date
    today: dt.date
    rows: list[AgingRow] = field(default_factory=list)
    totals: list[AgingTotal] = field(default_factory=list)
    dunning: list[DunningLevelRow] = field(default_factory=list)


def receivables_aging(
    *, tenant: Tenant, today: dt.date, date_from: dt.date, date_to: dt.date
) -> AgingReport:
    """What customers owe today, per customer and currency in the aging buckets (not due,
    1-30, 31-60, 61-90, over 90 days overdue), with the dunning levels reached and the days
    sales outstanding per currency.

    The open amounts, days overdue and dunning levels are the receivables page's
    (`receivables.selectors.receivables`: the ledger of allocation rows as of now). The period
    ``date_from``..``date_to`` only sets the sales DSO divides by: DSO = open today / gross
    sales of the period (invoices less credit notes issued in it) x days of the period."""
    view = receivables(tenant=tenant, today=today)
    invoices = [*view["overdue"], *view["current"]]
    levels: dict[tuple[int, str], list[int]] = defaultdict(list)
    for invoice in invoices:
        levels[(invoice.contact_id, invoice.currency)].append(invoice.dunning_level)
    rows = [
        AgingRow(
            contact_id=row["contact_id"],
            contact=row["contact_name"],
            currency=row["currency"],
            buckets={key: row[key] for key in BUCKETS},
            total=row["total"],
            count=row["count"],
            dunning_level=max(levels[(row["contact_id"], row["currency"])], default=0),
            dunned=sum(1 for level in levels[(row["contact_id"], row["currency"])] if level),
        )
        for row in view["aging"]
    ]
    sales = dict(
        Invoice.objects.filter(tenant=tenant, issue_date__gte=date_from, issue_date__lte=date_to)
        .exclude(status=Invoice.Status.DRAFT)
        .order_by()
        .values("currency")
        .annotate(total=_sum("gross_total"))
        .values_list("currency", "total")
    )
    days = (date_to - date_from).days + 1
    totals = []
    currencies = sorted({row["currency"] for row in view["aging_totals"]} | set(sales))
    by_currency = {row["currency"]: row for row in view["aging_totals"]}
    for currency in currencies:
        found = by_currency.get(currency)
        zero = Decimal("0.00")
        buckets = {key: found[key] if found else zero for key in BUCKETS}
        total = found["total"] if found else zero
        sold = sales.get(currency, 0)
        dso = None
        if sold > 0:
            dso = quantize_ratio(int(total * CENTS) * days, sold, 1)
        totals.append(
            AgingTotal(
                currency=currency,
                buckets=buckets,
                total=total,
                count=sum(1 for i in invoices if i.currency == currency),
                sales=money(sold),
                dso=dso,
            )
        )
    dunning: dict[tuple[int, str], list[Decimal]] = defaultdict(list)
    for invoice in invoices:
        dunning[(invoice.dunning_level, invoice.currency)].append(invoice.open_amount)
    return AgingReport(
        date_from=date_from,
        date_to=date_to,
        today=today,
        rows=rows,
        totals=totals,
        dunning=[
            DunningLevelRow(
                level=level, currency=currency, count=len(amounts), open=exact_sum(amounts)
            )
            for (level, currency), amounts in sorted(dunning.items())
        ],
    )


# --- frame orders -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FrameOrderRow:
    id: int
    po_number: str
    contact_id: int
    contact: str
    currency: str
    hours: Decimal | None
    hours_billed: Decimal
    hours_remaining: Decimal | None
    amount: Decimal | None
    amount_billed: Decimal
    amount_remaining: Decimal | None
    utilization_percent: Decimal
    valid_from: dt.date
    valid_to: dt.date | None
    days_left: int | None  # until valid_to (included), from today; negative: expired
    status: str


def frame_orders(
    *, tenant: Tenant, today: dt.date, date_from: dt.date, date_to: dt.date
) -> list[FrameOrderRow]:
    """The frame orders valid at some day of the period (``valid_from`` on or before its last
    day, ``valid_to`` none or on or after its first), with their balance from the ledger
    (`frameorders.selectors.frame_order_list`: billed, remaining, utilization) and status
    today, soonest expiry first."""
    found = []
    for order in frame_order_list(tenant=tenant, on=today):
        if order.valid_from > date_to or (order.valid_to and order.valid_to < date_from):
            continue
        balance = order.balance
        found.append(
            FrameOrderRow(
                id=order.pk,
                po_number=order.po_number,
                contact_id=order.contact_id,
                contact=order.contact.name,
                currency=order.currency,
                hours=balance.hours,
                hours_billed=balance.hours_billed,
                hours_remaining=balance.hours_remaining,
                amount=balance.amount,
                amount_billed=balance.amount_billed,
                amount_remaining=balance.amount_remaining,
                utilization_percent=balance.utilization_percent,
                valid_from=order.valid_from,
                valid_to=order.valid_to,
                days_left=(order.valid_to - today).days if order.valid_to else None,
                status=order.status,
            )
        )
    found.sort(key=lambda r: (r.valid_to is None, r.valid_to or dt.date.max, r.contact, r.id))
    return found


@dataclass(frozen=True)
class FrameOrderTotal:
    currency: str
    hours: Decimal  # the pools' hours (frame orders with an hours limit)
    hours_billed: Decimal
    amount: Decimal  # the pools' amounts (frame orders with an amount limit)
    amount_billed: Decimal
    count: int


def frame_order_totals(rows: Iterable[FrameOrderRow]) -> list[FrameOrderTotal]:
    """The pools and what was billed from them per currency. Hours billed count only where
    the frame order has an hours limit, amounts only where it has an amount limit."""
    groups: dict[str, list[FrameOrderRow]] = defaultdict(list)
    for row in rows:
        groups[row.currency].append(row)
    zero_h, zero_a = Decimal("0.0000"), Decimal("0.00")
    return [
        FrameOrderTotal(
            currency=currency,
            hours=exact_sum([zero_a, *(r.hours for r in members if r.hours is not None)]),
            hours_billed=exact_sum(
                [zero_h, *(r.hours_billed for r in members if r.hours is not None)]
            ),
            amount=exact_sum([zero_a, *(r.amount for r in members if r.amount is not None)]),
            amount_billed=exact_sum(
                [zero_a, *(r.amount_billed for r in members if r.amount is not None)]
            ),
            count=len(members),
        )
        for currency, members in sorted(groups.items())
    ]
