"""`faktura dunning-run` and `faktura scheduler --once`."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from faktura.receivables.models import DunningRun, DunningSettings, Reminder


@pytest.fixture
def overdue(world, monkeypatch):
    invoice = world.issued()
    later = timezone.now() + dt.timedelta(days=(invoice.due_date - invoice.issue_date).days + 8)
    monkeypatch.setattr(timezone, "now", lambda: later)
    return invoice


def test_dunning_run_lists_proposals_then_creates_them_once(world, overdue, capsys):
    slug = world.tenant.slug
    call_command("dunning_run", "--tenant", slug, "--dry-run")
    assert "1 proposed" in capsys.readouterr().out
    assert not Reminder.objects.exists()

    call_command("dunning_run", "--tenant", slug)
    call_command("dunning_run", "--tenant", slug)

    out = capsys.readouterr().out
    assert "1 reminders created" in out and "0 reminders created" in out
    assert Reminder.objects.filter(invoice=overdue).count() == 1


def test_the_scheduler_runs_once_a_day_and_creates_reminders_only_with_auto_send(world, overdue):
    call_command("scheduler", "--once")
    assert not Reminder.objects.exists()

    DunningSettings.objects.create(tenant=world.tenant, auto_send=True)
    call_command("scheduler", "--once")  # the day's run is done already
    assert not Reminder.objects.exists()
    DunningRun.objects.all().delete()
    call_command("scheduler", "--once")

    assert Reminder.objects.filter(invoice=overdue).count() == 1
