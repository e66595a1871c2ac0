"""Reads of frame orders: lists and details with their balance derived from the ledger, the
ledger itself, and the open frame orders of a customer (the invoice draft and the billing
review offer them).

Sums of the ledger are taken in SQL (one query per page) and quantized to the column's places
in Python: SQLite sums decimals as floating point, and values of at most 4 (hours) and 2
(amount) decimals come back exact once quantized.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, OuterRef, Prefetch, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from faktura.billing.models import Invoice, InvoiceLine
from faktura.common.errors import NotFound
from faktura.core import frame_orders as rules
from faktura.frameorders.models import FrameOrder, FrameOrderLedger, Retainer, RetainerMonth
from faktura.tenancy.models import Tenant


def _ledger_sum(field: str, places: int) -> Coalesce:
    rows = (
        FrameOrderLedger.objects.filter(frame_order=OuterRef("pk"))
        .order_by()
        .values("frame_order")
        .annotate(total=Sum(field))
        .values("total")
    )
    output = DecimalField(max_digits=20, decimal_places=places)
    return Coalesce(Subquery(rows, output_field=output), Value(Decimal(0)), output_field=output)


LEDGER_SUMS = ("ledger_hours", "ledger_amount")


def with_balance(queryset: QuerySet[FrameOrder]) -> QuerySet[FrameOrder]:
    """Frame orders annotated with what their ledger billed (`ledger_hours`,
    `ledger_amount`), their customer and projects loaded."""
    return (
        queryset.select_related("contact")
        .prefetch_related("projects")
        .annotate(ledger_hours=_ledger_sum("hours", 4), ledger_amount=_ledger_sum("amount", 2))
    )


def balance(frame_order: FrameOrder) -> rules.Balance:
    """The frame order's balance from its annotations (`with_balance`), or from the ledger."""
    hours, amount = (getattr(frame_order, name, None) for name in LEDGER_SUMS)
    if not hasattr(frame_order, LEDGER_SUMS[0]):
        totals = FrameOrderLedger.objects.filter(frame_order=frame_order).aggregate(
            hours=Sum("hours"), amount=Sum("amount")
        )
        hours, amount = totals["hours"], totals["amount"]
    return rules.Balance(
        hours=frame_order.hours,
        amount=frame_order.amount,
        hours_billed=rules.ledger_total(hours, rules.HOURS_PLACES),
        amount_billed=rules.ledger_total(amount, rules.AMOUNT_PLACES),
    )


def status(frame_order: FrameOrder, current: rules.Balance, *, on: dt.date) -> str:
    return rules.pool_status(
        current,
        low_threshold_percent=frame_order.low_threshold_percent,
        valid_from=frame_order.valid_from,
        valid_to=frame_order.valid_to,
        closed=frame_order.closed,
        on=on,
    )


def decorate(frame_orders: Iterable[FrameOrder], *, on: dt.date) -> list[FrameOrder]:
    """Attach `balance` and `status` (on the given day) to each frame order, for the API and
    the pages."""
    out = []
    for frame_order in frame_orders:
        frame_order.balance = balance(frame_order)
        frame_order.status = status(frame_order, frame_order.balance, on=on)
        out.append(frame_order)
    return out


def frame_order_list(
    *, tenant: Tenant, on: dt.date, contact_id: int | None = None, status: str = ""
) -> list[FrameOrder]:
    queryset = FrameOrder.objects.filter(tenant=tenant)
    if contact_id is not None:
        queryset = queryset.filter(contact_id=contact_id)
    rows = decorate(with_balance(queryset).order_by("contact__name", "valid_from", "id"), on=on)
    return [row for row in rows if not status or row.status == status]


def frame_order_get(*, tenant: Tenant, frame_order_id: int, on: dt.date) -> FrameOrder:
    found = with_balance(FrameOrder.objects.filter(tenant=tenant, pk=frame_order_id)).first()
    if found is None:
        raise NotFound("Frame order not found.")
    return decorate([found], on=on)[0]


def frame_order_ledger(*, tenant: Tenant, frame_order_id: int) -> list[FrameOrderLedger]:
    """The frame order's draws and reversals, oldest first, with their invoices."""
    if not FrameOrder.objects.filter(tenant=tenant, pk=frame_order_id).exists():
        raise NotFound("Frame order not found.")
    return list(
        FrameOrderLedger.objects.filter(tenant=tenant, frame_order_id=frame_order_id)
        .select_related("invoice")
        .order_by("created_at", "id")
    )


def invoice_project_ids(invoice: Invoice) -> set[int]:
    """The projects of an invoice's billed lines (and its own project)."""
    ids = set(
        InvoiceLine.objects.filter(invoice=invoice, do_not_bill=False)
        .exclude(task=None)
        .values_list("task__project_id", flat=True)
    )
    if invoice.project_id:
        ids.add(invoice.project_id)
    return ids


def draft_frame_order_choices(
    tenant: Tenant, invoice: Invoice, *, on: dt.date
) -> tuple[list[dict], int | None]:
    """The frame orders a draft may draw (the customer's open ones, and the one it has) and the
    one to preselect: the draft's own, else the customer's one open frame order covering the
    draft's projects."""
    found = open_frame_orders(tenant, invoice.contact_id, on=on)
    if invoice.frame_order_id and invoice.frame_order_id not in {f["id"] for f in found}:
        current = frame_order_get(tenant=tenant, frame_order_id=invoice.frame_order_id, on=on)
        found.append(
            {
                "id": current.pk,
                "po_number": current.po_number,
                "hours_remaining": current.balance.hours_remaining,
                "amount_remaining": current.balance.amount_remaining,
                "status": current.status,
                "project_ids": [],
            }
        )
    if invoice.frame_order_id:
        return found, invoice.frame_order_id
    projects = invoice_project_ids(invoice)
    covering = [f for f in found if not f["project_ids"] or projects <= set(f["project_ids"])]
    return found, covering[0]["id"] if len(covering) == 1 else None


def covers(frame_order: FrameOrder, project_ids: Iterable[int]) -> bool:
    """The frame order covers these projects (one without projects covers all)."""
    own = {project.pk for project in frame_order.projects.all()}
    return not own or set(project_ids) <= own


def open_frame_orders(
    tenant: Tenant, contact_id: int, *, on: dt.date, project_ids: Iterable[int] | None = None
) -> list[dict[str, Any]]:
    """The customer's frame orders that take invoices on `on` (not closed, within their
    validity; exhausted ones included, their policy decides), optionally only those covering
    `project_ids`: `{id, po_number, hours_remaining, amount_remaining, status, project_ids}`
    each, the earliest ending first."""
    queryset = FrameOrder.objects.filter(
        tenant=tenant, contact_id=contact_id, closed=False, valid_from__lte=on
    ).exclude(valid_to__lt=on)
    rows = decorate(with_balance(queryset).order_by("valid_to", "valid_from", "id"), on=on)
    wanted = None if project_ids is None else set(project_ids)
    return [
        {
            "id": row.pk,
            "po_number": row.po_number,
            "hours_remaining": row.balance.hours_remaining,
            "amount_remaining": row.balance.amount_remaining,
            "status": row.status,
            "project_ids": sorted(project.pk for project in row.projects.all()),
        }
        for row in rows
        if wanted is None or covers(row, wanted)
    ]


def frame_order_options(tenant: Tenant, contact_id: int, on_date: dt.date) -> list[dict[str, Any]]:
    """The customer's open frame orders on that date, as the billing review offers them
    (`billing.hooks.frame_order_options`)."""
    return open_frame_orders(tenant, contact_id, on=on_date)


def default_frame_order_id(
    tenant: Tenant, contact_id: int, *, on: dt.date, project_ids: Iterable[int]
) -> int | None:
    """The customer's one open frame order covering the projects, if there is exactly one."""
    found = open_frame_orders(tenant, contact_id, on=on, project_ids=project_ids)
    return found[0]["id"] if len(found) == 1 else None


# --- retainers --------------------------------------------------------------------------------


def retainer_list(*, tenant: Tenant, project_id: int | None = None) -> QuerySet[Retainer]:
    queryset = (
        Retainer.objects.filter(tenant=tenant)
        .select_related("project__contact")
        .prefetch_related(
            Prefetch("months", queryset=RetainerMonth.objects.select_related("credit_note"))
        )
    )
    if project_id is not None:
        queryset = queryset.filter(project_id=project_id)
    return queryset.order_by("project_id", "start_date", "id")


def retainer_get(*, tenant: Tenant, retainer_id: int) -> Retainer:
    found = retainer_list(tenant=tenant).filter(pk=retainer_id).first()
    if found is None:
        raise NotFound("Retainer not found.")
    return found
