"""Payments at the same moment over real parallel connections never overdraw an invoice: the
invoice row lock (PostgreSQL) or the IMMEDIATE write transaction (SQLite) lets each check the
open amount only after the one before it committed."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from faktura.common.errors import FakturaError
from faktura.receivables.inputs import PaymentRecord
from faktura.receivables.models import Payment
from faktura.receivables.selectors import invoice_balance
from faktura.receivables.services import payment_record


def _pay_in_parallel(world, invoice, *, threads: int, amount: str) -> list[BaseException]:
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            payment_record(
                world.ctx, invoice_id=invoice.pk, data=PaymentRecord(amount=Decimal(amount))
            )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()  # this thread's connection

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return errors


def _check(world, invoice, errors, *, threads: int) -> None:
    # 119.00 open, 50.00 each: two fit, every other one is refused as an overpayment
    assert len(errors) == threads - 2, errors
    assert all(
        isinstance(e, FakturaError) and e.code == "overpayment_not_allowed" for e in errors
    ), errors
    assert Payment.objects.filter(invoice=invoice).count() == 2
    invoice.refresh_from_db()
    assert str(invoice_balance(invoice).open) == "19.00"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_connections_paying_at_once_never_overdraw(world):
    if connection.vendor != "postgresql":
        pytest.skip("needs real parallel connections (PostgreSQL)")
    invoice = world.issued()

    errors = _pay_in_parallel(world, invoice, threads=8, amount="50.00")

    _check(world, invoice, errors, threads=8)


@pytest.mark.django_db(transaction=True)
def test_threads_paying_at_once_never_overdraw_on_sqlite_too(world):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite variant; PostgreSQL runs the 8-connection test")
    invoice = world.issued()

    errors = _pay_in_parallel(world, invoice, threads=4, amount="50.00")

    _check(world, invoice, errors, threads=4)
