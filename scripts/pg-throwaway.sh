#!/usr/bin/env bash
# A throw-away PostgreSQL cluster on 127.0.0.1, for tests.
#   pg-throwaway.sh start   initdb in a temp dir, start, create a database; prints the DSN
#   pg-throwaway.sh stop    stop the cluster and delete its directory
#   pg-throwaway.sh pause [fast|immediate]   stop the server, keep the cluster (fault tests)
#   pg-throwaway.sh resume  start a paused cluster again, on the same port
# Exits 3 (printing nothing on stdout) when PostgreSQL's binaries are missing.
# As root the server runs as the `postgres` OS user (initdb refuses root).
set -euo pipefail
STATE="${TESSERA_PG_STATE:-${TMPDIR:-/tmp}/tessera-pg-throwaway}"

bin_dir() {
  local debian
  debian="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  if [[ -n "$debian" ]]; then echo "$debian"; return; fi
  if command -v pg_ctl >/dev/null 2>&1; then dirname "$(readlink -f "$(command -v pg_ctl)")"; fi
}

as_owner() {
  if [[ "$(id -u)" == 0 ]]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi
}

start_server() {
  as_owner "'$1/pg_ctl' -D '$STATE/data' -l '$STATE/server.log' -w -o \"-c listen_addresses=127.0.0.1 -p $2 -c unix_socket_directories='$STATE' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200\" start" >/dev/null \
    || { cat "$STATE/server.log" >&2; exit 1; }
}

case "${1:-}" in
  start)
    BIN="$(bin_dir)"
    [[ -n "$BIN" && -x "$BIN/initdb" ]] || exit 3
    rm -rf "$STATE"; mkdir -p "$STATE"
    [[ "$(id -u)" == 0 ]] && chown postgres:postgres "$STATE"
    PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    as_owner "'$BIN/initdb' -D '$STATE/data' -E UTF8 --locale=C -A trust -U postgres" >"$STATE/initdb.log" 2>&1 \
      || { cat "$STATE/initdb.log" >&2; exit 1; }
    # Durability is pointless for a throw-away cluster; fsync off makes the suite fast.
    start_server "$BIN" "$PORT"
    as_owner "'$BIN/psql' -h 127.0.0.1 -p $PORT -U postgres -qAt -c 'CREATE DATABASE tessera_test'" >/dev/null
    echo "$PORT" >"$STATE/port"
    echo "postgresql://postgres@127.0.0.1:$PORT/tessera_test"
    ;;
  stop)
    BIN="$(bin_dir)"
    if [[ -f "$STATE/data/postmaster.pid" ]]; then
      as_owner "'$BIN/pg_ctl' -D '$STATE/data' -m immediate -w stop" >/dev/null 2>&1 || true
    fi
    rm -rf "$STATE"
    ;;
  pause)
    as_owner "'$(bin_dir)/pg_ctl' -D '$STATE/data' -m '${2:-fast}' -w stop" >/dev/null
    ;;
  resume)
    start_server "$(bin_dir)" "$(cat "$STATE/port")"
    ;;
  *)
    echo "usage: pg-throwaway.sh start|stop|pause [fast|immediate]|resume" >&2; exit 2 ;;
esac
