// RemoteCache: the gRPC client of the cache service (hyper.cache.v1), as a
// Cache, plus what only the service can do: versioned lookups and table
// version bumps (the query cache's invalidation), and non-blocking calls
// for event-loop callers (the edge's view cache).
//
// Every call has a deadline (`timeout`) and never waits for a down service:
// it fails fast with UNAVAILABLE (or DEADLINE_EXCEEDED), which TwoTierCache
// and the query cache absorb as misses. The channel reconnects with a short
// backoff (100 ms, at most 1 s), so a restarted service is used again
// within about a second.
//
// Example:
//   RemoteCache remote({.address = "127.0.0.1:50052"});
//   remote.Set("k", "v", absl::Seconds(30));
//   auto hit = remote.GetVersioned("q:...", {"posts"});
//   // hit->value: std::nullopt on a miss; hit->versioned_key to fill it.
//   remote.BumpVersions({"posts"});  // after a committed write
#ifndef HYPER_LIBS_CACHE_REMOTE_CACHE_H_
#define HYPER_LIBS_CACHE_REMOTE_CACHE_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "libs/cache/cache.h"
#include "proto/hyper/cache/v1/cache.grpc.pb.h"

namespace hyper::cache {

struct RemoteCacheOptions {
  std::string address;  // host:port of the cache service
  absl::Duration timeout = absl::Milliseconds(200);
};

class RemoteCache final : public Cache {
 public:
  struct Versioned {
    std::optional<std::string> value;
    std::string versioned_key;  // Set the computed value under this key
  };
  using GetCallback = std::function<void(absl::StatusOr<std::optional<std::string>>)>;

  explicit RemoteCache(RemoteCacheOptions options);
  RemoteCache(const RemoteCache&) = delete;
  RemoteCache& operator=(const RemoteCache&) = delete;
  // Waits for async calls in flight (each is bounded by `timeout`).
  ~RemoteCache() override;

  absl::StatusOr<std::optional<std::string>> Get(absl::string_view key) override;
  absl::StatusOr<std::vector<std::optional<std::string>>> GetMany(
      absl::Span<const absl::string_view> keys) override;
  absl::Status Set(absl::string_view key, absl::string_view value,
                   absl::Duration ttl = absl::ZeroDuration()) override;
  absl::Status SetMany(absl::Span<const KeyValue> entries,
                       absl::Duration ttl = absl::ZeroDuration()) override;
  absl::StatusOr<bool> Add(absl::string_view key, absl::string_view value,
                           absl::Duration ttl = absl::ZeroDuration()) override;
  absl::StatusOr<bool> Delete(absl::string_view key) override;
  absl::StatusOr<int64_t> DeleteMany(absl::Span<const absl::string_view> keys) override;
  absl::StatusOr<int64_t> Incr(absl::string_view key, int64_t delta = 1) override;
  // Get; on a miss, compute, then the service's GetOrSet: racing callers
  // (in any process) all return the first stored value.
  absl::StatusOr<std::string> GetOrSet(absl::string_view key, absl::Duration ttl,
                                       const Compute& compute) override;
  absl::Status Clear() override;
  // This client's own counters (hits, misses, sets, deletes, errors); the
  // service's totals are in ServiceStats().
  CacheStats stats() const override;
  absl::StatusOr<v1::StatsResponse> ServiceStats();

  // `key` under the current versions of `tables`, in one round trip.
  absl::StatusOr<Versioned> GetVersioned(absl::string_view key,
                                         const std::vector<std::string>& tables);
  absl::Status BumpVersions(const std::vector<std::string>& tables);

  // Non-blocking calls for callers that must not block a thread (event
  // loops, gRPC callback handlers): `done` runs once, on a gRPC thread,
  // with the result or the error. SetAsync's outcome only counts in stats().
  using VersionedCallback = std::function<void(absl::StatusOr<Versioned>)>;
  void GetAsync(absl::string_view key, GetCallback done);
  void GetVersionedAsync(absl::string_view key, const std::vector<std::string>& tables,
                         VersionedCallback done);
  void SetAsync(absl::string_view key, absl::string_view value, absl::Duration ttl);
  void BumpVersionsAsync(const std::vector<std::string>& tables,
                         std::function<void(absl::Status)> done);

 private:
  void Prepare(grpc::ClientContext* context) const;
  // Counts an error; returns the status as absl.
  absl::Status Failed(const grpc::Status& status);
  absl::StatusOr<int64_t> TtlMs(absl::Duration ttl) const;
  // The service's GetOrSet: stores `value` unless `key` holds one, and
  // answers with the value the key holds afterwards.
  absl::StatusOr<v1::GetOrSetResponse> StoreIfAbsent(absl::string_view key, std::string value,
                                                     int64_t ttl_ms);
  // Starts one async call: `start(async_stub, context, request, response,
  // on_status)` issues it; `done(status, response)` runs on completion.
  template <typename Request, typename Response, typename Start>
  void StartAsync(Request request, Start start,
                  std::function<void(const grpc::Status&, Response&)> done);
  // The Versioned result of a Get reply, counting the hit or miss.
  Versioned FromGetResponse(v1::GetResponse& response);

  RemoteCacheOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::CacheService::Stub> stub_;
  CacheCounters counters_;
  std::mutex async_mu_;
  std::condition_variable async_idle_;
  int async_in_flight_ = 0;  // guarded by async_mu_
};

}  // namespace hyper::cache

#endif  // HYPER_LIBS_CACHE_REMOTE_CACHE_H_
