#!/bin/bash
# Builds the validation libFuzzer target (parse + validate + write) with clang
# (-fsanitize=fuzzer,address,undefined) and fuzzes it for a bounded time from
# the seed corpus, as a smoke test inside `./hyper test`: any crash, leak or
# sanitizer report fails.
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

absl_libs=(-labsl_status -labsl_statusor -labsl_strings -labsl_strings_internal
  -labsl_str_format_internal -labsl_cord -labsl_cord_internal -labsl_cordz_info
  -labsl_cordz_functions -labsl_cordz_handle -labsl_int128 -labsl_raw_logging_internal
  -labsl_throw_delegate -labsl_base -labsl_spinlock_wait -labsl_stacktrace
  -labsl_symbolize -labsl_synchronization -labsl_time -labsl_time_zone
  -labsl_bad_optional_access -labsl_bad_variant_access -labsl_malloc_internal
  -labsl_debugging_internal -labsl_demangle_internal -labsl_graphcycles_internal
  -labsl_exponential_biased -labsl_log_severity)

v="$root/libs/validation"
clang++ -std=c++20 -O1 -g -fno-omit-frame-pointer \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I"$root" \
  "$v/validation_fuzzer.cc" "$v/model.cc" "$v/errors.cc" "$v/email.cc" \
  "$v/url.cc" "$v/int_range.cc" \
  "$root/libs/json/reader.cc" "$root/libs/json/writer.cc" \
  $(pkg-config --libs simdjson) -lre2 "${absl_libs[@]}" -lpthread \
  -o "$work/validation_fuzzer"

mkdir -p "$work/corpus" "$work/artifacts"
cp "$@" "$work/corpus/"
# -runs bounds the work as well as the time, so a slow machine still ends.
"$work/validation_fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -max_len=4096 -artifact_prefix="$work/artifacts/" -print_final_stats=1 \
  "$work/corpus" 2>&1 | tail -n 25
crashes="$(ls "$work/artifacts" | wc -l)"
echo "crash artifacts: $crashes"
[[ "$crashes" -eq 0 ]]
