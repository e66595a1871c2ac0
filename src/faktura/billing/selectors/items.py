"""Read queries for billable items, and the reads compile needs (all filtered by tenant).

Compile reads work, catalog and tenancy rows in a few set-based queries per batch and returns
plain tuples, so no per-entry query and no model instance is ever made for them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import NamedTuple

from django.db import connection
from django.db.models import Max, Q, QuerySet

from faktura.billing import hooks
from faktura.billing.models import BillableItem
from faktura.catalog.models import LineKind, PriceList, Product, ProductAssignment
from faktura.common.errors import NotFound, ValidationFailed
from faktura.common.sql import id_in
from faktura.core.money import exact_sum
from faktura.tenancy.models import BillingTrigger, Membership
from faktura.work.models import RUNNING_TIMER, Project, ProjectMember, Task, TaskEntry
from faktura.work.selectors import entries_billable_candidates

# --- billable items ---------------------------------------------------------------------------


def billable_item_list(
    *,
    tenant,
    status: str | None = None,
    contact_id: int | None = None,
    project_id: int | None = None,
    task_id: int | None = None,
    entry_id: int | None = None,
    kind: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[BillableItem]:
    """Items by service date. Filters are optional; an unknown status or kind matches nothing
    (the API refuses those before they get here)."""
    qs = BillableItem.objects.filter(tenant=tenant)
    for field, value in (
        ("status", status),
        ("contact_id", contact_id),
        ("project_id", project_id),
        ("task_id", task_id),
        ("entry_id", entry_id),
        ("kind", kind),
    ):
        if value is not None and value != "":
            qs = qs.filter(**{field: value})
    if date_from is not None:
        qs = qs.filter(service_date__gte=date_from)
    if date_to is not None:
        qs = qs.filter(service_date__lte=date_to)
    return qs.order_by("service_date", "id")


def catch_up_filter(*, tenant, start: dt.date, end: dt.date) -> Q:
    """The pending items of months before `start` that the billing run of the month `start` to
    `end` takes along (with a status filter on pending): a subscription period caught up after
    its month, work logged or approved after its month's run (time, mileage, expenses, goods),
    a manual item of an earlier month, an item whose draft was deleted. Of a customer without a
    project or of an ongoing project: a single project's items wait for its draft once it is
    ready to bill (its `billing_trigger` already decided when its work was compiled). Deferred
    items are not pending, so they stay until restored; an item restored with a date after the
    month's end is left too. Time of the projects an app excludes (`hooks.run_catch_up_excluded`:
    a retainer's, whose months count their own time) is left alone."""
    excluded: set[int] = set()
    for wanted in hooks.run_catch_up_excluded:
        excluded.update(wanted(tenant, start, end))
    earlier = Q(service_date__lt=start) & (
        Q(project__isnull=True) | Q(project__kind=Project.Kind.ONGOING)
    )
    earlier &= Q(deferred_until__isnull=True) | Q(deferred_until__lte=end)
    if excluded:
        earlier &= ~Q(kind=LineKind.TASK_ENTRY, project_id__in=sorted(excluded))
    return earlier


def caught_up_waiting(*, tenant, today: dt.date) -> int:
    """How many pending items of months before today's the next billing run catches up on a
    draft of a later month (`catch_up_filter`), for the review to say so."""
    start = today.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    return BillableItem.objects.filter(
        catch_up_filter(tenant=tenant, start=start, end=end),
        tenant=tenant,
        status=BillableItem.Status.PENDING,
    ).count()


def billable_item_get(*, tenant, item_id: int) -> BillableItem:
    item = BillableItem.objects.filter(tenant=tenant, pk=item_id).first()
    if item is None:
        raise NotFound("Billable item not found.")
    return item


# --- compile: candidates ----------------------------------------------------------------------


class CandidateRow(NamedTuple):
    id: int
    task_id: int
    membership_id: int
    date: dt.date
    kind: str
    transport_minutes: int | None
    product_id: int | None  # goods and expenses: the product the entry names


class EntryRow(NamedTuple):
    """An entry as compile reads it under lock."""

    id: int
    task_id: int
    membership_id: int
    kind: str
    date: dt.date
    duration_seconds: int
    distance_km: Decimal | None
    transport_minutes: int | None
    quantity: Decimal | None
    unit_price: Decimal | None
    description: str
    product_id: int | None


_CANDIDATE_FIELDS = CandidateRow._fields
_ENTRY_FIELDS = EntryRow._fields


def compile_candidates(
    *,
    tenant,
    require_approval: bool,
    entry_ids: Iterable[int] | None = None,
    until: dt.date | None = None,
) -> QuerySet[TaskEntry]:
    """The entries compile may bill now: `work.selectors.entries_billable_candidates`, narrowed
    to `entry_ids` and to work done on or before `until` (for counting them)."""
    qs = entries_billable_candidates(tenant=tenant, require_approval=require_approval)
    if entry_ids is not None:
        qs = qs.filter(pk__in=list(entry_ids))
    if until is not None:
        qs = qs.filter(date__lte=until)
    return qs


def compile_entry_candidates(
    *,
    tenant,
    require_approval: bool,
    entry_ids: Iterable[int] | None = None,
    until: dt.date | None = None,
) -> QuerySet[TaskEntry]:
    """The entry-level half of the candidate rules, on the entry table alone: unbilled, not a
    running timer, approved when required, in `entry_ids`, up to `until`.

    Compile pages through this (one index, no join, no sort: a page costs the same at the
    millionth entry as at the first) and applies the task-level half — billable task with a
    client, time-and-materials project — per batch with `compile_task_is_billable` on the task
    rows it loads anyway. Both halves together are exactly `entries_billable_candidates`
    (a test holds them to it).
    """
    qs = TaskEntry.objects.filter(
        tenant=tenant, billing_state=TaskEntry.BillingState.UNBILLED
    ).exclude(RUNNING_TIMER)
    if require_approval:
        qs = qs.filter(approval_status=TaskEntry.Approval.APPROVED)
    if entry_ids is not None:
        qs = qs.filter(pk__in=list(entry_ids))
    if until is not None:
        qs = qs.filter(date__lte=until)
    return qs


def compile_candidate_page(qs: QuerySet[TaskEntry], *, after_id: int, size: int) -> list:
    """The next `size` entries of `qs` with an id above `after_id`, by id (keyset paging)."""
    rows = qs.filter(pk__gt=after_id).order_by("pk").values_list(*_CANDIDATE_FIELDS)[:size]
    return [CandidateRow(*row) for row in rows]


def compile_task_day_rest(
    qs: QuerySet[TaskEntry], *, task_ids: Iterable[int], dates: Iterable[dt.date], exclude: set
) -> list:
    """Time entries of `qs` on these tasks and days that are not in `exclude` (a superset of
    the wanted task-days: the caller keeps the exact pairs)."""
    rows = (
        qs.filter(id_in("task_id", set(task_ids)), kind=TaskEntry.Kind.TIME, date__in=set(dates))
        .order_by("pk")
        .values_list(*_CANDIDATE_FIELDS)
    )
    return [CandidateRow(*row) for row in rows if row[0] not in exclude]


def compile_lock_entries(*, tenant, entry_ids: Iterable[int], require_approval: bool) -> list:
    """Lock these entries for the caller's transaction and read them, keeping only those
    still unbilled, approved when required, and not a running timer.

    PostgreSQL: ``FOR UPDATE SKIP LOCKED`` in primary-key order, so a concurrent compile never
    waits for, nor takes, an entry this one holds; billing and approval state are checked on
    the locked rows (their latest committed version), here rather than in SQL, so that the
    planner always goes by primary key and never by the (tenant, state) index, which would
    read every unbilled entry of the tenant once per batch. SQLite has no row locks; its
    writers are serialised by the IMMEDIATE transaction the caller runs in, which makes the
    check just as final.
    """
    qs = TaskEntry.objects.filter(id_in("id", entry_ids), tenant=tenant).exclude(RUNNING_TIMER)
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True)
    rows = qs.order_by("pk").values_list(*_ENTRY_FIELDS, "billing_state", "approval_status")
    unbilled, approved = TaskEntry.BillingState.UNBILLED, TaskEntry.Approval.APPROVED
    return [
        EntryRow(*row[:-2])
        for row in rows
        if row[-2] == unbilled and (row[-1] == approved or not require_approval)
    ]


def compile_unknown_entry_ids(*, tenant, entry_ids: list[int]) -> list[int]:
    """The ids in `entry_ids` that are no entry of this tenant."""
    known = set(
        TaskEntry.objects.filter(tenant=tenant, pk__in=entry_ids).values_list("pk", flat=True)
    )
    return [i for i in entry_ids if i not in known]


def compile_entries_with_items(*, entry_ids: Iterable[int]) -> set[int]:
    """Entries among these that already have a live (not released) item."""
    return set(
        BillableItem.objects.filter(entry_id__in=list(entry_ids))
        .exclude(status=BillableItem.Status.RELEASED)
        .values_list("entry_id", flat=True)
    )


# --- compile: what pricing needs --------------------------------------------------------------


class TaskRow(NamedTuple):
    """A task with its project and client, as pricing needs them."""

    id: int
    title: str
    project_id: int
    client_id: int
    product_id: int | None
    price_list_id: int | None
    unit_price: Decimal | None
    unit_code: str | None
    currency: str
    project_rate: Decimal | None
    project_rounding: dict | None
    tax_treatment: str
    client_vat_id: str
    client_price_list_id: int | None
    client_rounding: dict | None
    billable: bool
    billing_model: str
    # What the billing trigger needs (`work.selectors.billing_trigger_allows`).
    status: str = ""
    project_kind: str = ""
    project_status: str = ""
    project_trigger: str | None = None
    tenant_trigger: str = "continuous"


_TASK_FIELDS = (
    "id", "title", "project_id", "client_id", "product_id", "price_list_id", "unit_price",
    "unit__code", "project__currency", "project__hourly_rate", "project__time_rounding",
    "client__tax_treatment", "client__vat_id", "client__price_list_id", "client__time_rounding",
    "billable", "project__billing_model", "status", "project__kind", "project__status",
    "project__billing_trigger", "tenant__billing_trigger",
)  # fmt: skip


def compile_task_is_billable(task: TaskRow) -> bool:
    """The task-level half of the candidate rules (see `compile_entry_candidates`)."""
    return (
        task.billable
        and task.client_id is not None
        and task.billing_model == Project.BillingModel.TIME_AND_MATERIALS
        and _trigger_allows(task)
    )


def _trigger_allows(task: TaskRow) -> bool:
    """`work.selectors.billing_trigger_allows` on a loaded task row."""
    if (task.project_trigger or task.tenant_trigger) == BillingTrigger.CONTINUOUS:
        return True
    if task.project_kind == Project.Kind.SINGLE:
        return task.project_status == Project.Status.READY_TO_BILL
    return task.status == Task.Status.CLOSED


def compile_tasks(*, tenant, task_ids: Iterable[int]) -> dict[int, TaskRow]:
    """Tasks with their project and client columns, in one query."""
    rows = (
        Task.objects.filter(id_in("id", task_ids), tenant=tenant)
        .order_by()
        .values_list(*_TASK_FIELDS)
    )
    return {row[0]: TaskRow(*row) for row in rows}


class MemberRow(NamedTuple):
    id: int
    team_id: int | None
    default_rate: Decimal | None


def compile_members(*, tenant) -> dict[int, MemberRow]:
    """Every membership of the tenant (a company has tens, not millions)."""
    rows = Membership.objects.filter(tenant=tenant).values_list(
        "id", "team_id", "default_billing_rate"
    )
    return {row[0]: MemberRow(*row) for row in rows}


def compile_project_rates(
    *, tenant, project_ids: Iterable[int]
) -> dict[tuple[int, int], Decimal | None]:
    """Members' rates on these projects, keyed by (project_id, membership_id)."""
    rows = ProjectMember.objects.filter(tenant=tenant, project_id__in=list(project_ids))
    return {
        (project_id, membership_id): rate
        for project_id, membership_id, rate in rows.values_list(
            "project_id", "membership_id", "hourly_rate"
        )
    }


class ProductRow(NamedTuple):
    id: int
    name: str
    kind: str
    unit_code: str
    default_price: Decimal | None
    vat_category: str
    vat_rate: Decimal
    auto_created: bool


_PRODUCT_FIELDS = (
    "id", "name", "kind", "unit__code", "default_unit_price", "vat_category", "vat_rate",
    "auto_created",
)  # fmt: skip


def compile_products(*, tenant, product_ids: Iterable[int]) -> dict[int, ProductRow]:
    rows = Product.objects.filter(tenant=tenant, pk__in=list(product_ids))
    return {row[0]: ProductRow(*row) for row in rows.values_list(*_PRODUCT_FIELDS)}


def compile_product_row(product: Product) -> ProductRow:
    """The row of a product already loaded with its unit."""
    return ProductRow(
        product.pk, product.name, product.kind, product.unit.code, product.default_unit_price,
        product.vat_category, product.vat_rate, product.auto_created,
    )  # fmt: skip


def compile_price_lists(*, tenant) -> dict[int, tuple[str, bool]]:
    """Every price list of the tenant: id -> (currency, is_tenant_default)."""
    rows = PriceList.objects.filter(tenant=tenant).values_list(
        "id", "currency", "is_tenant_default"
    )
    return {pk: (currency, is_default) for pk, currency, is_default in rows}


def compile_entry_ids_check(*, tenant, entry_ids: list[int]) -> None:
    """Refuse ids that are no entry of this tenant (naming the field, as every body id)."""
    unknown = compile_unknown_entry_ids(tenant=tenant, entry_ids=entry_ids)
    if unknown:
        raise ValidationFailed.field(
            "entry_ids", f"No such entries: {', '.join(str(i) for i in unknown[:10])}."
        )


def compile_assignments(*, tenant) -> list[ProductAssignment]:
    """Every product assignment of the tenant with its product and unit, in one query."""
    return list(ProductAssignment.objects.filter(tenant=tenant).select_related("product__unit"))


def compile_default_products(*, tenant) -> dict[str, ProductRow]:
    """The company's auto-created default products, by the line kind they were made for."""
    rows = Product.objects.filter(tenant=tenant, auto_created=True)
    return {
        kind: ProductRow(*row)
        for kind, *row in rows.values_list("auto_created_for", *_PRODUCT_FIELDS)
    }


def project_price_sources(*, tenant, project_id: int) -> dict[int, dict]:
    """Per member, the price their latest time on the project was billed at and where that
    price came from (the item's price source): what the project page shows next to the
    member rates, since a price-list price wins over them."""
    items = BillableItem.objects.filter(
        tenant=tenant, project_id=project_id, kind="task_entry", membership_id__isnull=False
    )
    latest = items.values("membership_id").annotate(last=Max("id")).values_list("last", flat=True)
    return {
        membership_id: {"unit_price": unit_price, "source": source}
        for membership_id, unit_price, source in BillableItem.objects.filter(
            id__in=list(latest)
        ).values_list("membership_id", "unit_price", "price_source")
    }


def pending_item_totals(*, tenant) -> list[dict]:
    """Compiled, not yet invoiced work per currency: how many pending items and their amount,
    summed exactly (the start page's "unbilled value")."""
    amounts: dict[str, list[Decimal]] = {}
    rows = BillableItem.objects.filter(tenant=tenant, status="pending").values_list(
        "currency", "amount"
    )
    for currency, amount in rows.iterator():
        amounts.setdefault(currency, []).append(amount)
    return [
        {"currency": currency, "count": len(values), "amount": exact_sum(values)}
        for currency, values in sorted(amounts.items())
    ]
