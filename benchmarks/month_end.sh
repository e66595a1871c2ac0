#!/usr/bin/env bash
# The month-end benchmark on SQLite and on PostgreSQL, one JSON line each.
#
#   benchmarks/month_end.sh [ENTRIES] [POSTGRES_URL]
#
# ENTRIES defaults to 100000. POSTGRES_URL defaults to a database "faktura_bench" on the local
# server (created when missing); pass "-" to skip PostgreSQL. SQLite runs in a throwaway data
# directory. Each run builds its synthetic company, measures, and deletes it again.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FAKTURA="$ROOT/.venv/bin/faktura"
ENTRIES="${1:-100000}"
PG_URL="${2:-postgres://postgres@127.0.0.1:5432/faktura_bench}"

if [[ ! -x "$FAKTURA" ]]; then
    echo "run 'make install' first" >&2
    exit 1
fi

SQLITE_DIR="$(mktemp -d)"
trap 'rm -rf "$SQLITE_DIR"' EXIT
echo "== SQLite ($ENTRIES entries)" >&2
env -u DATABASE_URL FAKTURA_DATA_DIR="$SQLITE_DIR" "$FAKTURA" migrate -v0
env -u DATABASE_URL FAKTURA_DATA_DIR="$SQLITE_DIR" \
    "$FAKTURA" bench month-end --entries "$ENTRIES" --json

if [[ "$PG_URL" != "-" ]]; then
    echo "== PostgreSQL ($ENTRIES entries)" >&2
    db="${PG_URL##*/}"
    server="${PG_URL%/*}/postgres"
    if command -v psql >/dev/null; then
        psql "$server" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 \
            || psql "$server" -qc "CREATE DATABASE \"$db\""
    fi
    DATABASE_URL="$PG_URL" FAKTURA_DATA_DIR="$SQLITE_DIR" "$FAKTURA" migrate -v0
    DATABASE_URL="$PG_URL" FAKTURA_DATA_DIR="$SQLITE_DIR" \
        "$FAKTURA" bench month-end --entries "$ENTRIES" --json
fi
