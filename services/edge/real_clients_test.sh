#!/bin/bash
# Real clients against the real edge binary: curl and Python's http.client.
set -euo pipefail
edge="$1"
out="$(mktemp)"
"$edge" --host=127.0.0.1 --port=0 --threads=1 >"$out" 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -f "$out"' EXIT
port=""
for _ in $(seq 1 100); do
  port="$(sed -n 's/.*serving http on .*:\([0-9]*\)$/\1/p' "$out")"
  [[ -n "$port" ]] && break
  sleep 0.1
done
[[ -n "$port" ]] || { echo "edge did not start:"; cat "$out"; exit 1; }

fail() { echo "FAIL: $*"; exit 1; }

body="$(curl -sS --max-time 10 "http://127.0.0.1:$port/plaintext")"
[[ "$body" == "Hello, World!" ]] || fail "curl /plaintext got '$body'"
json="$(curl -sS --max-time 10 "http://127.0.0.1:$port/json")"
[[ "$json" == '{"message":"Hello, World!"}' ]] || fail "curl /json got '$json'"
code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "http://127.0.0.1:$port/missing")"
[[ "$code" == 404 ]] || fail "curl /missing got $code"
# Several requests on one curl connection (keep-alive), and HEAD.


both="$(curl -sS --max-time 10 "http://127.0.0.1:$port/plaintext" "http://127.0.0.1:$port/plaintext")"
[[ "$both" == "Hello, World!Hello, World!" ]] || fail "curl keep-alive got '$both'"
head="$(curl -sS -I --max-time 10 "http://127.0.0.1:$port/plaintext" | tr -d '\r')"
grep -q '^Content-Length: 13$' <<<"$head" || fail "curl -I got: $head"

python3 - "$port" <<'PY'
import http.client, json, sys
port = int(sys.argv[1])
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
for _ in range(3):  # keep-alive: one connection, several requests
    conn.request("GET", "/json")
    r = conn.getresponse()
    assert r.status == 200, r.status
    assert r.getheader("Content-Type") == "application/json"
    assert json.loads(r.read()) == {"message": "Hello, World!"}
conn.request("HEAD", "/plaintext")
r = conn.getresponse()
assert r.status == 200 and r.getheader("Content-Length") == "13"
assert r.read() == b""
conn.request("POST", "/plaintext", body=b"x")
r = conn.getresponse()
assert r.status == 405, r.status
assert "GET" in r.getheader("Allow")
r.read()
conn.close()
print("python http.client ok")
PY
echo "ok"
