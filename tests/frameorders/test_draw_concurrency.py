"""Invoices issued at the same moment over real parallel connections never overdraw a `block`
frame order: the frame order row lock (PostgreSQL) or the IMMEDIATE write transaction (SQLite)
lets each check the remaining hours only after the one before it committed (issue 14)."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from faktura.billing.inputs import InvoiceIssue
from faktura.billing.models import Invoice
from faktura.billing.services.issue import invoice_issue
from faktura.common.errors import FakturaError
from faktura.frameorders.models import FrameOrderLedger
from tests.conftest import api_for

DAY = dt.date(2026, 3, 31)


def _issue_in_parallel(world, drafts, api=None) -> list[BaseException]:
    """Issue every draft at once, one thread (and database connection) each: through the
    service, or as HTTP requests when `api` is given (a refusal becomes a FakturaError)."""
    barrier = threading.Barrier(len(drafts))
    errors: list[BaseException] = []

    def run(draft) -> None:
        try:
            barrier.wait()
            if api is None:
                invoice_issue(world.ctx, invoice_id=draft.pk, data=InvoiceIssue(issue_date=DAY))
                return
            answer = api.post(f"invoices/{draft.pk}/issue", {"issue_date": DAY.isoformat()})
            if answer.status_code != 200:
                error = answer.json()["error"]
                raise FakturaError(error["message"], code=error["code"])
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()  # this thread's connection

    workers = [threading.Thread(target=run, args=(draft,)) for draft in drafts]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return errors


def _check(frame_order, drafts, errors) -> None:
    # 25 h in the pool, 10 h per invoice: two fit, every other one is refused
    assert len(errors) == len(drafts) - 2, errors
    assert all(isinstance(e, FakturaError) and e.code == "frame_order_exhausted" for e in errors), (
        errors
    )
    rows = FrameOrderLedger.objects.filter(frame_order=frame_order)
    assert sorted(row.hours for row in rows) == [Decimal("10.0000")] * 2
    issued = Invoice.objects.filter(pk__in=[d.pk for d in drafts]).exclude(status="draft")
    assert sorted(issued.values_list("pk", flat=True)) == sorted(r.invoice_id for r in rows)


def _setup(world, count: int):
    contact = world.contact()
    project = world.project(contact)
    frame_order = world.frame_order(contact, hours=Decimal("25"))
    drafts = [world.draft(project, hours=10, frame_order=frame_order) for _ in range(count)]
    return frame_order, drafts


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_connections_issuing_never_overdraw_a_blocked_pool(world):
    if connection.vendor != "postgresql":
        pytest.skip("needs real parallel connections (PostgreSQL)")
    frame_order, drafts = _setup(world, 6)

    errors = _issue_in_parallel(world, drafts)

    _check(frame_order, drafts, errors)


@pytest.mark.django_db(transaction=True)
def test_parallel_issues_never_overdraw_on_sqlite_too(world):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite variant; PostgreSQL runs the connection test")
    frame_order, drafts = _setup(world, 4)

    errors = _issue_in_parallel(world, drafts)

    _check(frame_order, drafts, errors)


@pytest.mark.django_db(transaction=True)
def test_parallel_issue_requests_never_overdraw(world):
    """The same through the HTTP API, on either database."""
    frame_order, drafts = _setup(world, 4)
    api = api_for(world.owner)

    errors = _issue_in_parallel(world, drafts, api=api)

    _check(frame_order, drafts, errors)
