"""The month-end billing review of one customer (issue 14): start it, decide per entry (bill,
defer, write off), preview the would-be invoice, and generate it — issued or as a draft.

Claiming. A review fixes its entries when it starts (one decision row each). Generating locks
the review row, then the entries' live items in primary-key order (the order every billing
service locks in), checks that each entry still has its items pending or deferred, and moves
them with conditional UPDATEs (`drafts_fill`: pending -> on_draft only where still pending).
So two people reviewing the same customer cannot bill an entry twice: the second generation
finds the items taken and answers 409 `review_entries_taken` with nothing changed.

Preview. The would-be invoice is built by the same code inside a savepoint that is rolled
back, so the preview shows exactly what generating would create and leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import connection, transaction

from faktura.billing.inputs import MAX_IDS, ItemsCompile
from faktura.billing.models import BillableItem, Invoice
from faktura.billing.services.compile import billable_items_compile
from faktura.billing.services.draft_lines import DraftFill, ItemRow, drafts_fill
from faktura.billing.services.idempotency import idempotent
from faktura.billing.services.invoices import draft_build
from faktura.billing.services.issue import invoice_issue
from faktura.billing.services.preview import invoice_preview_pdf
from faktura.billing.states import entry_states_sync
from faktura.billingreview import selectors
from faktura.billingreview.errors import (
    NothingToBill,
    ReviewCurrencies,
    ReviewEntriesTaken,
    ReviewHasEntriesToBill,
    ReviewNotOpen,
    ReviewReferenceNotFound,
    WriteOffReasonRequired,
)
from faktura.billingreview.inputs import BillingReviewStart, BillingReviewUpdate
from faktura.billingreview.models import BillingReview, BillingReviewDecision
from faktura.common.context import CommandContext
from faktura.common.errors import NotFound
from faktura.common.services import audit_record
from faktura.common.sql import id_batches, id_in
from faktura.contacts.models import Contact
from faktura.core.money import exact_sum
from faktura.work.models import Project, Task
from faktura.work.selectors import entries_billable_candidates

Item = BillableItem.Status
Decision = BillingReviewDecision.Decision
T = TypeVar("T")


# --- starting and deciding --------------------------------------------------------------------


def _compile_period(ctx: CommandContext, *, contact_id: int, end: dt.date, start: dt.date) -> None:
    """Compile the customer's approved, still unbilled entries of the period first, so the
    review shows all of them priced (compile is idempotent and commits per batch)."""
    ids = list(
        entries_billable_candidates(tenant=ctx.tenant, require_approval=True)
        .filter(task__client_id=contact_id, date__gte=start, date__lte=end)
        .values_list("pk", flat=True)
    )
    for start_at in range(0, len(ids), MAX_IDS):  # compile takes so many ids at once
        batch = ItemsCompile(entry_ids=ids[start_at : start_at + MAX_IDS])
        billable_items_compile(ctx, data=batch)


def _collect(review: BillingReview, *, fresh: bool = False) -> None:
    """(Re)fix the review's entries for its customer and period: new entries join as Bill,
    entries no longer in it leave, the decisions of the others stay. A fresh review takes
    its entries in one INSERT ... SELECT (a busy customer has thousands)."""
    candidates = selectors.candidate_items(
        tenant=review.tenant,
        contact_id=review.contact_id,
        start=review.period_start,
        end=review.period_end,
    )
    if fresh:
        select, params = candidates.order_by().values("entry_id").distinct().query.sql_with_params()
        table = connection.ops.quote_name(BillingReviewDecision._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (review_id, entry_id, decision, defer_until, reason) "  # noqa: S608 - our own table and query
                f"SELECT %s, c.entry_id, %s, NULL, '' FROM ({select}) c",
                [review.pk, Decision.BILL, *params],
            )
        return
    wanted = set(candidates.order_by().values_list("entry_id", flat=True))
    have = set(
        BillingReviewDecision.objects.filter(review=review).values_list("entry_id", flat=True)
    )
    gone = sorted(have - wanted)
    for batch in id_batches(gone):
        BillingReviewDecision.objects.filter(review=review).filter(
            id_in("entry_id", batch)
        ).delete()
    BillingReviewDecision.objects.bulk_create(
        [BillingReviewDecision(review=review, entry_id=pk) for pk in sorted(wanted - have)],
        batch_size=1000,
    )


def billing_review_start(ctx: CommandContext, *, data: BillingReviewStart) -> BillingReview:
    """A new open review of the customer's approved, unbilled time-and-materials entries of
    the period (compiled first where needed), every entry marked Bill. Another tenant's
    customer answers 400 naming `contact_id`."""
    ctx.require("manage_invoices")
    contact = Contact.objects.filter(tenant=ctx.tenant, pk=data.contact_id).first()
    if contact is None:
        raise ReviewReferenceNotFound.field("contact_id", "No such customer.")
    _compile_period(ctx, contact_id=contact.pk, start=data.period_start, end=data.period_end)
    with transaction.atomic():
        review = BillingReview.objects.create(
            tenant=ctx.tenant,
            contact=contact,
            period_start=data.period_start,
            period_end=data.period_end,
            created_by=ctx.user,
        )
        _collect(review, fresh=True)
        audit_record(
            ctx,
            action="billing_review_start",
            obj=review,
            data={"contact_id": contact.pk, "period": f"{data.period_start}/{data.period_end}"},
        )
    return review


def _open_locked(ctx: CommandContext, review_id: int) -> BillingReview:
    review = (
        BillingReview.objects.select_for_update()
        .select_related("contact")
        .filter(tenant=ctx.tenant, pk=review_id)
        .first()
    )
    if review is None:
        raise NotFound("Billing review not found.")
    if review.status != BillingReview.Status.OPEN:
        raise ReviewNotOpen(
            "This review is no longer open (generated, closed or abandoned); start a new review.",
            fields={"status": review.status},
        )
    return review


def _frame_order(review: BillingReview, frame_order_id: int) -> dict[str, Any]:
    """The customer's open frame order with this id (400 naming `frame_order_id` if none)."""
    for option in selectors.frame_orders(review, bill_hours=exact_sum([])):
        if option["id"] == frame_order_id:
            return option
    raise ReviewReferenceNotFound.field("frame_order_id", "No open frame order of this customer.")


def billing_review_update(
    ctx: CommandContext, *, review_id: int, data: BillingReviewUpdate
) -> BillingReview:
    """Store decisions (`decide_all` first, then the per-entry `decisions`) and the invoice
    details. A new period re-collects the entries (the decisions of those that stay are kept).
    An entry id that is not in the review answers 400 naming `decisions`."""
    ctx.require("manage_invoices")
    given = data.model_fields_set
    period = (
        (data.period_start, data.period_end)
        if data.period_start is not None and data.period_end is not None
        else None
    )
    if period is not None:
        found = selectors.review_get(tenant=ctx.tenant, review_id=review_id)
        _compile_period(ctx, contact_id=found.contact_id, start=period[0], end=period[1])
    with transaction.atomic():
        review = _open_locked(ctx, review_id)
        if period is not None:
            review.period_start, review.period_end = period
            _collect(review)
        decisions = BillingReviewDecision.objects.filter(review=review)
        until = data.defer_until
        if data.decide_all is not None:
            decisions.update(
                decision=data.decide_all,
                defer_until=until if data.decide_all == Decision.DEFER else None,
            )
        if data.decisions:
            known: set[int] = set()
            for batch in id_batches(sorted(data.decisions)):
                known.update(
                    decisions.filter(id_in("entry_id", batch)).values_list("entry_id", flat=True)
                )
            unknown = sorted(set(data.decisions) - known)
            if unknown:
                raise ReviewReferenceNotFound.field(
                    "decisions",
                    f"Not entries of this review: {', '.join(map(str, unknown[:20]))}.",
                )
            by_decision: dict[str, list[int]] = {}
            for entry_id, choice in data.decisions.items():
                by_decision.setdefault(choice, []).append(entry_id)
            for kind, ids in by_decision.items():
                for batch in id_batches(sorted(ids)):
                    decisions.filter(id_in("entry_id", batch)).update(
                        decision=kind,
                        defer_until=until if kind == Decision.DEFER else None,
                    )
        if "frame_order_id" in given:
            if data.frame_order_id is not None:
                chosen = _frame_order(review, data.frame_order_id)
                # The PO number comes from the frame order unless one was typed.
                if not review.po_number and "po_number" not in given:
                    review.po_number = chosen["po_number"]
            review.frame_order_id = data.frame_order_id
        for name in ("payment_terms_days", "po_number", "notes", "write_off_reason"):
            if name in given and getattr(data, name) is not None:
                setattr(review, name, getattr(data, name))
            elif name in given and name == "payment_terms_days":
                review.payment_terms_days = None
        review.save()
        audit_record(
            ctx,
            action="billing_review_update",
            obj=review,
            data={
                "fields": sorted(given - {"decisions"}),
                "decisions": len(data.decisions),
                "decide_all": data.decide_all,
            },
        )
    return review


# --- building the invoice ---------------------------------------------------------------------


def _live_items(review: BillingReview, entry_ids: list[int]) -> list[Any]:
    """The live items of these entries, locked in primary-key order."""
    rows: list[Any] = []
    for batch in id_batches(entry_ids):
        qs = (
            BillableItem.objects.select_for_update()
            .filter(id_in("entry_id", batch), tenant=review.tenant)
            .exclude(status=Item.RELEASED)
        )
        rows += ItemRow.rows(qs.order_by("pk"))
    rows.sort(key=lambda row: row.pk)
    return rows


def _with_related(items: list[Any], contact: Contact) -> list[Any]:
    tasks = Task.objects.only("id", "number", "title").in_bulk({i.task_id for i in items} - {None})
    projects = Project.objects.in_bulk({i.project_id for i in items} - {None})
    for item in items:
        item.task = tasks.get(item.task_id)
        item.project = projects.get(item.project_id)
        item.contact = contact
    return items


def _set_status(ids: list[int], *, source: tuple[str, ...], **values: Any) -> int:
    moved = 0
    for batch in id_batches(ids):
        moved += (
            BillableItem.objects.filter(id_in("pk", batch), status__in=source)
            .order_by()
            .update(**values)
        )
    return moved


def _apply(review: BillingReview, *, closing: bool = False) -> tuple[list[Any], list[int]]:
    """Apply the review's Defer and Write off decisions and return the items of the entries
    marked Bill (deferred ones made pending again) with all the review's entry ids. The caller
    holds the transaction (and the review's lock). Raises `ReviewEntriesTaken` when any entry's
    items were taken meanwhile; when generating (not `closing`) `NothingToBill` if no entry is
    marked Bill; when `closing`, `ReviewHasEntriesToBill` if one is."""
    decisions = list(
        BillingReviewDecision.objects.filter(review=review)
        .order_by("entry_id")
        .values_list("entry_id", "decision", "defer_until")
    )
    entry_ids = [entry_id for entry_id, _, _ in decisions]
    items = _live_items(review, entry_ids)
    by_entry: dict[int, list[Any]] = {}
    for item in items:
        by_entry.setdefault(item.entry_id, []).append(item)
    taken = [
        entry_id
        for entry_id in entry_ids
        if entry_id not in by_entry
        or any(item.status not in selectors.LIVE for item in by_entry[entry_id])
    ]
    if taken:
        raise ReviewEntriesTaken(
            f"{len(taken)} entries of this review were billed or changed elsewhere meanwhile "
            "(another review or a billing run); nothing was generated. Reload the review.",
            fields={"entries": ", ".join(map(str, taken[:20]))},
        )
    bill: list[Any] = []
    defer: dict[dt.date | None, list[int]] = {}
    write_off: list[int] = []
    for entry_id, decision, until in decisions:
        entry_items = by_entry[entry_id]
        if decision == Decision.BILL:
            bill += entry_items
        elif decision == Decision.DEFER:
            defer.setdefault(until, []).extend(item.pk for item in entry_items)
        else:
            write_off += [item.pk for item in entry_items]
    if closing and bill:
        raise ReviewHasEntriesToBill(
            "Entries of this review are marked Bill: generate its invoice, or mark them Defer "
            "or Write off (or abandon the review) first."
        )
    if not closing and not bill:
        raise NothingToBill(
            "No entry of this review is marked Bill: close the review instead, so its "
            "deferrals and write-offs take effect without an invoice."
        )
    if write_off and not review.write_off_reason:
        raise WriteOffReasonRequired.field(
            "write_off_reason", "Give a reason for writing off entries."
        )
    currencies = {item.currency for item in bill}
    if len(currencies) > 1 and not closing:
        raise ReviewCurrencies(
            "The entries to bill are in more than one currency; bill them in separate reviews.",
            fields={"currency": ", ".join(sorted(currencies))},
        )
    for until, ids in defer.items():
        # A deferral without a date comes back in the next review after this period.
        due = until or review.period_end + dt.timedelta(days=1)
        _set_status(ids, source=selectors.LIVE, status=Item.DEFERRED, deferred_until=due)
    if write_off:
        _set_status(write_off, source=selectors.LIVE, status=Item.WRITTEN_OFF)
        # The reason stays with each written-off entry's decision (and in the audit row).
        BillingReviewDecision.objects.filter(review=review, decision=Decision.WRITE_OFF).update(
            reason=review.write_off_reason
        )
    deferred_bill = [item.pk for item in bill if item.status == Item.DEFERRED]
    if deferred_bill:
        _set_status(
            deferred_bill, source=(Item.DEFERRED,), status=Item.PENDING, deferred_until=None
        )
    return bill, entry_ids


def _build(ctx: CommandContext, review: BillingReview) -> Invoice:
    """Apply the review's decisions and create its draft (see `_apply` for what it raises)."""
    bill, entry_ids = _apply(review)
    currencies = {item.currency for item in bill}
    bill.sort(key=lambda item: (item.service_date, item.pk))
    _with_related(bill, review.contact)
    projects = {item.project_id for item in bill}
    invoice = draft_build(
        ctx,
        contact=review.contact,
        currency=currencies.pop(),
        grouping=Invoice.Grouping.CONTACT,
        project=bill[0].project if len(projects) == 1 else None,
    )
    invoice.service_period_start = min(review.period_start, bill[0].service_date)
    invoice.service_period_end = review.period_end
    invoice.payment_terms_days = review.payment_terms_days
    if review.po_number:
        invoice.po_number = review.po_number
    invoice.intro_text = review.notes
    invoice.frame_order_id = review.frame_order_id  # drawn down when the invoice is issued
    invoice.save()
    drafts_fill([DraftFill(invoice, bill, review.contact, fresh=True)])
    entry_states_sync(entry_ids=entry_ids)
    return invoice


class _Rollback(Exception):
    pass


def _in_rolled_back(run: Callable[[], T]) -> T:
    """`run()` inside a savepoint that is always rolled back: nothing it writes stays."""
    result: list[T] = []
    try:
        with transaction.atomic():
            result.append(run())
            raise _Rollback
    except _Rollback:
        pass
    return result[0]


def billing_review_preview(ctx: CommandContext, *, review_id: int) -> dict[str, Any]:
    """The would-be invoice's totals, VAT breakdown and frame-order draw-down; nothing stays."""
    ctx.require("view_invoices")
    review = selectors.review_get(tenant=ctx.tenant, review_id=review_id)
    view = selectors.review_view(review)

    def build() -> dict[str, Any]:
        locked = _open_locked(ctx, review_id)
        invoice = _build(ctx, locked)
        lines = invoice.lines.count()
        return {
            "currency": invoice.currency,
            "net": invoice.net_total,
            "vat": invoice.vat_total,
            "gross": invoice.gross_total,
            "vat_breakdown": invoice.vat_breakdown,
            "lines": lines,
            "service_period_start": invoice.service_period_start,
            "service_period_end": invoice.service_period_end,
        }

    preview = _in_rolled_back(build)
    bill_hours = view.totals["bill_hours"]
    drawn = None
    for option in view.frame_orders:
        if option["id"] == review.frame_order_id:
            drawn = {
                "frame_order_id": option["id"],
                "po_number": option["po_number"],
                "hours_remaining": option["hours_remaining"],
                "hours_drawn": bill_hours,
                "hours_after": option["hours_after"],
            }
    return {"review": view, "invoice": preview, "draw_down": drawn, "totals": view.totals}


def billing_review_preview_pdf(ctx: CommandContext, *, review_id: int) -> tuple[str, bytes]:
    """The would-be invoice as the watermarked draft PDF (no number); nothing stays."""
    ctx.require("view_invoices")

    def build() -> tuple[str, bytes]:
        review = _open_locked(ctx, review_id)
        invoice = _build(ctx, review)
        _, pdf = invoice_preview_pdf(ctx, invoice_id=invoice.pk)
        return f"billing-review-{review_id}.pdf", pdf

    return _in_rolled_back(build)


def _generate(ctx: CommandContext, *, review_id: int, issue: bool) -> Invoice:
    review = _open_locked(ctx, review_id)
    invoice = _build(ctx, review)
    if issue:
        invoice = invoice_issue(ctx, invoice_id=invoice.pk)
    review.status = BillingReview.Status.ISSUED
    review.invoice = invoice
    review.save(update_fields=["status", "invoice", "updated_at"])
    audit_record(
        ctx,
        action="billing_review_issue" if issue else "billing_review_draft",
        obj=review,
        data={
            "invoice_id": invoice.pk,
            "number": invoice.number,
            "write_off_reason": review.write_off_reason,
        },
    )
    return invoice


def billing_review_generate(
    ctx: CommandContext, *, review_id: int, issue: bool, idempotency_key: str = ""
) -> Invoice:
    """Generate the review's invoice in ONE transaction: deferred entries deferred, written-off
    ones written off, the billed ones on a new draft — and with `issue` the draft issued (the
    next gapless number, frame order drawn, documents frozen). With an `idempotency_key` a
    replay answers the same invoice."""
    ctx.require("manage_invoices")
    return idempotent(
        ctx,
        scope="billing_review_issue" if issue else "billing_review_draft",
        key=idempotency_key,
        request={"review_id": review_id},
        run=lambda: _generate(ctx, review_id=review_id, issue=issue),
        model=Invoice,
    )


# --- ending a review without an invoice -------------------------------------------------------


def billing_review_close(ctx: CommandContext, *, review_id: int) -> BillingReview:
    """Close a review that bills nothing: its Defer and Write off decisions take effect (as
    generating would apply them) and no invoice is made; the review becomes `closed`. A review
    with entries still marked Bill answers 422 `review_has_entries_to_bill`; entries taken
    elsewhere meanwhile answer 409 `review_entries_taken` with nothing changed. A review
    without entries closes too (nothing to do for the month)."""
    ctx.require("manage_invoices")
    with transaction.atomic():
        review = _open_locked(ctx, review_id)
        _, entry_ids = _apply(review, closing=True)
        if entry_ids:
            entry_states_sync(entry_ids=entry_ids)
        review.status = BillingReview.Status.CLOSED
        review.save(update_fields=["status", "updated_at"])
        counts = dict.fromkeys(Decision.values, 0)
        for decision in BillingReviewDecision.objects.filter(review=review).values_list(
            "decision", flat=True
        ):
            counts[decision] += 1
        audit_record(
            ctx,
            action="billing_review_close",
            obj=review,
            data={"decisions": counts, "write_off_reason": review.write_off_reason},
        )
    return review


def billing_review_abandon(ctx: CommandContext, *, review_id: int) -> BillingReview:
    """Abandon an open review: none of its decisions take effect and nothing it shows changes.
    Its entries keep whatever state they have (billed, deferred or written off by another
    review or a billing run meanwhile stays so); the unbilled ones appear in the next review.
    The review stays readable as `abandoned`."""
    ctx.require("manage_invoices")
    with transaction.atomic():
        review = _open_locked(ctx, review_id)
        review.status = BillingReview.Status.ABANDONED
        review.save(update_fields=["status", "updated_at"])
        audit_record(ctx, action="billing_review_abandon", obj=review, data={})
    return review
