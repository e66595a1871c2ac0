"""The worker claims outbox rows in batches (issue 16, speed): a batch is claimed by one
transaction, its documents are read in a few queries, its outcomes stored in one; two workers
never work the same row, and a worker that dies after claiming (or after calling the provider)
loses nothing and duplicates nothing."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from faktura.integrations import crypto
from faktura.integrations.gateways import gateway_for
from faktura.integrations.gateways.base import retry_after_seconds
from faktura.integrations.models import SyncConnection, SyncRecord
from faktura.integrations.worker import (
    RECORDS,
    batch_size,
    claim,
    records_work,
    retry_delay,
    sync_run,
)


def _connect(api, lexoffice):
    r = api.post(
        "sync-connections",
        {
            "provider": "lexoffice",
            "name": "Lexware Office",
            "settings": {"base_url": lexoffice.url, "api_key": lexoffice.api_key},
            "auto_sync": {"on_issue": True, "on_payment": False},
        },
    )
    assert r.status_code == 201, r.content
    return r.json()


def _pass_queries(**kwargs) -> tuple[object, int]:
    with CaptureQueriesContext(connection) as queries:
        result = sync_run(**kwargs)
    return result, len(queries)


def test_a_pass_costs_the_same_queries_for_three_or_nine_invoices(api, world, lexoffice):
    # given
    _connect(api, lexoffice)
    for n in range(3):
        world.issued(title=f"Small {n}")
    # when
    small, small_queries = _pass_queries()
    for n in range(9):
        world.issued(title=f"Large {n}")
    large, large_queries = _pass_queries()
    # then: a claim, the documents and their lines, the outcomes and their audit rows per
    # batch, not per row
    assert (small.synced, large.synced) == (3, 9)
    assert large_queries == small_queries
    assert small_queries <= 20
    assert Counter(lexoffice.numbers()).most_common(1)[0][1] == 1
    assert len(lexoffice.vouchers) == 12


def test_a_pass_claims_batches_of_the_configured_size(settings, api, world, lexoffice):
    settings.FAKTURA_SYNC_BATCH_SIZE = 2
    assert batch_size() == 2
    _connect(api, lexoffice)
    for n in range(5):
        world.issued(title=f"Job {n}")
    with CaptureQueriesContext(connection) as queries:
        result = sync_run()
    assert result.synced == 5
    # Django logs a prepared statement run for many rows as "<n> times: UPDATE ..."
    updates = [q["sql"] for q in queries if "UPDATE" in q["sql"][:16]]
    # three claims (2 + 2 + 1) and three outcome writes (one prepared statement each)
    assert len(updates) == 6
    assert sum("integrations_syncrecord" in sql for sql in updates) == 6


def test_rows_the_lease_would_not_cover_go_back_unsent(settings, api, world, lexoffice):
    # given: a lease so short that no call may start within it
    settings.FAKTURA_SYNC_LEASE_SECONDS = 1
    settings.FAKTURA_SYNC_TIMEOUT_SECONDS = 1
    _connect(api, lexoffice)
    invoice = world.issued()
    # when
    result = sync_run()
    # then: nothing sent, the record waits as before, its attempt not counted
    assert result.synced == result.retrying == result.failed == 0
    record = SyncRecord.objects.get(object_id=invoice.pk)
    assert (record.status, record.attempts, record.lease_until) == ("queued", 0, None)
    assert lexoffice.vouchers == {}
    settings.FAKTURA_SYNC_LEASE_SECONDS = 120
    assert sync_run().synced == 1
    assert lexoffice.numbers() == [invoice.number]


def test_a_second_claim_at_the_same_moment_gets_nothing(api, world, lexoffice):
    _connect(api, lexoffice)
    for n in range(3):
        world.issued(title=f"Job {n}")
    first = claim(RECORDS, limit=10)
    second = claim(RECORDS, limit=10)
    assert len(first) == 3 and second == []
    assert {r.status for r in SyncRecord.objects.all()} == {"syncing"}
    assert {r.attempts for r in first} == {1}


def test_a_worker_that_died_after_claiming_loses_nothing(api, world, lexoffice):
    _connect(api, lexoffice)
    invoice = world.issued()
    [claimed] = claim(RECORDS, limit=10)
    # the worker dies here: nothing was sent; within the lease nobody takes the row
    assert sync_run().synced == 0
    later = timezone.now() + dt.timedelta(seconds=121)
    [again] = claim(RECORDS, limit=10, now=later)
    assert again.pk == claimed.pk and again.attempts == 2
    assert records_work([again]) == ["synced"]
    record = SyncRecord.objects.get(object_id=invoice.pk)
    assert record.status == "synced" and record.attempts == 2
    assert lexoffice.numbers() == [invoice.number]


def test_a_worker_that_died_after_the_provider_created_creates_nothing_twice(api, world, lexoffice):
    _connect(api, lexoffice)
    invoice = world.issued()
    [claimed] = claim(RECORDS, limit=10)
    from faktura.integrations.payloads import invoice_payload

    conn = SyncConnection.objects.get()
    gateway = gateway_for(
        conn.provider, settings=conn.settings, secrets=crypto.decrypt(conn.secrets)
    )
    gateway.push(invoice_payload(invoice), idempotency_key=claimed.idempotency_key)
    # ... and dies before storing the outcome; after the lease another worker takes it
    later = timezone.now() + dt.timedelta(seconds=121)
    [again] = claim(RECORDS, limit=10, now=later)
    assert records_work([again]) == ["synced"]
    record = SyncRecord.objects.get(object_id=invoice.pk)
    assert record.external_id == next(iter(lexoffice.vouchers))
    assert lexoffice.numbers() == [invoice.number]  # found by its number, not created again


def test_a_stale_claim_cannot_store_its_outcome(api, world, lexoffice):
    _connect(api, lexoffice)
    invoice = world.issued()
    [stale] = claim(RECORDS, limit=10)
    later = timezone.now() + dt.timedelta(seconds=121)
    [current] = claim(RECORDS, limit=10, now=later)
    assert records_work([current]) == ["synced"]
    lexoffice.faults = ["500"]
    # the first worker comes back late with a failure: it is not stored
    assert records_work([stale]) == [None]
    record = SyncRecord.objects.get(object_id=invoice.pk)
    assert record.status == "synced" and record.attempts == 2 and record.error == ""


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_sync_every_invoice_exactly_once(settings, api, world, lexoffice):
    # given: more invoices than one batch, small batches so the workers (two processes'
    # passes, each with two threads of its own) interleave
    settings.FAKTURA_SYNC_BATCH_SIZE = 3
    _connect(api, lexoffice)
    invoices = [world.issued(title=f"Job {n}") for n in range(12)]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    results = []

    def worker() -> None:
        try:
            barrier.wait()
            results.append(sync_run(workers=2))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    # when
    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then
    assert errors == []
    assert sum(r.synced for r in results) == 12
    records = list(SyncRecord.objects.all())
    assert {(r.status, r.attempts) for r in records} == {("synced", 1)}
    assert sorted(lexoffice.numbers()) == sorted(i.number for i in invoices)
    assert len(lexoffice.vouchers) == 12


def test_retry_after_is_whole_seconds_or_an_http_date():
    now = dt.datetime(2026, 3, 2, 10, 0, 0, tzinfo=dt.UTC)
    assert retry_after_seconds("120") == 120
    assert retry_after_seconds("Mon, 02 Mar 2026 10:01:30 GMT", now=now) == 90
    assert retry_after_seconds("Mon, 02 Mar 2026 09:00:00 GMT", now=now) == 0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds("") is None
    assert retry_after_seconds("90000") is None  # more than a day: not believed


def test_retry_delays_are_whole_seconds(settings):
    settings.FAKTURA_SYNC_BACKOFF_SECONDS = 30
    for attempts in range(1, 6):
        delay = retry_delay(attempts)
        assert isinstance(delay, int)
        assert 15 * 2 ** (attempts - 1) <= delay <= 30 * 2 ** (attempts - 1)
    assert retry_delay(1, 600) == 600
    assert retry_delay(30) <= 6 * 3600
