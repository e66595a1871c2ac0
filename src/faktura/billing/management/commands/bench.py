"""`faktura bench month-end --entries N [--customers C] [--json]`: the month-end benchmark.

See `faktura.billing.bench` for what is measured. The synthetic company lives in the configured
database for the run and is deleted at the end (`--keep` keeps it for inspection).
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.table import Table

from faktura.billing import bench


class Command(BaseCommand):
    help = (
        "Benchmarks. month-end: build a synthetic company, then time compile and draft "
        "generation against a raw INSERT ... SELECT floor in the same database."
    )

    def add_arguments(self, parser):
        parser.add_argument("benchmark", choices=["month-end"])
        parser.add_argument("--entries", type=int, default=100_000)
        parser.add_argument("--customers", type=int, default=1_000)
        parser.add_argument("--seed", type=int, default=1, help="for the synthetic data")
        parser.add_argument("--batch-size", type=int, default=None, help="entries per batch")
        parser.add_argument("--keep", action="store_true", help="keep the synthetic company")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument(
            "--clean", action="store_true",
            help="only delete synthetic companies that earlier runs left behind",
        )  # fmt: skip

    def handle(self, *args, **opts):
        if opts["entries"] < 1 or opts["customers"] < 1:
            raise CommandError("--entries and --customers must be at least 1.")
        console = Console(file=self.stderr if opts["json"] else self.stdout, highlight=False)
        if opts["clean"]:
            console.print(f"deleted {bench.cleanup_leftovers()} synthetic companies")
            return
        numbers = bench.month_end(
            entries=opts["entries"],
            customers=opts["customers"],
            seed=opts["seed"],
            batch_size=opts["batch_size"],
            keep=opts["keep"],
            log=lambda line: console.print(f"[dim]{line}[/dim]"),
        )
        if opts["json"]:
            self.stdout.write(json.dumps(numbers))
            return
        table = Table(title=f"month-end on {numbers['database']}")
        table.add_column("measure")
        table.add_column("value", justify="right")
        for key, value in numbers.items():
            table.add_row(key, "-" if value is None else str(value))
        console.print(table)
