"""Schemathesis over every operation of the live OpenAPI document (issue 10).

The schema is loaded from the WSGI application as it serves `/api/v1/openapi.json`; each
operation gets a bounded number of generated requests (fixed seed) as the owner of a tenant
with data, and every answer must be no server error, have a documented status and match the
documented response schema. The requests run in the test's transaction, so each operation
starts from the same data.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, seed, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from faktura.billing.inputs import InvoiceIssue, InvoicesGenerate, ItemsCompile
from faktura.billing.models import BillableItem
from faktura.billing.services.compile import billable_items_compile
from faktura.billing.services.generation import invoices_generate
from faktura.billing.services.issue import invoice_issue
from faktura.common.context import CommandContext
from faktura.tenancy.inputs import TokenCreate
from faktura.tenancy.services import token_create

sys.path.insert(0, str(Path(__file__).parent / "web"))
from tests.web.web_helpers import build_web_data

# Generated requests per operation: enough to reach every documented answer of the error
# format, few enough that all operations run in a few minutes on a small machine.
EXAMPLES = int(os.environ.get("FAKTURA_FUZZ_EXAMPLES", "10"))
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]

pytestmark = pytest.mark.fuzz


@pytest.fixture
def fuzz_token(owner, make_member) -> str:
    """The owner's token in a tenant with customers, catalog, projects, tasks, entries,
    billable items and an issued invoice."""
    build_web_data(owner, make_member)
    ctx = CommandContext(tenant=owner.tenant, membership=owner, user=owner.user, source="cli")
    billable_items_compile(ctx, data=ItemsCompile(until=dt.date(2026, 3, 31)))
    pending = list(
        BillableItem.objects.filter(tenant=owner.tenant, status="pending").values_list(
            "pk", flat=True
        )
    )
    if pending:
        [draft, *_] = invoices_generate(
            ctx, data=InvoicesGenerate(billable_item_ids=pending, grouping="contact")
        )
        invoice_issue(ctx, invoice_id=draft.pk, data=InvoiceIssue(issue_date=dt.date(2026, 3, 31)))
    _, raw = token_create(ctx, data=TokenCreate(name="fuzz"))
    return raw


@pytest.fixture(autouse=True)
def _one_connection(db):
    """The requests run in this thread, inside the test's transaction: Django must not
    close the connection between them (its own test client does the same)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# Loaded as the application serves it (no database involved in serving the document).
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())


@schema.parametrize()
@seed(20261003)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_within_its_contract(case, fuzz_token):
    case.call_and_validate(headers={"Authorization": f"Bearer {fuzz_token}"}, checks=CHECKS)


def test_the_fuzzing_acts_as_an_owner_with_data(fuzz_token):
    """The fuzzed requests are authenticated and find something to work on."""
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {fuzz_token}")
    assert client.get("/api/v1/tenant").status_code == 200
    invoices = client.get("/api/v1/invoices").json()["items"]
    assert any(invoice["number"] for invoice in invoices)
    assert client.get("/api/v1/tasks").json()["count"] >= 3
