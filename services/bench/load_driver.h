// LoadDriver: keeps a fixed number of asynchronous calls in flight for a
// duration (each finished call starts the next) and reports throughput and
// latency percentiles. The suites (db_load, cache_load) supply how to start
// one call; the driver does the counting.
//
// Example:
//   LoadResult r = RunLoad({.in_flight = 64, .duration = absl::Seconds(10)},
//       [&](LoadDriver::Done done) {
//         auto call = std::make_shared<Call>();
//         stub->async()->Get(&call->context, &call->request, &call->response,
//                            [call, done](grpc::Status s) { done(s); });
//       });
#ifndef HYPER_SERVICES_BENCH_LOAD_DRIVER_H_
#define HYPER_SERVICES_BENCH_LOAD_DRIVER_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/time/time.h"
#include "grpcpp/support/status.h"

namespace hyper::bench {

struct LoadOptions {
  int in_flight = 64;
  absl::Duration duration = absl::Seconds(10);
  // Each successful call counts this many operations (e.g. keys per
  // GetMany), so ops_per_second is comparable across batch sizes.
  int ops_per_call = 1;
};

struct LoadResult {
  int64_t operations = 0;  // successful calls x ops_per_call
  int64_t calls = 0;       // successful calls
  int64_t errors = 0;      // failed calls
  double seconds = 0;
  double ops_per_second = 0;
  absl::Duration p50, p90, p99, p999;  // per call
  std::string first_error;
};

// Starts one call and invokes the callback exactly once with its status,
// from any thread.
using StartCall = std::function<void(std::function<void(const grpc::Status&)> done)>;

LoadResult RunLoad(const LoadOptions& options, const StartCall& start);

// One line: "<name>: 31234 ops/s, p50 1.90ms p90 2.80ms p99 4.10ms p99.9
// 7.00ms, 0 errors".
std::string FormatLoad(const std::string& name, const LoadResult& result);

}  // namespace hyper::bench

#endif  // HYPER_SERVICES_BENCH_LOAD_DRIVER_H_
