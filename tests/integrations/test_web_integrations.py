"""The Integrations settings page and the sync badge (issue 16, UI)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from faktura.integrations.models import SyncConnection, SyncRecord, WebhookSubscription


def _signed_in(membership):
    path = Path(__file__).resolve().parents[1] / "web" / "web_helpers.py"
    if "web_helpers" not in sys.modules:
        spec = importlib.util.spec_from_file_location("web_helpers", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules["web_helpers"] = module
        spec.loader.exec_module(module)
    return sys.modules["web_helpers"].signed_in(membership)


@pytest.fixture
def browser(owner):
    return _signed_in(owner)


def test_connections_webhooks_and_datev_from_the_page(browser, owner, receiver, lexoffice):
    url = reverse("web:integrations")
    r = browser.post(url, {"form": "connection", "provider": "lexoffice", "name": "Books",
                           "url": "", "api_key": "secret-key-1", "on_issue": "on"})  # fmt: skip
    assert r.status_code == 302
    connection = SyncConnection.objects.get()
    assert connection.sync_on_issue and not connection.sync_on_payment
    page = browser.get(url).content.decode()
    assert "Books" in page and "secret-key-1" not in page

    r = browser.post(url, {"form": "webhook", "url": receiver.url, "events": ["invoice.issued"]})
    assert r.status_code == 200 and r["Cache-Control"] == "no-store"
    assert "whsec_" in r.content.decode()
    assert WebhookSubscription.objects.get().events == ["invoice.issued"]
    assert "whsec_" not in browser.get(url).content.decode()  # shown once

    r = browser.post(url, {"form": "datev", "consultant_number": "29098", "client_number": "55003",
                           "chart": "SKR04", "fiscal_year_start_month": "1",
                           "debtor_start": "10000"})  # fmt: skip
    assert r.status_code == 302
    r = browser.post(url, {"form": "datev", "consultant_number": "5", "client_number": "1",
                           "chart": "SKR04", "fiscal_year_start_month": "1",
                           "debtor_start": "10000"})  # fmt: skip
    assert r.status_code == 200 and "consultant_number" in r.content.decode()


def test_a_failed_sync_is_listed_retried_and_badged(browser, api, world, lexoffice, run_pass):
    api.post("sync-connections", {"provider": "lexoffice", "name": "LX",
                                  "settings": {"base_url": lexoffice.url, "api_key": "bad"},
                                  "auto_sync": {"on_issue": True}})  # fmt: skip
    invoice = world.issued()
    run_pass()
    page = browser.get(reverse("web:integrations")).content.decode()
    assert invoice.number in page and "API key" in page
    listing = browser.get(reverse("web:invoice_list")).content.decode()
    assert "sync failed" in listing
    detail = browser.get(reverse("web:invoice_detail", args=[invoice.pk])).content.decode()
    assert "sync failed" in detail
    record = SyncRecord.objects.get()
    r = browser.post(reverse("web:sync_record_retry", args=[record.pk]))
    assert r.status_code == 302
    record.refresh_from_db()
    assert record.status == "queued"
    r = browser.post(reverse("web:connection_test", args=[record.connection_id]))
    assert r.status_code == 302
