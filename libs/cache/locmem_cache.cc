#include "libs/cache/locmem_cache.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <new>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace hyper::cache {

// The locks of the shards a batch of keys falls in, each taken once and in
// shard order, held until destruction. Every other operation holds one
// shard's lock at a time, and batches all lock in the same order, so no two
// callers can each wait for a lock the other holds.
class LocMemCache::BatchLock {
 public:
  BatchLock(LocMemCache& cache, const size_t* shard_indices, size_t n) {
    size_t sorted[kBatch];
    std::copy(shard_indices, shard_indices + n, sorted);
    std::sort(sorted, sorted + n);
    for (size_t i = 0; i < n; ++i) {
      if (i > 0 && sorted[i] == sorted[i - 1]) continue;
      locked_[count_] = &cache.shards_[sorted[i]].mu;
      locked_[count_++]->lock();
    }
  }
  BatchLock(const BatchLock&) = delete;
  BatchLock& operator=(const BatchLock&) = delete;
  ~BatchLock() {
    for (size_t i = 0; i < count_; ++i) locked_[i]->unlock();
  }

 private:
  std::mutex* locked_[kBatch];
  size_t count_ = 0;
};

LocMemCache::LocMemCache(Options options) : options_(std::move(options)) {
  // Fewer shards than entries, so that each shard holds at least one.
  num_shards_ = std::max<size_t>(
      1, std::min(options_.shards, std::max<size_t>(1, options_.max_entries)));
  shard_max_entries_ = std::max<size_t>(1, options_.max_entries / num_shards_);
  shard_max_bytes_ = options_.max_bytes / num_shards_;
  shards_ = std::make_unique<Shard[]>(num_shards_);
}

LocMemCache::~LocMemCache() {
  for (size_t i = 0; i < num_shards_; ++i) ClearShard(shards_[i]);
}

static_assert(sizeof(size_t) == 8, "ShardIndex takes the hash's top bits");

size_t LocMemCache::ShardIndex(size_t hash) const {
  // High bits pick the shard: the index uses the low ones inside it.
  return (hash >> 40) % num_shards_;
}

absl::Status LocMemCache::CheckSize(absl::string_view key,
                                    absl::string_view value) const {
  if (value.size() > options_.max_value_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("cache value of ", value.size(), " bytes (key of ",
                     key.size(), " bytes) exceeds the limit of ",
                     options_.max_value_bytes, " bytes"));
  }
  const size_t entry_bytes = key.size() + value.size() + options_.entry_overhead_bytes;
  if (entry_bytes > shard_max_bytes_) {
    return absl::InvalidArgumentError(
        absl::StrCat("cache entry of ", entry_bytes,
                     " bytes (key of ", key.size(),
                     " bytes) exceeds the per-shard byte limit of ",
                     shard_max_bytes_));
  }
  // Sizes are kept in 32 bits; no budget this large is plausible anyway.
  if (key.size() + value.size() >= std::numeric_limits<uint32_t>::max()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cache key of ", key.size(), " bytes and value of ", value.size(),
                     " bytes exceed 4 GiB together"));
  }
  return absl::OkStatus();
}

int64_t LocMemCache::Expiry(int64_t now_ns, absl::Duration ttl) const {
  if (ttl <= absl::ZeroDuration()) return Entry::kNever;
  // Time + Duration saturates at InfiniteFuture, which ToUnixNanos maps to
  // kNever, so a huge ttl cannot overflow. ToUnixNanos rounds down: a ttl
  // under 1 ns still ends after now, so an entry never expires as it is
  // stored.
  return std::max(now_ns + 1, absl::ToUnixNanos(absl::FromUnixNanos(now_ns) + ttl));
}

LocMemCache::Entry* LocMemCache::NewEntry(absl::string_view key, absl::string_view value) {
  // Rounded up to a multiple of 16 bytes (malloc hands out no less anyway);
  // the rest is the value's room to grow in place.
  const size_t bytes = (sizeof(Entry) + key.size() + value.size() + 15) & ~size_t{15};
  Entry* entry = new (::operator new(bytes)) Entry;
  entry->key_size = static_cast<uint32_t>(key.size());
  entry->value_size = static_cast<uint32_t>(value.size());
  entry->value_capacity = static_cast<uint32_t>(bytes - sizeof(Entry) - key.size());
  if (!key.empty()) std::memcpy(entry->bytes(), key.data(), key.size());
  if (!value.empty()) std::memcpy(entry->bytes() + key.size(), value.data(), value.size());
  return entry;
}

void LocMemCache::FreeEntry(Entry* entry) {
  entry->~Entry();
  ::operator delete(entry);
}

void LocMemCache::PushFrontLocked(Shard& shard, Entry* entry) {
  entry->newer = nullptr;
  entry->older = shard.newest;
  if (shard.newest != nullptr) shard.newest->newer = entry;
  shard.newest = entry;
  if (shard.oldest == nullptr) shard.oldest = entry;
}

void LocMemCache::UnlinkLocked(Shard& shard, Entry* entry) {
  (entry->newer != nullptr ? entry->newer->older : shard.newest) = entry->older;
  (entry->older != nullptr ? entry->older->newer : shard.oldest) = entry->newer;
  entry->newer = entry->older = nullptr;
}

LocMemCache::Entry* LocMemCache::FindLocked(Shard& shard, absl::string_view key, size_t hash,
                                            int64_t now_ns) {
  auto found = shard.index.find(Probe{key, hash});
  if (found == shard.index.end()) return nullptr;
  Entry* entry = found->entry;
  if (entry->expires_ns <= now_ns) {
    RemoveLocked(shard, entry);
    ++shard.stats.expirations;
    return nullptr;
  }
  entry->referenced = true;
  return entry;
}

void LocMemCache::RemoveLocked(Shard& shard, Entry* entry) {
  if (entry->expires_ns != Entry::kNever) {
    shard.by_expiry.erase({entry->expires_ns, entry});
  }
  shard.bytes -= entry->size() + options_.entry_overhead_bytes;
  shard.index.erase(Probe{entry->key(), KeyHash(entry->key())});
  UnlinkLocked(shard, entry);
  --shard.entries;
  FreeEntry(entry);
}

void LocMemCache::SetExpiryLocked(Shard& shard, Entry* entry, int64_t expires_ns) {
  if (entry->expires_ns != Entry::kNever) {
    shard.by_expiry.erase({entry->expires_ns, entry});
  }
  entry->expires_ns = expires_ns;
  if (expires_ns != Entry::kNever) shard.by_expiry.insert({expires_ns, entry});
}

void LocMemCache::StoreLocked(Shard& shard, absl::string_view key, size_t hash,
                              absl::string_view value, int64_t expires_ns, int64_t now_ns) {
  ++shard.stats.sets;
  Entry* stored;
  auto found = shard.index.find(Probe{key, hash});
  if (found != shard.index.end() && value.size() <= found->entry->value_capacity) {
    // Replace in place; like a hit, that marks the entry referenced rather
    // than moving it.
    stored = found->entry;
    shard.bytes = shard.bytes - stored->value_size + value.size();
    if (!value.empty()) std::memcpy(stored->bytes() + stored->key_size, value.data(), value.size());
    stored->value_size = static_cast<uint32_t>(value.size());
    stored->referenced = true;
    SetExpiryLocked(shard, stored, expires_ns);
  } else {
    stored = NewEntry(key, value);
    if (found != shard.index.end()) {
      // A value too long for the old entry's room: the new entry takes the
      // old one's place in the list and, as a replacement in place would,
      // is marked referenced.
      Entry* old = found->entry;
      shard.bytes = shard.bytes - old->value_size + value.size();
      stored->referenced = true;
      stored->newer = old->newer;
      stored->older = old->older;
      (old->newer != nullptr ? old->newer->older : shard.newest) = stored;
      (old->older != nullptr ? old->older->newer : shard.oldest) = stored;
      SetExpiryLocked(shard, old, Entry::kNever);
      shard.index.erase(found);
      FreeEntry(old);
    } else {
      PushFrontLocked(shard, stored);
      ++shard.entries;
      shard.bytes += stored->size() + options_.entry_overhead_bytes;
    }
    shard.index.insert(Slot{stored, hash});
    SetExpiryLocked(shard, stored, expires_ns);
  }
  // Make room, never evicting the entry just stored: expired entries
  // first, then from the oldest end.
  auto over = [&] {
    return shard.entries > shard_max_entries_ || shard.bytes > shard_max_bytes_;
  };
  while (over() && !shard.by_expiry.empty() && shard.by_expiry.begin()->first <= now_ns) {
    RemoveLocked(shard, shard.by_expiry.begin()->second);
    ++shard.stats.expirations;
  }
  // CLOCK: a referenced entry at the old end gets a second chance at the
  // front. Every pass clears a flag or evicts, so this ends.
  bool spared = false;
  while (over() && shard.entries > 1) {
    Entry* oldest = shard.oldest;
    if (oldest == stored || oldest->referenced) {
      oldest->referenced = false;
      UnlinkLocked(shard, oldest);
      PushFrontLocked(shard, oldest);
      spared = true;
      continue;
    }
    RemoveLocked(shard, oldest);
    ++shard.stats.evictions;
  }
  // The stored entry goes in front of those just spared, as it would land
  // behind the hand of a real clock: they are looked at again first.
  if (spared && stored != shard.newest) {
    UnlinkLocked(shard, stored);
    PushFrontLocked(shard, stored);
  }
}

std::optional<std::string> LocMemCache::LookupLocked(Shard& shard, absl::string_view key,
                                                     size_t hash, int64_t now_ns) {
  const Entry* entry = FindLocked(shard, key, hash, now_ns);
  if (entry == nullptr) {
    ++shard.stats.misses;
    return std::nullopt;
  }
  ++shard.stats.hits;
  return std::string(entry->value());
}

absl::Status LocMemCache::CheckSizeCounted(Shard& shard, absl::string_view key,
                                           absl::string_view value) {
  absl::Status status = CheckSize(key, value);
  if (!status.ok()) {
    std::lock_guard<std::mutex> lock(shard.mu);
    ++shard.stats.errors;
  }
  return status;
}

absl::StatusOr<std::optional<std::string>> LocMemCache::Get(absl::string_view key) {
  const int64_t now_ns = NowNanos();
  const size_t hash = KeyHash(key);
  Shard& shard = ShardFor(hash);
  std::lock_guard<std::mutex> lock(shard.mu);
  return LookupLocked(shard, key, hash, now_ns);
}

template <typename KeyAt, typename Visit>
void LocMemCache::ForEachLocked(size_t count, KeyAt key_at, Visit visit) {
  size_t hashes[kBatch];
  size_t shard_of[kBatch];
  for (size_t begin = 0; begin < count; begin += kBatch) {
    const size_t n = std::min(kBatch, count - begin);
    for (size_t i = 0; i < n; ++i) {
      hashes[i] = KeyHash(key_at(begin + i));
      shard_of[i] = ShardIndex(hashes[i]);
    }
    BatchLock lock(*this, shard_of, n);
    for (size_t i = 0; i < n; ++i) {
      shards_[shard_of[i]].index.prefetch(Probe{key_at(begin + i), hashes[i]});
    }
    for (size_t i = 0; i < n; ++i) {
      const absl::string_view key = key_at(begin + i);
      const auto& index = shards_[shard_of[i]].index;
      auto found = index.find(Probe{key, hashes[i], /*hash_only=*/true});
      if (found == index.end()) continue;
      const char* entry = reinterpret_cast<const char*>(found->entry);
      // The header, key and a short value span at most two lines.
      __builtin_prefetch(entry);
      __builtin_prefetch(entry + sizeof(Entry) + key.size() + 32);
    }
    for (size_t i = 0; i < n; ++i) visit(shards_[shard_of[i]], begin + i, hashes[i]);
  }
}

absl::StatusOr<std::vector<std::optional<std::string>>> LocMemCache::GetMany(
    absl::Span<const absl::string_view> keys) {
  const int64_t now_ns = NowNanos();
  std::vector<std::optional<std::string>> values(keys.size());
  ForEachLocked(
      keys.size(), [&](size_t i) { return keys[i]; },
      [&](Shard& shard, size_t i, size_t hash) {
        values[i] = LookupLocked(shard, keys[i], hash, now_ns);
      });
  return values;
}

absl::Status LocMemCache::SetMany(absl::Span<const KeyValue> entries, absl::Duration ttl) {
  // As Set for each pair, stopping at the first refused one (the pairs
  // before it are stored), with one clock read for the batch.
  size_t valid = 0;
  absl::Status refused;
  for (; valid < entries.size(); ++valid) {
    refused = CheckSize(entries[valid].first, entries[valid].second);
    if (!refused.ok()) break;
  }
  const int64_t now_ns = NowNanos();
  const int64_t expires_ns = Expiry(now_ns, ttl);
  ForEachLocked(
      valid, [&](size_t i) { return entries[i].first; },
      [&](Shard& shard, size_t i, size_t hash) {
        StoreLocked(shard, entries[i].first, hash, entries[i].second, expires_ns, now_ns);
      });
  if (!refused.ok()) {
    Shard& shard = ShardFor(KeyHash(entries[valid].first));
    std::lock_guard<std::mutex> lock(shard.mu);
    ++shard.stats.errors;
  }
  return refused;
}

absl::Status LocMemCache::Set(absl::string_view key, absl::string_view value,
                              absl::Duration ttl) {
  const size_t hash = KeyHash(key);
  Shard& shard = ShardFor(hash);
  if (absl::Status status = CheckSizeCounted(shard, key, value); !status.ok()) return status;
  const int64_t now_ns = NowNanos();
  std::lock_guard<std::mutex> lock(shard.mu);
  StoreLocked(shard, key, hash, value, Expiry(now_ns, ttl), now_ns);
  return absl::OkStatus();
}

absl::StatusOr<bool> LocMemCache::Add(absl::string_view key, absl::string_view value,
                                      absl::Duration ttl) {
  const size_t hash = KeyHash(key);
  Shard& shard = ShardFor(hash);
  if (absl::Status status = CheckSizeCounted(shard, key, value); !status.ok()) return status;
  const int64_t now_ns = NowNanos();
  std::lock_guard<std::mutex> lock(shard.mu);
  if (FindLocked(shard, key, hash, now_ns) != nullptr) return false;
  StoreLocked(shard, key, hash, value, Expiry(now_ns, ttl), now_ns);
  return true;
}

absl::StatusOr<bool> LocMemCache::Delete(absl::string_view key) {
  const int64_t now_ns = NowNanos();
  const size_t hash = KeyHash(key);
  Shard& shard = ShardFor(hash);
  std::lock_guard<std::mutex> lock(shard.mu);
  // An expired entry counts as absent (and as an expiration, not a delete).
  Entry* entry = FindLocked(shard, key, hash, now_ns);
  if (entry == nullptr) return false;
  RemoveLocked(shard, entry);
  ++shard.stats.deletes;
  return true;
}

absl::StatusOr<int64_t> LocMemCache::Incr(absl::string_view key, int64_t delta) {
  const int64_t now_ns = NowNanos();
  const size_t hash = KeyHash(key);
  Shard& shard = ShardFor(hash);
  std::lock_guard<std::mutex> lock(shard.mu);
  Entry* entry = FindLocked(shard, key, hash, now_ns);
  int64_t current = 0;
  int64_t expires_ns = Entry::kNever;
  if (entry != nullptr) {
    if (!absl::SimpleAtoi(entry->value(), &current)) {
      ++shard.stats.errors;
      return absl::FailedPreconditionError(absl::StrCat(
          "cache value for Incr is not a decimal int64 (key of ", key.size(),
          " bytes, value of ", entry->value_size, " bytes)"));
    }
    expires_ns = entry->expires_ns;
  }
  int64_t next = 0;
  if (__builtin_add_overflow(current, delta, &next)) {
    ++shard.stats.errors;
    return absl::OutOfRangeError(
        absl::StrCat("cache Incr overflows int64: ", current, " + ", delta));
  }
  const std::string text = absl::StrCat(next);
  if (absl::Status status = CheckSize(key, text); !status.ok()) {
    ++shard.stats.errors;
    return status;
  }
  StoreLocked(shard, key, hash, text, expires_ns, now_ns);
  return next;
}

absl::StatusOr<std::string> LocMemCache::GetOrSet(absl::string_view key,
                                                  absl::Duration ttl,
                                                  const Compute& compute) {
  absl::StatusOr<std::optional<std::string>> cached = Get(key);
  if (!cached.ok()) return cached.status();
  if (cached->has_value()) return **std::move(cached);
  // Computed outside the lock: compute may be slow or use the cache itself.
  absl::StatusOr<std::string> computed = compute();
  if (!computed.ok()) {
    Shard& shard = ShardFor(KeyHash(key));
    std::lock_guard<std::mutex> lock(shard.mu);
    ++shard.stats.errors;
    return computed.status();
  }
  if (absl::Status status = Set(key, *computed, ttl); !status.ok()) return status;
  return computed;
}

void LocMemCache::ClearShard(Shard& shard) {
  shard.index.clear();
  shard.by_expiry.clear();
  for (Entry* entry = shard.newest; entry != nullptr;) {
    Entry* older = entry->older;
    FreeEntry(entry);
    entry = older;
  }
  shard.newest = shard.oldest = nullptr;
  shard.entries = 0;
  shard.bytes = 0;
}

absl::Status LocMemCache::Clear() {
  for (size_t i = 0; i < num_shards_; ++i) {
    Shard& shard = shards_[i];
    std::lock_guard<std::mutex> lock(shard.mu);
    ClearShard(shard);
  }
  return absl::OkStatus();
}

CacheStats LocMemCache::stats() const {
  CacheStats total;
  for (size_t i = 0; i < num_shards_; ++i) {
    Shard& shard = shards_[i];
    std::lock_guard<std::mutex> lock(shard.mu);
    total.hits += shard.stats.hits;
    total.misses += shard.stats.misses;
    total.sets += shard.stats.sets;
    total.deletes += shard.stats.deletes;
    total.evictions += shard.stats.evictions;
    total.expirations += shard.stats.expirations;
    total.errors += shard.stats.errors;
    total.entries += shard.entries;
    total.bytes += shard.bytes;
  }
  return total;
}

}  // namespace hyper::cache
