// TableVersions: the cache service's table version counters, the shared
// source of truth every query-service replica keys its cached results by.
//
// A version is (epoch, counter). The epoch is drawn at random when the
// service starts, so after a restart (counters lost) no stamp can equal one
// an older entry was stored under; counters start at 0 and only grow.
// Counters are never evicted (one per table ever bumped or read).
//
// Stamp() is the key a versioned lookup uses: the caller's key, a NUL, then
// "v<epoch>" and each table's counter in the caller's order, e.g.
//   Stamp("q:...", {"posts", "users"}) == "q:...\0v8f3a...:4.0"
// so any bump of any listed table yields a different key.
//
// Example:
//   TableVersions versions;
//   versions.Read({"posts"});   // {epoch, {0}}
//   versions.Bump({"posts"});   // {epoch, {1}}
#ifndef HYPER_SERVICES_CACHE_TABLE_VERSIONS_H_
#define HYPER_SERVICES_CACHE_TABLE_VERSIONS_H_

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/repeated_field.h"

namespace hyper::cache {

class TableVersions {
 public:
  using Tables = google::protobuf::RepeatedPtrField<std::string>;

  struct Snapshot {
    uint64_t epoch = 0;
    std::vector<uint64_t> versions;  // one per table asked for
  };

  TableVersions();  // a random epoch
  explicit TableVersions(uint64_t epoch) : epoch_(epoch) {}

  uint64_t epoch() const { return epoch_; }

  Snapshot Read(const Tables& tables) const;
  // Each distinct table is bumped once, however often it is listed.
  Snapshot Bump(const Tables& tables);
  // The versioned key for `key` under the current versions of `tables`.
  std::string Stamp(absl::string_view key, const Tables& tables) const;

  uint64_t bumps() const;
  uint64_t tables() const;

 private:
  const uint64_t epoch_;
  mutable std::mutex mu_;
  absl::flat_hash_map<std::string, uint64_t> counters_;  // guarded by mu_
  uint64_t bumps_ = 0;                                   // guarded by mu_
};

}  // namespace hyper::cache

#endif  // HYPER_SERVICES_CACHE_TABLE_VERSIONS_H_
