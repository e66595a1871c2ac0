"""Use cases of frame orders: create and change a frame order, and the draw-down that issuing
an invoice (or a credit note) writes through `billing.hooks`.

The draw runs inside the issuing transaction with the frame order row locked
(`select_for_update` on PostgreSQL; SQLite's IMMEDIATE transactions hold the write lock), so two
invoices issued at the same moment are checked one after the other against the remaining
balance and never overdraw a `block` pool. Ledger rows are written once and never edited; the
balance is always derived from them (DESIGN.md section 4, invariant 5).
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import override

from faktura.billing.models import Invoice, InvoiceLine
from faktura.billing.services.idempotency import idempotent
from faktura.common.context import CommandContext
from faktura.common.errors import NotFound, ValidationFailed
from faktura.common.services import audit_record
from faktura.contacts.selectors import contact_for_tenant
from faktura.core import frame_orders as rules
from faktura.frameorders import selectors
from faktura.frameorders.errors import (
    FrameOrderExhausted,
    FrameOrderInvalid,
    FrameOrderNotOpen,
    FrameOrderReferenceNotFound,
)
from faktura.frameorders.inputs import FrameOrderCreate, FrameOrderUpdate
from faktura.frameorders.models import FrameOrder, FrameOrderLedger
from faktura.tenancy.models import Membership
from faktura.work.models import Project

log = logging.getLogger(__name__)
Kind = FrameOrderLedger.Kind
# Who hears that a frame order runs low: the company's owners and admins (account managers).
ALERT_ROLES = ("owner", "admin")


def _projects(ctx: CommandContext, contact_id: int, project_ids: list[int]) -> list[Project]:
    wanted = sorted(set(project_ids))
    found = list(Project.objects.filter(tenant=ctx.tenant, contact_id=contact_id, pk__in=wanted))
    missing = sorted(set(wanted) - {project.pk for project in found})
    if missing:
        raise FrameOrderReferenceNotFound.field(
            "project_ids", f"Not projects of this customer: {', '.join(map(str, missing))}."
        )
    return found


def _check_values(frame_order: FrameOrder) -> None:
    if frame_order.hours is None and frame_order.amount is None:
        raise FrameOrderInvalid(
            "A frame order needs hours, an amount, or both.",
            fields={
                "hours": "Give hours and/or an amount.",
                "amount": "Give hours and/or an amount.",
            },
        )
    if frame_order.valid_to is not None and frame_order.valid_to < frame_order.valid_from:
        raise FrameOrderInvalid(
            "valid_to: must not be before valid_from.",
            fields={"valid_to": "Must not be before valid_from."},
        )


def frame_order_create(
    ctx: CommandContext, *, data: FrameOrderCreate, idempotency_key: str = ""
) -> FrameOrder:
    """A new frame order for a customer, in the customer's currency. With an
    `idempotency_key` a replay answers the frame order the first request created."""
    ctx.require("manage_invoices")
    return idempotent(
        ctx,
        scope="frame_order_create",
        key=idempotency_key,
        request=data.model_dump(mode="json"),
        run=lambda: _frame_order_create(ctx, data=data),
        model=FrameOrder,
    )


def _frame_order_create(ctx: CommandContext, *, data: FrameOrderCreate) -> FrameOrder:
    contact = contact_for_tenant(ctx.tenant, data.contact_id)
    with transaction.atomic():
        projects = _projects(ctx, contact.pk, data.project_ids)
        frame_order = FrameOrder(
            tenant=ctx.tenant,
            contact=contact,
            currency=contact.currency,
            **data.model_dump(exclude={"contact_id", "project_ids"}),
        )
        _check_values(frame_order)
        frame_order.save()
        frame_order.projects.set(projects)
        audit_record(
            ctx,
            action="frame_order_create",
            obj=frame_order,
            data={"po_number": frame_order.po_number, "contact_id": contact.pk},
        )
    return frame_order


def frame_order_update(
    ctx: CommandContext, *, frame_order_id: int, data: FrameOrderUpdate
) -> FrameOrder:
    """Change a frame order. Its ledger stays as it is: a smaller pool than what was billed
    simply shows as exhausted."""
    ctx.require("manage_invoices")
    changes = data.model_dump(exclude_unset=True)
    with transaction.atomic():
        frame_order = (
            FrameOrder.objects.select_for_update()
            .filter(tenant=ctx.tenant, pk=frame_order_id)
            .first()
        )
        if frame_order is None:
            raise NotFound("Frame order not found.")
        project_ids = changes.pop("project_ids", None)
        for name, value in changes.items():
            if value is None and name not in ("hours", "amount", "valid_to"):
                raise ValidationFailed.field(name, "Must not be null.")
            setattr(frame_order, name, value)
        _check_values(frame_order)
        if "low_threshold_percent" in changes:
            frame_order.alerted = ""  # a new threshold alerts again
        frame_order.save()
        if project_ids is not None:
            frame_order.projects.set(_projects(ctx, frame_order.contact_id, project_ids))
        audit_record(
            ctx,
            action="frame_order_update",
            obj=frame_order,
            data={
                "fields": sorted([*changes, *(["project_ids"] if project_ids is not None else [])])
            },
        )
    return frame_order


# --- the draft and issuing (billing.hooks) ----------------------------------------------------


def draft_frame_order_check(ctx: CommandContext, invoice: Invoice, fields: set[str]) -> None:
    """A draft's `frame_order_id` names a frame order of the draft's customer in its currency;
    another company's or customer's answers 400 naming the field."""
    if "frame_order_id" not in fields or invoice.frame_order_id is None:
        return
    frame_order = FrameOrder.objects.filter(
        tenant=ctx.tenant, pk=invoice.frame_order_id, contact_id=invoice.contact_id
    ).first()
    if frame_order is None:
        raise FrameOrderReferenceNotFound.field(
            "frame_order_id", "No such frame order of this customer."
        )
    if frame_order.currency != invoice.currency:
        raise FrameOrderInvalid.field(
            "frame_order_id", f"The frame order is in {frame_order.currency}."
        )


def invoice_frame_order_prepare(ctx: CommandContext, invoice: Invoice) -> None:
    """Before a draft with a frame order is numbered, its PO number becomes the invoice's
    purchase order reference (BT-13) unless the draft has one already."""
    if invoice.frame_order_id is None or invoice.po_number:
        return
    po_number = (
        FrameOrder.objects.filter(tenant=ctx.tenant, pk=invoice.frame_order_id)
        .values_list("po_number", flat=True)
        .first()
    )
    if po_number:
        invoice.po_number = po_number
        invoice.save(update_fields=["po_number", "updated_at"])


def _usage(invoice: Invoice) -> rules.Usage:
    lines = InvoiceLine.objects.filter(invoice=invoice, do_not_bill=False).values_list(
        "unit", "quantity", "net_amount"
    )
    return rules.invoice_usage(rules.LineUse(*row) for row in lines)


def _ledger_balance(frame_order: FrameOrder) -> rules.Balance:
    """The balance from the ledger as it is now (the row is locked: nothing is drawn
    meanwhile)."""
    for name in selectors.LEDGER_SUMS:
        frame_order.__dict__.pop(name, None)
    return selectors.balance(frame_order)


def _hours(value: Any) -> str:
    return f"{value.normalize():f}" if value is not None else "-"


def invoice_frame_order_draw(ctx: CommandContext, invoice: Invoice) -> FrameOrderLedger | None:
    """Inside the issuing transaction: an invoice with a frame order writes its draw row (its
    billed hours and net amount), a credit note a reversal row (the credited lines' hours and
    amount, negative). Under `block` an overdraw raises `frame_order_exhausted` (422, naming
    what is left) and the whole issue rolls back; under `warn` the row keeps the warning."""
    if invoice.frame_order_id is None:
        return None
    is_note = invoice.kind == Invoice.Kind.CREDIT_NOTE
    original = invoice.credit_note_of_id
    if is_note and (
        original is None
        or not FrameOrderLedger.objects.filter(invoice_id=original, kind=Kind.DRAW).exists()
    ):
        return None  # its invoice drew nothing: nothing to give back
    frame_order = (
        FrameOrder.objects.select_for_update().filter(tenant=ctx.tenant, pk=invoice.frame_order_id)
    ).first()
    if frame_order is None:
        raise FrameOrderReferenceNotFound.field("frame_order_id", "No such frame order.")
    usage = _usage(invoice)
    before = _ledger_balance(frame_order)
    day = invoice.issue_date
    assert day is not None  # numbered and dated by `freeze` before this hook runs
    status_before = selectors.status(frame_order, before, on=day)
    warning = ""
    if not is_note:
        if status_before in (rules.CLOSED, rules.EXPIRED):
            raise FrameOrderNotOpen(
                f"Frame order {frame_order.po_number} is {status_before} on {day}.",
                fields={"frame_order_id": f"The frame order is {status_before}."},
            )
        own = set(frame_order.projects.values_list("pk", flat=True))
        uncovered = sorted(selectors.invoice_project_ids(invoice) - own) if own else []
        if frame_order.contact_id != invoice.contact_id or uncovered:
            raise FrameOrderNotOpen(
                f"Frame order {frame_order.po_number} does not cover the projects "
                f"{', '.join(map(str, uncovered))}.",
                fields={"frame_order_id": "The frame order does not cover these projects."},
            )
        decision = rules.overage_decision(before, usage, policy=frame_order.overage_policy)
        if not decision.allowed:
            left = before.hours_remaining
            raise FrameOrderExhausted(
                f"Frame order {frame_order.po_number} has {_hours(left)} h left "
                f"({_money(before.amount_remaining)}); this invoice needs "
                f"{_hours(usage.hours)} h ({usage.amount}): it {decision.warning}.",
                fields={"frame_order_id": f"{_hours(left)} h remaining."},
            )
        warning = decision.warning
    row = FrameOrderLedger.objects.create(
        tenant=ctx.tenant,
        frame_order=frame_order,
        invoice=invoice,
        kind=Kind.REVERSAL if is_note else Kind.DRAW,
        hours=usage.hours,
        amount=usage.amount,
        warning=warning[:300],
    )
    after = rules.balance_after(before, usage)
    audit_record(
        ctx,
        action="frame_order_draw" if not is_note else "frame_order_reverse",
        obj=frame_order,
        data={
            "invoice_id": invoice.pk,
            "hours": str(usage.hours),
            "amount": str(usage.amount),
            "hours_remaining": str(after.hours_remaining),
            **({"warning": warning} if warning else {}),
        },
    )
    _alert_if_due(frame_order, after, on=day)
    return row


def _money(value: Any) -> str:
    return "-" if value is None else str(value)


def _alert_if_due(frame_order: FrameOrder, after: rules.Balance, *, on) -> None:
    """Once per frame order and threshold (low, exhausted): claim the alert in this
    transaction (a conditional update, so concurrent issues claim it once) and e-mail the
    company's owners and admins after commit."""
    reached = rules.alert_due(
        selectors.status(frame_order, after, on=on), alerted=frame_order.alerted
    )
    if not reached:
        return
    claimed = FrameOrder.objects.filter(pk=frame_order.pk, alerted=frame_order.alerted).update(
        alerted=reached
    )
    if claimed:
        frame_order_id = frame_order.pk
        transaction.on_commit(lambda: frame_order_alert_send(frame_order_id, reached))


def frame_order_alert_send(frame_order_id: int, reached: str) -> int:
    """E-mail the owners and admins that the frame order reached `low` or `exhausted`.
    Returns how many were mailed; a failing mail server is logged, the issue stands."""
    frame_order = FrameOrder.objects.select_related("contact", "tenant").get(pk=frame_order_id)
    current = selectors.balance(frame_order)
    members = Membership.objects.filter(
        tenant_id=frame_order.tenant_id, role__in=ALERT_ROLES, is_active=True
    ).select_related("user")
    recipients = sorted({m.user.email for m in members if m.user.email})
    if not recipients:
        return 0
    with override(settings.LANGUAGE_CODE):
        subject = (
            _("Frame order %(po)s of %(customer)s is running low")
            if reached == rules.LOW
            else _("Frame order %(po)s of %(customer)s is exhausted")
        ) % {"po": frame_order.po_number, "customer": frame_order.contact.name}
        body = _(
            "Frame order %(po)s of %(customer)s: %(billed)s h billed, %(left)s h remaining "
            "(%(percent)s %% used)."
        ) % {
            "po": frame_order.po_number,
            "customer": frame_order.contact.name,
            "billed": _hours(current.hours_billed),
            "left": _hours(current.hours_remaining),
            "percent": current.utilization_percent,
        }
    try:
        send_mail(subject, body, None, recipients)
    except Exception:
        log.exception("frame order alert %s could not be sent", frame_order_id)
        return 0
    return len(recipients)
