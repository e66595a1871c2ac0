"""`faktura bank-import FILE [--tenant SLUG]`: import a CAMT.053 or MT940 statement now and
match its incoming payments. Importing the same file again changes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import IO, cast

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.table import Table

from faktura.common.context import CommandContext
from faktura.common.errors import FakturaError
from faktura.receivables.inputs import BankStatementUpload
from faktura.receivables.services.bank import (
    bank_statement_import,
    bank_statement_receive,
    tenant_for_cli,
)


class Command(BaseCommand):
    help = "Import a bank statement (CAMT.053 or MT940) and match its payments to invoices."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the statement file")
        parser.add_argument("--tenant", help="the company's slug (needed when there are several)")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            tenant = tenant_for_cli(options.get("tenant"))
            ctx = CommandContext(tenant=tenant, source="cli")
            upload = BankStatementUpload(filename=path.name, content=path.read_bytes())
            statement = bank_statement_receive(ctx, data=upload)
            statement = bank_statement_import(ctx, statement_id=statement.pk)
        except FakturaError as exc:
            raise CommandError(exc.message) from None
        table = Table(title=f"{path.name} ({statement.format}, {statement.account})")
        for column in ("transactions", "matched", "suggested", "unmatched", "duplicates"):
            table.add_column(column, justify="right")
        table.add_row(
            *(str(getattr(statement, c)) for c in ("transactions", "matched", "suggested",
                                                  "unmatched", "duplicates"))
        )  # fmt: skip
        # Django's OutputWrapper writes like a text stream.
        Console(file=cast(IO[str], self.stdout), width=100).print(table)
