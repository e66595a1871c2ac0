"""`faktura bench documents --invoices N [--workers W] [--json]`: document throughput.

Renders, for N issued-invoice snapshots of 25 lines each, what issuing stores: the Factur-X
PDF (Typst PDF/A-3b with the CII XML embedded) and the XRechnung XML, on every core by default.
"""

import json

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console

from faktura.documents.bench import bench_documents


class Command(BaseCommand):
    help = "Benchmark document rendering (Factur-X PDF + XRechnung) for N invoices."

    def add_arguments(self, parser):
        parser.add_argument("--invoices", type=int, default=1000)
        parser.add_argument("--workers", type=int, default=None, help="default: every core")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, **opts):
        if opts["invoices"] < 1:
            raise CommandError("--invoices must be at least 1.")
        if opts["workers"] is not None and opts["workers"] < 1:
            raise CommandError("--workers must be at least 1.")
        numbers = bench_documents(opts["invoices"], opts["workers"])
        if opts["json"]:
            self.stdout.write(json.dumps(numbers))
            return
        console = Console(file=self.stdout, highlight=False)
        console.print(
            f"{numbers['invoices']} invoices in {numbers['seconds']} s on "
            f"{numbers['workers']} worker(s): {numbers['per_second']} invoices/s "
            f"({numbers['per_second_per_worker']} per worker)"
        )
