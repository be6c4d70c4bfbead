#!/bin/bash
# The query service over gRPC against PostgreSQL's own tools, in one run:
#
#   tools/bench/query_vs_peers.sh [--seconds=10] [--scale=10] [--copy_rows=1000000]
#                                 [--connections=1]
# (--connections: gRPC channels the load client spreads its calls over)
#
# 1. SELECT by primary key: `pgbench -S -M prepared -c 16 -j 2` against
#    `bench db --suite=pk --concurrency=64` through the query service
#    (pool_size=16). Goal: ours >= 60% of pgbench.
# 2. range and update suites (no pgbench counterpart; printed for the record).
# 3. COPY of the same rows: `psql \copy` from a file against the CopyIn
#    stream. Goal: ours >= 90% of psql.
# Everything runs on a private PostgreSQL (tools/pg/private_pg.sh).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
SECONDS_EACH=10
SCALE=10
COPY_ROWS=1000000
CONNECTIONS=1
for arg in "$@"; do
  case "$arg" in
    --seconds=*) SECONDS_EACH="${arg#*=}" ;;
    --scale=*) SCALE="${arg#*=}" ;;
    --copy_rows=*) COPY_ROWS="${arg#*=}" ;;
    --connections=*) CONNECTIONS="${arg#*=}" ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done

./hyper setup
bazel build -c opt //services/query //services/bench >/dev/null 2>&1 ||
  bazel build -c opt //services/query //services/bench
BIN="$(bazel info -c opt bazel-bin 2>/dev/null)"

WORK="$(mktemp -d)"
PG_DIR=""
QUERY_PID=""
cleanup() {
  [[ -n "$QUERY_PID" ]] && kill -TERM "$QUERY_PID" 2>/dev/null && wait "$QUERY_PID" 2>/dev/null
  [[ -n "$PG_DIR" ]] && tools/pg/private_pg.sh stop "$PG_DIR"
  rm -rf "$WORK"
}
trap cleanup EXIT
out="$(tools/pg/private_pg.sh start $$)"
PG_DIR="$(sed -n 's/^HYPER_PG_DIR=//p' <<<"$out")"
ADMIN_URL="$(sed -n 's/^HYPER_PG_URL=//p' <<<"$out")"
psql -q "$ADMIN_URL" -c "CREATE DATABASE bench" >/dev/null
URL="${ADMIN_URL%/postgres}/bench"
echo "pgbench -i -s $SCALE ..."
pgbench -q -i -s "$SCALE" "$URL" >/dev/null 2>&1
psql -q "$URL" -c "CREATE TABLE bench_copy (id int8, payload text)" >/dev/null
ACCOUNTS=$((SCALE * 100000))

"$BIN/services/query/query" --host=127.0.0.1 --port=0 --admin_port=0 \
  --database="$URL?pool_size=16" >"$WORK/query.log" 2>&1 &
QUERY_PID=$!
PORT=""
for _ in $(seq 1 100); do
  PORT="$(sed -n 's/.*serving grpc on .*:\([0-9]*\)$/\1/p' "$WORK/query.log")"
  [[ -n "$PORT" ]] && break
  sleep 0.1
done
[[ -n "$PORT" ]] || { echo "query service did not start:"; cat "$WORK/query.log"; exit 1; }
BENCH=("$BIN/services/bench/bench" db --query_addr="127.0.0.1:$PORT" --accounts="$ACCOUNTS"
       --query_connections="$CONNECTIONS")

echo "SELECT by primary key, ${SECONDS_EACH}s each"
pg_tps="$(pgbench -S -M prepared -c 16 -j 2 -T "$SECONDS_EACH" "$URL" 2>/dev/null |
  awk '/^tps = / {print int($3)}')"
"${BENCH[@]}" --suite=pk --concurrency=64 --duration=2s >/dev/null  # warm-up
ours_line="$("${BENCH[@]}" --suite=pk --concurrency=64 --duration="${SECONDS_EACH}s")"
ours_ops="$(sed -n 's/^pk: \([0-9]*\) ops.*/\1/p' <<<"$ours_line")"
range_line="$("${BENCH[@]}" --suite=range --concurrency=64 --duration="${SECONDS_EACH}s")"
update_line="$("${BENCH[@]}" --suite=update --concurrency=64 --duration="${SECONDS_EACH}s")"

echo "COPY of $COPY_ROWS rows"
seq 0 $((COPY_ROWS - 1)) | awk '{printf "%d\t%s\n", $1, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}' \
  >"$WORK/rows.tsv"
t0="$(date +%s.%N)"
psql -q "$URL" -c "\\copy bench_copy FROM '$WORK/rows.tsv'" >/dev/null
t1="$(date +%s.%N)"
psql_rps="$(echo "$COPY_ROWS / ($t1 - $t0)" | bc)"
psql -q "$URL" -c "TRUNCATE bench_copy" >/dev/null
copy_line="$("${BENCH[@]}" --suite=copy --rows="$COPY_ROWS")"
ours_rps="$(sed -n 's/.*= \([0-9]*\) rows\/s.*/\1/p' <<<"$copy_line")"

echo
printf '%-52s %12s\n' "pgbench -S -M prepared -c 16 -j 2 (tps)" "$pg_tps"
printf '%-52s %12s   %s of pgbench\n' "hyper query, 64 in flight (ops/s)" "$ours_ops" \
  "$(echo "scale=2; $ours_ops / $pg_tps" | bc)"
echo "  $ours_line"
echo "  $range_line"
echo "  $update_line"
printf '%-52s %12s\n' "psql \\copy (rows/s)" "$psql_rps"
printf '%-52s %12s   %s of psql\n' "hyper query CopyIn (rows/s)" "$ours_rps" \
  "$(echo "scale=2; $ours_rps / $psql_rps" | bc)"
