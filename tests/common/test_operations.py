"""Operations: a queued task is picked up by a real worker process and reports back."""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from faktura.common.context import CommandContext
from faktura.common.models import AuditEvent, Operation
from faktura.common.services import operation_run, operation_start, operations_expire

sys.path.insert(0, str(Path(__file__).parent))
from worker_tasks import echo_operation, slow_operation

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    host = s.get("HOST") or "127.0.0.1"
    port = s.get("PORT") or 5432
    return f"postgres://{s.get('USER') or 'postgres'}@{host}:{port}/{s['NAME']}"


@pytest.mark.slow  # a smoke test of real processes (pytest --durations)
@pytest.mark.django_db(transaction=True)
def test_queued_task_runs_in_a_real_worker_process(owner, api):
    # given: an operation queued through the database backend
    ctx = CommandContext(tenant=owner.tenant, membership=owner, user=owner.user)
    op = operation_start(ctx, kind="echo", task=echo_operation, params={"echo": "hello"})
    assert Operation.objects.get(pk=op.pk).status == "queued"
    assert api.get(f"operations/{op.pk}").json()["status"] == "queued"

    # when: a worker process runs what is queued
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), str(ROOT / "src")]),
        "FAKTURA_TASKS": "db",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "faktura.cli", "worker", "--batch"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr

    # then: it ran there, not here, and the operation shows the result
    body = api.get(f"operations/{op.pk}").json()
    assert body["status"] == "succeeded", body
    assert body["progress"] == 100
    assert body["result"]["echo"] == "hello"
    assert body["result"]["pid"] != os.getpid()


@pytest.mark.django_db(transaction=True)
def test_a_duplicate_delivery_runs_the_work_once(owner):
    ctx = CommandContext(tenant=owner.tenant, membership=owner, user=owner.user)
    op = operation_start(ctx, kind="echo", task=echo_operation, params={})
    calls = []
    operation_run(str(op.pk), lambda o: calls.append(o.pk) or {"n": 1})
    operation_run(str(op.pk), lambda o: calls.append(o.pk) or {"n": 2})
    assert calls == [op.pk]
    assert Operation.objects.get(pk=op.pk).result == {"n": 1}


@pytest.mark.django_db(transaction=True)
def test_a_failing_operation_records_its_error(owner):
    ctx = CommandContext(tenant=owner.tenant, membership=owner, user=owner.user)
    op = operation_start(ctx, kind="echo", task=echo_operation, params={})

    def boom(_):
        raise ValueError("disk full")

    operation_run(str(op.pk), boom)
    op.refresh_from_db()
    assert op.status == "failed"
    assert op.error["code"] == "internal_error"
    assert "disk full" in op.error["message"]


def test_other_tenants_operation_is_404(db, owner, other_api):
    ctx = CommandContext(tenant=owner.tenant, membership=owner, user=owner.user)
    op = Operation.objects.create(tenant=ctx.tenant, kind="echo")
    assert other_api.get(f"operations/{op.pk}").status_code == 404


def _worker_env(**extra) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), str(ROOT / "src")]),
        "FAKTURA_TASKS": "db",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def _wait_for(predicate, timeout: float = 60.0, step: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("timed out waiting")


@pytest.mark.slow  # a smoke test of real processes (pytest --durations)
@pytest.mark.django_db(transaction=True)
def test_an_operation_whose_worker_is_killed_ends_failed_interrupted(owner, api):
    """Issue 10: after kill -9 of the worker, the operation answered `running` forever."""
    # given: a worker process running a long operation with a short lease
    ctx = CommandContext(tenant=owner.tenant, membership=owner, user=owner.user)
    op = operation_start(ctx, kind="echo", task=slow_operation, params={"seconds": 120})
    worker = subprocess.Popen(
        [sys.executable, "-m", "faktura.cli", "worker"],
        env=_worker_env(FAKTURA_OPERATION_LEASE_SECONDS="1"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(lambda: Operation.objects.get(pk=op.pk).status == "running")
        first = Operation.objects.get(pk=op.pk).lease_until
        # the heartbeat renews the lease while the worker lives
        _wait_for(lambda: Operation.objects.get(pk=op.pk).lease_until > first, timeout=10)
        assert api.get(f"operations/{op.pk}").json()["status"] == "running"

        # when: the worker is killed mid-operation
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()

    # then: once the lease has run out, the operation reads failed, interrupted
    time.sleep(1.5)
    body = api.get(f"operations/{op.pk}").json()
    assert body["status"] == "failed", body
    assert body["error"]["code"] == "interrupted"
    assert "stopped" in body["error"]["message"]
    assert AuditEvent.objects.filter(action="operation_expire", object_id=str(op.pk)).exists()


@pytest.mark.slow  # a smoke test of real processes (pytest --durations)
@pytest.mark.django_db(transaction=True)
def test_a_worker_sweeps_operations_whose_lease_ran_out(owner):
    # given: an operation a dead worker left running, one that is still alive, one queued
    past = timezone.now() - dt.timedelta(minutes=5)
    future = timezone.now() + dt.timedelta(minutes=5)
    dead = Operation.objects.create(
        tenant=owner.tenant, kind="echo", status="running", lease_until=past
    )
    alive = Operation.objects.create(
        tenant=owner.tenant, kind="echo", status="running", lease_until=future
    )
    queued = Operation.objects.create(tenant=owner.tenant, kind="echo")

    # when: a worker starts (its sweeper settles expired leases right away)
    proc = subprocess.run(
        [sys.executable, "-m", "faktura.cli", "worker", "--batch"],
        env=_worker_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr

    # then
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == "failed" and dead.error["code"] == "interrupted"
    assert alive.status == "running"
    assert Operation.objects.get(pk=queued.pk).status == "queued"


def test_expiring_settles_only_expired_running_operations(db, owner):
    past = timezone.now() - dt.timedelta(seconds=1)
    dead = Operation.objects.create(
        tenant=owner.tenant, kind="echo", status="running", lease_until=past
    )
    done = Operation.objects.create(
        tenant=owner.tenant, kind="echo", status="succeeded", lease_until=past
    )

    assert operations_expire() == 1
    assert operations_expire() == 0

    dead.refresh_from_db()
    assert dead.status == "failed" and dead.finished_at is not None
    assert Operation.objects.get(pk=done.pk).status == "succeeded"


def test_the_ui_shows_an_interrupted_operation(db, owner):
    from django.test import Client
    from django.urls import reverse

    op = Operation.objects.create(
        tenant=owner.tenant,
        kind="billing_run",
        status="running",
        lease_until=timezone.now() - dt.timedelta(seconds=1),
    )
    client = Client()
    client.force_login(owner.user)

    response = client.get(reverse("web:billing_operation", args=[op.pk]))

    assert response.status_code == 200
    assert b'data-status="failed"' in response.content
    assert b"the worker running it stopped" in response.content


@pytest.mark.parametrize("role", ["member", "approver"])
def test_a_role_without_invoices_cannot_read_a_billing_run(db, owner, api, api_as, role):
    """Issue 10: a member read a billing run's invoice amounts (`net_by_currency`)."""
    op = Operation.objects.create(
        tenant=owner.tenant,
        kind="billing_run",
        status="succeeded",
        result={"period": "2026-03", "net_by_currency": {"EUR": "12345.00"}},
    )

    response = api_as(role).get(f"operations/{op.pk}")

    assert response.status_code == 404
    assert "12345" not in response.content.decode()
    assert api_as("billing").get(f"operations/{op.pk}").json()["result"]["net_by_currency"]
    assert api.get(f"operations/{op.pk}").status_code == 200
