// DbLoad: drives the query service over gRPC with a fixed number of calls in
// flight (the callback API, no thread per call) for a duration, and reports
// throughput and latency percentiles. Suites:
//   pk      Query: one row of pgbench_accounts by a random primary key
//   range   Query: 100 rows of pgbench_accounts by a key range
//   update  Update: abalance = abalance + 1 (an F-expression) by random key
//   copy    CopyIn: `rows` rows into bench_copy(id int8, payload text), in
//           messages of 1,000 rows (one stream; throughput in rows/s)
//
// Example:
//   DbLoadResult r = RunDbLoad({.address = "127.0.0.1:50051", .suite = "pk",
//                               .in_flight = 64, .duration = absl::Seconds(10)});
//   // r.ops_per_second ~ 30000, r.p99 ~ 4 ms
#ifndef HYPER_SERVICES_BENCH_DB_LOAD_H_
#define HYPER_SERVICES_BENCH_DB_LOAD_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/bench/load_driver.h"

namespace hyper::bench {

struct DbLoadOptions {
  std::string address;           // query service, host:port
  std::string suite = "pk";      // pk | range | update | copy
  int in_flight = 64;            // concurrent calls (not for copy)
  absl::Duration duration = absl::Seconds(10);
  int64_t accounts = 1000000;    // pgbench_accounts rows (scale * 100,000)
  int64_t rows = 1000000;        // copy suite: rows to send
  int connections = 1;           // gRPC channels the calls are spread over
};

// operations counts rows for copy, successful calls otherwise.
using DbLoadResult = LoadResult;

// InvalidArgument for an unknown suite or bad numbers; errors of single
// calls are counted, not returned.
absl::StatusOr<DbLoadResult> RunDbLoad(const DbLoadOptions& options);

// One line: "pk: 31234 ops/s, p50 1.9ms p90 2.8ms p99 4.1ms p99.9 7ms, 0 errors".
std::string FormatResult(const std::string& suite, const DbLoadResult& result);

}  // namespace hyper::bench

#endif  // HYPER_SERVICES_BENCH_DB_LOAD_H_
