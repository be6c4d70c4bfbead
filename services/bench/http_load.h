// HttpLoad: `bench http` drives wrk (installed by `./hyper setup`) against
// routes of the edge (or any HTTP server), one route after another, and
// reports what `bench db` reports: ops/s and latency p50/p90/p99/p99.9.
// wrk's own report rounds and omits p99.9, so a small Lua `done` hook
// prints the exact figures on one line, which ParseWrkSummary reads.
//
// Example:
//   absl::StatusOr<std::vector<HttpLoadResult>> r = RunHttpLoad(
//       {.url = "http://127.0.0.1:8080", .routes = {"/plaintext", "/json"},
//        .connections = 64, .threads = 2, .duration = absl::Seconds(10)});
//   FormatHttpResult((*r)[0]);
//   // "/plaintext: 151234 ops/s, p50 0.38ms p90 0.71ms p99 1.90ms p99.9 4.10ms, 0 errors"
#ifndef HYPER_SERVICES_BENCH_HTTP_LOAD_H_
#define HYPER_SERVICES_BENCH_HTTP_LOAD_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace hyper::bench {

struct HttpLoadOptions {
  std::string url = "http://127.0.0.1:8080";  // scheme://host:port, no path
  std::vector<std::string> routes = {"/plaintext", "/json"};
  int connections = 64;  // >= threads
  int threads = 2;
  absl::Duration duration = absl::Seconds(10);  // whole seconds, >= 1 s
  std::string wrk = "wrk";  // the wrk binary (looked up in PATH)
};

struct HttpLoadResult {
  std::string route;
  int64_t requests = 0;
  // Socket errors (connect, read, write, timeout) plus non-2xx/3xx answers.
  int64_t errors = 0;
  double seconds = 0;
  double ops_per_second = 0;
  absl::Duration p50, p90, p99, p999;
};

// InvalidArgument naming the flag for bad options (--url, --routes,
// --connections, --threads, --duration); FailedPrecondition when wrk cannot
// be run; Internal when wrk fails or prints no summary (its output is in
// the message).
absl::StatusOr<std::vector<HttpLoadResult>> RunHttpLoad(const HttpLoadOptions& options);

// Reads the summary line the Lua hook prints:
// "HYPER_WRK requests=N duration_us=N errors=N non2xx=N p50=US p90=US p99=US p999=US".
// InvalidArgument when `wrk_output` has no such line.
absl::StatusOr<HttpLoadResult> ParseWrkSummary(absl::string_view wrk_output);

// One line, as FormatResult of db_load.h.
std::string FormatHttpResult(const HttpLoadResult& result);

}  // namespace hyper::bench

#endif  // HYPER_SERVICES_BENCH_HTTP_LOAD_H_
