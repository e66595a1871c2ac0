"""`faktura bench sync`: everything synced and delivered once, the DATEV file made, the
synthetic company gone afterwards."""

from __future__ import annotations

import json

import pytest

from faktura.tenancy.models import Tenant


@pytest.mark.django_db(transaction=True)
def test_the_command_syncs_everything_once_and_cleans_up(capsys, monkeypatch):
    from faktura.cli import main

    monkeypatch.setenv("FAKTURA_ALLOW_PRIVATE_URLS", "1")
    main(["bench", "sync", "--invoices", "12", "--workers", "3", "--json"])

    numbers = json.loads(capsys.readouterr().out)
    assert numbers["invoices"] == 12 and numbers["synced"] == 24 and numbers["delivered"] == 12
    assert numbers["duplicate_vouchers"] == 0 and numbers["duplicate_posts"] == 0
    assert numbers["datev_bookings"] == 12
    assert not Tenant.objects.filter(slug__startswith="bench-sync-").exists()
