"""Two due runs at once bill every subscription period exactly once (PostgreSQL: real
parallel connections; the unique source key and ON CONFLICT DO NOTHING are the guard)."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pytest
from django.db import connection, connections

from faktura.billing.models import BillableItem
from faktura.subscriptions.inputs import DueRun
from faktura.subscriptions.models import Subscription
from faktura.subscriptions.services import due_run


def _run(world, barrier, errors):
    try:
        barrier.wait(timeout=30)
        due_run(world.ctx, data=DueRun(until=dt.date(2026, 6, 30)), batch_size=7)
    except Exception as exc:  # reported by the test
        errors.append(exc)
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_two_due_runs_at_once_bill_each_period_once(world):
    if connection.vendor != "postgresql":
        pytest.skip("parallel writers need PostgreSQL; SQLite runs one writer at a time")
    product = world.product()
    contact = world.contact()
    subs = [world.subscription(contact=contact, product=product) for _ in range(30)]
    barrier, errors = threading.Barrier(2), []
    threads = [threading.Thread(target=_run, args=(world, barrier, errors)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    keys = Counter(BillableItem.objects.values_list("source_key", flat=True))
    assert len(keys) == 30 * 6 and set(keys.values()) == {1}
    assert set(Subscription.objects.values_list("billed_through", flat=True)) == {
        dt.date(2026, 7, 1)
    }
    assert len(subs) == 30
