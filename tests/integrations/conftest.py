"""Fixtures of the sync tests: the receivables tests' world (issued invoices to sync), the
local fake providers, and a worker pass that makes every waiting row due first."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from django.utils import timezone
from sync_fakes import FakeLexoffice, WebhookReceiver


def _world_class():
    path = Path(__file__).resolve().parents[1] / "receivables" / "conftest.py"
    name = "receivables_tests_conftest"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name].ReceivablesWorld


@pytest.fixture
def world(owner):
    return _world_class()(owner)


@pytest.fixture
def other_world(other_owner):
    return _world_class()(other_owner)


@pytest.fixture(autouse=True)
def _sync_settings(settings, monkeypatch):
    monkeypatch.setenv("FAKTURA_ALLOW_PRIVATE_URLS", "1")
    settings.FAKTURA_SYNC_TIMEOUT_SECONDS = 1
    settings.FAKTURA_SYNC_BACKOFF_SECONDS = 30
    settings.FAKTURA_SYNC_MAX_ATTEMPTS = 5


@pytest.fixture
def lexoffice():
    server = FakeLexoffice()
    yield server
    server.stop()


@pytest.fixture
def receiver():
    server = WebhookReceiver()
    yield server
    server.stop()


def make_due() -> None:
    """Let the backoff pass: every waiting row is due now."""
    from faktura.integrations.models import SyncRecord, WebhookDelivery

    now = timezone.now()
    SyncRecord.objects.filter(status="queued").update(next_retry_at=now)
    WebhookDelivery.objects.filter(status="pending").update(next_retry_at=now)


@pytest.fixture
def run_pass():
    """run_pass() -> one worker pass after making every waiting row due."""
    from faktura.integrations.worker import sync_run

    def run(*, due: bool = True):
        if due:
            make_due()
        return sync_run()

    return run
