"""`faktura bench month-end|documents`: the benchmarks of `benchmarks/` (DESIGN.md section 7).

    faktura bench month-end --entries N [--customers C] [--seed S] [--batch-size B]
                            [--keep | --clean] [--json]
    faktura bench documents --invoices N [--workers W] [--json]
    faktura bench receivables --invoices N [--credits C] [--json]
    faktura bench subscriptions --subscriptions N [--json]
    faktura bench review --entries N [--json]
    faktura bench sync --invoices N [--workers W] [--json]
    faktura bench reports [--entries N] [--invoices I] [--repeat R] [--keep | --clean] [--json]

The benchmark code lives in the source checkout's ``benchmarks/`` package, beside ``src/``;
this command finds it there, so it runs wherever ``make install`` set Faktura up.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from types import ModuleType

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.table import Table

import faktura


def load_benchmark(name: str) -> ModuleType:
    """`benchmarks.<name>` from the checkout Faktura runs from."""
    checkout = Path(faktura.__file__).resolve().parents[2]
    if not (checkout / "benchmarks" / "__init__.py").is_file():
        raise CommandError(
            "The benchmarks live in the benchmarks/ folder of a Faktura source checkout; "
            "run them from one (make install)."
        )
    if str(checkout) not in sys.path:
        sys.path.append(str(checkout))
    return importlib.import_module(f"benchmarks.{name}")


class Command(BaseCommand):
    help = (
        "Benchmarks. month-end: build a synthetic company, then time compile and draft "
        "generation against a raw INSERT ... SELECT floor in the same database. documents: "
        "render Factur-X PDF and XRechnung for N invoices on every core."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="benchmark", required=True)
        month = sub.add_parser("month-end", help="compile and drafts against a raw-SQL floor")
        month.add_argument("--entries", type=int, default=100_000)
        month.add_argument("--customers", type=int, default=1_000)
        month.add_argument("--seed", type=int, default=1, help="for the synthetic data")
        month.add_argument("--batch-size", type=int, default=None, help="entries per batch")
        month.add_argument("--keep", action="store_true", help="keep the synthetic company")
        month.add_argument(
            "--clean", action="store_true",
            help="only delete synthetic companies that earlier runs left behind",
        )  # fmt: skip
        month.add_argument("--json", action="store_true", help="print one JSON object")
        docs = sub.add_parser("documents", help="Factur-X PDF and XRechnung throughput")
        docs.add_argument("--invoices", type=int, default=1000)
        docs.add_argument("--workers", type=int, default=None, help="default: every core")
        docs.add_argument("--json", action="store_true", help="print one JSON object")
        recv = sub.add_parser(
            "receivables", help="bank statement import and dunning proposals over open invoices"
        )
        recv.add_argument("--invoices", type=int, default=10_000)
        recv.add_argument(
            "--credits", type=int, default=None,
            help="credits in the statement (default: one per invoice, at most 10,000)",
        )  # fmt: skip
        recv.add_argument("--json", action="store_true", help="print one JSON object")
        subs = sub.add_parser("subscriptions", help="the due run over N subscriptions, twice")
        subs.add_argument("--subscriptions", type=int, default=10_000)
        subs.add_argument("--json", action="store_true", help="print one JSON object")
        review = sub.add_parser(
            "review", help="the billing review of one customer: load, Bill all and issue"
        )
        review.add_argument("--entries", type=int, default=5_000)
        review.add_argument("--json", action="store_true", help="print one JSON object")
        sync = sub.add_parser(
            "sync", help="accounting sync and webhooks against a local fake server, DATEV export"
        )
        sync.add_argument("--invoices", type=int, default=10_000)
        sync.add_argument("--workers", type=int, default=8, help="provider calls at a time")
        sync.add_argument("--json", action="store_true", help="print one JSON object")
        reports = sub.add_parser(
            "reports", help="every report through the HTTP API over a year of synthetic data"
        )
        reports.add_argument("--entries", type=int, default=1_000_000)
        reports.add_argument("--invoices", type=int, default=10_000)
        reports.add_argument("--repeat", type=int, default=3, help="requests per report")
        reports.add_argument("--keep", action="store_true", help="keep the synthetic company")
        reports.add_argument(
            "--clean", action="store_true",
            help="only delete synthetic companies that earlier runs left behind",
        )  # fmt: skip
        reports.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, **opts):
        if opts["benchmark"] == "subscriptions":
            self._counted(opts, name="subscriptions", count="subscriptions")
            return
        if opts["benchmark"] == "review":
            self._counted(opts, name="review", count="entries", title="billing review")
            return
        if opts["benchmark"] == "sync":
            self._sync(opts)
            return
        if opts["benchmark"] == "reports":
            self._reports(opts)
            return
        if opts["benchmark"] == "receivables":
            self._receivables(opts)
            return
        if opts["benchmark"] == "documents":
            self._documents(opts)
        else:
            self._month_end(opts)

    def _month_end(self, opts) -> None:
        if opts["entries"] < 1 or opts["customers"] < 1:
            raise CommandError("--entries and --customers must be at least 1.")
        bench = load_benchmark("month_end")
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

    def _documents(self, opts) -> None:
        if opts["invoices"] < 1:
            raise CommandError("--invoices must be at least 1.")
        if opts["workers"] is not None and opts["workers"] < 1:
            raise CommandError("--workers must be at least 1.")
        numbers = load_benchmark("documents").bench_documents(opts["invoices"], opts["workers"])
        if opts["json"]:
            self.stdout.write(json.dumps(numbers))
            return
        Console(file=self.stdout, highlight=False).print(
            f"{numbers['invoices']} invoices in {numbers['seconds']} s on "
            f"{numbers['workers']} worker(s): {numbers['per_second']} invoices/s "
            f"({numbers['per_second_per_worker']} per worker)"
        )

    def _receivables(self, opts) -> None:
        if opts["invoices"] < 1 or (opts["credits"] is not None and opts["credits"] < 1):
            raise CommandError("--invoices and --credits must be at least 1.")
        bench = load_benchmark("receivables")
        console = Console(file=self.stderr if opts["json"] else self.stdout, highlight=False)
        numbers = bench.bench_receivables(
            opts["invoices"], opts["credits"], log=lambda line: console.print(f"[dim]{line}[/dim]")
        )
        if opts["json"]:
            self.stdout.write(json.dumps(numbers))
            return
        table = Table(title=f"receivables on {numbers['database']}")
        table.add_column("measure")
        table.add_column("value", justify="right")
        for key, value in numbers.items():
            table.add_row(key, "-" if value is None else str(value))
        console.print(table)

    def _counted(self, opts, *, name: str, count: str, title: str = "") -> None:
        """A benchmark of `benchmarks/<name>.py` whose `bench_<name>(n, log=...)` takes one
        count and answers a flat dict of figures."""
        if opts[count] < 1:
            raise CommandError(f"--{count} must be at least 1.")
        bench = load_benchmark(name)
        console = Console(file=self.stderr if opts["json"] else self.stdout, highlight=False)
        numbers = getattr(bench, f"bench_{name}")(
            opts[count], log=lambda line: console.print(f"[dim]{line}[/dim]")
        )
        self._report(console, numbers, title=title or name, json_only=opts["json"])

    def _sync(self, opts) -> None:
        if opts["invoices"] < 1 or opts["workers"] < 1:
            raise CommandError("--invoices and --workers must be at least 1.")
        console = Console(file=self.stderr if opts["json"] else self.stdout, highlight=False)
        numbers = load_benchmark("sync").bench_sync(
            opts["invoices"], opts["workers"], log=lambda line: console.print(f"[dim]{line}[/dim]")
        )
        self._report(console, numbers, title="sync", json_only=opts["json"])

    def _reports(self, opts) -> None:
        if opts["entries"] < 1 or opts["invoices"] < 1 or opts["repeat"] < 1:
            raise CommandError("--entries, --invoices and --repeat must be at least 1.")
        bench = load_benchmark("reports")
        console = Console(file=self.stderr if opts["json"] else self.stdout, highlight=False)
        if opts["clean"]:
            console.print(f"deleted {bench.cleanup_leftovers()} synthetic companies")
            return
        numbers = bench.bench_reports(
            opts["entries"], opts["invoices"], opts["repeat"],
            log=lambda line: console.print(f"[dim]{line}[/dim]"), keep=opts["keep"],
        )  # fmt: skip
        if opts["json"]:
            self.stdout.write(json.dumps(numbers))
            return
        table = Table(
            title=f"reports on {numbers['database']} ({numbers['entries']} entries, "
            f"{numbers['invoices']} invoices, built in {numbers['build_s']} s)"
        )
        for column in ("report", "status", "best s", "median s"):
            table.add_column(column, justify="left" if column == "report" else "right")
        for name, row in numbers["reports"].items():
            table.add_row(name, str(row["status"]), str(row["best_s"]), str(row["median_s"]))
        console.print(table)

    def _report(self, console, numbers: dict, *, title: str, json_only: bool) -> None:
        if json_only:
            self.stdout.write(json.dumps(numbers))
            return
        table = Table(title=f"{title} on {numbers['database']}")
        table.add_column("measure")
        table.add_column("value", justify="right")
        for key, value in numbers.items():
            table.add_row(key, "-" if value is None else str(value))
        console.print(table)
