"""Set-based statements over long lists of ids, the same on PostgreSQL and SQLite.

Month-end work touches every item of a month in a handful of statements. Two things decide
what those statements cost besides the database's own work:

- PostgreSQL: psycopg parses the query text for its ``%s`` placeholders in Python, so a
  statement with thousands of them costs more to send than to run. Long lists travel as one
  array parameter instead (``unnest``), whatever their length.
- SQLite: there are no arrays, and a statement takes at most 32,766 variables; lists go in
  batches of `SQLITE_BATCH` plain placeholders (the driver binds them in C, cheaply).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

SQLITE_BATCH = 2_000  # ids per statement on SQLite
POSTGRES_BATCH = 50_000  # ids per statement on PostgreSQL (one array parameter)


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def id_batches(ids: Iterable[Any]) -> Iterator[list[Any]]:
    """The ids in batches of the size one statement of this database takes well."""
    ids = list(ids)
    size = POSTGRES_BATCH if _is_postgres() else SQLITE_BATCH
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _pg_array(values: Iterable[Any]) -> str:
    """A PostgreSQL array literal of integers (one text parameter: psycopg's list adapter
    would inspect every element)."""
    return "{" + ",".join(str(int(value)) for value in values) + "}"


def id_in(field: str, ids: Iterable[int]) -> Q:
    """``field IN ids`` for a batch of ids (see `id_batches`): on PostgreSQL one array
    parameter, on SQLite plain placeholders."""
    ids = list(ids)
    if _is_postgres():
        return Q(**{f"{field}__in": RawSQL("SELECT unnest(%s::bigint[])", (_pg_array(ids),))})
    return Q(**{f"{field}__in": ids})


def pairs_source(pairs: Sequence[tuple[int, int]]) -> tuple[str, list[Any]]:
    """A derived table ``(SELECT ...) AS v`` with integer columns ``v.k`` and ``v.val``
    holding these pairs, as SQL and its parameters, for ``UPDATE ... FROM``."""
    if _is_postgres():
        keys = _pg_array(key for key, _ in pairs)
        values = _pg_array(value for _, value in pairs)
        return "unnest(%s::bigint[], %s::bigint[]) AS v(k, val)", [keys, values]
    rows = ", ".join("(%s, %s)" for _ in pairs)
    params = [n for pair in pairs for n in pair]
    # placeholders only
    return f"(SELECT column1 AS k, column2 AS val FROM (VALUES {rows})) AS v", params  # noqa: S608


def pair_batches(pairs: Sequence[tuple[int, int]]) -> Iterator[Sequence[tuple[int, int]]]:
    """Pairs in batches one `pairs_source` statement takes (two variables a pair on SQLite)."""
    size = POSTGRES_BATCH if _is_postgres() else SQLITE_BATCH
    for start in range(0, len(pairs), size):
        yield pairs[start : start + size]
