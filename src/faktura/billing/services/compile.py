"""Compile: billable work entries become priced billable items.

Candidates (`work.selectors.entries_billable_candidates`): unbilled entries that are stopped
time entries or mileage, expenses and goods, approved when the company requires approval, on
billable tasks with a client, in time-and-materials projects; optionally only some entry ids
and only work done on or before a date.

Each entry becomes items by line kind, each with a quantity:

- time -> ``task_entry``: hours after the time-rounding rule (`compile_rounding`: the
  company's, overridden by the customer's, then the project's); level ``entry`` rounds each entry,
  level ``task_day`` rounds a ticket's entries of one day together (``core.time_rounding``);
  ``logged_seconds`` keeps the logged time;
- mileage -> ``transport_distance`` (km) and, with transport minutes, ``transport_time``
  (``core.time_rounding.travel_hours``: the minutes on a 3-minute grid, exact in hours with
  two decimals; the work-time rounding policy does not apply); ``logged_seconds`` keeps the
  logged minutes;
- expense -> ``expense``, goods -> ``goods``: the entry's quantity.

Product, unit price, unit and VAT: see `billing.services.pricing`. Amount =
``core.invoice_math.line_net(quantity, unit_price)``; currency = the project's.

Batches. Candidates are read by id in pages of `BATCH_SIZE` (keyset paging over the entry
table alone, so a run over a million entries never holds more than one page and each page
costs the same); the task-level rules are checked on the page's tasks, read in one query with
their project and customer. A page is completed with the rest of the task-days a ``task_day``
rule rounds together, so batch boundaries fall only between task-days. Everything a batch
needs (tasks, assignments, price lists, member rates, products) comes in a handful of queries
per batch, never one per entry; items are written as rows (`compile_insert`).

Idempotency and concurrency. Each batch is ONE transaction that locks its entries
(PostgreSQL: ``SKIP LOCKED`` in primary-key order, so concurrent runs share the work instead of
waiting; SQLite: the IMMEDIATE transaction serialises writers), re-checks that they are still
unbilled, inserts the items and marks the entries ``compiled``. The unique index on (entry,
line kind) is the last guard: a batch that hits it rolls back and is retried once, repairing
entries whose state disagrees with their items. So a rerun creates nothing, two runs at once
bill nothing twice, and a run killed half-way leaves committed batches complete and the rest
unbilled for the next run. A task-day partly held by a concurrent run is left for later
rather than rounded in halves.

Compile sets ``billing_state = compiled`` with one bulk UPDATE instead of `entry_states_sync`:
it only ever creates *pending* items for entries that had no live item, and pending maps to
``compiled`` (see `billing.states`), so the derived state is known without reading the items.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from faktura.billing.inputs import ItemsCompile
from faktura.billing.models import BillableItem
from faktura.billing.selectors.items import (
    CandidateRow,
    EntryRow,
    TaskRow,
    compile_candidate_page,
    compile_candidates,
    compile_entries_with_items,
    compile_entry_candidates,
    compile_entry_ids_check,
    compile_lock_entries,
    compile_task_day_rest,
    compile_task_is_billable,
    compile_tasks,
)
from faktura.billing.services.compile_insert import (
    insert_rows,
    mark_entries_compiled,
    warnings_json,
)
from faktura.billing.services.compile_rounding import RoundingPolicies
from faktura.billing.services.pricing import LineTerms, Pricing
from faktura.billing.states import entry_states_sync
from faktura.catalog.models import LineKind
from faktura.common.context import CommandContext
from faktura.common.services import audit_record
from faktura.core.invoice_math import line_net
from faktura.core.money import quantize_quantity
from faktura.core.time_rounding import (
    RoundingPolicy,
    billable_seconds,
    round_entries,
    seconds_to_hours,
    travel_hours,
)
from faktura.work.models import TaskEntry

COMPILE_OPERATION = "billable_items_compile"  # the kind of its Operation

log = logging.getLogger(__name__)

BATCH_SIZE = 5_000  # entries per transaction

Kind = TaskEntry.Kind
ItemStatus = BillableItem.Status


@dataclass
class CompileResult:
    """What a compile run did. `warnings` counts items per warning code."""

    entries: int = 0  # entries compiled
    created: int = 0  # items created
    skipped: int = 0  # entries asked for or seen as candidates but not compiled by this run
    batches: int = 0  # committed batches
    repaired: int = 0  # entries whose billing state disagreed with their items (re-synced)
    kinds: Counter = field(default_factory=Counter)  # items per line kind
    warnings: Counter = field(default_factory=Counter)  # items per warning code

    def as_dict(self) -> dict[str, Any]:
        return {
            "entries": self.entries,
            "created": self.created,
            "skipped": self.skipped,
            "batches": self.batches,
            "repaired": self.repaired,
            "kinds": {str(kind): n for kind, n in sorted(self.kinds.items())},
            "warnings": {str(code): n for code, n in sorted(self.warnings.items())},
        }


def _checked_ids(ctx: CommandContext, data: ItemsCompile) -> list[int] | None:
    """The entry ids of the request, each an entry of this company (400 naming `entry_ids`)."""
    if data.entry_ids:
        compile_entry_ids_check(tenant=ctx.tenant, entry_ids=data.entry_ids)
    return data.entry_ids


# --- the run ---------------------------------------------------------------------------------


_EVERYTHING = ItemsCompile()  # every candidate, whenever its work was done


def billable_items_compile(
    ctx: CommandContext,
    *,
    data: ItemsCompile = _EVERYTHING,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int, int], None] | None = None,
) -> CompileResult:
    """Compile the candidates (all, or `data.entry_ids`, work up to `data.until`) into
    pending items.

    Every batch commits on its own (see the module docstring); one audit row records the run,
    also when it fails. `progress(done, total)` is called after each batch when given.
    """
    ctx.require("manage_invoices")
    ids = _checked_ids(ctx, data)
    if batch_size < 1:
        raise ValueError("batch_size must be positive")
    run = _Run(ctx, entry_ids=ids, until=data.until, batch_size=batch_size)
    failed = True
    try:
        if ids != []:
            run.execute(progress)
        failed = False
    finally:
        run.finish(failed=failed)
    return run.result


class _Run:
    def __init__(self, ctx: CommandContext, *, entry_ids, until, batch_size: int) -> None:
        self.ctx = ctx
        self.tenant = ctx.tenant
        self.entry_ids = entry_ids
        self.until = until
        self.batch_size = batch_size
        self.require_approval = bool(self.tenant.require_approval)
        scope = {
            "tenant": self.tenant,
            "require_approval": self.require_approval,
            "entry_ids": entry_ids,
            "until": until,
        }
        self.candidates = compile_entry_candidates(**scope)
        self.counted = compile_candidates(**scope)
        self.result = CompileResult()
        self.pricing: Pricing | None = None
        self.policies = RoundingPolicies(self.tenant)
        self.passed_over: set[int] = set()
        self.seen: set[int] = set()  # only tracked when entry ids were given (bounded)
        self._amounts: dict[tuple, Any] = {}  # line_net per (quantity, price, places)
        self._hours: dict[int, Any] = {}  # seconds_to_hours per billed seconds

    def execute(self, progress: Callable[[int, int], None] | None) -> None:
        total = self.counted.count() if progress else 0
        self.pricing = Pricing(self.tenant)
        after = 0
        while True:
            page = compile_candidate_page(self.candidates, after_id=after, size=self.batch_size)
            if not page:
                break
            after = page[-1].id
            self._batch(page)
            if progress:
                progress(self.result.entries + len(self.passed_over), total)
            if len(page) < self.batch_size:
                break

    def finish(self, *, failed: bool) -> None:
        result = self.result
        if self.entry_ids is not None:
            self.passed_over |= set(self.entry_ids) - self.seen
        result.skipped = len(self.passed_over)
        data = {
            **result.as_dict(),
            "until": self.until.isoformat() if self.until else None,
            "entry_ids": len(self.entry_ids) if self.entry_ids is not None else None,
        }
        if failed:
            data["failed"] = True
        try:
            with transaction.atomic():
                audit_record(
                    self.ctx, action="billable_items_compile", object_type="billable_item",
                    data=data,
                )  # fmt: skip
        except Exception:
            if not failed:
                raise
            log.exception("could not record the failed compile run")

    # -- one batch ----------------------------------------------------------------------------

    def _batch(self, page: list[CandidateRow]) -> None:
        assert self.pricing is not None
        tasks = compile_tasks(tenant=self.tenant, task_ids={row.task_id for row in page})
        tasks = {pk: task for pk, task in tasks.items() if compile_task_is_billable(task)}
        page = [row for row in page if row.task_id in tasks]
        if not page:
            return
        page = self._complete_task_days(page, tasks)
        if self.entry_ids is not None:
            self.seen.update(row.id for row in page)
        self.pricing.start_batch()
        self.pricing.prepare(
            tasks.values(),
            {row.membership_id for row in page},
            {row.product_id for row in page if row.product_id},
        )
        # Resolve products (and make default products) before the transaction: a batch that
        # rolls back must not take a default product with it.
        for row in page:
            for kind in _line_kinds(row.kind, row.transport_minutes):
                self.pricing.terms(tasks[row.task_id], row.membership_id, kind, row.product_id)
        for attempt in (1, 2):
            try:
                with transaction.atomic():
                    self._write(page, tasks, repair=attempt > 1)
                return
            except IntegrityError:
                # Another run billed some of these entries between our check and insert, or
                # an entry's state disagrees with its items: retry once, repairing those.
                log.warning("compile batch conflict (attempt %s)", attempt, exc_info=True)
                self.pricing.forget_defaults()
        self.passed_over.update(row.id for row in page)

    def _complete_task_days(
        self, page: list[CandidateRow], tasks: dict[int, TaskRow]
    ) -> list[CandidateRow]:
        """Add the other candidates of the task-days a ``task_day`` policy rounds together."""
        wanted = {
            (row.task_id, row.date)
            for row in page
            if row.kind == Kind.TIME
            and self.policies.for_task(tasks[row.task_id])[0].level == "task_day"
        }
        if not wanted:
            return page
        rest = compile_task_day_rest(
            self.candidates,
            task_ids={task_id for task_id, _ in wanted},
            dates={day for _, day in wanted},
            exclude={row.id for row in page},
        )
        rest = [row for row in rest if (row.task_id, row.date) in wanted]
        return page + rest

    def _write(self, page: list[CandidateRow], tasks: dict[int, TaskRow], *, repair: bool):
        assert self.pricing is not None
        locked = compile_lock_entries(
            tenant=self.tenant,
            entry_ids=[row.id for row in page],
            require_approval=self.require_approval,
        )
        # An entry edited since the page was read (only drafts can be, when the company does
        # not require approval) onto another ticket waits for the next run.
        locked = [entry for entry in locked if entry.task_id in tasks]
        locked_ids = {entry.id for entry in locked}
        stale: set[int] = set()
        if repair:
            stale = compile_entries_with_items(entry_ids=locked_ids)
            if stale:
                entry_states_sync(entry_ids=stale)
                locked = [entry for entry in locked if entry.id not in stale]
                locked_ids -= stale
        hours, dropped = self._time_quantities(page, locked, locked_ids, tasks)
        if dropped:
            locked = [entry for entry in locked if entry.id not in dropped]
        locked.sort(key=lambda e: (e.task_id, e.date, e.id))
        items, kinds, warnings = self._items(locked, tasks, hours)
        if items:
            _insert_items(items)
            compiled = [entry.id for entry in locked]
            marked = mark_entries_compiled(tenant=self.tenant, entry_ids=compiled)
            if marked != len(compiled):
                raise IntegrityError("entries changed state during compile")
        # Counted only once the transaction is sure to commit (nothing raises after here).
        self.result.batches += 1
        self.result.repaired += len(stale)
        self.result.entries += len(locked)
        self.result.created += len(items)
        self.result.kinds.update(kinds)
        self.result.warnings.update(warnings)
        done = {entry.id for entry in locked}
        self.passed_over.update(row.id for row in page if row.id not in done)
        self.passed_over -= done

    def _time_quantities(self, page, locked, locked_ids, tasks):
        """Billed hours per time entry, and the entries left for a later run because part of
        their task-day is held by a concurrent compile (rounding it in halves would bill a
        different total)."""
        groups: dict[tuple[int, dt.date], list[int]] = defaultdict(list)
        for row in page:
            if row.kind == Kind.TIME:
                groups[(row.task_id, row.date)].append(row.id)
        by_policy: dict[RoundingPolicy, list[tuple[int, tuple, int]]] = defaultdict(list)
        dropped: set[int] = set()
        policy_of: dict[int, RoundingPolicy] = {}
        for entry in locked:
            if entry.kind != Kind.TIME:
                continue
            policy = policy_of.get(entry.task_id)
            if policy is None:
                policy = policy_of[entry.task_id] = self.policies.for_task(tasks[entry.task_id])[0]
            group = (entry.task_id, entry.date)
            if policy.level == "task_day" and not locked_ids.issuperset(groups[group]):
                dropped.add(entry.id)
                continue
            by_policy[policy].append((entry.id, group, entry.duration_seconds))
        hours: dict[int, Any] = {}
        for policy, rows in by_policy.items():
            if policy.level == "task_day":
                hours.update(round_entries(rows, policy))
                continue
            # Level "entry" is billable_hours per entry; few billed durations exist (multiples
            # of the increment), so each is converted to hours once.
            to_hours = self._hours
            for entry_id, _group, seconds in rows:
                billed = billable_seconds(seconds, policy)
                value = to_hours.get(billed)
                if value is None:
                    value = to_hours[billed] = seconds_to_hours(billed)
                hours[entry_id] = value
        return hours, dropped

    def _items(self, entries: list[EntryRow], tasks: dict[int, TaskRow], hours):
        """The item rows of these entries (`compile_insert.COLUMNS` order), with counts per
        line kind and per warning code. Per item this is dictionary look-ups and one amount:
        everything an item shares with others of its task, member and kind is in its terms."""
        assert self.pricing is not None
        terms_of = self.pricing.terms
        policy_of = self.policies.for_task
        amount_of = self._amounts
        kinds: Counter = Counter()
        warnings: Counter = Counter()
        rows: list[tuple] = []
        tenant_id = self.tenant.pk
        pending = ItemStatus.PENDING.value
        for entry in entries:
            task = tasks[entry.task_id]
            for kind, quantity, seconds in _quantities(entry, hours):
                terms: LineTerms = terms_of(task, entry.membership_id, kind, entry.product_id)
                found = terms.warnings
                price, source, found_json = terms.unit_price, terms.price_source, None
                if entry.unit_price is not None:
                    price, source, found = terms.with_entry_price(entry.unit_price)
                if kind == LineKind.TASK_ENTRY:
                    extra = policy_of(task)[1]
                    if extra:
                        found = found + extra
                if found is terms.warnings:
                    found_json = terms.warnings_json
                else:
                    found_json = warnings_json(found)
                key = (quantity, price, terms.places)
                amount = amount_of.get(key)
                if amount is None:
                    if len(amount_of) > 100_000:
                        amount_of.clear()
                    amount = amount_of[key] = line_net(quantity, price, terms.places)
                rows.append(
                    (
                        tenant_id, kind, pending, entry.id, task.id, task.project_id,
                        task.client_id, entry.membership_id, terms.product_id,
                        terms.product_name, entry.description, terms.unit, seconds, quantity,
                        price, amount, terms.currency, source, found_json, terms.vat_category,
                        terms.vat_rate, entry.date,
                    )
                )  # fmt: skip
                kinds[kind] += 1
                for problem in found:
                    warnings[problem["code"]] += 1
        return rows, kinds, warnings


def _line_kinds(entry_kind: str, transport_minutes: int | None) -> tuple[str, ...]:
    if entry_kind == Kind.TIME:
        return (LineKind.TASK_ENTRY,)
    if entry_kind == Kind.MILEAGE:
        if transport_minutes:
            return (LineKind.TRANSPORT_DISTANCE, LineKind.TRANSPORT_TIME)
        return (LineKind.TRANSPORT_DISTANCE,)
    return (LineKind.EXPENSE,) if entry_kind == Kind.EXPENSE else (LineKind.GOODS,)


def _quantities(entry: EntryRow, hours: dict[int, Any]):
    """(line kind, quantity, logged seconds) of each item an entry becomes."""
    if entry.kind == Kind.TIME:
        return ((LineKind.TASK_ENTRY, hours[entry.id], entry.duration_seconds),)
    if entry.kind == Kind.MILEAGE:
        distance = quantize_quantity(entry.distance_km or 0)
        lines = [(LineKind.TRANSPORT_DISTANCE, distance, None)]
        if entry.transport_minutes:
            minutes = entry.transport_minutes
            lines.append((LineKind.TRANSPORT_TIME, travel_hours(minutes), minutes * 60))
        return lines
    kind = LineKind.EXPENSE if entry.kind == Kind.EXPENSE else LineKind.GOODS
    return ((kind, quantize_quantity(entry.quantity or 0), None),)


def _insert_items(rows: list[tuple]) -> None:
    """Insert a batch's item rows (a seam the crash tests break on purpose)."""
    insert_rows(rows, now=timezone.now())


def compile_params(ctx: CommandContext, *, data: ItemsCompile) -> dict[str, Any]:
    """Check a compile request now (400 for an id of no entry of this company, 403 for the
    role) and return the parameters its operation stores (the input as JSON)."""
    ctx.require("manage_invoices")
    _checked_ids(ctx, data)
    return data.model_dump(mode="json", exclude_none=True)
