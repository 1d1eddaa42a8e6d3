#!/usr/bin/env bash
# Runs the whole suite: on SQLite always, and on a throw-away PostgreSQL cluster
# when PostgreSQL's server binaries are installed (or TESSERA_TEST_POSTGRES_DSN
# already names a database). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"

if [[ -z "${TESSERA_TEST_POSTGRES_DSN:-}" ]]; then
  # A state dir per run, so two runs at once never stop each other's cluster.
  TESSERA_PG_STATE="$(mktemp -d "${TMPDIR:-/tmp}/tessera-pg.XXXXXX")"
  export TESSERA_PG_STATE
  if dsn="$(scripts/pg-throwaway.sh start)"; then
    export TESSERA_TEST_POSTGRES_DSN="$dsn"
    trap 'scripts/pg-throwaway.sh stop' EXIT
    echo "test.sh: PostgreSQL tests run on a throw-away cluster ($TESSERA_TEST_POSTGRES_DSN)"
  else
    rm -rf "$TESSERA_PG_STATE"
    echo "test.sh: PostgreSQL server binaries not found: running the SQLite half only." >&2
    echo "test.sh: install them (Debian: apt-get install postgresql) to run both engines." >&2
  fi
fi
"$PYTHON" -m pytest "$@"
