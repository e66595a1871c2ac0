"""`faktura close-month --period YYYY-MM`: compile the month's work, bill the subscription
periods and project products due by its end, then the billing run
(`subscriptions.services.month_end.month_close`).

Every step is idempotent, so running the command twice changes nothing the second time:
compile finds no unbilled candidates, the due run no period due, and the run no pending items
of the period.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from faktura.billing.services.generation import period_bounds
from faktura.common.context import CommandContext
from faktura.common.errors import FakturaError
from faktura.subscriptions.services.month_end import month_close
from faktura.tenancy.models import Tenant


class Command(BaseCommand):
    help = (
        "Close a month: compile billable work up to the end of --period, bill the subscription "
        "periods and project products due by then, then put the period's pending items on the "
        "open draft of each customer and project (billing run)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="the month to close, YYYY-MM")
        parser.add_argument("--tenant", help="only this tenant (its slug); default: all")

    def handle(self, *args, **opts):
        period = opts["period"]
        try:
            period_bounds(period)
        except FakturaError as exc:
            raise CommandError(exc.message) from exc
        tenants = Tenant.objects.order_by("slug")
        if opts.get("tenant"):
            tenants = tenants.filter(slug=opts["tenant"])
            if not tenants.exists():
                raise CommandError(f"No tenant with slug {opts['tenant']!r}.")
        # A pipe or log file gets the whole table on wide lines instead of 80 wrapped columns.
        width = None if self.stdout.isatty() else 160
        console = Console(file=self.stdout, highlight=False, width=width)

        table = Table(title=f"Month closed: {period}")
        for column in ("tenant", "entries compiled", "items created", "subscription items",
                       "drafts created", "drafts updated", "items on drafts",
                       "net on drafts"):  # fmt: skip
            table.add_column(column, justify="left" if column == "tenant" else "right")
        totals = {"compiled": 0, "created": 0, "due": 0, "drafts_created": 0, "drafts_updated": 0}
        for tenant in tenants:
            ctx = CommandContext(tenant=tenant, source="cli", reason=f"close-month {period}")
            try:
                result = self._close(console, ctx, period)
            except FakturaError as exc:
                raise CommandError(f"{tenant.slug}: {exc.message}") from exc
            run = result.run
            compiled, created = result.compiled.entries, result.compiled.created
            due = result.due.items + result.due.project_products
            net = ", ".join(
                f"{amount} {currency}" for currency, amount in sorted(run.net_by_currency.items())
            )
            table.add_row(
                tenant.slug, str(compiled), str(created), str(due), str(run.drafts_created),
                str(run.drafts_updated), str(run.items), net or str(Decimal("0.00")),
            )  # fmt: skip
            totals["compiled"] += compiled
            totals["created"] += created
            totals["due"] += due
            totals["drafts_created"] += run.drafts_created
            totals["drafts_updated"] += run.drafts_updated
        console.print(table)
        if not any(totals.values()):
            console.print("Nothing to do: the month was closed already.")

    def _close(self, console, ctx, period):
        with Progress(
            TextColumn(f"compile {ctx.tenant.slug}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=console,
            transient=True,
        ) as progress:
            bar = progress.add_task("compile", total=None)

            def report(done: int, total: int) -> None:
                progress.update(bar, completed=done, total=total)

            return month_close(ctx, period=period, progress=report)
