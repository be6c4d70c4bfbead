#!/bin/bash
# Builds the parser's libFuzzer target with clang (-fsanitize=fuzzer,address,
# undefined) and fuzzes it for a bounded time from the seed corpus, as a
# smoke test inside `./hyper test`: any crash, leak or sanitizer report fails.
#
# It compiles here, not through Bazel's toolchain, because switching Bazel's
# C++ compiler to clang for one target would invalidate every cached action.
#   args: <seconds> <corpus files...>
set -euo pipefail
seconds="$1"
shift
root="${TEST_SRCDIR}/${TEST_WORKSPACE}"
work="${TEST_TMPDIR:-$(mktemp -d)}"
command -v clang++ >/dev/null || { echo "clang++ missing: run ./hyper setup"; exit 1; }

clang++ -std=c++20 -O1 -g -fno-omit-frame-pointer \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I"$root" \
  "$root/libs/http/parser_fuzzer.cc" "$root/libs/http/parser.cc" "$root/libs/http/chunked.cc" \
  -o "$work/parser_fuzzer"

mkdir -p "$work/corpus" "$work/artifacts"
cp "$@" "$work/corpus/"
# -runs bounds the work as well as the time, so a slow machine still ends.
"$work/parser_fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$work/artifacts/" -print_final_stats=1 "$work/corpus" 2>&1 | tail -n 25
crashes="$(ls "$work/artifacts" | wc -l)"
echo "crash artifacts: $crashes"
[[ "$crashes" -eq 0 ]]
