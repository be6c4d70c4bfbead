#!/bin/bash
# A private, throwaway PostgreSQL for tests and for `./hyper up`.
#
#   private_pg.sh start [OWNER_PID]  creates a cluster in a new temp folder,
#                                    starts it on 127.0.0.1:<free port> and a
#                                    socket in that folder, and prints
#                                    `HYPER_PG_DIR=<dir>` and
#                                    `HYPER_PG_URL=<url>` on stdout.
#   private_pg.sh stop DIR           stops the server by its own PID file and
#                                    deletes DIR.
#   private_pg.sh restart DIR        stops the server of DIR if it runs (the
#                                    folder and data stay) and starts it again
#                                    on the port it had, so its URL still
#                                    works (outage tests).
#   private_pg.sh sweep              stops and deletes every instance whose
#                                    owner process is gone (a crashed run).
#
# The cluster is owned by the `postgres` system user when run as root
# (initdb refuses root). Durability is off (fsync, full_page_writes): the data
# is thrown away at the end of the run. Every start sweeps first, and each run
# gets a fresh folder and port, so a crashed run never breaks the next one.
set -euo pipefail

readonly ROOT="${TMPDIR:-/tmp}"
readonly PREFIX="hyper-pg."

log() { echo "private_pg: $*" >&2; }

pg_bindir() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  if [[ -z "$dir" || ! -x "$dir/initdb" ]]; then
    log "no PostgreSQL server found under /usr/lib/postgresql (run ./hyper setup)"
    exit 1
  fi
  echo "$dir"
}

# Runs a command as the cluster's owner.
as_owner() {
  if [[ "$(id -u)" == 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

alive() { [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null; }

# Stops the postmaster of DIR by the PID in its own postmaster.pid: SIGINT
# (fast shutdown), then SIGQUIT (immediate), then SIGKILL.
stop_postmaster() {
  local dir="$1" pid="" i
  if [[ -f "$dir/data/postmaster.pid" ]]; then
    pid="$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null || true)"
  fi
  if alive "$pid"; then
    kill -INT "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do alive "$pid" || break; sleep 0.1; done
    if alive "$pid"; then
      kill -QUIT "$pid" 2>/dev/null || true
      for i in $(seq 1 50); do alive "$pid" || break; sleep 0.1; done
    fi
    if alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
  fi
}

# Stops the postmaster of DIR and deletes DIR.
stop_dir() {
  local dir="$1"
  stop_postmaster "$dir"
  case "$dir" in
    "$ROOT/$PREFIX"*) rm -rf -- "$dir" ;;
    *) log "refusing to delete $dir: not a private_pg folder"; return 1 ;;
  esac
}

sweep() {
  local dir owner
  for dir in "$ROOT/$PREFIX"*; do
    [[ -d "$dir" ]] || continue
    owner="$(cat "$dir/owner.pid" 2>/dev/null || true)"
    if ! alive "$owner"; then
      log "cleaning up $dir left by a finished run"
      stop_dir "$dir" || true
    fi
  done
}

# Starts the cluster in DIR on PORT; fails if it does not come up.
pg_start() {
  local bindir="$1" dir="$2" port="$3"
  as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
      -o "-c listen_addresses=127.0.0.1 -c port=$port \
          -c unix_socket_directories=$dir/socket \
          -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
          -c max_connections=300 -c shared_buffers=256MB" \
      start >/dev/null 2>&1
}

restart() {
  local dir="$1" bindir port
  bindir="$(pg_bindir)"
  port="$(cat "$dir/port" 2>/dev/null || true)"
  if [[ -z "$port" ]]; then
    log "$dir has no port file: not started by this script's start"
    exit 1
  fi
  stop_postmaster "$dir"
  if ! pg_start "$bindir" "$dir" "$port"; then
    log "PostgreSQL did not restart on port $port; its log:"
    tail -n 20 "$dir/server.log" >&2 || true
    exit 1
  fi
}

start() {
  local owner="${1:-$PPID}" bindir dir port attempt
  bindir="$(pg_bindir)"
  sweep
  dir="$(mktemp -d "$ROOT/${PREFIX}XXXXXX")"
  echo "$owner" >"$dir/owner.pid"
  mkdir -p "$dir/data" "$dir/socket"
  if [[ "$(id -u)" == 0 ]]; then
    chown -R postgres:postgres "$dir"
    chmod 755 "$dir"
  fi
  if ! as_owner "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust \
      -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1; then
    log "initdb failed:"; cat "$dir/initdb.log" >&2
    stop_dir "$dir"; exit 1
  fi
  for attempt in 1 2 3 4 5 6 7 8; do
    port=$((20000 + RANDOM % 30000))
    if pg_start "$bindir" "$dir" "$port"; then
      echo "$port" >"$dir/port"
      echo "HYPER_PG_DIR=$dir"
      echo "HYPER_PG_URL=postgresql://postgres@127.0.0.1:$port/postgres"
      return 0
    fi
    if ! grep -q "could not bind\|Address already in use" "$dir/server.log" 2>/dev/null; then
      break
    fi
    : >"$dir/server.log"
  done
  log "PostgreSQL did not start; its log:"
  cat "$dir/server.log" >&2 || true
  stop_dir "$dir"
  exit 1
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) [[ -n "${2:-}" ]] || { log "usage: $0 stop DIR"; exit 2; }; stop_dir "$2" ;;
  restart) [[ -n "${2:-}" ]] || { log "usage: $0 restart DIR"; exit 2; }; restart "$2" ;;
  sweep) sweep ;;
  *) echo "usage: $0 start [OWNER_PID] | stop DIR | restart DIR | sweep" >&2; exit 2 ;;
esac
