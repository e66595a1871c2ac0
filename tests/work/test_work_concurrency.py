"""Concurrent requests on real connections: ticket numbers and the one-timer rule hold."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from work_factories import at, make_task

from faktura.common.errors import Conflict
from faktura.common.inputs import parse
from faktura.work import services
from faktura.work.inputs import EntryCreate, TaskCreate
from faktura.work.models import Task, TaskEntry

pytestmark = pytest.mark.django_db(transaction=True)


def _in_parallel(n: int, work) -> list:
    """Run `work(i)` in n threads that start together; each result or exception is returned."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_concurrent_tasks_get_distinct_numbers(ctx):
    project = make_task(ctx).project
    results = _in_parallel(
        6,
        lambda i: services.task_create(
            ctx, data=parse(TaskCreate, dict(project_id=project.pk, title=f"T{i}"))
        ),
    )
    assert all(isinstance(r, Task) for r in results), results
    assert sorted(Task.objects.values_list("number", flat=True)) == list(range(1, 8))


def test_concurrent_timers_of_one_member(ctx):
    task = make_task(ctx)
    results = _in_parallel(
        4,
        lambda i: services.entry_create(
            ctx, data=parse(EntryCreate, dict(task_id=task.pk, started_at=at(2, 9, i)))
        ),
    )
    started = [r for r in results if isinstance(r, TaskEntry)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(started) == 1, results
    assert len(refused) == 3
    assert {r.code for r in refused} == {"timer_running"}
    assert TaskEntry.objects.filter(stopped_at__isnull=True).count() == 1
