"""From pending billable items to invoice drafts: selected items with a grouping mode, and the
billing run that keeps one open draft per customer, project and period.

Both are idempotent. The items are row-locked (PostgreSQL) or the database write lock is held
(SQLite IMMEDIATE) for the whole transaction, and each item moves pending -> on_draft in a
conditional UPDATE, so two concurrent callers can never put one item on two drafts: the second
one finds the items no longer pending (generation answers 409, the run skips them).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q

from faktura.billing import hooks
from faktura.billing.errors import ItemsNotPending, ReferenceNotFound
from faktura.billing.inputs import BillingRun, InvoicesGenerate
from faktura.billing.models import BillableItem, Invoice
from faktura.billing.selectors.items import catch_up_filter
from faktura.billing.services.draft_lines import DraftFill, ItemRow, drafts_fill
from faktura.billing.services.invoices import draft_build
from faktura.billing.states import entry_states_sync
from faktura.common.context import CommandContext
from faktura.common.inputs import parse
from faktura.common.services import audit_records
from faktura.common.sql import id_batches, id_in
from faktura.contacts.models import Contact
from faktura.core.money import exact_sum
from faktura.work.models import Project, Task

Item = BillableItem.Status
GROUPINGS = (Invoice.Grouping.CONTACT, Invoice.Grouping.PROJECT, Invoice.Grouping.TASK)


def _items_locked(tenant, ids: Sequence[int]) -> list[ItemRow]:
    """The tenant's items with these ids, locked in primary-key order (one fixed lock order, so
    concurrent callers cannot deadlock)."""
    items: list[ItemRow] = []
    for batch in id_batches(sorted(ids)):
        qs = BillableItem.objects.select_for_update().filter(id_in("pk", batch), tenant=tenant)
        items += ItemRow.rows(qs.order_by("pk"))
    return items


def _with_related(items: list[ItemRow]) -> list[ItemRow]:
    """Attach each item's ticket, contact and project from one query each: a join would build
    the same few customers, projects and tickets again for every one of thousands of items."""
    tasks = Task.objects.only("id", "number", "title").in_bulk(
        {item.task_id for item in items} - {None}
    )
    contacts = Contact.objects.in_bulk({item.contact_id for item in items})
    projects = Project.objects.in_bulk({item.project_id for item in items} - {None})
    for item in items:
        item.task = tasks.get(item.task_id)
        item.contact = contacts[item.contact_id]
        item.project = projects.get(item.project_id)
    return items


def _group_key(item: ItemRow, grouping: str) -> tuple:
    key: tuple = (item.contact_id, item.currency)
    if grouping in (Invoice.Grouping.PROJECT, Invoice.Grouping.TASK):
        key += (item.project_id,)
    if grouping == Invoice.Grouping.TASK:
        key += (item.task_id,)
    return key


def generate_check(ctx: CommandContext, *, data: InvoicesGenerate) -> list[int]:
    """Check a generation request without changing anything: 400 for ids that are not the
    tenant's items, 409 (`items_not_pending`) naming the items that are not pending. Returns
    the ids with the pending items of the same entries."""
    ctx.require("manage_invoices")
    ids = data.billable_item_ids
    found: dict[int, str] = {}
    for batch in id_batches(ids):
        found.update(
            BillableItem.objects.filter(id_in("pk", batch), tenant=ctx.tenant)
            .order_by()
            .values_list("pk", "status")
        )
    _check_items(ids, found)
    return ids + _pending_siblings(ctx.tenant, ids)


def _pending_siblings(tenant, ids: Sequence[int]) -> list[int]:
    """The pending items of the selected items' entries that were not selected: the items of
    one entry (a trip's distance and travel time) never go on different invoices, also when
    a page or a filter showed only one of them."""
    chosen = set(ids)
    entries: set[int] = set()
    for batch in id_batches(list(ids)):
        entries.update(
            BillableItem.objects.filter(id_in("pk", batch), tenant=tenant, entry_id__isnull=False)
            .order_by()
            .values_list("entry_id", flat=True)
        )
    siblings: list[int] = []
    for batch in id_batches(sorted(entries)):
        siblings += [
            pk
            for pk in BillableItem.objects.filter(
                id_in("entry_id", batch), tenant=tenant, status=Item.PENDING
            )
            .order_by("pk")
            .values_list("pk", flat=True)
            if pk not in chosen
        ]
    return siblings


def _check_items(ids: Sequence[int], statuses: dict[int, str]) -> None:
    unknown = [i for i in ids if i not in statuses]
    if unknown:
        raise ReferenceNotFound.field(
            "billable_item_ids", f"No such billable items: {', '.join(map(str, unknown[:20]))}."
        )
    taken = [i for i in ids if statuses[i] != Item.PENDING]
    if taken:
        names = ", ".join(f"{i} ({statuses[i]})" for i in taken[:20])
        raise ItemsNotPending(
            f"These billable items are not pending: {names}. Nothing was generated.",
            fields={"billable_item_ids": f"Not pending: {', '.join(map(str, taken[:20]))}."},
        )


def invoices_generate(ctx: CommandContext, *, data: InvoicesGenerate) -> list[Invoice]:
    """Drafts from the selected pending items, one per customer and currency (`contact`), per
    project (`project`) or per ticket (`task`). All or nothing: one unknown id answers 400,
    one item that is not pending 409, and nothing is generated."""
    ids = generate_check(ctx, data=data)
    grouping = data.grouping
    with transaction.atomic():
        items = _with_related(_items_locked(ctx.tenant, ids))
        _check_items(ids, {item.pk: item.status for item in items})
        groups: dict[tuple, list[ItemRow]] = defaultdict(list)
        for item in items:
            groups[_group_key(item, grouping)].append(item)
        invoices = [
            draft_build(
                ctx,
                contact=group[0].contact,
                currency=group[0].currency,
                grouping=grouping,
                project=group[0].project if len({i.project_id for i in group}) == 1 else None,
            )
            for group in groups.values()  # in the order of their first item's id
        ]
        Invoice.objects.bulk_create(invoices, batch_size=500)
        fills = [
            DraftFill(invoice, group, group[0].contact, fresh=True)
            for invoice, group in zip(invoices, groups.values(), strict=True)
        ]
        drafts_fill(fills)
        entry_states_sync(entry_ids=[item.entry_id for item in items])
        audit_records(
            ctx,
            action="invoices_generate",
            rows=[(f.invoice, {"grouping": grouping, "items": len(f.items)}) for f in fills],
        )
    return invoices


# --- billing run ------------------------------------------------------------------------------


@dataclass
class BillingRunResult:
    period: str
    drafts_created: int = 0
    drafts_updated: int = 0
    items: int = 0
    net_by_currency: dict[str, Decimal] = field(default_factory=dict)
    invoice_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "drafts_created": self.drafts_created,
            "drafts_updated": self.drafts_updated,
            "items": self.items,
            "net_by_currency": {k: str(v) for k, v in sorted(self.net_by_currency.items())},
            "invoice_ids": self.invoice_ids,
        }


def period_bounds(period: str) -> tuple[dt.date, dt.date]:
    """First and last day of a 'YYYY-MM' period (text from the command line is checked as
    the `BillingRun` input checks it: 400 naming `period`)."""
    period = parse(BillingRun, {"period": period}).period
    year, month = int(period[:4]), int(period[5:7])
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def run_draft_key(*, contact_id: int, project_id: int | None, currency: str, period: str) -> str:
    """The business key of the run's one open draft per customer, project and period (a
    single project has one period: `single`)."""
    return f"run:{contact_id}:{project_id}:{period}:{currency}"


def _open_run_drafts(
    ctx: CommandContext,
    heads: dict[str, tuple[Contact, str, Project | None]],
    bounds: dict[str, tuple[dt.date, dt.date]],
) -> dict[str, tuple[Invoice, bool]]:
    """key -> (the open draft with this key, locked; created now?), for the drafts' (customer,
    currency, project) by key; a new month draft serves the month `bounds` gives for its key.
    Missing drafts are inserted with ON CONFLICT DO NOTHING: a concurrent run that created one
    first wins the unique constraint and this run takes (and waits for) its draft."""

    def locked(keys: list[str]) -> dict[str, Invoice]:
        found: dict[str, Invoice] = {}
        for batch in id_batches(keys):
            drafts = Invoice.objects.select_for_update().filter(
                tenant=ctx.tenant, status=Invoice.Status.DRAFT, draft_key__in=batch
            )
            found.update((draft.draft_key, draft) for draft in drafts.order_by("pk"))
        return found

    keys = sorted(heads)
    found = locked(keys)
    missing = [key for key in keys if key not in found]
    if missing:
        new = []
        for key in missing:
            contact, currency, project = heads[key]
            draft = draft_build(
                ctx,
                contact=contact,
                currency=currency,
                grouping=Invoice.Grouping.RUN,
                project=project,
                draft_key=key,
            )
            if project is None or project.kind == Project.Kind.ONGOING:
                draft.service_period_start, draft.service_period_end = bounds[key]
            new.append(draft)
        Invoice.objects.bulk_create(new, batch_size=500, ignore_conflicts=True)
        found.update(locked(missing))
    created = set(missing)
    return {key: (found[key], key in created) for key in keys}


def _fixed_heads(
    ctx: CommandContext, start: dt.date, end: dt.date, period: str, taken: set[str]
) -> dict[str, tuple[Contact, str, Project | None]]:
    """The month drafts the registered apps want opened without pending items, by key, except
    those the period's items open anyway."""
    heads: dict[str, tuple[Contact, str, Project | None]] = {}
    for wanted in hooks.run_fixed_drafts:
        for contact, currency, project in wanted(ctx, start, end):
            key = run_draft_key(
                contact_id=contact.pk,
                project_id=project.pk if project is not None else None,
                currency=currency,
                period=period,
            )
            if key not in taken:
                heads[key] = (contact, currency, project)
    return heads


@dataclass(frozen=True)
class _EarlierMonth:
    contact: Contact
    currency: str
    project: Project
    start: dt.date
    end: dt.date


def _earlier_months(ctx: CommandContext, start: dt.date, end: dt.date) -> dict[str, _EarlierMonth]:
    """The earlier months of ongoing projects the registered apps want billed again (a retainer
    month reopened by a credit note), by the key of their own month draft."""
    months: dict[str, _EarlierMonth] = {}
    for wanted in hooks.run_earlier_months:
        for contact, currency, project, month_start, month_end in wanted(ctx, start, end):
            if month_start >= start or project.kind != Project.Kind.ONGOING:
                continue  # the run's own month, or no month draft: nothing earlier to bill
            key = run_draft_key(
                contact_id=contact.pk,
                project_id=project.pk,
                currency=currency,
                period=f"{month_start:%Y-%m}",
            )
            months[key] = _EarlierMonth(contact, currency, project, month_start, month_end)
    return months


def billing_run(ctx: CommandContext, *, data: BillingRun) -> BillingRunResult:
    """Put the period's pending items of ongoing projects on the open draft of their customer,
    project and period (created on first use, reused afterwards), the period's items of a
    customer without a project on the customer's open draft of the period, and every pending
    item of a single project that is ready to bill on that project's open draft. Items of
    earlier months that are still pending (`catch_up_filter`: late work, manual items, subscription
    periods) join the period's draft of their customer and project (its service period
    widened), their lines flagged `caught_up`; later items wait for their month.

    Running it again without new items changes nothing; new items join the existing draft
    (a ticket's new work joins its line, keeping a reviewer's correction).
    """
    ctx.require("manage_invoices")
    period = data.period
    start, end = period_bounds(period)
    result = BillingRunResult(period=period)
    with transaction.atomic():
        ongoing = Q(
            project__kind=Project.Kind.ONGOING, service_date__gte=start, service_date__lte=end
        )
        single = Q(project__kind=Project.Kind.SINGLE, project__status=Project.Status.READY_TO_BILL)
        # Items of a customer without a project (a subscription, a manual item) go on the
        # customer's own draft of the period.
        customer = Q(project__isnull=True, service_date__gte=start, service_date__lte=end)
        # Items of earlier months still pending join the period's draft, flagged: no month's
        # run would take them otherwise. Later items wait for their month.
        earlier = catch_up_filter(tenant=ctx.tenant, start=start, end=end)
        # Earlier months an app bills again (a reopened retainer month) get their own month
        # draft back, with the project's pending items of that month.
        earlier_months = _earlier_months(ctx, start, end)
        reopened = Q()
        for month in earlier_months.values():
            reopened |= Q(
                project_id=month.project.pk,
                service_date__gte=month.start,
                service_date__lte=month.end,
            )
        month_keys = {(month.project.pk, month.start): key for key, month in earlier_months.items()}
        # One query locks every item of the run in primary-key order (the order generation
        # locks in too), so a run and a generation racing for items cannot deadlock.
        items = ItemRow.rows(
            BillableItem.objects.select_for_update(of=("self",))
            .filter(
                ongoing | single | customer | earlier | reopened,
                tenant=ctx.tenant,
                status=Item.PENDING,
            )
            .order_by("pk")
        )
        groups: dict[str, list[ItemRow]] = defaultdict(list)
        # The month each draft bills: a single project's draft has none.
        bounds: dict[str, tuple[dt.date, dt.date]] = {}
        for item in _with_related(items):
            single_project = item.project is not None and item.project.kind == Project.Kind.SINGLE
            label = "single" if single_project else period
            key = run_draft_key(
                contact_id=item.contact_id,
                project_id=item.project_id,
                currency=item.currency,
                period=label,
            )
            earlier_key = month_keys.get((item.project_id, item.service_date.replace(day=1)))
            if earlier_key is not None:
                key = earlier_key
            elif not single_project:
                bounds[key] = (start, end)
            groups[key].append(item)
        for key, month in earlier_months.items():
            bounds[key] = (month.start, month.end)
        heads = {
            key: (group[0].contact, group[0].currency, group[0].project)
            for key, group in groups.items()
        }
        fixed = _fixed_heads(ctx, start, end, period, set(heads))
        for key in fixed:
            bounds[key] = (start, end)
        again = {
            key: (month.contact, month.currency, month.project)
            for key, month in earlier_months.items()
            if key not in heads
        }
        drafts = _open_run_drafts(ctx, heads | fixed | again, bounds)
        fills = [
            DraftFill(
                drafts[key][0],
                group,
                group[0].contact,
                fresh=drafts[key][1],
                month_start=bounds[key][0] if key in bounds else None,
            )
            for key, group in sorted(groups.items())
        ]
        drafts_fill(fills)
        # The month drafts of ongoing projects get the apps' lines (a retainer's), also those
        # without items (a retainer's fee alone, a reopened earlier month), earliest month
        # first: a month rebuilt in this run passes its rollover on to the next one.
        month_drafts = [
            (bounds[key], key, drafts[key][0])
            for key, group in groups.items()
            if group[0].project is not None and group[0].project.kind == Project.Kind.ONGOING
        ] + [(bounds[key], key, drafts[key][0]) for key in fixed | again]
        for (month_start, month_end), _key, invoice in sorted(month_drafts, key=lambda d: d[:2]):
            for filled in hooks.run_draft_filled:
                filled(ctx, invoice, period_start=month_start, period_end=month_end)
        for key, (contact, _currency, _project) in sorted((fixed | again).items()):
            invoice, fresh = drafts[key]
            fills.append(DraftFill(invoice, [], contact, fresh=fresh))
        entry_states_sync(entry_ids=[item.entry_id for item in items])
        audit_records(
            ctx,
            action="billing_run",
            rows=[
                (f.invoice, {"period": period, "items": len(f.items), "created": f.fresh})
                for f in fills
            ],
        )
        touched = [fill.invoice for fill in fills]
        result.drafts_created = sum(fill.fresh for fill in fills)
        result.drafts_updated = len(fills) - result.drafts_created
        result.items = sum(len(fill.items) for fill in fills)
    by_currency: dict[str, list[Decimal]] = defaultdict(list)
    for invoice in touched:
        by_currency[invoice.currency].append(invoice.net_total)
        result.invoice_ids.append(invoice.pk)
    result.net_by_currency = {cur: exact_sum(values) for cur, values in by_currency.items()}
    return result
