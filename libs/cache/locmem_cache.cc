#include "libs/cache/locmem_cache.h"

#include <algorithm>
#include <limits>

#include "absl/hash/hash.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace hyper::cache {

LocMemCache::LocMemCache(Options options) : options_(std::move(options)) {
  // Fewer shards than entries, so that each shard holds at least one.
  num_shards_ = std::max<size_t>(
      1, std::min(options_.shards, std::max<size_t>(1, options_.max_entries)));
  shard_max_entries_ = std::max<size_t>(1, options_.max_entries / num_shards_);
  shard_max_bytes_ = options_.max_bytes / num_shards_;
  shards_ = std::make_unique<Shard[]>(num_shards_);
}

LocMemCache::~LocMemCache() = default;

LocMemCache::Shard& LocMemCache::ShardFor(absl::string_view key) const {
  // High bits pick the shard: flat_hash_map uses the low ones inside it.
  const size_t hash = absl::Hash<absl::string_view>{}(key);
  return shards_[(hash >> 40) % num_shards_];
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
  return absl::OkStatus();
}

absl::Time LocMemCache::Expiry(absl::Time now, absl::Duration ttl) const {
  return ttl <= absl::ZeroDuration() ? absl::InfiniteFuture() : now + ttl;
}

LocMemCache::Entry* LocMemCache::FindLocked(Shard& shard, absl::string_view key,
                                            absl::Time now) {
  auto found = shard.index.find(key);
  if (found == shard.index.end()) return nullptr;
  Lru::iterator it = found->second;
  if (it->expires <= now) {
    RemoveLocked(shard, it);
    ++shard.stats.expirations;
    return nullptr;
  }
  it->referenced = true;
  return &*it;
}

void LocMemCache::RemoveLocked(Shard& shard, Lru::iterator it) {
  if (it->expires != absl::InfiniteFuture()) {
    shard.by_expiry.erase({it->expires, &*it});
  }
  shard.bytes -= it->size() + options_.entry_overhead_bytes;
  shard.index.erase(absl::string_view(it->key));
  shard.lru.erase(it);
}

void LocMemCache::SetExpiryLocked(Shard& shard, Entry& entry, absl::Time expires) {
  if (entry.expires != absl::InfiniteFuture()) {
    shard.by_expiry.erase({entry.expires, &entry});
  }
  entry.expires = expires;
  if (expires != absl::InfiniteFuture()) shard.by_expiry.insert({expires, &entry});
}

void LocMemCache::StoreLocked(Shard& shard, absl::string_view key,
                              absl::string_view value, absl::Time expires,
                              absl::Time now) {
  ++shard.stats.sets;
  Lru::iterator stored;
  auto found = shard.index.find(key);
  if (found != shard.index.end()) {
    // Replace in place (the key's view in the index stays valid); like a
    // hit, that marks the entry referenced rather than moving it.
    stored = found->second;
    shard.bytes = shard.bytes - stored->value.size() + value.size();
    stored->value.assign(value.data(), value.size());
    stored->referenced = true;
    SetExpiryLocked(shard, *stored, expires);
  } else {
    shard.lru.push_front(Entry{std::string(key), std::string(value),
                               absl::InfiniteFuture()});
    stored = shard.lru.begin();
    shard.bytes += stored->size() + options_.entry_overhead_bytes;
    shard.index.emplace(absl::string_view(stored->key), stored);
    SetExpiryLocked(shard, *stored, expires);
  }
  // Make room, never evicting the entry just stored: expired entries
  // first, then from the oldest end.
  auto over = [&] {
    return shard.lru.size() > shard_max_entries_ || shard.bytes > shard_max_bytes_;
  };
  while (over() && !shard.by_expiry.empty() &&
         shard.by_expiry.begin()->first <= now) {
    const Entry* expired = shard.by_expiry.begin()->second;
    RemoveLocked(shard, shard.index.find(absl::string_view(expired->key))->second);
    ++shard.stats.expirations;
  }
  // CLOCK: a referenced entry at the old end gets a second chance at the
  // front. Every pass clears a flag or evicts, so this ends.
  bool spared = false;
  while (over() && shard.lru.size() > 1) {
    Lru::iterator oldest = std::prev(shard.lru.end());
    if (oldest == stored || oldest->referenced) {
      oldest->referenced = false;
      shard.lru.splice(shard.lru.begin(), shard.lru, oldest);
      spared = true;
      continue;
    }
    RemoveLocked(shard, oldest);
    ++shard.stats.evictions;
  }
  // The stored entry goes in front of those just spared, as it would land
  // behind the hand of a real clock: they are looked at again first.
  if (spared && stored != shard.lru.begin()) {
    shard.lru.splice(shard.lru.begin(), shard.lru, stored);
  }
}

std::optional<std::string> LocMemCache::LookupLocked(Shard& shard, absl::string_view key,
                                                     absl::Time now) {
  const Entry* entry = FindLocked(shard, key, now);
  if (entry == nullptr) {
    ++shard.stats.misses;
    return std::nullopt;
  }
  ++shard.stats.hits;
  return entry->value;
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
  const absl::Time now = options_.clock();
  Shard& shard = ShardFor(key);
  std::lock_guard<std::mutex> lock(shard.mu);
  return LookupLocked(shard, key, now);
}

absl::StatusOr<std::vector<std::optional<std::string>>> LocMemCache::GetMany(
    const std::vector<std::string>& keys) {
  const absl::Time now = options_.clock();
  std::vector<std::optional<std::string>> values(keys.size());
  Shard* next = keys.empty() ? nullptr : &ShardFor(keys[0]);
  for (size_t i = 0; i < keys.size(); ++i) {
    Shard& shard = *next;
    if (i + 1 < keys.size()) {
      // The next key's slot is likely a cache miss: start loading it now,
      // under its shard's lock (the table may be resized otherwise).
      next = &ShardFor(keys[i + 1]);
      std::lock_guard<std::mutex> lock(next->mu);
      next->index.prefetch(absl::string_view(keys[i + 1]));
    }
    std::lock_guard<std::mutex> lock(shard.mu);
    values[i] = LookupLocked(shard, keys[i], now);
  }
  return values;
}

absl::Status LocMemCache::SetMany(const KeyValues& entries, absl::Duration ttl) {
  // As Set for each pair (stopping at the first refused one), with one
  // clock read for the batch.
  const absl::Time now = options_.clock();
  const absl::Time expires = Expiry(now, ttl);
  for (const auto& [key, value] : entries) {
    Shard& shard = ShardFor(key);
    if (absl::Status status = CheckSizeCounted(shard, key, value); !status.ok()) return status;
    std::lock_guard<std::mutex> lock(shard.mu);
    StoreLocked(shard, key, value, expires, now);
  }
  return absl::OkStatus();
}

absl::Status LocMemCache::Set(absl::string_view key, absl::string_view value,
                              absl::Duration ttl) {
  Shard& shard = ShardFor(key);
  if (absl::Status status = CheckSizeCounted(shard, key, value); !status.ok()) return status;
  const absl::Time now = options_.clock();
  std::lock_guard<std::mutex> lock(shard.mu);
  StoreLocked(shard, key, value, Expiry(now, ttl), now);
  return absl::OkStatus();
}

absl::StatusOr<bool> LocMemCache::Add(absl::string_view key, absl::string_view value,
                                      absl::Duration ttl) {
  Shard& shard = ShardFor(key);
  if (absl::Status status = CheckSizeCounted(shard, key, value); !status.ok()) return status;
  const absl::Time now = options_.clock();
  std::lock_guard<std::mutex> lock(shard.mu);
  if (FindLocked(shard, key, now) != nullptr) return false;
  StoreLocked(shard, key, value, Expiry(now, ttl), now);
  return true;
}

absl::StatusOr<bool> LocMemCache::Delete(absl::string_view key) {
  const absl::Time now = options_.clock();
  Shard& shard = ShardFor(key);
  std::lock_guard<std::mutex> lock(shard.mu);
  // An expired entry counts as absent (and as an expiration, not a delete).
  if (FindLocked(shard, key, now) == nullptr) return false;
  RemoveLocked(shard, shard.index.find(key)->second);
  ++shard.stats.deletes;
  return true;
}

absl::StatusOr<int64_t> LocMemCache::Incr(absl::string_view key, int64_t delta) {
  const absl::Time now = options_.clock();
  Shard& shard = ShardFor(key);
  std::lock_guard<std::mutex> lock(shard.mu);
  Entry* entry = FindLocked(shard, key, now);
  int64_t current = 0;
  absl::Time expires = absl::InfiniteFuture();
  if (entry != nullptr) {
    if (!absl::SimpleAtoi(entry->value, &current)) {
      ++shard.stats.errors;
      return absl::FailedPreconditionError(absl::StrCat(
          "cache value for Incr is not a decimal int64 (key of ", key.size(),
          " bytes, value of ", entry->value.size(), " bytes)"));
    }
    expires = entry->expires;
  }
  int64_t next = 0;
  if (__builtin_add_overflow(current, delta, &next)) {
    ++shard.stats.errors;
    return absl::OutOfRangeError(
        absl::StrCat("cache Incr overflows int64: ", current, " + ", delta));
  }
  StoreLocked(shard, key, absl::StrCat(next), expires, now);
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
    Shard& shard = ShardFor(key);
    std::lock_guard<std::mutex> lock(shard.mu);
    ++shard.stats.errors;
    return computed.status();
  }
  if (absl::Status status = Set(key, *computed, ttl); !status.ok()) return status;
  return computed;
}

absl::Status LocMemCache::Clear() {
  for (size_t i = 0; i < num_shards_; ++i) {
    Shard& shard = shards_[i];
    std::lock_guard<std::mutex> lock(shard.mu);
    shard.index.clear();
    shard.by_expiry.clear();
    shard.lru.clear();
    shard.bytes = 0;
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
    total.entries += shard.lru.size();
    total.bytes += shard.bytes;
  }
  return total;
}

}  // namespace hyper::cache
