// QueryCache: the query service's per-model result cache, kept in the cache
// service so every replica shares it.
//
// A read (Query, Count, Exists) whose root model has a cache_ttl (from the
// --models file) is looked up under a key made of the rpc and the request's
// exact bytes, stamped by the cache service with the current version of
// every model the SQL reads (joins and prefetch targets too). A miss runs
// the query and stores the reply under the stamp read *before* the query
// ran. Every write through the service bumps the versions of the models it
// writes (Delete and Update also their referencing models, which cascades
// may change) after commit and before the reply, so once any replica has
// acknowledged a write, no replica's later read can find a result stored
// under the old versions.
//
// Fail-soft: a cache service that is down or slow makes reads go to the
// database (counted as errors). A bump that fails marks its models dirty:
// this replica stops using the cache for them and retries the bump in the
// background until it succeeds. (Other replicas cannot know; they keep
// serving results of those models for at most their cache_ttl.) Writes made
// outside the query service are not seen: cache_ttl bounds how stale such
// results can be.
//
// Example:
//   auto ttls = QueryCache::LoadConfig("models.textproto", catalog);
//   RemoteCache remote({.address = "127.0.0.1:50052"});
//   QueryCache cache(&remote, *ttls);
#ifndef HYPER_SERVICES_QUERY_QUERY_CACHE_H_
#define HYPER_SERVICES_QUERY_QUERY_CACHE_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/cache/remote_cache.h"
#include "services/query/catalog.h"

namespace hyper::query {

struct QueryCacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t stores = 0;
  uint64_t errors = 0;        // lookups the cache service failed (served from the database)
  uint64_t bumps = 0;         // successful version bumps
  uint64_t bump_errors = 0;   // failed bumps (their models turn dirty)
  uint64_t dirty_models = 0;  // models currently not cached here
};

class QueryCache {
 public:
  using Ttls = absl::flat_hash_map<std::string, absl::Duration>;
  // (value on a hit, the stamped key to store a miss under; empty after an
  // error, when nothing should be stored).
  using LookupDone = std::function<void(std::optional<std::string>, std::string)>;

  // Reads the --models file (hyper.query.v1.ModelsConfig, text format).
  // InvalidArgument naming the entry for an unknown model, a model listed
  // twice or a negative ttl; NotFound when the file cannot be read.
  static absl::StatusOr<Ttls> LoadConfig(const std::string& path, const Catalog& catalog);

  // `remote` must outlive this. Models without a ttl are never cached.
  QueryCache(cache::RemoteCache* remote, Ttls ttls,
             absl::Duration retry_interval = absl::Milliseconds(250));
  ~QueryCache();

  // How long a read of `reads` (root first) may be cached, or nullopt when
  // it is not cached: the root has no ttl, or one of `reads` is dirty.
  std::optional<absl::Duration> TtlFor(const std::vector<std::string>& reads) const;

  // The cache key of a read: the rpc's name and the request's bytes.
  static std::string Key(absl::string_view rpc, const google::protobuf::Message& request);

  // Looks `key` up under the versions of `reads`; `done` runs once, on a
  // gRPC thread.
  void Lookup(std::string key, const std::vector<std::string>& reads, LookupDone done);
  void Store(const std::string& stamped_key, std::string value, absl::Duration ttl);

  // Bumps the versions of `models`; `done` runs once the cache service has
  // answered (or failed, in which case the models are now dirty).
  void Invalidate(std::vector<std::string> models, std::function<void()> done);

  // The models a write to `model` may change: itself and, when `cascades`
  // (Update, Delete), every model with a foreign key to it.
  static std::vector<std::string> WrittenModels(const Catalog& catalog,
                                                absl::string_view model, bool cascades);

  QueryCacheStats stats() const;

 private:
  void RetryDirty();

  cache::RemoteCache* remote_;
  Ttls ttls_;
  absl::Duration retry_interval_;
  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
  std::atomic<uint64_t> stores_{0};
  std::atomic<uint64_t> errors_{0};
  std::atomic<uint64_t> bumps_{0};
  std::atomic<uint64_t> bump_errors_{0};

  mutable std::mutex mu_;
  std::condition_variable wake_;
  // Dirty model -> when it last turned dirty (a sequence number), so a
  // retry clears only what its bump covered.
  absl::flat_hash_map<std::string, uint64_t> dirty_;  // guarded by mu_
  uint64_t dirty_seq_ = 0;                            // guarded by mu_
  bool stopping_ = false;                   // guarded by mu_
  std::thread retrier_;
};

}  // namespace hyper::query

#endif  // HYPER_SERVICES_QUERY_QUERY_CACHE_H_
