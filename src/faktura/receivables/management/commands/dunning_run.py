"""`faktura dunning-run [--tenant SLUG] [--dry-run]`: create the reminders proposed today (the
same as `POST /dunning/runs`). Running it twice creates no reminder twice."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.table import Table

from faktura.common.context import CommandContext
from faktura.common.errors import FakturaError
from faktura.receivables.dunning_selectors import dunning_proposals
from faktura.receivables.inputs import DunningRunStart
from faktura.receivables.services.bank import tenant_for_cli
from faktura.receivables.services.dunning import dunning_run
from faktura.tenancy.selectors import tenant_today


class Command(BaseCommand):
    help = "Create the payment reminders and dunning letters that are due today."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", help="the company's slug (needed when there are several)")
        parser.add_argument("--dry-run", action="store_true", help="list the proposals only")

    def handle(self, *args, **options):
        try:
            tenant = tenant_for_cli(options.get("tenant"))
            ctx = CommandContext(tenant=tenant, source="cli")
            if options["dry_run"]:
                rows = [
                    (p.invoice.number or "", p.level.level, p.open_amount, p.fee, p.interest,
                     p.total_due, p.invoice.currency)
                    for p in dunning_proposals(tenant=tenant, today=tenant_today(tenant))
                ]  # fmt: skip
            else:
                rows = [
                    (r.invoice.number or "", r.level, r.open_amount, r.fee, r.interest, r.total_due,
                     r.currency)
                    for r in dunning_run(ctx, data=DunningRunStart())
                ]  # fmt: skip
        except FakturaError as exc:
            raise CommandError(exc.message) from None
        title = "proposed" if options["dry_run"] else "reminders created"
        table = Table(title=f"{len(rows)} {title}")
        for column in ("invoice", "level", "open", "fee", "interest", "total due", "currency"):
            table.add_column(column, justify="left" if column == "invoice" else "right")
        for row in rows:
            table.add_row(*(str(value) for value in row))
        # Django's OutputWrapper is a text stream Rich writes to; its stubs do not say so.
        Console(file=self.stdout, width=100).print(table)  # type: ignore[arg-type]
