// The cache interface that Hyper's caches implement (LocMemCache in process,
// TwoTierCache in front of a remote one), so callers depend on behaviour, not
// on where the bytes live.
//
// Keys and values are arbitrary bytes (NUL included). A ttl of zero means the
// entry never expires. Implementations are thread-safe.
//
// Example:
//   LocMemCache cache;                          // see locmem_cache.h
//   cache.Set("user:7", "alice", absl::Seconds(60));
//   cache.Get("user:7");                        // "alice"
//   cache.Get("user:8");                        // std::nullopt (a miss)
//   cache.GetMany({"user:7", "user:8"});        // {"alice", std::nullopt}
//   cache.Add("user:7", "bob");                 // false: already present
//   cache.Incr("visits", 5);                    // 5
//   cache.Incr("user:7", 1);                    // FailedPreconditionError
//   cache.stats().hit_rate();                   // 0.5
#ifndef HYPER_LIBS_CACHE_CACHE_H_
#define HYPER_LIBS_CACHE_CACHE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "absl/time/time.h"

namespace hyper::cache {

// Counters since construction; `entries` and `bytes` are current sizes
// (bytes = sum of key and value sizes).
struct CacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t sets = 0;
  uint64_t deletes = 0;
  uint64_t evictions = 0;    // removed to make room
  uint64_t expirations = 0;  // removed because their ttl passed
  uint64_t errors = 0;       // calls that returned a non-OK status
  uint64_t entries = 0;
  uint64_t bytes = 0;

  // hits / (hits + misses); 0 when there were no lookups.
  double hit_rate() const {
    const uint64_t lookups = hits + misses;
    return lookups == 0 ? 0.0 : static_cast<double>(hits) / lookups;
  }
};

// The counts of a Cache used from many threads: bumped with relaxed atomics
// anywhere, read together by Snapshot() (entries and bytes left 0).
struct CacheCounters {
  static void Add(std::atomic<uint64_t>& counter, uint64_t n = 1) {
    counter.fetch_add(n, std::memory_order_relaxed);
  }
  CacheStats Snapshot() const;

  std::atomic<uint64_t> hits{0}, misses{0}, sets{0}, deletes{0}, expirations{0}, errors{0};
};

class Cache {
 public:
  // A key and its value for SetMany; the caller keeps the bytes alive for
  // the call. The batch calls take views so that a server can pass the keys
  // of a request it has parsed without copying them.
  using KeyValue = std::pair<absl::string_view, absl::string_view>;
  using Compute = std::function<absl::StatusOr<std::string>()>;

  virtual ~Cache() = default;

  // The value, or std::nullopt on a miss (absent or expired).
  virtual absl::StatusOr<std::optional<std::string>> Get(absl::string_view key) = 0;

  // One result per key, in the order of `keys`. This default calls Get for
  // each key and stops at the first error; a remote cache may override it
  // with one round trip.
  virtual absl::StatusOr<std::vector<std::optional<std::string>>> GetMany(
      absl::Span<const absl::string_view> keys);

  // Stores `value`, replacing any previous one. InvalidArgumentError if the
  // value is over the implementation's size limit.
  virtual absl::Status Set(absl::string_view key, absl::string_view value,
                           absl::Duration ttl = absl::ZeroDuration()) = 0;

  // Set for each pair; stops at, and returns, the first error (the default
  // does exactly that).
  virtual absl::Status SetMany(absl::Span<const KeyValue> entries,
                               absl::Duration ttl = absl::ZeroDuration());

  // Stores `value` only if `key` is absent (or expired). Returns whether it
  // was stored.
  virtual absl::StatusOr<bool> Add(absl::string_view key, absl::string_view value,
                                   absl::Duration ttl = absl::ZeroDuration()) = 0;

  // Returns whether `key` was present.
  virtual absl::StatusOr<bool> Delete(absl::string_view key) = 0;

  // Returns how many of `keys` were present. The default calls Delete for
  // each key and stops at the first error.
  virtual absl::StatusOr<int64_t> DeleteMany(absl::Span<const absl::string_view> keys);

  // Adds `delta` to the decimal integer stored at `key` (a missing key starts
  // at 0 and never expires; an existing key keeps its ttl) and returns the new
  // value. FailedPreconditionError if the value is not a decimal int64;
  // OutOfRangeError on overflow.
  virtual absl::StatusOr<int64_t> Incr(absl::string_view key, int64_t delta = 1) = 0;

  // The cached value; on a miss, calls `compute` once, caches its value for
  // `ttl` and returns it. An error from `compute` is returned and not cached.
  // Concurrent misses on one key may each call `compute` (no single-flight).
  virtual absl::StatusOr<std::string> GetOrSet(absl::string_view key, absl::Duration ttl,
                                               const Compute& compute) = 0;

  // Removes every entry; counters are kept.
  virtual absl::Status Clear() = 0;

  virtual CacheStats stats() const = 0;
};

}  // namespace hyper::cache

#endif  // HYPER_LIBS_CACHE_CACHE_H_
