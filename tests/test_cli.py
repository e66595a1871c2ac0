"""The `faktura` command line: init, token create, demo, serve."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from faktura.contacts.models import Contact
from faktura.tenancy.models import ApiToken, Membership, Tenant
from faktura.work.models import Project, TaskEntry


def test_init_creates_tenant_and_owner(db, capsys):
    call_command("init", tenant="Beta GmbH", email="Boss@Beta.test", password="long-enough-1")
    tenant = Tenant.objects.get(name="Beta GmbH")
    membership = Membership.objects.get(tenant=tenant)
    assert membership.role == "owner"
    assert membership.user.check_password("long-enough-1")
    assert "Beta GmbH" in capsys.readouterr().out
    # a second tenant for the same owner
    call_command("init", tenant="Beta Services", email="boss@beta.test", password="x")
    assert Membership.objects.filter(user=membership.user).count() == 2


def test_init_rejects_bad_input(db):
    with pytest.raises(CommandError, match="8 characters"):
        call_command("init", tenant="Gamma", email="g@gamma.test", password="short")
    with pytest.raises(CommandError, match="e-mail"):
        call_command("init", tenant="Gamma", email="nope", password="long-enough-1")
    assert not Tenant.objects.filter(name="Gamma").exists()


def test_token_create_prints_a_working_token(owner, capsys, anon_api):
    call_command("token", "create", email=owner.user.email)
    raw = capsys.readouterr().out.strip()
    assert ApiToken.objects.filter(membership=owner).count() == 1
    anon_api.token = raw
    assert anon_api.get("tenant").json()["name"] == owner.tenant.name


def test_token_create_for_unknown_user_fails(db):
    with pytest.raises(CommandError, match="No active membership"):
        call_command("token", "create", email="ghost@nowhere.test")


def test_demo_is_idempotent_and_realistic(db, capsys):
    call_command("demo")
    out = capsys.readouterr().out
    assert "demo@faktura.test" in out and "API token: fk_" in out
    tenant = Tenant.objects.get(slug="demo")
    counts = (
        Contact.objects.filter(tenant=tenant).count(),
        Project.objects.filter(tenant=tenant).count(),
        TaskEntry.objects.filter(tenant=tenant).count(),
    )
    call_command("demo")
    assert counts == (
        Contact.objects.filter(tenant=tenant).count(),
        Project.objects.filter(tenant=tenant).count(),
        TaskEntry.objects.filter(tenant=tenant).count(),
    )
    contacts = Contact.objects.filter(tenant=tenant)
    assert 8 <= contacts.count() <= 15
    assert contacts.filter(tax_treatment="reverse_charge").exclude(vat_id="").exists()
    assert contacts.exclude(leitweg_id="").exists()
    projects = Project.objects.filter(tenant=tenant)
    assert {"B", "C", "D"} <= set(
        projects.filter(scope="internal").values_list("value_group", flat=True)
    )
    assert projects.filter(name="Technical issues", value_group="D").exists()
    assert projects.filter(kind="single").exists() and projects.filter(kind="ongoing").exists()
    entries = TaskEntry.objects.filter(tenant=tenant)
    assert entries.count() >= 1000
    assert {"time", "mileage", "expense", "goods"} <= set(entries.values_list("kind", flat=True))
    assert not entries.filter(kind="time", stopped_at__isnull=True).exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_answers_health(tmp_path):
    port = _free_port()
    env = {**os.environ, "FAKTURA_DATA_DIR": str(tmp_path), "FAKTURA_TASKS": "db"}
    env.pop("DATABASE_URL", None)
    src = Path(__file__).resolve().parents[1] / "src"
    env["PYTHONPATH"] = str(src)
    proc = subprocess.Popen(
        [sys.executable, "-m", "faktura.cli", "serve", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        body = None
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health") as r:
                    body = r.read().decode()
                    break
            except OSError:
                time.sleep(0.3)
        assert body is not None and '"status": "ok"' in body.replace('":"', '": "')
    finally:
        proc.terminate()
        proc.wait(timeout=20)
