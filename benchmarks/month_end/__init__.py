"""The month-end benchmark: compile and draft generation against a raw-SQL floor.

`faktura bench month-end --entries N` builds a synthetic company in the configured database
(default 100,000 entries for about 1,000 customers; deterministic for a seed), then measures in
one run:

1. ``floor_s``: one set-based ``INSERT INTO billing_billableitem ... SELECT ... FROM
   work_taskentry JOIN ...`` that produces the same items from the same rows (line kinds,
   quantities rounded to the company's 15 minutes, price precedence, VAT by tax treatment),
   and ``floor_mark_s``: the ``UPDATE`` that marks those entries compiled. The floor is what
   the database alone needs; it knows nothing of task-day rounding, assignments below the
   company level or warnings, so it is a lower bound, not the same work;
2. the floor's items are deleted and the entries reset (not timed; PostgreSQL is vacuumed);
3. ``compile_s``: `billable_items_compile` over the same entries;
4. ``generate_s``: drafts for every customer (`invoices_generate` with grouping ``contact``,
   at most 10,000 items per call, each customer whole in one call);
5. the synthetic company is deleted (``--keep`` keeps it).

``ratio = compile_s / floor_s``; ``ratio_with_mark`` compares with floor and marking together,
which is the same end state compile reaches. ``peak_rss_mb`` is the process's peak resident
memory over the whole run (``getrusage``), ``rss_start_mb`` what the loaded application
occupies before any of it, and ``compile_peak_rss_mb`` the peak while compile runs (Linux: the
peak is reset before compile through ``/proc/self/clear_refs``; null elsewhere). Building
peaks early: creating the owner hashes a password with Argon2, which takes 64 MB by design.
"""

from __future__ import annotations

import gc
import resource
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import connection

from benchmarks.month_end.floor import measure_floor, reset
from benchmarks.month_end.synthetic import (
    CHUNK,
    Synthetic,
    build,
    cleanup,
    cleanup_leftovers,
)
from faktura.billing.inputs import InvoicesGenerate
from faktura.billing.models import BillableItem
from faktura.billing.services.compile import BATCH_SIZE, billable_items_compile
from faktura.billing.services.generation import invoices_generate

__all__ = ["cleanup_leftovers", "month_end", "peak_rss_mb"]


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MB (Linux reports KB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _reset_peak() -> bool:
    """Start a new peak-memory window (Linux: writing 5 to clear_refs resets VmHWM)."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        return False
    return True


def _window_peak_mb() -> float | None:
    """Peak resident memory since `_reset_peak` (VmHWM), in MB."""
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def measure_compile(data: Synthetic, *, batch_size: int | None = None):
    gc.collect()
    started = time.perf_counter()
    result = billable_items_compile(data.ctx, batch_size=batch_size or BATCH_SIZE)
    return time.perf_counter() - started, result


def measure_generate(data: Synthetic, *, per_call: int = 10_000) -> tuple[float, int]:
    """Seconds to generate one draft per customer from all pending items, and the drafts."""

    by_contact: dict[int, list[int]] = defaultdict(list)
    rows = BillableItem.objects.filter(tenant=data.tenant, status="pending").order_by("pk")
    for contact_id, pk in rows.values_list("contact_id", "pk").iterator(chunk_size=CHUNK):
        by_contact[contact_id].append(pk)
    calls: list[list[int]] = [[]]
    for ids in by_contact.values():
        if calls[-1] and len(calls[-1]) + len(ids) > per_call:
            calls.append([])
        calls[-1].extend(ids)
    del by_contact
    drafts = 0
    started = time.perf_counter()
    for ids in calls:
        if ids:
            drafts += len(
                invoices_generate(
                    data.ctx, data=InvoicesGenerate(billable_item_ids=ids, grouping="contact")
                )
            )
    return time.perf_counter() - started, drafts


def month_end(
    *,
    entries: int = 100_000,
    customers: int = 1_000,
    seed: int = 1,
    batch_size: int | None = None,
    keep: bool = False,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Build, measure floor, compile and generation, clean up; the numbers as a dict."""
    rss_start = peak_rss_mb()
    data = build(entries=entries, customers=customers, seed=seed, log=log)
    rss_built = peak_rss_mb()
    try:
        floor_s, mark_s, floor_items = measure_floor(data)
        log(f"floor: {floor_items} items in {floor_s:.2f} s (+ {mark_s:.2f} s marking)")
        reset(data)
        gc.collect()
        windowed = _reset_peak()
        compile_s, result = measure_compile(data, batch_size=batch_size)
        log(f"compile: {result.created} items in {compile_s:.2f} s")
        compile_peak = _window_peak_mb() if windowed else None
        generate_s, drafts = measure_generate(data)
        log(f"generate: {drafts} drafts in {generate_s:.2f} s")
    finally:
        if not keep:
            cleanup(data)
            log("synthetic company deleted")
    return {
        "database": connection.vendor,
        "entries": data.entries,
        "customers": data.customers,
        "tasks": data.tasks,
        "items": result.created,
        "floor_items": floor_items,
        "compile_s": round(compile_s, 3),
        "floor_s": round(floor_s, 3),
        "floor_mark_s": round(mark_s, 3),
        "ratio": round(compile_s / floor_s, 2) if floor_s else None,
        "ratio_with_mark": round(compile_s / (floor_s + mark_s), 2) if floor_s else None,
        "entries_per_s": round(data.entries / compile_s) if compile_s else None,
        "generate_s": round(generate_s, 3),
        "drafts": drafts,
        "build_s": data.seconds,
        "peak_rss_mb": max(rss_built, peak_rss_mb()),  # resetting the window resets getrusage
        "rss_start_mb": rss_start,
        "rss_after_build_mb": rss_built,
        "compile_peak_rss_mb": compile_peak,
        "batches": result.batches,
        "tenant": data.tenant.slug if keep else None,
    }
