#include "libs/cache/cache.h"

namespace hyper::cache {

absl::StatusOr<std::vector<std::optional<std::string>>> Cache::GetMany(
    absl::Span<const absl::string_view> keys) {
  std::vector<std::optional<std::string>> values;
  values.reserve(keys.size());
  for (absl::string_view key : keys) {
    absl::StatusOr<std::optional<std::string>> value = Get(key);
    if (!value.ok()) return value.status();
    values.push_back(*std::move(value));
  }
  return values;
}

absl::Status Cache::SetMany(absl::Span<const KeyValue> entries, absl::Duration ttl) {
  for (const auto& [key, value] : entries) {
    if (absl::Status status = Set(key, value, ttl); !status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> Cache::DeleteMany(absl::Span<const absl::string_view> keys) {
  int64_t deleted = 0;
  for (absl::string_view key : keys) {
    absl::StatusOr<bool> existed = Delete(key);
    if (!existed.ok()) return existed.status();
    deleted += *existed ? 1 : 0;
  }
  return deleted;
}

CacheStats CacheCounters::Snapshot() const {
  CacheStats stats;
  stats.hits = hits.load(std::memory_order_relaxed);
  stats.misses = misses.load(std::memory_order_relaxed);
  stats.sets = sets.load(std::memory_order_relaxed);
  stats.deletes = deletes.load(std::memory_order_relaxed);
  stats.expirations = expirations.load(std::memory_order_relaxed);
  stats.errors = errors.load(std::memory_order_relaxed);
  return stats;
}

}  // namespace hyper::cache
