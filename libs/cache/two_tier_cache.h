// TwoTierCache: a Cache in front of two others, a fast L1 (typically a
// LocMemCache) and a shared L2 (typically remote). Reads try L1, then L2; an
// L2 hit is promoted into L1. Writes go to both (L1 entries live at most
// l1_ttl, so other processes' writes to L2 become visible within l1_ttl).
//
// Fail-soft: an L2 error never fails a call. It is counted in l2_errors and
// behaves as a miss on read; on write it is ignored. L1 errors (e.g. a value
// over L1's size limit) are returned.
//
// Example:
//   LocMemCache l1;
//   RemoteCache l2(...);
//   TwoTierCache cache(&l1, &l2, absl::Seconds(30));
//   cache.Set("k", "v", absl::Minutes(5));  // L1 for 30 s, L2 for 5 min
//   l1.Clear();
//   cache.Get("k");                         // "v" from L2, now back in L1
//   cache.tier_stats().l2_hits;             // 1
#ifndef HYPER_LIBS_CACHE_TWO_TIER_CACHE_H_
#define HYPER_LIBS_CACHE_TWO_TIER_CACHE_H_

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/cache/cache.h"

namespace hyper::cache {

struct TwoTierStats {
  uint64_t l1_hits = 0;
  uint64_t l1_misses = 0;
  uint64_t l2_hits = 0;
  uint64_t l2_misses = 0;
  uint64_t l2_errors = 0;  // L2 calls that failed (and were absorbed)

  // Lookups answered by either tier / all lookups; 0 when there were none.
  double hit_rate() const {
    const uint64_t lookups = l1_hits + l1_misses;
    return lookups == 0 ? 0.0 : static_cast<double>(l1_hits + l2_hits) / lookups;
  }
};

class TwoTierCache final : public Cache {
 public:
  // `l1` and `l2` must outlive this. l1_ttl > 0 caps how long L1 keeps an
  // entry; L2's remaining ttl is unknown, so promoted entries get l1_ttl.
  TwoTierCache(Cache* l1, Cache* l2, absl::Duration l1_ttl);
  TwoTierCache(const TwoTierCache&) = delete;
  TwoTierCache& operator=(const TwoTierCache&) = delete;

  absl::StatusOr<std::optional<std::string>> Get(absl::string_view key) override;
  absl::Status Set(absl::string_view key, absl::string_view value,
                   absl::Duration ttl = absl::ZeroDuration()) override;
  // L2 decides (it is shared); if L2 fails, L1 decides.
  absl::StatusOr<bool> Add(absl::string_view key, absl::string_view value,
                           absl::Duration ttl = absl::ZeroDuration()) override;
  absl::StatusOr<bool> Delete(absl::string_view key) override;
  // Counts in L2 (shared) and copies the result to L1; if L2 fails, counts
  // in L1 alone.
  absl::StatusOr<int64_t> Incr(absl::string_view key, int64_t delta = 1) override;
  absl::StatusOr<std::string> GetOrSet(absl::string_view key, absl::Duration ttl,
                                       const Compute& compute) override;
  absl::Status Clear() override;
  // hits/misses/errors over both tiers (errors include absorbed L2 errors),
  // sets/deletes through this cache, entries/bytes/evictions/expirations of L1.
  CacheStats stats() const override;

  TwoTierStats tier_stats() const;

 private:
  absl::Duration L1Ttl(absl::Duration ttl) const;
  // Counts and swallows an L2 error; returns whether `status` was OK.
  bool L2Ok(const absl::Status& status);

  Cache* l1_;
  Cache* l2_;
  absl::Duration l1_ttl_;
  std::atomic<uint64_t> l1_hits_{0};
  std::atomic<uint64_t> l1_misses_{0};
  std::atomic<uint64_t> l2_hits_{0};
  std::atomic<uint64_t> l2_misses_{0};
  std::atomic<uint64_t> l2_errors_{0};
  std::atomic<uint64_t> errors_{0};
  std::atomic<uint64_t> sets_{0};
  std::atomic<uint64_t> deletes_{0};
};

}  // namespace hyper::cache

#endif  // HYPER_LIBS_CACHE_TWO_TIER_CACHE_H_
