"""`faktura bench month-end`: builds, measures and cleans up after itself."""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from benchmarks.company import USER_DOMAIN
from benchmarks.month_end.synthetic import SLUG_PREFIX
from faktura.billing.models import BillableItem
from faktura.tenancy.models import Tenant
from faktura.work.models import TaskEntry


@pytest.mark.django_db(transaction=True)
def test_month_end_reports_the_numbers_and_leaves_nothing_behind():
    out = io.StringIO()

    call_command(
        "bench", "month-end", entries=400, customers=8, json=True, stdout=out, stderr=io.StringIO()
    )

    numbers = json.loads(out.getvalue())
    for key in ("entries", "compile_s", "floor_s", "ratio", "generate_s", "peak_rss_mb"):
        assert key in numbers
    assert numbers["entries"] == 400
    # the floor and compile produce the same items (line kinds per entry) from the same rows
    assert numbers["items"] == numbers["floor_items"] > 400
    assert numbers["compile_s"] > 0 and numbers["floor_s"] > 0 and numbers["ratio"] > 0
    assert numbers["drafts"] == 8  # one per customer
    assert numbers["generate_s"] > 0
    assert numbers["peak_rss_mb"] > 0
    assert not Tenant.objects.filter(slug__startswith=SLUG_PREFIX).exists()
    assert not User.objects.filter(username__endswith=USER_DOMAIN).exists()
    assert not TaskEntry.objects.exists() and not BillableItem.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_keep_leaves_the_company_and_clean_removes_it():
    call_command(
        "bench", "month-end", entries=50, customers=2, keep=True, json=True,
        stdout=io.StringIO(), stderr=io.StringIO(),
    )  # fmt: skip
    kept = Tenant.objects.get(slug__startswith=SLUG_PREFIX)
    assert BillableItem.objects.filter(tenant=kept).count() >= 50

    call_command("bench", "month-end", clean=True, stdout=io.StringIO())

    assert not Tenant.objects.filter(slug__startswith=SLUG_PREFIX).exists()
    assert not TaskEntry.objects.exists()
