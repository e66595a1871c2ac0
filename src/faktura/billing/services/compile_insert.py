"""Writing compiled items as plain rows, and marking their entries.

Compile may write millions of items. Building a model instance per item for ``bulk_create``
and letting Django prepare each of its 27 values costs several times what the database itself
needs, so compile hands over tuples in `COLUMNS` order and they go in as they are: ``COPY`` on
PostgreSQL, one prepared ``executemany`` on SQLite. Nothing is skipped that the ORM would do:
values arrive quantised (core), timestamps are set here, and every constraint of the table
(the unique live item per entry and kind above all) is enforced by the database as usual.
A field added to `BillableItem` later is written with its default.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cache

from django.db import connection

from faktura.billing.models import BillableItem
from faktura.common.sql import id_in
from faktura.work.models import TaskEntry

# What compile fills in, in this order (after created_at, updated_at).
COLUMNS: tuple[str, ...] = (
    "tenant_id", "kind", "status", "entry_id", "task_id", "project_id", "contact_id",
    "membership_id", "product_id", "product_name", "description", "unit", "logged_seconds",
    "quantity", "unit_price", "amount", "currency", "price_source", "warnings", "vat_category",
    "vat_rate", "service_date",
)  # fmt: skip
_STAMPS = ("created_at", "updated_at")
_SQLITE_CHUNK = 5_000


@cache
def _defaults() -> tuple[tuple[str, ...], tuple]:
    """The other columns of the table and the value each gets (its field default)."""
    names, values = [], []
    for model_field in BillableItem._meta.concrete_fields:
        column = model_field.column
        if model_field.primary_key or column in COLUMNS or column in _STAMPS:
            continue
        names.append(column)
        value = model_field.get_default()
        if isinstance(value, list | dict):
            value = json.dumps(value)
        values.append(value)
    return tuple(names), tuple(values)


def warnings_json(warnings) -> str:
    return json.dumps(list(warnings), separators=(",", ":"))


def insert_rows(rows: list[tuple], *, now: dt.datetime) -> None:
    """Insert item rows (each in `COLUMNS` order, `warnings` already JSON text)."""
    if not rows:
        return
    names, defaults = _defaults()
    columns = (*_STAMPS, *COLUMNS, *names)
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    table = connection.ops.quote_name(BillableItem._meta.db_table)
    stamp = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Errors of COPY (a unique violation) reach the caller as Django's IntegrityError.
            sql = f"COPY {table} ({quoted}) FROM STDIN"
            with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row((stamp, stamp, *row, *defaults))
            return
        marks = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {table} ({quoted}) VALUES ({marks})"  # noqa: S608 - names are ours
        for start in range(0, len(rows), _SQLITE_CHUNK):
            cursor.executemany(
                sql,
                [(stamp, stamp, *row, *defaults) for row in rows[start : start + _SQLITE_CHUNK]],
            )


def mark_entries_compiled(*, tenant, entry_ids: list[int]) -> int:
    """Set `compiled` on entries the caller holds (locked and checked unbilled in its
    transaction); by primary key only, for the reason `compile_lock_entries` gives."""
    return (
        TaskEntry.objects.filter(id_in("id", entry_ids), tenant=tenant)
        .order_by()
        .update(billing_state=TaskEntry.BillingState.COMPILED)
    )
