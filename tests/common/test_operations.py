"""Operations: a queued task is picked up by a real worker process and reports back."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from faktura.common.context import CommandContext
from faktura.common.models import Operation
from faktura.common.services import operation_run, operation_start

sys.path.insert(0, str(Path(__file__).parent))
from worker_tasks import echo_operation

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    host = s.get("HOST") or "127.0.0.1"
    port = s.get("PORT") or 5432
    return f"postgres://{s.get('USER') or 'postgres'}@{host}:{port}/{s['NAME']}"


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
