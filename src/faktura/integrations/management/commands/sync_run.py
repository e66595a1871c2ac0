"""`faktura sync-run`: work the accounting outbox once (sync records and webhook deliveries
that are due), then print what happened."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from faktura.integrations.worker import sync_run


class Command(BaseCommand):
    help = "Work the accounting sync outbox once (due sync records and webhook deliveries)."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500, help="rows of each kind per pass")
        parser.add_argument("--workers", type=int, default=4, help="provider calls at a time")

    def handle(self, *args, **opts):
        result = sync_run(limit=max(1, opts["limit"]), workers=max(1, opts["workers"]))
        self.stdout.write(
            f"synced {result.synced}, retrying {result.retrying}, failed {result.failed}; "
            f"webhooks delivered {result.delivered}, retrying {result.delivery_retrying}, "
            f"failed {result.delivery_failed}"
        )
