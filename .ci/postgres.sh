#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the contract tests (bot/storage/sql on PostgreSQL).
#
#   eval "$(.ci/postgres.sh start)"   # installs PostgreSQL if missing, starts a cluster in a
#                                     # temp folder on 127.0.0.1:<free port>, creates a database
#                                     # and prints `export PARLEY_TEST_POSTGRES=postgresql://...`
#                                     # and `export PARLEY_TEST_POSTGRES_DIR=<folder>`
#   .ci/postgres.sh stop [FOLDER]     # stops it and deletes the folder (default: $PARLEY_TEST_POSTGRES_DIR)
#
# Everything but the export lines goes to stderr. Works as root (the server runs as the
# `postgres` user, created if missing: initdb refuses root) and as an ordinary user.
set -euo pipefail

log() { echo "postgres.sh: $*" >&2; }

find_bin() {  # the directory holding initdb/pg_ctl/postgres (Debian keeps them off PATH)
  local dir
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v initdb)"
    return 0
  fi
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
      echo "$dir"
      return 0
    fi
  done
  return 1
}

install_postgres() {
  if find_bin >/dev/null; then return 0; fi
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    log "PostgreSQL is not installed; install it (Debian: apt-get install postgresql) and retry"
    exit 1
  fi
  log "installing PostgreSQL (apt-get install postgresql)"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2
  find_bin >/dev/null || { log "no initdb after installing postgresql"; exit 1; }
}

tool() {  # a client program: beside initdb, else on PATH
  if [ -x "$1/$2" ]; then echo "$1/$2"; else command -v "$2"; fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

run=()
as_server_user() {  # initdb and postgres refuse to run as root: run them as `postgres`
  [ "$(id -u)" -eq 0 ] || return 0
  if ! id postgres >/dev/null 2>&1; then
    log "creating the system user postgres"
    useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin postgres
  fi
  if command -v runuser >/dev/null 2>&1; then
    run=(runuser -u postgres --)
  else
    run=(su postgres -s /bin/sh -c '"$0" "$@"')
  fi
}

start() {
  install_postgres
  local bin dir port password
  bin="$(find_bin)"
  dir="$(mktemp -d "${TMPDIR:-/tmp}/parley-pg.XXXXXX")"
  port="$(free_port)"
  password="parley-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
  as_server_user
  [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
  printf '%s\n' "$password" >"$dir/pwfile"
  chmod 600 "$dir/pwfile"
  [ "$(id -u)" -eq 0 ] && chown postgres "$dir/pwfile"
  "${run[@]}" "$bin/initdb" -D "$dir/data" -U parley --pwfile="$dir/pwfile" \
    --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >&2 \
    || "${run[@]}" "$bin/initdb" -D "$dir/data" -U parley --pwfile="$dir/pwfile" \
      --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --locale=C >&2
  rm -f "$dir/pwfile"
  # A test cluster: durability off (fsync, full-page writes), only 127.0.0.1, socket in $dir.
  "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start -o \
    "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off \
     -c full_page_writes=off -c max_connections=200" >&2 \
    || { cat "$dir/server.log" >&2; exit 1; }
  PGPASSWORD="$password" "$(tool "$bin" psql)" -q -h 127.0.0.1 -p "$port" -U parley -d postgres \
    -c "CREATE DATABASE parley" >&2
  log "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($dir)"
  echo "export PARLEY_TEST_POSTGRES=postgresql://parley:$password@127.0.0.1:$port/parley"
  echo "export PARLEY_TEST_POSTGRES_DIR=$dir"
}

stop() {
  local dir="${1:-${PARLEY_TEST_POSTGRES_DIR:-}}" bin
  [ -n "$dir" ] && [ -d "$dir/data" ] || { log "no cluster folder given"; exit 1; }
  bin="$(find_bin)"
  as_server_user
  "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
  rm -rf "$dir"
}

case "${1:-start}" in
  start) start ;;
  stop) shift; stop "$@" ;;
  *) log "usage: $0 [start | stop [FOLDER]]"; exit 2 ;;
esac
