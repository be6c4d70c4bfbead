#!/bin/bash
# Compile and render of the same page (5 variables, an if, a loop over 10
# items, auto-escaping on) with //libs/templates (ctemplate) and Jinja2, in
# one run:
#
#   tools/bench/templates_vs_jinja2.sh [--repeat=5]
#
# Ours: //libs/templates:templates_benchmark (Google Benchmark, JSON output,
# median of --repeat repetitions). Compile = BM_Compile (scan + ctemplate
# parse from text in memory); render = BM_Render (fill the dictionary +
# render into a reused buffer). Jinja2: templates_vs_jinja2.py (timeit,
# median of --repeat runs); compile = from_string, render = render() of the
# compiled template. Prints both and the ratios (Jinja2 time / ours).
# Installs Debian's python3-jinja2 when /usr/bin/python3 lacks it.
# BAZEL_OUTPUT_BASE, if set, is passed to bazel as --output_base.
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

if ! /usr/bin/python3 -c 'import jinja2' 2>/dev/null; then
  apt-get install -y python3-jinja2 >/dev/null
fi

BAZEL=(bazel)
[[ -n "${BAZEL_OUTPUT_BASE:-}" ]] && BAZEL+=("--output_base=$BAZEL_OUTPUT_BASE")
TARGET=//libs/templates:templates_benchmark
"${BAZEL[@]}" build "$TARGET" >/dev/null 2>&1 || "${BAZEL[@]}" build "$TARGET"
# Not the bazel-bin symlink: another Bazel output base may have moved it.
BIN="$("${BAZEL[@]}" info bazel-bin 2>/dev/null)/libs/templates/templates_benchmark"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
# The benchmark reads testdata/templates/ from its runfiles root.
(cd "$BIN.runfiles/hyper" && "$BIN" --benchmark_format=json \
  --benchmark_repetitions="$REPEAT" --benchmark_report_aggregates_only=true \
  --benchmark_filter='BM_Compile|BM_Render$' >"$WORK/ours.json")
/usr/bin/python3 tools/bench/templates_vs_jinja2.py --repeat="$REPEAT" >"$WORK/jinja2.json"

/usr/bin/python3 - "$WORK/ours.json" "$WORK/jinja2.json" <<'PY'
import json, sys
ours = json.load(open(sys.argv[1]))
jinja = json.load(open(sys.argv[2]))
unit = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
median = {b["run_name"]: b["real_time"] * unit[b["time_unit"]]
          for b in ours["benchmarks"] if b.get("aggregate_name") == "median"}
rows = [("compile", median["BM_Compile"], jinja["compile_s"], 200),
        ("render", median["BM_Render"], jinja["render_s"], 20)]
print(f"Jinja2 {jinja['jinja2_version']}; medians; machine: {ours['context']['num_cpus']} CPUs")
print(f"{'':8} {'ours':>12} {'jinja2':>12} {'ratio':>9} {'goal':>6}")
for name, us, them, goal in rows:
    ratio = them / us
    print(f"{name:8} {us*1e6:10.2f}us {them*1e6:10.2f}us {ratio:8.1f}x {goal:5}x"
          f"  {'met' if ratio >= goal else 'NOT met'}")
PY
