#include "libs/cache/two_tier_cache.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace hyper::cache {
namespace {

void Bump(std::atomic<uint64_t>& counter) {
  counter.fetch_add(1, std::memory_order_relaxed);
}

uint64_t Read(const std::atomic<uint64_t>& counter) {
  return counter.load(std::memory_order_relaxed);
}

}  // namespace

TwoTierCache::TwoTierCache(Cache* l1, Cache* l2, absl::Duration l1_ttl)
    : l1_(l1), l2_(l2), l1_ttl_(l1_ttl) {}

absl::Duration TwoTierCache::L1Ttl(absl::Duration ttl) const {
  if (l1_ttl_ <= absl::ZeroDuration()) return ttl;  // no cap configured
  if (ttl <= absl::ZeroDuration()) return l1_ttl_;
  return std::min(ttl, l1_ttl_);
}

bool TwoTierCache::L2Ok(const absl::Status& status) {
  if (status.ok()) return true;
  Bump(l2_errors_);
  return false;
}

absl::StatusOr<std::optional<std::string>> TwoTierCache::Get(absl::string_view key) {
  absl::StatusOr<std::optional<std::string>> local = l1_->Get(key);
  if (!local.ok()) {
    Bump(errors_);
    return local.status();
  }
  if (local->has_value()) {
    Bump(l1_hits_);
    return local;
  }
  Bump(l1_misses_);
  absl::StatusOr<std::optional<std::string>> remote = l2_->Get(key);
  if (!L2Ok(remote.status())) return std::nullopt;
  if (!remote->has_value()) {
    Bump(l2_misses_);
    return std::nullopt;
  }
  Bump(l2_hits_);
  // A promotion that L1 refuses (e.g. too large) is still a hit.
  l1_->Set(key, **remote, L1Ttl(absl::ZeroDuration())).IgnoreError();
  return remote;
}

absl::Status TwoTierCache::Set(absl::string_view key, absl::string_view value,
                               absl::Duration ttl) {
  if (absl::Status status = l1_->Set(key, value, L1Ttl(ttl)); !status.ok()) {
    Bump(errors_);
    return status;
  }
  L2Ok(l2_->Set(key, value, ttl));
  Bump(sets_);
  return absl::OkStatus();
}

absl::StatusOr<bool> TwoTierCache::Add(absl::string_view key, absl::string_view value,
                                       absl::Duration ttl) {
  absl::StatusOr<bool> added = l2_->Add(key, value, ttl);
  if (!L2Ok(added.status())) {
    absl::StatusOr<bool> local = l1_->Add(key, value, L1Ttl(ttl));
    if (!local.ok()) Bump(errors_);
    if (local.ok() && *local) Bump(sets_);
    return local;
  }
  if (!*added) return false;
  Bump(sets_);
  if (absl::Status status = l1_->Set(key, value, L1Ttl(ttl)); !status.ok()) {
    Bump(errors_);
    return status;
  }
  return true;
}

absl::StatusOr<bool> TwoTierCache::Delete(absl::string_view key) {
  absl::StatusOr<bool> local = l1_->Delete(key);
  if (!local.ok()) {
    Bump(errors_);
    return local.status();
  }
  absl::StatusOr<bool> remote = l2_->Delete(key);
  const bool remote_existed = L2Ok(remote.status()) && *remote;
  const bool existed = *local || remote_existed;
  if (existed) Bump(deletes_);
  return existed;
}

absl::StatusOr<int64_t> TwoTierCache::Incr(absl::string_view key, int64_t delta) {
  absl::StatusOr<int64_t> remote = l2_->Incr(key, delta);
  // A non-integer or overflowing value is the caller's error, not L2 being
  // down; pass it on.
  if (!remote.ok() && (remote.status().code() == absl::StatusCode::kFailedPrecondition ||
                       remote.status().code() == absl::StatusCode::kOutOfRange)) {
    Bump(errors_);
    return remote.status();
  }
  if (!L2Ok(remote.status())) {
    absl::StatusOr<int64_t> local = l1_->Incr(key, delta);
    if (!local.ok()) Bump(errors_);
    return local;
  }
  l1_->Set(key, absl::StrCat(*remote), L1Ttl(absl::ZeroDuration())).IgnoreError();
  return remote;
}

absl::StatusOr<std::string> TwoTierCache::GetOrSet(absl::string_view key,
                                                   absl::Duration ttl,
                                                   const Compute& compute) {
  absl::StatusOr<std::optional<std::string>> cached = Get(key);
  if (!cached.ok()) return cached.status();
  if (cached->has_value()) return **std::move(cached);
  absl::StatusOr<std::string> computed = compute();
  if (!computed.ok()) {
    Bump(errors_);
    return computed.status();
  }
  if (absl::Status status = Set(key, *computed, ttl); !status.ok()) return status;
  return computed;
}

absl::Status TwoTierCache::Clear() {
  if (absl::Status status = l1_->Clear(); !status.ok()) {
    Bump(errors_);
    return status;
  }
  L2Ok(l2_->Clear());
  return absl::OkStatus();
}

CacheStats TwoTierCache::stats() const {
  const CacheStats local = l1_->stats();
  const TwoTierStats tiers = tier_stats();
  CacheStats total;
  total.hits = tiers.l1_hits + tiers.l2_hits;
  // Every lookup is an L1 lookup; those neither tier answered (L2 misses and
  // L2 read errors) are misses. Clamped: the counters are read one by one.
  total.misses = tiers.l1_misses > tiers.l2_hits ? tiers.l1_misses - tiers.l2_hits : 0;
  total.sets = Read(sets_);
  total.deletes = Read(deletes_);
  total.evictions = local.evictions;
  total.expirations = local.expirations;
  total.errors = Read(errors_) + tiers.l2_errors;
  total.entries = local.entries;
  total.bytes = local.bytes;
  return total;
}

TwoTierStats TwoTierCache::tier_stats() const {
  TwoTierStats stats;
  stats.l1_hits = Read(l1_hits_);
  stats.l1_misses = Read(l1_misses_);
  stats.l2_hits = Read(l2_hits_);
  stats.l2_misses = Read(l2_misses_);
  stats.l2_errors = Read(l2_errors_);
  return stats;
}

}  // namespace hyper::cache
