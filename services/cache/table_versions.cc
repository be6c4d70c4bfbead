#include "services/cache/table_versions.h"

#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/random/random.h"
#include "absl/strings/str_cat.h"

namespace hyper::cache {

TableVersions::TableVersions() : epoch_(absl::Uniform<uint64_t>(absl::BitGen())) {}

TableVersions::Snapshot TableVersions::Read(const Tables& tables) const {
  Snapshot snapshot{.epoch = epoch_, .versions = {}};
  snapshot.versions.reserve(tables.size());
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::string& table : tables) {
    auto it = counters_.find(table);
    snapshot.versions.push_back(it == counters_.end() ? 0 : it->second);
  }
  return snapshot;
}

TableVersions::Snapshot TableVersions::Bump(const Tables& tables) {
  Snapshot snapshot{.epoch = epoch_, .versions = {}};
  snapshot.versions.reserve(tables.size());
  absl::flat_hash_set<absl::string_view> bumped;
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::string& table : tables) {
    uint64_t& counter = counters_[table];
    if (bumped.insert(table).second) {
      ++counter;
      ++bumps_;
    }
    snapshot.versions.push_back(counter);
  }
  return snapshot;
}

std::string TableVersions::Stamp(absl::string_view key, const Tables& tables) const {
  Snapshot snapshot = Read(tables);
  std::string stamped(key);
  absl::StrAppend(&stamped, absl::string_view("\0v", 2), absl::Hex(epoch_), ":");
  for (size_t i = 0; i < snapshot.versions.size(); ++i) {
    absl::StrAppend(&stamped, i == 0 ? "" : ".", snapshot.versions[i]);
  }
  return stamped;
}

uint64_t TableVersions::bumps() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bumps_;
}

uint64_t TableVersions::tables() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counters_.size();
}

}  // namespace hyper::cache
