"""Writing many receivables rows as plain values (a bank statement's transactions, the
payments, allocations and audit rows of its matches).

A statement may carry ten thousand credits. Building a model instance per row for
``bulk_create`` and letting Django prepare each value cost half of an import, so the import
hands over plain values per column and they go in as they are: ``COPY`` on PostgreSQL, one
prepared ``executemany`` per chunk on SQLite (as `billing.services.compile_insert` does for
compiled items). Every constraint of the table is enforced by the database as usual; a column
the caller does not name is written with its field default.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from functools import cache
from typing import Any

from django.db import connection, models

_SQLITE_CHUNK = 5_000


@cache
def _defaults(model: type[models.Model], given: tuple[str, ...]) -> tuple[tuple[str, ...], tuple]:
    """The columns of `model` not in `given` (nor the primary key) and their field defaults."""
    names: list[str] = []
    values: list[Any] = []
    for model_field in model._meta.concrete_fields:
        column = model_field.column
        if model_field.primary_key or column is None or column in given:
            continue
        value = model_field.get_default()
        if isinstance(value, list | dict):
            value = json.dumps(value)
        names.append(column)
        values.append(value)
    return tuple(names), tuple(values)


def plain_value(value: Any) -> Any:
    """A value as the database driver takes it where it needs converting: a timestamp as
    Django writes it (UTC; text on SQLite), JSON as text. Dates and decimals go in as they
    are (Django registers their SQLite adapters; psycopg adapts them)."""
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return value


def insert_plain(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[tuple], *, now: dt.datetime
) -> None:
    """Insert `rows` (tuples of plain values in `columns` order) into the model's table.
    `created_at`/`updated_at`, where the table has them and `columns` leaves them out, are
    `now`."""
    if not rows:
        return
    table_columns = {f.column for f in model._meta.concrete_fields}
    stamps = tuple(
        c for c in ("created_at", "updated_at") if c in table_columns and c not in columns
    )
    given = (*stamps, *columns)
    names, defaults = _defaults(model, given)
    all_columns = (*given, *names)
    stamp = connection.ops.adapt_datetimefield_value(now)
    head = (stamp,) * len(stamps)
    quoted = ", ".join(connection.ops.quote_name(column) for column in all_columns)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = f"COPY {table} ({quoted}) FROM STDIN"
            with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row((*head, *row, *defaults))
            return
        marks = ", ".join(["%s"] * len(all_columns))
        sql = f"INSERT INTO {table} ({quoted}) VALUES ({marks})"  # noqa: S608 - names are ours
        for start in range(0, len(rows), _SQLITE_CHUNK):
            cursor.executemany(
                sql, [(*head, *row, *defaults) for row in rows[start : start + _SQLITE_CHUNK]]
            )
