"""An invoice's history from the audit log: who created, issued, sent, credited or paid it,
when, and why (the reason given)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from faktura.billing.models import Invoice
from faktura.common.models import AuditEvent

# Object types whose audit rows name the invoice in `data.invoice_id` (credit notes are
# invoices; payments and reminders concern one).
_RELATED_TYPES = ("invoice", "payment", "reminder")
# Editing single lines of a draft is the drafting itself, not the document's history.
_DRAFTING = ("invoice_line_add", "invoice_line_update", "invoice_line_delete")


@dataclass(frozen=True)
class HistoryEvent:
    at: dt.datetime
    action: str  # the service that wrote the row: invoice_issue, invoice_send ...
    actor: str  # the person's name or e-mail; "" for the system (CLI, tasks)
    source: str  # api | ui | cli | task | system
    reason: str
    data: dict[str, Any] = field(default_factory=dict)
    concerns_other: bool = False  # written for another document (a credit note of this one)


def invoice_history(*, tenant, invoice: Invoice) -> list[HistoryEvent]:
    """The audit rows of `invoice` and of what refers to it, oldest first."""
    own = Q(object_type="invoice", object_id=str(invoice.pk))
    related = Q(object_type__in=_RELATED_TYPES, data__invoice_id=invoice.pk)
    rows = (
        AuditEvent.objects.filter(tenant=tenant)
        .filter(own | related)
        .exclude(action__in=_DRAFTING)
        .select_related("actor")
        .order_by("created_at", "id")
    )
    return [
        HistoryEvent(
            at=row.created_at,
            action=row.action,
            actor=_name(row.actor),
            source=row.source,
            reason=row.reason,
            data=row.data or {},
            concerns_other=row.object_id != str(invoice.pk),
        )
        for row in rows
    ]


def _name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.email or user.username
