// CacheLoad: drives the cache service over gRPC (callback API, a fixed
// number of calls in flight) with GET/SET mixes, like redis-benchmark does
// Redis. Suites:
//   get   Get of a random key from a keyspace filled first (all hits)
//   set   Set of a random key
//   mix   90% get, 10% set
// With batch > 1, each call is a GetMany/SetMany of `batch` random keys
// (mix: 9 GetMany to 1 SetMany), and throughput counts keys. With
// `pipeline`, the same commands go over Pipeline streams (one per slot in
// flight, like redis-benchmark's clients) instead of unary calls.
//
// Example:
//   auto r = RunCacheLoad({.address = "127.0.0.1:50052", .suite = "get",
//                          .in_flight = 50, .duration = absl::Seconds(5)});
//   // FormatLoad("get", *r) -> "get: 61234 ops/s, p50 0.71ms ..."
#ifndef HYPER_SERVICES_BENCH_CACHE_LOAD_H_
#define HYPER_SERVICES_BENCH_CACHE_LOAD_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/bench/load_driver.h"

namespace hyper::bench {

struct CacheLoadOptions {
  std::string address;        // cache service, host:port
  std::string suite = "get";  // get | set | mix
  int in_flight = 50;
  absl::Duration duration = absl::Seconds(10);
  int64_t keys = 100000;      // keyspace: key:000000000000 ...
  int value_bytes = 3;        // redis-benchmark's default -d
  int batch = 1;              // keys per call (GetMany/SetMany when > 1)
  int connections = 1;        // TCP connections the calls are spread over
  // Each in-flight slot is a Pipeline stream sending one command at a time,
  // instead of a unary call per command.
  bool pipeline = false;
};

// InvalidArgument naming the option for an unknown suite or bad numbers;
// Unavailable when the keyspace cannot be filled. Errors of single calls
// during the run are counted, not returned.
absl::StatusOr<LoadResult> RunCacheLoad(const CacheLoadOptions& options);

}  // namespace hyper::bench

#endif  // HYPER_SERVICES_BENCH_CACHE_LOAD_H_
