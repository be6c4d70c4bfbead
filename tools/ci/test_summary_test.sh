#!/bin/bash
# Tests tools/ci/test_summary.py on small build-event files.
set -uo pipefail
summary="$1"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
failures=0

configured() {  # label
  echo "{\"id\":{\"targetConfigured\":{\"label\":\"$1\"}},\"configured\":{\"targetKind\":\"cc_test rule\",\"testSize\":\"MEDIUM\"}}"
}
library() {  # label
  echo "{\"id\":{\"targetConfigured\":{\"label\":\"$1\"}},\"configured\":{\"targetKind\":\"cc_library rule\"}}"
}
summary_event() {  # label status
  echo "{\"id\":{\"testSummary\":{\"label\":\"$1\"}},\"testSummary\":{\"overallStatus\":\"$2\"}}"
}

# expect NAME WANT_RC WANT_LAST_LINE < events
expect() {
  local name="$1" want_rc="$2" want_line="$3" out rc last
  cat >"$tmp/$name.json"
  out="$(python3 "$summary" "$tmp/$name.json" 2>/dev/null)"; rc=$?
  last="$(tail -n 1 <<<"$out")"
  if [[ "$rc" != "$want_rc" || "$last" != "$want_line" ]]; then
    echo "FAIL $name: rc=$rc (want $want_rc), last line '$last' (want '$want_line')"
    failures=$((failures + 1))
  else
    echo "ok   $name"
  fi
}

{ configured //a:t; configured //b:t; library //a:lib
  summary_event //a:t PASSED; summary_event //b:t FLAKY; } |
  expect all_pass 0 "2 passed, 0 failed"

{ configured //a:t; configured //b:t
  summary_event //a:t PASSED; summary_event //b:t FAILED; } |
  expect one_fails 1 "1 passed, 1 failed"

{ configured //a:t; configured //b:t; summary_event //a:t PASSED; } |
  expect one_never_built 1 "1 passed, 1 failed"

{ configured //a:t; summary_event //a:t TIMEOUT; } |
  expect timeout 1 "0 passed, 1 failed"

library //a:lib | expect no_tests 1 "0 passed, 0 failed"

echo "not json" | expect garbage 1 "0 passed, 0 failed"

# Two runs (the second under a sanitizer) count together, the same label
# once per run.
{ configured //a:t; summary_event //a:t PASSED; } >"$tmp/plain.json"
{ configured //a:t; summary_event //a:t FAILED; } >"$tmp/tsan.json"
out="$(python3 "$summary" "$tmp/plain.json" "$tmp/tsan.json=tsan" 2>/dev/null)"; rc=$?
if [[ "$rc" != 1 || "$(tail -n 1 <<<"$out")" != "1 passed, 1 failed" ]] ||
   ! grep -q "FAILED: //a:t \[tsan\]" <<<"$out"; then
  echo "FAIL two_runs: rc=$rc, output: $out"
  failures=$((failures + 1))
else
  echo "ok   two_runs"
fi

[[ $failures -eq 0 ]]
