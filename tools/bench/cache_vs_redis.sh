#!/bin/bash
# The cache service against Redis (Debian's redis-server), in one run, on
# this machine, same clients count, same key space and value size:
#
#   tools/bench/cache_vs_redis.sh [--seconds=5] [--clients=50] [--keys=100000]
#                                 [--connections=4]
#
#   redis  redis-benchmark -t get,set -c CLIENTS -r KEYS -d 3 -P 1, then -P 16
#   ours   bench cache --suite=get|set --concurrency=CLIENTS --keys=KEYS
#          --value_bytes=3 --cache_connections=CONNECTIONS, unary (one key a
#          call), then --batch=16 (GetMany/SetMany of 16 keys a call),
#          throughput in keys/s; each as unary calls (CLIENTS in flight), then
#          over CLIENTS Pipeline streams with one command in flight on each (a
#          redis-benchmark client: -P 16's 16 commands are one GetMany of 16).
#          CONNECTIONS (default 4): gRPC multiplexes all
#          calls on one connection unless told otherwise; 4 measured best on
#          2 cores (1: 41K gets/s, 2: 50K, 4: 52K, 8: 54K, 50: 39K).
# Prints keys/s of each and our ratio to Redis. Both servers, the clients and
# this script share the machine's cores: compare numbers from one run only.
# Env: BAZEL (default `bazel`) to pick e.g. a private --output_base.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

SECONDS_PER_RUN=5
CLIENTS=50
KEYS=100000
CONNECTIONS=4
for arg in "$@"; do
  case "$arg" in
    --seconds=*) SECONDS_PER_RUN="${arg#*=}" ;;
    --clients=*) CLIENTS="${arg#*=}" ;;
    --keys=*) KEYS="${arg#*=}" ;;
    --connections=*) CONNECTIONS="${arg#*=}" ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done
BAZEL="${BAZEL:-bazel}"
command -v redis-server >/dev/null || ./hyper setup --bench

$BAZEL build -c opt //services/cache //services/bench >/dev/null 2>&1 ||
  $BAZEL build -c opt //services/cache //services/bench
BIN="$($BAZEL info -c opt bazel-bin 2>/dev/null)"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
REDIS_PORT="$(free_port)"
CACHE_PORT="$(free_port)"
TMP="$(mktemp -d)"
cleanup() {
  kill "${REDIS_PID:-}" "${CACHE_PID:-}" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no \
  --dir "$TMP" --daemonize no >"$TMP/redis.log" 2>&1 &
REDIS_PID=$!
"$BIN/services/cache/cache" --host=127.0.0.1 --port="$CACHE_PORT" --admin_port=-1 \
  --memory_mb=256 >"$TMP/cache.log" 2>&1 &
CACHE_PID=$!
for _ in $(seq 1 100); do
  redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && grep -q "serving grpc" "$TMP/cache.log" && break
  sleep 0.1
done

# redis-benchmark runs a request count, not a duration: size it from a
# short probe so each run lasts about SECONDS_PER_RUN.
redis_rate() {  # test pipeline -> requests/s
  local test="$1" pipeline="$2" probe n
  probe="$(redis-benchmark -p "$REDIS_PORT" -t "$test" -c "$CLIENTS" -r "$KEYS" -d 3 \
    -P "$pipeline" -n 20000 --csv | awk -F'"' 'NR == 2 { print $4 }')"
  n="$(awk -v r="$probe" -v s="$SECONDS_PER_RUN" 'BEGIN { printf "%d", r * s }')"
  redis-benchmark -p "$REDIS_PORT" -t "$test" -c "$CLIENTS" -r "$KEYS" -d 3 \
    -P "$pipeline" -n "$n" --csv | awk -F'"' 'NR == 2 { print $4 }'
}

ours_rate() {  # suite batch pipeline(true|false) -> keys/s
  "$BIN/services/bench/bench" cache --cache_addr="127.0.0.1:$CACHE_PORT" --suite="$1" \
    --batch="$2" --cache_pipeline="$3" --concurrency="$CLIENTS" --keys="$KEYS" --value_bytes=3 \
    --cache_connections="$CONNECTIONS" \
    --duration="${SECONDS_PER_RUN}s" | sed -n 's/^[a-z]*: \([0-9.]*\) ops\/s.*/\1/p'
}

# Fill Redis's key space too, so its GETs are hits like ours.
redis-benchmark -p "$REDIS_PORT" -t set -c "$CLIENTS" -r "$KEYS" -d 3 -P 16 -n $((KEYS * 4)) \
  -q >/dev/null

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f%%", 100 * a / b }'; }
printf '%-8s %-14s %10s  %-40s %10s %8s\n' op redis-benchmark keys/s ours keys/s ours/redis
for pipeline in 1 16; do
  for op in get set; do
    r="$(redis_rate "$op" "$pipeline")"
    if [[ "$pipeline" == 1 ]]; then command="$op"; else command="${op^}Many of 16"; fi
    for streamed in false true; do
      o="$(ours_rate "$op" "$pipeline" "$streamed")"
      if [[ "$streamed" == true ]]; then
        ours_name="$command, $CLIENTS Pipeline streams"
      else
        ours_name="$command, $CLIENTS unary in flight"
      fi
      printf '%-8s %-14s %10.0f  %-40s %10.0f %8s\n' "$op" "-c $CLIENTS -P $pipeline" "$r" \
        "$ours_name" "$o" "$(ratio "$o" "$r")"
    done
  done
done
