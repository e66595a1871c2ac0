"""The `faktura` command line: init, token create, demo, serve."""

import datetime as dt
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F

from einvoice.official import make_validator, require_official_rules
from faktura.billing.invariants import check_invariants
from faktura.billing.models import BillableItem, Invoice
from faktura.billing.selectors.invoices import invoice_formats
from faktura.common.models import AuditEvent
from faktura.console.demo import billed_months
from faktura.contacts.models import Contact
from faktura.documents.models import StoredDocument
from faktura.documents.services import document_read
from faktura.offers.models import Offer, ProjectInvoice
from faktura.receivables.invariants import check_invariants as receivables_invariants
from faktura.receivables.models import BankStatement
from faktura.receivables.selectors import annotate
from faktura.tenancy.models import ApiToken, Membership, Tenant
from faktura.tenancy.selectors import tenant_today
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
    # Django's password validators, the common-password list among them (issue 10)
    with pytest.raises(CommandError, match="too common"):
        call_command("init", tenant="Gamma", email="g@gamma.test", password="password123")
    with pytest.raises(CommandError, match="entirely numeric"):
        call_command("init", tenant="Gamma", email="g@gamma.test", password="8675309421")
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


def _demo_rows(tenant) -> tuple[int, ...]:
    """Row counts of everything the demo builds (its API token aside)."""
    return (
        Contact.objects.filter(tenant=tenant).count(),
        Project.objects.filter(tenant=tenant).count(),
        TaskEntry.objects.filter(tenant=tenant).count(),
        BillableItem.objects.filter(tenant=tenant).count(),
        Invoice.objects.filter(tenant=tenant).count(),
        StoredDocument.objects.filter(tenant=tenant).count(),
        AuditEvent.objects.filter(tenant=tenant).exclude(action="token_create").count(),
    )


@pytest.mark.slow  # a smoke test of real processes (pytest --durations)
def test_demo_is_idempotent_and_realistic(db, capsys):
    call_command("demo")
    out = capsys.readouterr().out
    assert "demo@faktura.test" in out and "API token: fk_" in out
    assert "issued invoices" in out and "credit notes" in out
    tenant = Tenant.objects.get(slug="demo")
    counts = _demo_rows(tenant)
    call_command("demo")
    assert "already present" in capsys.readouterr().out
    assert counts == _demo_rows(tenant)
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
    # an accepted offer billed by a fixed-price project (issue 13)
    accepted = Offer.objects.get(tenant=tenant, status="accepted")
    assert accepted.number and accepted.project.billing_model == "fixed_price"
    assert accepted.project.fixed_price == accepted.net_total
    assert ProjectInvoice.objects.filter(project=accepted.project, kind="partial").exists()


@pytest.mark.slow  # a smoke test of real processes (pytest --durations)
def test_demo_has_a_billing_history(db):
    call_command("demo")
    tenant = Tenant.objects.get(slug="demo")
    assert check_invariants(tenant=tenant) == []
    # a reminded invoice with its dunning fee open beside it (issue 12)
    from faktura.receivables.charge_selectors import charge_list

    assert [c.kind for c in charge_list(tenant=tenant, open_only=True)] == ["fee"]
    invoices = Invoice.objects.filter(tenant=tenant)
    issued = invoices.filter(kind="invoice").exclude(status="draft")
    assert issued.count() >= 5
    # gapless from 1 in each series and counter period
    for kind in ("invoice", "credit_note"):
        docs = invoices.filter(kind=kind).exclude(status="draft")
        for period in set(docs.values_list("sequence_period", flat=True)):
            values = sorted(
                docs.filter(sequence_period=period).values_list("sequence_value", flat=True)
            )
            assert values == list(range(1, len(values) + 1))
    # issued at the end of a past month, customers of every kind among them
    for invoice in issued:
        assert (invoice.issue_date + dt.timedelta(days=1)).day == 1
        assert invoice.issue_date < dt.date.today()
    buyers = [invoice.buyer for invoice in issued]
    assert any(b["tax_treatment"] == "reverse_charge" for b in buyers)
    assert any(b["tax_treatment"] == "domestic" and not b["leitweg_id"] for b in buyers)
    public = issued.exclude(buyer_reference="")
    assert public.filter(buyer_reference=F("contact__leitweg_id")).exists()
    # a frame order drawn by issued invoices, a retainer with its monthly usage (issue 14)
    from faktura.frameorders.models import FrameOrderLedger, RetainerMonth

    draws = FrameOrderLedger.objects.filter(tenant=tenant, kind="draw")
    assert draws.exists()
    assert all(row.invoice.po_number == "BA-2026-0815" for row in draws)
    assert RetainerMonth.objects.filter(tenant=tenant).exists()
    # one partial credit note: the invoice it credits stays valid
    note = invoices.get(kind="credit_note")
    assert note.credit_note_of.status in ("issued", "sent") and note.gross_total < 0
    assert -note.gross_total < note.credit_note_of.gross_total
    # the older half went out by e-mail (through the in-memory backend), the rest waits
    sent = issued.filter(status="sent")
    assert 0 < sent.count() < issued.count()
    for invoice in sent:
        [delivery] = invoice.deliveries.all()
        assert delivery.status == "sent" and delivery.message_id
        assert delivery.recipient == invoice.buyer["email"]
    # every issued document is stored in exactly the formats valid for it (issue 9), the
    # customers' preferred ones among them, and each passes the official rules
    require_official_rules()
    validator = make_validator()
    for invoice in invoices.exclude(status="draft"):
        offered = {row["format"] for row in invoice_formats(invoice) if row["available"]}
        assert {"pdf", "facturx"} <= offered
        if invoice.kind == "invoice":
            assert invoice.buyer["einvoice_format"] in offered
        stored = {doc.format: doc for doc in invoice.documents.all()}
        assert set(stored) == offered - {"facturx"}  # the PDF carries the Factur-X XML
        for doc in stored.values():
            fatal = [p for p in validator.validate(document_read(doc)) if p.fatal]
            assert fatal == [], (invoice.number, doc.format, fatal)
    assert Contact.objects.filter(tenant=tenant, einvoice_format="peppol").exists()
    assert StoredDocument.objects.filter(tenant=tenant, format="peppol").exists()
    # drafts left for review, and work left to compile and bill
    assert invoices.filter(status="draft").count() >= 2
    assert BillableItem.objects.filter(tenant=tenant, status="pending").exists()
    assert TaskEntry.objects.filter(tenant=tenant, billing_state="unbilled").exists()


@pytest.mark.parametrize(
    ("today", "issued", "review"),
    [
        ("2026-12-02", ["2026-09"], "2026-10"),
        ("2026-12-20", ["2026-09"], "2026-10"),
        ("2026-12-25", ["2026-09", "2026-10"], "2026-11"),
        ("2026-12-31", ["2026-10"], "2026-11"),
        ("2027-03-01", ["2026-11", "2026-12"], "2027-01"),
    ],
)
def test_demo_billed_months(today, issued, review):
    months, open_month = billed_months(dt.date.fromisoformat(today))
    assert [m.strftime("%Y-%m") for m in months] == issued
    assert open_month.strftime("%Y-%m") == review


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow  # a smoke test of real processes (pytest --durations)
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


def _alive(pid: int) -> bool:
    """The process exists and is no zombie (nothing may reap an orphan in a container)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.slow  # a smoke test of real processes (pytest --durations)
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("child", ["worker", "scheduler"])
def test_a_killed_serve_takes_its_children_along(tmp_path, child):
    """Issue 10: `faktura serve` killed with SIGKILL left its worker running, and a restart
    added a second one. The scheduler it starts beside the worker ends with it too."""
    # given: faktura serve with its worker and scheduler
    port = _free_port()
    env = {**os.environ, "FAKTURA_DATA_DIR": str(tmp_path), "FAKTURA_TASKS": "db"}
    env.pop("DATABASE_URL", None)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1] / "src")
    env["PYTHONUNBUFFERED"] = "1"
    proc = subprocess.Popen(
        [sys.executable, "-m", "faktura.cli", "serve", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    child_pid = None
    try:
        for line in proc.stdout:
            if line.startswith(f"{child} started (pid "):
                child_pid = int(line.split("pid ")[1].rstrip(")\n"))
                break
        assert child_pid is not None
        time.sleep(1)
        assert _alive(child_pid)

        # when: serve is killed without a chance to stop its children
        proc.kill()
        proc.wait(timeout=10)

        # then: the child ends too: after the database call it is in (a SQLite writer waits up
        # to its 20 s busy timeout for a lock, and the signal is handled after the call)
        deadline = time.monotonic() + 60
        while _alive(child_pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(child_pid)
    finally:
        if proc.poll() is None:
            proc.kill()
        if child_pid and _alive(child_pid):
            os.kill(child_pid, 9)


@pytest.mark.slow  # a smoke test of real processes (pytest --durations)
def test_demo_has_paid_partly_paid_and_overdue_invoices(db):
    call_command("demo")
    tenant = Tenant.objects.get(slug="demo")
    invoices = list(Invoice.objects.filter(tenant=tenant, kind="invoice").exclude(status="draft"))
    annotate(invoices, today=tenant_today(tenant))
    states = {invoice.payment_state for invoice in invoices}
    assert {"paid", "partially_paid", "unpaid"} <= states
    assert any(invoice.status == "paid" for invoice in invoices)
    assert any(invoice.overdue for invoice in invoices)
    assert any(invoice.dunning_level == 1 for invoice in invoices)  # one reminded invoice
    assert receivables_invariants(tenant=tenant) == []


def test_demo_writes_a_bank_statement_that_matches_suggests_and_lists(db, capsys):
    call_command("demo")
    out = capsys.readouterr().out
    tenant = Tenant.objects.get(slug="demo")
    path = Path(out.split("bank statement to import: ")[1].split(" ")[0])

    call_command("bank_import", str(path), "--tenant", "demo")
    call_command("bank_import", str(path), "--tenant", "demo")

    statements = BankStatement.objects.filter(tenant=tenant).order_by("pk")
    first, again = statements
    assert (first.matched, first.suggested, first.unmatched) == (1, 2, 1)
    assert (again.duplicates, again.matched) == (4, 0)
    assert receivables_invariants(tenant=tenant) == []
