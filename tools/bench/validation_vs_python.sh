#!/bin/bash
# Our JSON reader, validation and model writer against CPython's stdlib
# (json, re) on the same inputs, in one run, with ratios:
#
#   tools/bench/validation_vs_python.sh [--repeat=5]
#
# C++: the Google Benchmark binaries of //libs/json and //libs/validation
# (-c opt), each reporting the median of --repeat repetitions. Python:
# /usr/bin/python3 timing the same work (validation_vs_python.py), median of
# --repeat runs. The machine is shared: read ratios, not absolute numbers,
# and repeat when they look odd.
# BAZEL may name another bazel command line (e.g. with --output_base).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
REPEAT=5
for arg in "$@"; do
  case "$arg" in
    --repeat=*) REPEAT="${arg#*=}" ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done
BAZEL="${BAZEL:-bazel}"
TARGETS=(//libs/json:reader_benchmark //libs/validation:email_benchmark
         //libs/validation:int_range_benchmark //libs/validation:model_benchmark)
$BAZEL build -c opt "${TARGETS[@]}" >/dev/null 2>&1 || $BAZEL build -c opt "${TARGETS[@]}"
# Not the bazel-bin symlink: another Bazel output base may have moved it.
BIN="$($BAZEL info -c opt bazel-bin 2>/dev/null)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

files=()
for target in "${TARGETS[@]}"; do
  path="${target#//}"
  path="${path/://}"
  out="$WORK/$(basename "$path").json"
  # From the runfiles root, where the benchmarks find testdata/.
  (cd "$BIN/$path.runfiles/hyper" && "$BIN/$path" --benchmark_repetitions="$REPEAT" \
      --benchmark_report_aggregates_only=true --benchmark_min_time=0.2 \
      --benchmark_format=json >"$out" 2>/dev/null)
  files+=("$out")
done
/usr/bin/python3 tools/bench/validation_vs_python.py --data testdata/validation \
  --repeat="$REPEAT" "${files[@]}"
