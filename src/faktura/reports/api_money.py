"""The money reports of DESIGN.md section 6.2: ``GET /reports/revenue``,
``/reports/receivables-aging`` and ``/reports/frame-orders``.

JSON ``{rows, totals, period: {from, to}}`` like every report; money as decimal strings with
their ``currency`` (never added across currencies), hours as decimal strings. ``format=csv``
or ``xlsx`` answers the rows as a file. Only the roles that see invoices (``view_invoices``)
read them; the others get 403.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema

from faktura.common.schemas import ERRORS
from faktura.reports import money
from faktura.reports.api import PeriodOut, answer, period_out, query_doc, read_query
from faktura.reports.exports import Column
from faktura.reports.period import ReportQuery
from faktura.tenancy.selectors import tenant_today

router = Router(tags=["reports"])


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


# --- revenue ----------------------------------------------------------------------------------


class RevenueRowOut(Schema):
    key: str  # the customer's, project's or product's id, or the month YYYY-MM ("" none)
    label: str
    currency: str
    invoiced: str
    credited: str
    net: str
    hours: str


class RevenueTotalOut(Schema):
    currency: str
    invoiced: str
    credited: str
    net: str
    hours: str


class RateOut(Schema):
    currency: str
    hours_logged: str
    hours_billed: str
    list_amount: str
    corrections: str
    write_offs: str
    credit_notes: str
    billed: str
    list_rate: str | None
    realised_rate: str | None


class FixedPriceOut(Schema):
    project_id: int
    project: str
    contact: str
    currency: str
    budget: str | None
    billed: str
    remaining: str | None
    budget_hours: str | None
    actual_hours: str
    hours_percent: str | None
    realised_rate: str | None


class RevenueTotalsOut(Schema):
    currencies: list[RevenueTotalOut]


class RevenueReportOut(Schema):
    group_by: str
    rows: list[RevenueRowOut]
    totals: RevenueTotalsOut
    rates: list[RateOut]
    fixed_price: list[FixedPriceOut]
    period: PeriodOut


REVENUE_COLUMNS = (
    Column("key", _("Key")),
    Column("label", _("Name")),
    Column("currency", _("Currency")),
    Column("invoiced", _("Invoiced"), "money"),
    Column("credited", _("Credited"), "money"),
    Column("net", _("Net revenue"), "money"),
    Column("hours", _("Hours billed"), "hours"),
)


def _fields(row: Any, names: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in names:
        value = getattr(row, name)
        out[name] = _text(value) if isinstance(value, Decimal) else value
    return out


@router.get(
    "/reports/revenue",
    response={200: RevenueReportOut, **ERRORS},
    by_alias=True,
    openapi_extra=query_doc(group_by=money.REVENUE_GROUPS),
)
def revenue(request):
    """Net revenue (invoices less credit notes, net of VAT) issued in the period per
    ``group_by`` (customer, project, product, month) and currency, with the totals per
    currency, the realised against list rate of time lines (``rates``: list amount,
    corrections, write-offs, credit notes, billed) and the fixed-price projects' budget
    against actual (``fixed_price``, over their whole life). Query: ``from``/``to`` or
    ``period``, ``group_by``, ``format`` (json, csv, xlsx)."""
    context, query, period = read_query(request, money.RevenueQuery)
    context.require("view_invoices")
    report = money.revenue(
        tenant=context.tenant, date_from=period.first, date_to=period.last,
        group_by=query.group_by,
    )  # fmt: skip
    rows = [
        _fields(row, ("key", "label", "currency", "invoiced", "credited", "net", "hours"))
        for row in report.rows
    ]
    payload = {
        "group_by": report.group_by,
        "rows": rows,
        "totals": {
            "currencies": [
                _fields(t, ("currency", "invoiced", "credited", "net", "hours"))
                for t in report.totals
            ]
        },
        "rates": [_fields(r, tuple(RateOut.model_fields)) for r in report.rates],
        "fixed_price": [_fields(f, tuple(FixedPriceOut.model_fields)) for f in report.fixed_price],
        "period": period_out(period),
    }
    return answer(
        query, payload, filename=f"revenue-{report.group_by}", columns=REVENUE_COLUMNS, rows=rows
    )


# --- receivables aging ------------------------------------------------------------------------


class AgingRowOut(Schema):
    contact_id: int
    contact: str
    currency: str
    current: str  # not due yet
    days_1_30: str
    days_31_60: str
    days_61_90: str
    days_over_90: str
    total: str
    count: int
    dunning_level: int
    dunned: int


class AgingCurrencyOut(Schema):
    currency: str
    current: str
    days_1_30: str
    days_31_60: str
    days_61_90: str
    days_over_90: str
    total: str
    count: int
    sales: str
    dso: str | None


class DunningLevelCountOut(Schema):
    level: int
    currency: str
    count: int
    open: str


class AgingTotalsOut(Schema):
    currencies: list[AgingCurrencyOut]
    dunning_levels: list[DunningLevelCountOut]


class AgingReportOut(Schema):
    today: dt.date
    rows: list[AgingRowOut]
    totals: AgingTotalsOut
    period: PeriodOut


AGING_COLUMNS = (
    Column("contact", _("Customer")),
    Column("currency", _("Currency")),
    Column("current", _("Not due"), "money"),
    Column("days_1_30", _("1–30 days"), "money"),
    Column("days_31_60", _("31–60 days"), "money"),
    Column("days_61_90", _("61–90 days"), "money"),
    Column("days_over_90", _("Over 90 days"), "money"),
    Column("total", _("Open"), "money"),
    Column("count", _("Invoices"), "int"),
    Column("dunning_level", _("Dunning level"), "int"),
)


def _aging_row(row: money.AgingRow) -> dict[str, Any]:
    return {
        "contact_id": row.contact_id,
        "contact": row.contact,
        "currency": row.currency,
        **{key: str(value) for key, value in row.buckets.items()},
        "total": str(row.total),
        "count": row.count,
        "dunning_level": row.dunning_level,
        "dunned": row.dunned,
    }


@router.get(
    "/reports/receivables-aging",
    response={200: AgingReportOut, **ERRORS},
    by_alias=True,
    openapi_extra=query_doc(),
)
def receivables_aging(request):
    """What customers owe today per customer and currency in the aging buckets (not due,
    1-30, 31-60, 61-90, over 90 days overdue) with the highest dunning level reached; per
    currency the totals and the days sales outstanding (DSO = open today / gross sales of the
    period x its days). Open amounts are the receivables page's, from the allocation ledger.
    Query: ``from``/``to`` or ``period`` (the sales DSO divides by), ``format``."""
    context, query, period = read_query(request, ReportQuery)
    context.require("view_invoices")
    today = tenant_today(context.tenant)
    report = money.receivables_aging(
        tenant=context.tenant, today=today, date_from=period.first, date_to=period.last
    )
    rows = [_aging_row(row) for row in report.rows]
    payload = {
        "today": today,
        "rows": rows,
        "totals": {
            "currencies": [
                {
                    "currency": t.currency,
                    **{key: str(value) for key, value in t.buckets.items()},
                    "total": str(t.total),
                    "count": t.count,
                    "sales": str(t.sales),
                    "dso": _text(t.dso),
                }
                for t in report.totals
            ],
            "dunning_levels": [
                {"level": d.level, "currency": d.currency, "count": d.count, "open": str(d.open)}
                for d in report.dunning
            ],
        },
        "period": period_out(period),
    }
    return answer(query, payload, filename="receivables-aging", columns=AGING_COLUMNS, rows=rows)


# --- frame orders -----------------------------------------------------------------------------


class FrameOrderRowOut(Schema):
    id: int
    po_number: str
    contact_id: int
    contact: str
    currency: str
    hours: str | None
    hours_billed: str
    hours_remaining: str | None
    amount: str | None
    amount_billed: str
    amount_remaining: str | None
    utilization_percent: str
    valid_from: dt.date
    valid_to: dt.date | None
    days_left: int | None
    status: str


class FrameOrderTotalOut(Schema):
    currency: str
    hours: str
    hours_billed: str
    amount: str
    amount_billed: str
    count: int


class FrameOrderTotalsOut(Schema):
    currencies: list[FrameOrderTotalOut]


class FrameOrderReportOut(Schema):
    today: dt.date
    rows: list[FrameOrderRowOut]
    totals: FrameOrderTotalsOut
    period: PeriodOut


FRAME_ORDER_COLUMNS = (
    Column("po_number", _("PO number")),
    Column("contact", _("Customer")),
    Column("currency", _("Currency")),
    Column("hours", _("Hours"), "hours"),
    Column("hours_billed", _("Hours billed"), "hours"),
    Column("hours_remaining", _("Hours remaining"), "hours"),
    Column("amount", _("Amount"), "money"),
    Column("amount_billed", _("Amount billed"), "money"),
    Column("amount_remaining", _("Amount remaining"), "money"),
    Column("utilization_percent", _("Utilization %"), "percent"),
    Column("valid_from", _("Valid from"), "date"),
    Column("valid_to", _("Valid to"), "date"),
    Column("days_left", _("Days left"), "int"),
    Column("status", _("Status")),
)


@router.get(
    "/reports/frame-orders",
    response={200: FrameOrderReportOut, **ERRORS},
    by_alias=True,
    openapi_extra=query_doc(),
)
def frame_orders(request):
    """The frame orders valid at some day of the period with their utilization (billed and
    remaining hours and amount from the ledger), validity, days left until they expire and
    status today, soonest expiry first; totals per currency. Query: ``from``/``to`` or
    ``period``, ``format``."""
    context, query, period = read_query(request, ReportQuery)
    context.require("view_invoices")
    today = tenant_today(context.tenant)
    found = money.frame_orders(
        tenant=context.tenant, today=today, date_from=period.first, date_to=period.last
    )
    rows = [_fields(row, tuple(FrameOrderRowOut.model_fields)) for row in found]
    payload = {
        "today": today,
        "rows": rows,
        "totals": {
            "currencies": [
                _fields(t, tuple(FrameOrderTotalOut.model_fields))
                for t in money.frame_order_totals(found)
            ]
        },
        "period": period_out(period),
    }
    return answer(query, payload, filename="frame-orders", columns=FRAME_ORDER_COLUMNS, rows=rows)
