"""Reads of the billing review: the customers with unbilled work, a review's entries with
their decisions, its totals and the customer's frame orders. Always filtered by tenant."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum

from faktura.billing import hooks
from faktura.billing.models import BillableItem
from faktura.billingreview.models import BillingReview, BillingReviewDecision
from faktura.common.errors import NotFound
from faktura.contacts.models import Contact
from faktura.core.money import exact_sum, quantize, quantize_ratio
from faktura.tenancy.models import Membership
from faktura.work.models import Project, Task, TaskEntry
from faktura.work.selectors import entries_billable_candidates

Item = BillableItem.Status
Decision = BillingReviewDecision.Decision
# The items a review may still decide about: compiled and waiting, or carried forward.
LIVE = (Item.PENDING, Item.DEFERRED)
HOURS_KIND = "task_entry"


def review_get(*, tenant, review_id: int) -> BillingReview:
    review = (
        BillingReview.objects.select_related("contact").filter(tenant=tenant, pk=review_id).first()
    )
    if review is None:
        raise NotFound("Billing review not found.")
    return review


def review_list(*, tenant, status: str = "") -> QuerySet[BillingReview]:
    qs = BillingReview.objects.filter(tenant=tenant).select_related("contact")
    return qs.filter(status=status) if status else qs


def _live_in_period(start: dt.date, end: dt.date) -> Q:
    """Items a review of the period decides about: pending with work in the period, or
    deferred earlier and due by its end (a deferral without a date is due at once)."""
    in_period = Q(status=Item.PENDING, service_date__gte=start, service_date__lte=end)
    deferred_due = Q(status=Item.DEFERRED, service_date__lte=end) & (
        Q(deferred_until__isnull=True) | Q(deferred_until__lte=end)
    )
    return in_period | deferred_due


def _reviewable_items(*, tenant) -> QuerySet:
    return BillableItem.objects.filter(
        tenant=tenant,
        entry__isnull=False,
        entry__approval_status=TaskEntry.Approval.APPROVED,
        project__billing_model=Project.BillingModel.TIME_AND_MATERIALS,
    )


def candidate_items(*, tenant, contact_id: int, start: dt.date, end: dt.date) -> QuerySet:
    """The items a review of this customer and period shows: compiled from approved entries
    of time-and-materials projects, pending with work in the period, or deferred earlier and
    due by its end. Fixed-price and non-billable work never has items; drafts and submitted
    entries are left out by the approval filter."""
    return _reviewable_items(tenant=tenant).filter(
        _live_in_period(start, end), contact_id=contact_id
    )


def candidate_entry_ids(*, tenant, contact_id: int, start: dt.date, end: dt.date) -> list[int]:
    qs = candidate_items(tenant=tenant, contact_id=contact_id, start=start, end=end)
    return sorted(set(qs.order_by().values_list("entry_id", flat=True)))


def customers_unbilled(*, tenant, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """Each customer with work to review in the period: the hours and value of its compiled
    items (SQL sums, for display only: the invoice computes its amounts in Python), and the
    hours of approved time not compiled yet (starting the review compiles and prices them)."""
    compiled = (
        _reviewable_items(tenant=tenant)
        .filter(_live_in_period(start, end))
        .order_by()
        .values("contact_id", "currency")
        .annotate(hours=Sum("quantity", filter=Q(kind=HOURS_KIND)), amount=Sum("amount"))
    )
    uncompiled = (
        entries_billable_candidates(tenant=tenant, require_approval=True)
        .filter(date__gte=start, date__lte=end, kind=TaskEntry.Kind.TIME)
        .order_by()
        .values("task__client_id")
        .annotate(seconds=Sum("duration_seconds"))
    )
    waiting = {row["task__client_id"]: row["seconds"] or 0 for row in uncompiled}
    names = dict(Contact.objects.filter(tenant=tenant).values_list("pk", "name"))
    found: list[dict[str, Any]] = []
    for row in compiled:
        found.append(
            {
                "contact_id": row["contact_id"],
                "name": names.get(row["contact_id"], ""),
                "currency": row["currency"],
                "hours": quantize(row["hours"] or 0, 2),
                "amount": quantize(row["amount"] or 0, 2),
                "uncompiled_hours": quantize_ratio(waiting.pop(row["contact_id"], 0), 3600, 2),
            }
        )
    for contact_id, seconds in waiting.items():
        found.append(
            {
                "contact_id": contact_id,
                "name": names.get(contact_id, ""),
                "currency": "",
                "hours": Decimal("0.00"),
                "amount": None,
                "uncompiled_hours": quantize_ratio(seconds, 3600, 2),
            }
        )
    return sorted(found, key=lambda row: (row["name"].casefold(), row["contact_id"]))


@dataclass
class EntryRow:
    entry_id: int
    date: dt.date
    project: str
    task: str
    member: str
    hours: Decimal
    amount: Decimal
    currency: str
    decision: str
    defer_until: dt.date | None
    reason: str
    available: bool  # still pending or deferred: not taken by another review or a run


@dataclass
class ReviewView:
    review: BillingReview
    entries: list[EntryRow] = field(default_factory=list)
    totals: dict[str, Any] = field(default_factory=dict)
    frame_orders: list[dict[str, Any]] = field(default_factory=list)


def _totals(rows: list[EntryRow]) -> dict[str, Any]:
    def pick(decision: str, attr: str) -> Decimal:
        return exact_sum(
            [getattr(r, attr) for r in rows if r.decision == decision and r.available]
        ) or Decimal("0")

    currencies = sorted({r.currency for r in rows if r.currency})
    return {
        "bill_hours": pick(Decision.BILL, "hours"),
        "bill_amount": pick(Decision.BILL, "amount"),
        "defer_hours": pick(Decision.DEFER, "hours"),
        "defer_amount": pick(Decision.DEFER, "amount"),
        "write_off_hours": pick(Decision.WRITE_OFF, "hours"),
        "write_off_amount": pick(Decision.WRITE_OFF, "amount"),
        "entries": len(rows),
        "unavailable": sum(1 for r in rows if not r.available),
        "currency": currencies[0] if len(currencies) == 1 else "",
    }


def review_entries(review: BillingReview) -> list[EntryRow]:
    """The review's entries with their decisions, hours (the billed hours of their time items)
    and amounts, in date order. A handful of queries whatever the number of entries."""
    decisions = {
        entry_id: (decision, until, reason)
        for entry_id, decision, until, reason in BillingReviewDecision.objects.filter(
            review=review
        ).values_list("entry_id", "decision", "defer_until", "reason")
    }
    items = (
        BillableItem.objects.filter(
            entry_id__in=BillingReviewDecision.objects.filter(review=review).values("entry_id")
        )
        .exclude(status=Item.RELEASED)
        .order_by()
        .values_list(
            "entry_id", "kind", "quantity", "amount", "currency", "status", "task_id",
            "project_id", "membership_id", "service_date",
        )
    )  # fmt: skip
    per_entry: dict[int, dict[str, Any]] = defaultdict(
        lambda: {"hours": [], "amount": [], "live": True}
    )
    for entry_id, kind, qty, amount, currency, status, task_id, project_id, member_id, day in items:
        row = per_entry[entry_id]
        row.update(task_id=task_id, project_id=project_id, member_id=member_id, date=day)
        row["currency"] = currency
        row["live"] = row["live"] and status in LIVE
        row["amount"].append(amount)
        if kind == HOURS_KIND:
            row["hours"].append(qty)
    task_ids = {r["task_id"] for r in per_entry.values() if r.get("task_id")}
    tasks = {
        pk: (number, title)
        for pk, number, title in Task.objects.filter(pk__in=task_ids).values_list(
            "pk", "number", "title"
        )
    }
    projects = dict(
        Project.objects.filter(
            pk__in={r["project_id"] for r in per_entry.values() if r.get("project_id")}
        ).values_list("pk", "name")
    )
    members = {
        m.pk: m.display_name
        for m in Membership.objects.select_related("user").filter(
            pk__in={r["member_id"] for r in per_entry.values() if r.get("member_id")}
        )
    }
    rows = []
    for entry_id, (decision, until, reason) in decisions.items():
        info = per_entry.get(entry_id)
        if info is None or "date" not in info:
            continue  # its items were released by a credit note meanwhile
        number, title = tasks.get(info["task_id"], ("", ""))
        rows.append(
            EntryRow(
                entry_id=entry_id,
                date=info["date"],
                project=projects.get(info["project_id"], ""),
                task=f"#{number} {title}" if number else title,
                member=members.get(info["member_id"], ""),
                hours=exact_sum(info["hours"]) if info["hours"] else Decimal("0"),
                amount=exact_sum(info["amount"]),
                currency=info["currency"],
                decision=decision,
                defer_until=until,
                reason=reason,
                available=info["live"],
            )
        )
    rows.sort(key=lambda r: (r.date, r.entry_id))
    return rows


def frame_orders(review: BillingReview, bill_hours: Decimal) -> list[dict[str, Any]]:
    """The customer's open frame orders with the hours this invoice would leave them."""
    found = []
    for option in hooks.frame_orders_open(review.tenant, review.contact_id, review.period_end):
        remaining = option.get("hours_remaining")
        after = None if remaining is None else Decimal(remaining) - bill_hours
        found.append(
            {
                "id": option["id"],
                "po_number": option.get("po_number", ""),
                "hours_remaining": remaining,
                "hours_after": after,
            }
        )
    return found


def review_view(review: BillingReview) -> ReviewView:
    rows = review_entries(review)
    totals = _totals(rows)
    return ReviewView(
        review=review,
        entries=rows,
        totals=totals,
        frame_orders=frame_orders(review, totals["bill_hours"]),
    )
