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
// An entry is one allocation: its list links, expiry and sizes, then the
// key's bytes and the value's; its index slot keeps the key's hash. A lookup
// on a cache larger than the CPU's caches thus misses memory twice (the
// index slot, then the entry) rather than once more for a key or value kept
// in a string of its own, and GetMany/SetMany start loading the slots of all
// their keys, then the entries, before reading any.
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
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
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
    // stats().bytes), so max_bytes can budget the bookkeeping too (the
    // 40-byte entry header, malloc's rounding and the 16-byte index slot
    // with the table's spare room: about 90 bytes on x86-64, and about 64
    // more for an entry with a ttl).
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
  // One clock read for the batch; see the file comment.
  absl::StatusOr<std::vector<std::optional<std::string>>> GetMany(
      absl::Span<const absl::string_view> keys) override;
  absl::Status SetMany(absl::Span<const KeyValue> entries,
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
  // The header of an entry's allocation; the key's bytes follow it, then the
  // value's, then room for the value to grow in place.
  struct Entry {
    Entry* newer = nullptr;  // toward the front of the shard's CLOCK list
    Entry* older = nullptr;
    int64_t expires_ns = kNever;  // absl::ToUnixNanos; kNever without a ttl
    uint32_t key_size = 0;
    uint32_t value_size = 0;
    uint32_t value_capacity = 0;
    bool referenced = false;  // hit since eviction last passed it

    static constexpr int64_t kNever = std::numeric_limits<int64_t>::max();
    char* bytes() { return reinterpret_cast<char*>(this + 1); }
    const char* bytes() const { return reinterpret_cast<const char*>(this + 1); }
    absl::string_view key() const { return {bytes(), key_size}; }
    absl::string_view value() const { return {bytes() + key_size, value_size}; }
    size_t size() const { return size_t{key_size} + value_size; }
  };

  static size_t KeyHash(absl::string_view key) { return absl::Hash<absl::string_view>{}(key); }

  // An index slot keeps the key's hash beside the entry: a lookup compares
  // hashes before it reads an entry, growing the table never reads one, and
  // GetMany can find an entry's address without loading it (see Probe).
  struct Slot {
    Entry* entry;
    size_t hash;
  };
  // What the index is searched by. With hash_only, any slot of the same
  // 64-bit hash matches without its entry being read: good enough to
  // prefetch the entry (a collision only loads the wrong line).
  struct Probe {
    absl::string_view key;
    size_t hash;
    bool hash_only = false;
  };
  struct SlotHash {
    using is_transparent = void;
    size_t operator()(const Slot& slot) const { return slot.hash; }
    size_t operator()(const Probe& probe) const { return probe.hash; }
  };
  struct SlotEq {
    using is_transparent = void;
    bool operator()(const Slot& a, const Slot& b) const {
      return a.hash == b.hash && a.entry->key() == b.entry->key();
    }
    bool operator()(const Slot& slot, const Probe& probe) const {
      return slot.hash == probe.hash && (probe.hash_only || slot.entry->key() == probe.key);
    }
    bool operator()(const Probe& probe, const Slot& slot) const { return (*this)(slot, probe); }
  };

  struct alignas(64) Shard {  // a line of its own: the mutexes are hot
    std::mutex mu;
    Entry* newest = nullptr;  // guarded by mu
    Entry* oldest = nullptr;  // guarded by mu
    size_t entries = 0;       // guarded by mu
    absl::flat_hash_set<Slot, SlotHash, SlotEq> index;  // guarded by mu
    // Entries with a ttl, soonest first, so expired ones are found without a
    // scan when room is needed.
    std::set<std::pair<int64_t, Entry*>> by_expiry;  // guarded by mu
    size_t bytes = 0;                                // guarded by mu
    CacheStats stats;  // counters only; guarded by mu
  };

  // GetMany and SetMany take keys in batches of this many, holding the
  // locks of the batch's shards together (see BatchLock in the .cc).
  static constexpr size_t kBatch = 16;
  class BatchLock;

  size_t ShardIndex(size_t hash) const;
  Shard& ShardFor(size_t hash) const { return shards_[ShardIndex(hash)]; }
  absl::Status CheckSize(absl::string_view key, absl::string_view value) const;
  // CheckSize, counting a refusal among the shard's errors. Takes shard.mu.
  absl::Status CheckSizeCounted(Shard& shard, absl::string_view key, absl::string_view value);
  int64_t Expiry(int64_t now_ns, absl::Duration ttl) const;
  int64_t NowNanos() const { return absl::ToUnixNanos(options_.clock()); }

  // Calls visit(shard, i, hash) for each i in [0, count), in order, where
  // key_at(i) is key i and shard its locked shard. Keys go in batches of
  // kBatch: hashed, their shards locked together (BatchLock), then two
  // passes start loading every index slot, then every entry (found by hash
  // alone, from the slot the first pass loaded), so that a batch's cache
  // misses overlap before visit reads any of them. GetMany and SetMany.
  template <typename KeyAt, typename Visit>
  void ForEachLocked(size_t count, KeyAt key_at, Visit visit);

  // The live entry for `key` (whose hash is `hash`), or nullptr (an expired
  // one is removed). Requires shard.mu.
  Entry* FindLocked(Shard& shard, absl::string_view key, size_t hash, int64_t now_ns);
  // A copy of the live value for `key`, counting the hit or the miss.
  // Requires shard.mu.
  std::optional<std::string> LookupLocked(Shard& shard, absl::string_view key, size_t hash,
                                          int64_t now_ns);
  // Unlinks, unindexes and frees `entry`. Requires shard.mu.
  void RemoveLocked(Shard& shard, Entry* entry);
  // Inserts or replaces, making room first. Requires shard.mu.
  void StoreLocked(Shard& shard, absl::string_view key, size_t hash, absl::string_view value,
                   int64_t expires_ns, int64_t now_ns);
  // Requires shard.mu.
  static void SetExpiryLocked(Shard& shard, Entry* entry, int64_t expires_ns);
  // The CLOCK list. Require shard.mu.
  static void PushFrontLocked(Shard& shard, Entry* entry);
  static void UnlinkLocked(Shard& shard, Entry* entry);
  static Entry* NewEntry(absl::string_view key, absl::string_view value);
  static void FreeEntry(Entry* entry);
  void ClearShard(Shard& shard);

  Options options_;
  size_t shard_max_entries_;
  size_t shard_max_bytes_;
  std::unique_ptr<Shard[]> shards_;
  size_t num_shards_;
};

}  // namespace hyper::cache

#endif  // HYPER_LIBS_CACHE_LOCMEM_CACHE_H_
