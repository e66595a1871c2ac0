"""Fixtures of the billing screen tests: the billing tests' world per tenant and worker, a draft
and issued invoices."""

from __future__ import annotations

from decimal import Decimal

import pytest
from billing_web import ISSUE_DAY, billing_tests

from faktura.billing.inputs import InvoiceIssue, InvoicesGenerate
from faktura.billing.services.generation import invoices_generate
from faktura.billing.services.issue import invoice_issue
from faktura.contacts.inputs import ContactUpdate
from faktura.contacts.services import contact_update

# The billing tests' world per tenant and their worker, shared rather than written again.
world = billing_tests.world
other_world = billing_tests.other_world
run_queued_tasks = billing_tests.run_queued_tasks


@pytest.fixture
def draft(world):
    """A draft with one ticket: two time entries (10:00 and 0:45 logged) at 100/h."""
    task = world.task(title="Printer", estimate_hours=Decimal("8.00"), task_type="incident")
    items = [world.item(task, minutes=600), world.item(task, minutes=45)]
    [invoice] = invoices_generate(
        world.ctx,
        data=InvoicesGenerate(billable_item_ids=[i.pk for i in items], grouping="contact"),
    )
    return invoice


@pytest.fixture
def issued(world, draft):
    return invoice_issue(world.ctx, invoice_id=draft.pk, data=InvoiceIssue(issue_date=ISSUE_DAY))


@pytest.fixture
def issued_in_every_format(world, draft):
    """An invoice to a customer with an invoice e-mail and a Peppol ID: every format is valid."""
    contact_update(
        world.ctx,
        contact_id=draft.contact_id,
        data=ContactUpdate(email="rechnung@mueller.test", peppol_id="0088:4000001000005"),
    )
    return invoice_issue(world.ctx, invoice_id=draft.pk, data=InvoiceIssue(issue_date=ISSUE_DAY))
