"""`faktura scheduler`: per company, run what is due: the month-end on the company's
`month_end_day` (compile, due subscriptions and project products, the billing run: the drafts
of the previous month wait in the review), and once a day the dunning run (reminders are
created only where the company turned on automatic sending; else the proposals wait on the
Dunning page). Each company's month and day have one run key, so two schedulers never both
run them.
`faktura serve` starts it beside the worker on the embedded default and it ends with it."""

from __future__ import annotations

import logging
import time

from django.core.management.base import BaseCommand

from faktura.common.context import CommandContext
from faktura.console.process import exit_with_parent
from faktura.receivables.services.dunning import dunning_daily
from faktura.subscriptions.services.month_end import month_end_scheduled
from faktura.tenancy.models import Tenant

log = logging.getLogger(__name__)


def run_once(stdout=None) -> int:
    """One pass over every company; returns the reminders created."""
    created = 0
    for tenant in Tenant.objects.order_by("pk"):
        try:
            month = month_end_scheduled(CommandContext(tenant=tenant, source="system"))
        except Exception:  # one company's failure must not stop the others' jobs
            log.exception("month-end of %s failed; the next pass tries again", tenant.slug)
            month = None
        if month is not None and stdout is not None:
            run = month.result.get("billing_run", {})
            stdout.write(
                f"{tenant.slug}: month-end {month.period}, {run.get('drafts_created', 0)} drafts "
                f"created, {run.get('drafts_updated', 0)} updated"
            )
        run = dunning_daily(CommandContext(tenant=tenant, source="system"))
        if run is not None:
            created += run.reminders
            if stdout is not None:
                stdout.write(f"{tenant.slug}: dunning run {run.day}, {run.reminders} reminders")
    return created


class Command(BaseCommand):
    help = "Run the scheduled jobs per company: the month-end on its day, dunning once a day."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="one pass, then exit")
        parser.add_argument("--interval", type=float, default=300.0, help="seconds between passes")
        parser.add_argument(
            "--parent-pid", type=int, default=None,
            help="end when this process ends (`faktura serve` passes its own)",
        )  # fmt: skip

    def handle(self, *args, **opts):
        if opts["parent_pid"]:
            exit_with_parent(opts["parent_pid"])
        while True:
            run_once(self.stdout)
            if opts["once"]:
                return
            time.sleep(max(1.0, opts["interval"]))
