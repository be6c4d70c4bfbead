// LocMemCache: an in-process Cache, sharded by key hash (each shard has its
// own mutex and LRU list), bounded by entry count and by bytes (key + value
// sizes), with per-entry ttl.
//
// Each shard gets max_entries / shards and max_bytes / shards (fewer shards
// are used when max_entries is smaller than `shards`), so the totals never
// exceed the limits. Expired entries are removed lazily when touched, and are
// the first to go when a shard needs room; after them the shard evicts by
// CLOCK (second chance), the approximation of LRU that memory caches use: a
// hit only marks its entry referenced, and eviction walks from the oldest
// end, sparing (and moving to the front) an entry marked since it was last
// passed. A hit thus writes one flag instead of relinking list nodes, which
// on a cache larger than the CPU's caches are misses of their own. Order is
// per shard, so across the whole cache it is approximate either way.
//
// Example:
//   LocMemCache cache({.shards = 1, .max_entries = 2});
//   cache.Set("a", "1");
//   cache.Set("b", "2");
//   cache.Get("a");       // "1": a is now the most recent
//   cache.Set("c", "3");  // evicts b
//   cache.Get("b");       // std::nullopt
#ifndef HYPER_LIBS_CACHE_LOCMEM_CACHE_H_
#define HYPER_LIBS_CACHE_LOCMEM_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "libs/cache/cache.h"

namespace hyper::cache {

class LocMemCache final : public Cache {
 public:
  struct Options {
    size_t shards = 16;
    size_t max_entries = 100'000;
    size_t max_bytes = 64 << 20;       // key + value bytes, all shards
    size_t max_value_bytes = 1 << 20;  // larger values are InvalidArgument
    // Added to each entry's key + value size in the byte count (and in
    // stats().bytes), so max_bytes can budget the bookkeeping too (list
    // node, index slot, strings: about 160 bytes on x86-64).
    size_t entry_overhead_bytes = 0;
    // Injectable for tests; must be thread-safe.
    std::function<absl::Time()> clock = [] { return absl::Now(); };
  };

  LocMemCache() : LocMemCache(Options{}) {}
  explicit LocMemCache(Options options);
  LocMemCache(const LocMemCache&) = delete;
  LocMemCache& operator=(const LocMemCache&) = delete;
  ~LocMemCache() override;

  absl::StatusOr<std::optional<std::string>> Get(absl::string_view key) override;
  // One clock read for the batch; each key's index slot is fetched ahead.
  absl::StatusOr<std::vector<std::optional<std::string>>> GetMany(
      const std::vector<std::string>& keys) override;
  absl::Status SetMany(const KeyValues& entries,
                       absl::Duration ttl = absl::ZeroDuration()) override;
  absl::Status Set(absl::string_view key, absl::string_view value,
                   absl::Duration ttl = absl::ZeroDuration()) override;
  absl::StatusOr<bool> Add(absl::string_view key, absl::string_view value,
                           absl::Duration ttl = absl::ZeroDuration()) override;
  absl::StatusOr<bool> Delete(absl::string_view key) override;
  absl::StatusOr<int64_t> Incr(absl::string_view key, int64_t delta = 1) override;
  absl::StatusOr<std::string> GetOrSet(absl::string_view key, absl::Duration ttl,
                                       const Compute& compute) override;
  absl::Status Clear() override;
  CacheStats stats() const override;

 private:
  struct Entry {
    std::string key;
    std::string value;
    absl::Time expires;  // absl::InfiniteFuture() when there is no ttl
    bool referenced = false;  // hit since eviction last passed it
    size_t size() const { return key.size() + value.size(); }
  };
  using Lru = std::list<Entry>;  // front = newest (or spared last)

  struct Shard {
    std::mutex mu;
    Lru lru;  // guarded by mu
    // Views point into the list nodes' keys, which never move.
    absl::flat_hash_map<absl::string_view, Lru::iterator> index;  // guarded by mu
    // Entries with a ttl, soonest first, so expired ones are found without a
    // scan when room is needed.
    std::set<std::pair<absl::Time, const Entry*>> by_expiry;  // guarded by mu
    size_t bytes = 0;                                         // guarded by mu
    CacheStats stats;  // counters only; guarded by mu
  };

  Shard& ShardFor(absl::string_view key) const;
  absl::Status CheckSize(absl::string_view key, absl::string_view value) const;
  // CheckSize, counting a refusal among the shard's errors. Takes shard.mu.
  absl::Status CheckSizeCounted(Shard& shard, absl::string_view key, absl::string_view value);
  absl::Time Expiry(absl::Time now, absl::Duration ttl) const;

  // The live entry for `key`, or nullptr (an expired one is removed).
  // Requires shard.mu.
  Entry* FindLocked(Shard& shard, absl::string_view key, absl::Time now);
  // A copy of the live value for `key`, counting the hit or the miss.
  // Requires shard.mu.
  std::optional<std::string> LookupLocked(Shard& shard, absl::string_view key, absl::Time now);
  // Requires shard.mu.
  void RemoveLocked(Shard& shard, Lru::iterator it);
  // Inserts or replaces, making room first. Requires shard.mu.
  void StoreLocked(Shard& shard, absl::string_view key, absl::string_view value,
                   absl::Time expires, absl::Time now);
  // Requires shard.mu.
  void SetExpiryLocked(Shard& shard, Entry& entry, absl::Time expires);

  Options options_;
  size_t shard_max_entries_;
  size_t shard_max_bytes_;
  std::unique_ptr<Shard[]> shards_;
  size_t num_shards_;
};

}  // namespace hyper::cache

#endif  // HYPER_LIBS_CACHE_LOCMEM_CACHE_H_
