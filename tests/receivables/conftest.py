"""Fixtures of the receivables tests: the billing tests' `BillingWorld` (loaded by path: both
folders have a module called conftest) and issued invoices to collect."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path

import pytest

from faktura.billing.inputs import InvoiceIssue, InvoicesGenerate
from faktura.billing.services.generation import invoices_generate
from faktura.billing.services.issue import invoice_issue
from faktura.tenancy.selectors import tenant_today


def _billing_world_class():
    path = Path(__file__).resolve().parents[1] / "billing" / "conftest.py"
    name = "billing_tests_conftest"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
    return sys.modules[name].BillingWorld


class ReceivablesWorld(_billing_world_class()):
    def issued(self, *, minutes=(60,), day: dt.date | None = None, contact=None, title="Work"):
        """An issued invoice of one line per entry of `minutes` at 100.00/h plus 19 % VAT
        (60 minutes: gross 119.00), dated `day` (default: the company's today)."""
        project = self.project(contact) if contact is not None else None
        items = []
        for n, m in enumerate(minutes):
            task = self.task(project, title=f"{title} {n}")
            project = task.project
            items.append(self.item(task, minutes=m))
        [draft] = invoices_generate(
            self.ctx,
            data=InvoicesGenerate(billable_item_ids=[i.pk for i in items], grouping="contact"),
        )
        return invoice_issue(
            self.ctx,
            invoice_id=draft.pk,
            data=InvoiceIssue(issue_date=day or tenant_today(self.tenant)),
        )


@pytest.fixture
def world(owner) -> ReceivablesWorld:
    return ReceivablesWorld(owner)


@pytest.fixture
def other_world(other_owner) -> ReceivablesWorld:
    return ReceivablesWorld(other_owner)


@pytest.fixture
def run_queued_tasks():
    """run_queued_tasks() -> runs every queued background task in this process, as a worker
    of the database backend would."""
    from django.core.management import call_command

    def run() -> None:
        call_command(
            "db_worker", batch=True, reload=False, startup_delay=False, interval=0, verbosity=0
        )

    return run
