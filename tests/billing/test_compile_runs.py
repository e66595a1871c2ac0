"""Compile runs: a crash half-way, concurrent runs, repairs, and a bounded number of queries."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from faktura.billing.inputs import ItemsCompile
from faktura.billing.models import BillableItem
from faktura.billing.services import compile as compile_service
from faktura.billing.services.compile import billable_items_compile
from faktura.common.models import AuditEvent
from faktura.work.models import TaskEntry


def _states(ids) -> Counter:
    return Counter(TaskEntry.objects.filter(pk__in=ids).values_list("billing_state", flat=True))


@pytest.mark.django_db(transaction=True)
def test_a_crash_in_the_second_batch_keeps_the_first_and_a_rerun_completes(
    compile_kit, monkeypatch
):
    kit = compile_kit
    project = kit.project(time_rounding={"level": "task_day"})
    task = kit.task(project)
    ids = [kit.time(task, day=day, minutes=20).pk for day in (2, 3, 4, 5, 6)]
    real_insert, calls = compile_service._insert_items, []

    def crash_on_second(items):
        calls.append(len(items))
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        real_insert(items)

    monkeypatch.setattr(compile_service, "_insert_items", crash_on_second)

    # when: the run dies in its second batch
    with pytest.raises(RuntimeError, match="worker killed"):
        billable_items_compile(kit.ctx, batch_size=2)

    # then: the first batch is complete, the rest untouched
    assert _states(ids) == Counter({"compiled": 2, "unbilled": 3})
    compiled = set(TaskEntry.objects.filter(pk__in=ids, billing_state="compiled").values_list(
        "pk", flat=True))  # fmt: skip
    assert set(BillableItem.objects.values_list("entry_id", flat=True)) == compiled
    failed_run = AuditEvent.objects.get(action="billable_items_compile")
    assert failed_run.data["failed"] is True
    assert failed_run.data["created"] == 2

    # and: a rerun bills exactly the rest
    monkeypatch.setattr(compile_service, "_insert_items", real_insert)
    result = billable_items_compile(kit.ctx, batch_size=2)
    assert (result.entries, result.created) == (3, 3)
    assert _states(ids) == Counter({"compiled": 5})
    assert BillableItem.objects.count() == 5


@pytest.mark.django_db
def test_an_entry_whose_state_lost_its_item_is_repaired_not_billed_twice(compile_kit):
    kit = compile_kit
    task = kit.task()
    stale = kit.time(task, day=2)
    fresh = kit.time(task, day=3)
    billable_items_compile(kit.ctx, data=ItemsCompile(entry_ids=[stale.pk]))
    # the entry says unbilled although its pending item exists (e.g. a manual fix gone wrong)
    TaskEntry.objects.filter(pk=stale.pk).update(billing_state="unbilled")

    result = billable_items_compile(kit.ctx)

    assert (result.entries, result.created, result.repaired) == (1, 1, 1)
    assert BillableItem.objects.filter(entry=stale).count() == 1
    assert _states([stale.pk, fresh.pk]) == Counter({"compiled": 2})


def _mixed_work(kit, members, tasks_count: int, per_task: int) -> None:
    """Time, mileage, expenses and goods of several members on several tasks and projects."""
    for n in range(tasks_count):
        project = kit.project(hourly_rate=None) if n % 3 == 0 else None
        task = kit.task(project, title=f"Ticket {n}")
        for m in range(per_task):
            member = members[(n + m) % len(members)]
            if m % 4 == 0:
                kit.mileage(task, "12", 30, member=member)
            elif m % 4 == 1:
                kit.expense(task, "1", "9.50", member=member)
            else:
                kit.time(task, day=2 + m % 5, hour=8 + m, minutes=25, member=member)


@pytest.mark.django_db
def test_the_number_of_queries_does_not_grow_with_the_number_of_entries(compile_kit, make_member):
    kit = compile_kit
    members = [kit.owner, make_member("billing"), make_member("approver")]
    _mixed_work(kit, members, tasks_count=10, per_task=5)  # 50 entries
    billable_items_compile(kit.ctx)  # first run makes the default products
    _mixed_work(kit, members, tasks_count=10, per_task=5)
    with CaptureQueriesContext(connection) as small:
        small_result = billable_items_compile(kit.ctx)
    _mixed_work(kit, members, tasks_count=40, per_task=5)  # 200 entries
    with CaptureQueriesContext(connection) as large:
        large_result = billable_items_compile(kit.ctx)

    assert (small_result.entries, large_result.entries) == (50, 200)
    assert large_result.created > small_result.created
    assert len(large.captured_queries) == len(small.captured_queries)
    assert len(large.captured_queries) <= 20


def _compile_in_thread(kit, barrier, results, errors) -> None:
    try:
        barrier.wait(timeout=30)
        results.append(billable_items_compile(kit.ctx, batch_size=50))
    except Exception as exc:  # reported by the test
        errors.append(exc)
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_bill_each_entry_exactly_once(compile_kit):
    if connection.vendor != "postgresql":
        pytest.skip("row locks with SKIP LOCKED need PostgreSQL; SQLite runs one writer at a time")
    kit = compile_kit
    tasks = [kit.task(title=f"Ticket {n}") for n in range(10)]
    ids = []
    for task in tasks:
        ids += kit.bulk_time(task, 50, seconds=1500)
    barrier, results, errors = threading.Barrier(2), [], []
    threads = [
        threading.Thread(target=_compile_in_thread, args=(kit, barrier, results, errors))
        for _ in range(2)
    ]

    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert len(ids) == 500
    per_entry = Counter(BillableItem.objects.values_list("entry_id", "kind"))
    assert len(per_entry) == 500 and set(per_entry.values()) == {1}
    assert sum(r.entries for r in results) == 500
    assert sum(r.created for r in results) == 500
    assert _states(ids) == Counter({"compiled": 500})
