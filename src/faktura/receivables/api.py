"""Receivables: open invoices, overdue first, with the open totals per currency."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Router, Schema

from faktura.common.schemas import ERRORS
from faktura.receivables.selectors import receivables as open_items
from faktura.tenancy.auth import request_context
from faktura.tenancy.selectors import tenant_today

router = Router(tags=["receivables"])


class ReceivableOut(Schema):
    id: int
    number: str | None
    status: str
    contact_id: int
    contact_name: str
    currency: str
    issue_date: dt.date | None
    due_date: dt.date | None
    gross: Decimal
    credited: Decimal
    open_amount: Decimal
    days_overdue: int

    @staticmethod
    def resolve_contact_name(obj) -> str:
        return obj.contact.name

    @staticmethod
    def resolve_gross(obj) -> Decimal:
        return obj.gross_total


class ReceivableTotalOut(Schema):
    currency: str
    open: Decimal
    overdue: Decimal
    count: int


class ReceivablesOut(Schema):
    overdue: list[ReceivableOut]
    current: list[ReceivableOut]
    totals: list[ReceivableTotalOut]
    today: dt.date


@router.get("/receivables", response={200: ReceivablesOut, **ERRORS})
def receivables(request):
    """Issued and sent invoices not paid yet: ``overdue`` (oldest due date first, with the days
    overdue in the company's time zone) and ``current``; each with its gross, what credit notes
    took off it (``credited``, negative) and the ``open_amount``."""
    context = request_context(request)
    context.require("view_invoices")
    today = tenant_today(context.tenant)
    return {**open_items(tenant=context.tenant, today=today), "today": today}
