#!/bin/bash
# Serves the same 13-byte plaintext from our edge, nginx and uvicorn, one
# worker each, and loads each with the same wrk command, in one run:
#
#   tools/bench/http_vs_peers.sh [--duration=10s] [--connections=64]
#                                [--pipeline=1,16]
#
# Each pipeline depth is a separate measurement: 1 is one request per round
# trip; 16 is TechEmpower's plaintext setting (tools/bench/pipeline.lua).
# Each server is pinned to CPU 0 and wrk to CPU 1 (when there are 2+ CPUs),
# so the servers get the same core. Prints req/s, p50/p99 latency, the
# server's CPU seconds (utime+stime from /proc, all its processes) and
# requests per server-CPU-second, with ratios against ours.
# Installs what it needs with `./hyper setup --bench`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

DURATION=10s
CONNECTIONS=64
DEPTHS=1,16
for arg in "$@"; do
  case "$arg" in
    --pipeline=*) DEPTHS="${arg#*=}" ;;
    --duration=*) DURATION="${arg#*=}" ;;
    --connections=*) CONNECTIONS="${arg#*=}" ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done

./hyper setup --bench
bazel build -c opt //services/edge >/dev/null 2>&1 || bazel build -c opt //services/edge
# Not the bazel-bin symlink: another Bazel output base may have moved it.
EDGE="$(bazel info -c opt bazel-bin 2>/dev/null)/services/edge/edge"

SERVER_CPU=0
CLIENT_CPU=1
[[ "$(nproc)" -lt 2 ]] && CLIENT_CPU=0
WORK="$(mktemp -d)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_port() {
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:$1/plaintext" && return 0
    sleep 0.1
  done
  echo "server on port $1 did not come up" >&2
  return 1
}

# CPU seconds (user+system) used so far by a process and its descendants'
# live threads: sums /proc/<pid>/stat of every pid in the process group.
cpu_seconds() {
  local pgid="$1" total=0 ticks pid
  ticks="$(getconf CLK_TCK)"
  for pid in $(pgrep -g "$pgid" || true); do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  echo "scale=2; $total / $ticks" | bc
}

RESULTS=()
run_one() {  # name port pgid
  local name="$1" port="$2" pgid="$3" depth
  wait_port "$port"
  for depth in ${DEPTHS//,/ }; do
    local wrk=(taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNECTIONS" -s "$ROOT/tools/bench/pipeline.lua")
    "${wrk[@]}" -d2s "http://127.0.0.1:$port/plaintext" -- "$depth" >/dev/null  # warm-up
    local before after out
    before="$(cpu_seconds "$pgid")"
    out="$("${wrk[@]}" -d"$DURATION" --latency "http://127.0.0.1:$port/plaintext" -- "$depth")"
    after="$(cpu_seconds "$pgid")"
    local rps p50 p99 cpu errors total per_cpu
    rps="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
    p50="$(awk '$1 == "50%" {print $2}' <<<"$out")"
    p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
    errors="$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out" | tr '\n' ' ')"
    cpu="$(echo "scale=2; $after - $before" | bc)"
    total="$(awk '/requests in/ {print $1}' <<<"$out")"
    per_cpu="$(echo "scale=0; $total / $cpu" | bc 2>/dev/null || echo 0)"
    RESULTS+=("$depth|$name|$rps|$p50|$p99|$cpu|$per_cpu|$errors")
  done
}

# --- ours ---------------------------------------------------------------
EDGE_PORT="$(free_port)"
setsid taskset -c "$SERVER_CPU" "$EDGE" --host=127.0.0.1 --port="$EDGE_PORT" --threads=1 \
  >"$WORK/edge.log" 2>&1 &
PIDS+=($!)
run_one "hyper edge" "$EDGE_PORT" "$!"

# --- nginx --------------------------------------------------------------
NGINX_PORT="$(free_port)"
mkdir -p "$WORK/nginx"
cat >"$WORK/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
master_process on;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log crit;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000000;
  client_body_temp_path $WORK/nginx;
  proxy_temp_path $WORK/nginx;
  fastcgi_temp_path $WORK/nginx;
  uwsgi_temp_path $WORK/nginx;
  scgi_temp_path $WORK/nginx;
  server {
    listen 127.0.0.1:$NGINX_PORT reuseport;
    location = /plaintext { default_type text/plain; return 200 "Hello, World!"; }
  }
}
CONF
setsid taskset -c "$SERVER_CPU" nginx -c "$WORK/nginx/nginx.conf" >"$WORK/nginx.log" 2>&1 &
PIDS+=($!)
run_one "nginx $(nginx -v 2>&1 | sed 's|.*/||')" "$NGINX_PORT" "$!"

# --- uvicorn ------------------------------------------------------------
UVICORN_PORT="$(free_port)"
cat >"$WORK/app.py" <<'PY'
async def app(scope, receive, send):
    assert scope["type"] == "http"
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"Hello, World!"})
PY
(cd "$WORK" && exec setsid taskset -c "$SERVER_CPU" /usr/bin/python3 -m uvicorn app:app \
  --host 127.0.0.1 --port "$UVICORN_PORT" --workers 1 --loop uvloop --http httptools \
  --no-access-log --log-level warning >"$WORK/uvicorn.log" 2>&1) &
PIDS+=($!)
run_one "uvicorn $(/usr/bin/python3 -c 'import uvicorn; print(uvicorn.__version__)')" \
  "$UVICORN_PORT" "$!"

# --- report ---------------------------------------------------------------
echo
echo "wrk -t1 -c$CONNECTIONS -d$DURATION --latency -s tools/bench/pipeline.lua http://127.0.0.1:<port>/plaintext -- <depth>"
echo "(server on CPU $SERVER_CPU, wrk on CPU $CLIENT_CPU, one worker each)"
for depth in ${DEPTHS//,/ }; do
  echo
  echo "pipeline depth $depth"
  printf '%-16s %12s %9s %9s %7s %12s %8s\n' server req/s p50 p99 cpu-s req/cpu-s ours-vs
  ours_per_cpu=""
  for row in "${RESULTS[@]}"; do
    IFS='|' read -r d name rps p50 p99 cpu per_cpu errors <<<"$row"
    [[ "$d" == "$depth" ]] || continue
    [[ -z "$ours_per_cpu" ]] && ours_per_cpu="$per_cpu"
    ratio="$(echo "scale=2; $ours_per_cpu / $per_cpu" | bc 2>/dev/null || echo "?")"
    printf '%-16s %12s %9s %9s %7s %12s %7sx %s\n' "$name" "$rps" "$p50" "$p99" "$cpu" \
      "$per_cpu" "$ratio" "$errors"
  done
done
echo
echo "(ours-vs = our requests per server-CPU-second / theirs)"
