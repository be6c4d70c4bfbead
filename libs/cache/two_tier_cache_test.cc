#include "libs/cache/two_tier_cache.h"

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/cache/cache_testing.h"
#include "libs/cache/locmem_cache.h"

namespace hyper::cache {
namespace {

using ::testing::Optional;

// An L2 that is down: every call returns UnavailableError.
class UnavailableCache final : public Cache {
 public:
  absl::StatusOr<std::optional<std::string>> Get(absl::string_view) override {
    return Down();
  }
  absl::StatusOr<std::vector<std::optional<std::string>>> GetMany(
      absl::Span<const absl::string_view>) override {
    return Down();
  }
  absl::Status Set(absl::string_view, absl::string_view, absl::Duration) override {
    return Down();
  }
  absl::Status SetMany(absl::Span<const KeyValue>, absl::Duration) override { return Down(); }
  absl::StatusOr<bool> Add(absl::string_view, absl::string_view,
                           absl::Duration) override {
    return Down();
  }
  absl::StatusOr<bool> Delete(absl::string_view) override { return Down(); }
  absl::StatusOr<int64_t> DeleteMany(absl::Span<const absl::string_view>) override {
    return Down();
  }
  absl::StatusOr<int64_t> Incr(absl::string_view, int64_t) override { return Down(); }
  absl::StatusOr<std::string> GetOrSet(absl::string_view, absl::Duration,
                                       const Compute&) override {
    return Down();
  }
  absl::Status Clear() override { return Down(); }
  CacheStats stats() const override { return {}; }

 private:
  static absl::Status Down() { return absl::UnavailableError("l2 down"); }
};

TEST(TwoTierCacheTest, WritesThroughToBothTiers) {
  LocMemCache l1, l2;
  TwoTierCache cache(&l1, &l2, absl::Seconds(30));
  ASSERT_TRUE(cache.Set("k", "v", absl::Minutes(5)).ok());
  EXPECT_THAT(GetOrDie(l1, "k"), Optional(std::string("v")));
  EXPECT_THAT(GetOrDie(l2, "k"), Optional(std::string("v")));
  EXPECT_THAT(cache.Delete("k"), IsOkAndHolds(true));
  EXPECT_EQ(GetOrDie(l1, "k"), std::nullopt);
  EXPECT_EQ(GetOrDie(l2, "k"), std::nullopt);
}

TEST(TwoTierCacheTest, L1KeepsEntriesAtMostL1Ttl) {
  FakeClock clock;
  auto now = clock.AsFunction();
  LocMemCache l1({.clock = now}), l2({.clock = now});
  TwoTierCache cache(&l1, &l2, absl::Seconds(30));
  ASSERT_TRUE(cache.Set("k", "v", absl::Minutes(5)).ok());
  clock.Advance(absl::Seconds(31));
  EXPECT_EQ(GetOrDie(l1, "k"), std::nullopt);
  EXPECT_THAT(GetOrDie(l2, "k"), Optional(std::string("v")));
}

TEST(TwoTierCacheTest, L2HitIsPromotedToL1WithL1Ttl) {
  FakeClock clock;
  auto now = clock.AsFunction();
  LocMemCache l1({.clock = now}), l2({.clock = now});
  TwoTierCache cache(&l1, &l2, absl::Seconds(30));
  ASSERT_TRUE(l2.Set("k", "remote").ok());

  EXPECT_THAT(GetOrDie(cache, "k"), Optional(std::string("remote")));
  EXPECT_THAT(GetOrDie(l1, "k"), Optional(std::string("remote")));
  EXPECT_THAT(GetOrDie(cache, "k"), Optional(std::string("remote")));  // from L1
  EXPECT_EQ(GetOrDie(cache, "absent"), std::nullopt);

  TwoTierStats tiers = cache.tier_stats();
  EXPECT_EQ(tiers.l1_hits, 1u);
  EXPECT_EQ(tiers.l1_misses, 2u);
  EXPECT_EQ(tiers.l2_hits, 1u);
  EXPECT_EQ(tiers.l2_misses, 1u);
  EXPECT_EQ(tiers.l2_errors, 0u);
  EXPECT_NEAR(tiers.hit_rate(), 2.0 / 3.0, 1e-9);
  EXPECT_EQ(cache.stats().hits, 2u);
  EXPECT_EQ(cache.stats().misses, 1u);

  clock.Advance(absl::Seconds(30));  // promoted copy expires; L2 still has it
  EXPECT_EQ(GetOrDie(l1, "k"), std::nullopt);
  EXPECT_THAT(GetOrDie(cache, "k"), Optional(std::string("remote")));
}

TEST(TwoTierCacheTest, FailingL2NeverFailsACallAndIsCounted) {
  LocMemCache l1;
  UnavailableCache l2;
  TwoTierCache cache(&l1, &l2, absl::Seconds(30));

  EXPECT_TRUE(cache.Set("k", "v").ok());
  EXPECT_THAT(GetOrDie(cache, "k"), Optional(std::string("v")));  // L1 hit
  EXPECT_EQ(GetOrDie(cache, "absent"), std::nullopt);            // L2 read error
  EXPECT_TRUE(cache.SetMany({{"a", "1"}, {"b", "2"}}).ok());
  auto many = cache.GetMany({"a", "zz"});
  ASSERT_TRUE(many.ok());
  EXPECT_THAT(*many, ::testing::ElementsAre(Optional(std::string("1")), std::nullopt));
  EXPECT_THAT(cache.Add("new", "x"), IsOkAndHolds(true));   // L1 decides
  EXPECT_THAT(cache.Add("new", "y"), IsOkAndHolds(false));
  EXPECT_THAT(cache.Incr("n", 2), IsOkAndHolds(2));         // L1 counts
  EXPECT_THAT(cache.Delete("k"), IsOkAndHolds(true));
  EXPECT_THAT(cache.DeleteMany({"a", "b", "c"}), IsOkAndHolds(2));
  EXPECT_THAT(cache.GetOrSet("g", absl::ZeroDuration(),
                             [] { return absl::StatusOr<std::string>("computed"); }),
              IsOkAndHolds(std::string("computed")));
  EXPECT_TRUE(cache.Clear().ok());

  const TwoTierStats tiers = cache.tier_stats();
  // Sets (k, a, b, g), L1-missed reads (absent, zz, g), Add x2, Incr,
  // Deletes (k, a, b, c), Clear.
  EXPECT_EQ(tiers.l2_errors, 4u + 3u + 2u + 1u + 4u + 1u);
  EXPECT_EQ(tiers.l2_hits, 0u);
  EXPECT_EQ(cache.stats().errors, tiers.l2_errors);
  EXPECT_EQ(cache.stats().misses, 3u);
}

TEST(TwoTierCacheTest, L1ErrorsAreReturned) {
  LocMemCache l1({.max_value_bytes = 4});
  LocMemCache l2;
  TwoTierCache cache(&l1, &l2, absl::Seconds(30));
  EXPECT_EQ(cache.Set("k", "too long").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(cache.stats().errors, 1u);
}

TEST(TwoTierCacheTest, IncrCountsInL2AndCopiesToL1) {
  LocMemCache l1, l2;
  TwoTierCache cache(&l1, &l2, absl::Seconds(30));
  ASSERT_TRUE(l2.Set("n", "40").ok());
  EXPECT_THAT(cache.Incr("n", 2), IsOkAndHolds(42));
  EXPECT_THAT(GetOrDie(l1, "n"), Optional(std::string("42")));
  ASSERT_TRUE(l2.Set("s", "text").ok());
  EXPECT_EQ(cache.Incr("s").status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(TwoTierCacheTest, GetOrSetComputesOnceAndWritesThrough) {
  LocMemCache l1, l2;
  TwoTierCache cache(&l1, &l2, absl::Seconds(30));
  int calls = 0;
  auto compute = [&]() -> absl::StatusOr<std::string> {
    ++calls;
    return std::string("c");
  };
  EXPECT_THAT(cache.GetOrSet("k", absl::ZeroDuration(), compute), IsOkAndHolds(std::string("c")));
  EXPECT_THAT(cache.GetOrSet("k", absl::ZeroDuration(), compute), IsOkAndHolds(std::string("c")));
  EXPECT_EQ(calls, 1);
  EXPECT_THAT(GetOrDie(l2, "k"), Optional(std::string("c")));
  auto failing = []() -> absl::StatusOr<std::string> {
    return absl::InternalError("no");
  };
  EXPECT_EQ(cache.GetOrSet("e", absl::ZeroDuration(), failing).status().code(),
            absl::StatusCode::kInternal);
  EXPECT_EQ(GetOrDie(l2, "e"), std::nullopt);
}

}  // namespace
}  // namespace hyper::cache
