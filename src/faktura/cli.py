"""The `faktura` command: a thin front over Django's management commands."""

from __future__ import annotations

import os
import sys

COMMAND_ALIASES = {
    "close-month": "close_month",
    "bank-import": "bank_import",
    "dunning-run": "dunning_run",
    "sync-run": "sync_run",
}


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "faktura.config.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    # Python modules cannot have dashes: `faktura close-month` runs the close_month command.
    if args and args[0] in COMMAND_ALIASES:
        args[0] = COMMAND_ALIASES[args[0]]
    # `faktura token create ...` and `faktura bench month-end ...` read like sub-commands;
    # the management commands are named token/bench and take the verb as first argument.
    execute_from_command_line(["faktura", *args])


if __name__ == "__main__":
    main()
