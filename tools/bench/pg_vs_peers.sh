#!/bin/bash
# Our PostgreSQL driver (libs/pg) against pgbench and psycopg 3, in one run,
# on one connection each, against the same private server and data:
#
#   tools/bench/pg_vs_peers.sh [--seconds=10] [--scale=10] [--depth=64] [--busy_us=200]
#
# Workload: pgbench's select-only transaction, SELECT abalance FROM
# pgbench_accounts WHERE aid = $1 with a random aid, prepared.
#   pgbench   pgbench -S -M prepared -c 1 -T SECONDS
#   ours/seq  libs/pg pg_load --mode=sequential (one statement per round trip)
#   ours/seq, busy wait  the same with --busy_wait_us=BUSY_US (default 200):
#             the driver polls for each reply that long before sleeping
#             (ConnectionOptions::busy_wait, URL busy_wait_us), trading a
#             busy core for the kernel's wake-up on every round trip
#   ours/pipe libs/pg pg_load --mode=pipelined (DEPTH statements in flight)
#   psycopg   psycopg 3, prepared, the same sequential loop (/usr/bin/python3)
#   pgbench/pipe  pgbench's own pipeline mode (\startpipeline ... \endpipeline)
#             with DEPTH statements, each with its own random aid: what libpq
#             pipelining can do on this server, the peer for ours/pipe
# Prints ops/s and the ratio of each to pgbench. The machine is shared and
# noisy: compare numbers from one run only.
# Env: BAZEL (default `bazel`) to pick e.g. a private --output_base.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

SECONDS_PER_RUN=10
SCALE=10
DEPTH=64
BUSY_US=200
for arg in "$@"; do
  case "$arg" in
    --seconds=*) SECONDS_PER_RUN="${arg#*=}" ;;
    --scale=*) SCALE="${arg#*=}" ;;
    --depth=*) DEPTH="${arg#*=}" ;;
    --busy_us=*) BUSY_US="${arg#*=}" ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done
BAZEL="${BAZEL:-bazel}"

if ! /usr/bin/python3 -c 'import psycopg' 2>/dev/null; then
  apt-get install -y python3-psycopg >/dev/null
fi
PGBENCH="$(command -v pgbench || ls /usr/lib/postgresql/*/bin/pgbench | sort -V | tail -n 1)"

$BAZEL build -c opt //libs/pg:pg_load >/dev/null 2>&1 || $BAZEL build -c opt //libs/pg:pg_load
PG_LOAD="$($BAZEL info -c opt bazel-bin 2>/dev/null)/libs/pg/pg_load"

# A private server owned by this script's process.
ENV_FILE="$(mktemp)"
tools/pg/private_pg.sh start $$ >"$ENV_FILE"
# shellcheck disable=SC1090
source "$ENV_FILE"
rm -f "$ENV_FILE"
cleanup() { tools/pg/private_pg.sh stop "$HYPER_PG_DIR" >/dev/null 2>&1 || true; }
trap cleanup EXIT

BASE="${HYPER_PG_URL%/*}"
URL="$BASE/pgbench"
psql "$HYPER_PG_URL" -qc "CREATE DATABASE pgbench" >/dev/null
echo "pgbench -i -s $SCALE ..." >&2
"$PGBENCH" -i -q -s "$SCALE" "$URL" >/dev/null 2>&1

tps_pgbench="$("$PGBENCH" -n -S -M prepared -c 1 -T "$SECONDS_PER_RUN" "$URL" 2>/dev/null |
  sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p')"
# pgbench's pipeline: DEPTH random keys, then DEPTH statements, one sync.
PIPE_SCRIPT="$(mktemp)"
{
  for i in $(seq "$DEPTH"); do echo "\\set a$i random(1, $((SCALE * 100000)))"; done
  echo '\startpipeline'
  for i in $(seq "$DEPTH"); do echo "SELECT abalance FROM pgbench_accounts WHERE aid = :a$i;"; done
  echo '\endpipeline'
} >"$PIPE_SCRIPT"
pgbench_pipe="$("$PGBENCH" -n -f "$PIPE_SCRIPT" -M prepared -c 1 -T "$SECONDS_PER_RUN" "$URL" 2>/dev/null |
  sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' |
  awk -v d="$DEPTH" '{ printf "%.0f", $1 * d }')"
rm -f "$PIPE_SCRIPT"
ours_seq="$("$PG_LOAD" --url="$URL" --mode=sequential --seconds="$SECONDS_PER_RUN" | awk '{print $2}')"
ours_busy="$("$PG_LOAD" --url="$URL" --mode=sequential --busy_wait_us="$BUSY_US" \
  --seconds="$SECONDS_PER_RUN" | awk '{print $2}')"
ours_pipe="$("$PG_LOAD" --url="$URL" --mode=pipelined --depth="$DEPTH" --seconds="$SECONDS_PER_RUN" | awk '{print $2}')"
psycopg="$(/usr/bin/python3 - "$URL" "$SECONDS_PER_RUN" <<'PY'
import random, sys, time
import psycopg
url, seconds = sys.argv[1], float(sys.argv[2])
with psycopg.connect(url, autocommit=True) as conn:
    n = conn.execute("SELECT count(*) FROM pgbench_accounts").fetchone()[0]
    rng = random.Random(42)
    sql = "SELECT abalance FROM pgbench_accounts WHERE aid = %s"
    ops, start = 0, time.monotonic()
    end = start + seconds
    while time.monotonic() < end:
        conn.execute(sql, (rng.randint(1, n),), prepare=True).fetchone()
        ops += 1
    print(f"{ops / (time.monotonic() - start):.0f}")
PY
)"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
printf '%-34s %12s %10s\n' "client (1 connection)" "ops/s" "vs pgbench"
printf '%-34s %12.0f %10s\n' "pgbench -S -M prepared -c 1" "$tps_pgbench" "1.00x"
printf '%-34s %12.0f %10s\n' "libs/pg sequential" "$ours_seq" "$(ratio "$ours_seq" "$tps_pgbench")"
printf '%-34s %12.0f %10s\n' "libs/pg sequential, busy wait ${BUSY_US}us" "$ours_busy" \
  "$(ratio "$ours_busy" "$tps_pgbench")"
printf '%-34s %12.0f %10s\n' "pgbench pipeline (depth $DEPTH)" "$pgbench_pipe" "$(ratio "$pgbench_pipe" "$tps_pgbench")"
printf '%-34s %12.0f %10s\n' "libs/pg pipelined (depth $DEPTH)" "$ours_pipe" "$(ratio "$ours_pipe" "$tps_pgbench")"
printf '%-34s %12.0f %10s\n' "psycopg 3 sequential (prepared)" "$psycopg" "$(ratio "$psycopg" "$tps_pgbench")"
printf 'ours/psycopg sequential: %s (busy wait: %s)\n' "$(ratio "$ours_seq" "$psycopg")" \
  "$(ratio "$ours_busy" "$psycopg")"
printf 'ours/pgbench pipelined: %s\n' "$(ratio "$ours_pipe" "$pgbench_pipe")"
