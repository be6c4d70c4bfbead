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
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"

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

// The channel to `address` numbered `index`, created once and kept for the
// whole process. Each index is its own TCP connection (distinct channel
// arguments keep gRPC from sharing one subchannel). Keeping them also avoids
// a gRPC 1.51 race: destroying the last channel that used the callback API
// shuts down a shared completion queue, and a channel created right after
// can race that shutdown (ASan reported a double free in
// grpc_cq_internal_unref when tests ran suites back to back).
std::shared_ptr<grpc::Channel> SharedChannel(const std::string& address, int index = 0);

// One line: "<name>: 31234 ops/s, p50 1.90ms p90 2.80ms p99 4.10ms p99.9
// 7.00ms, 0 errors".
std::string FormatLoad(const std::string& name, const LoadResult& result);

}  // namespace hyper::bench

#endif  // HYPER_SERVICES_BENCH_LOAD_DRIVER_H_
