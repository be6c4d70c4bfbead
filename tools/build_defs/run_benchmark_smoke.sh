#!/bin/bash
# Runs a Google Benchmark binary briefly so that benchmarks never rot.
# The numbers are thrown away: this proves the benchmark builds and runs,
# never how fast it is (these machines are shared and noisy).
set -euo pipefail
bin="$1"
shift
exec "$bin" --benchmark_min_time=0.001 --benchmark_repetitions=1 "$@"
