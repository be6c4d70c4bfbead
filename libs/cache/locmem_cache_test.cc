#include "libs/cache/locmem_cache.h"

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/cache/cache_testing.h"

namespace hyper::cache {
namespace {

using ::testing::HasSubstr;
using ::testing::Optional;

TEST(LocMemCacheTest, SetGetMissAndStats) {
  LocMemCache cache;
  ASSERT_TRUE(cache.Set("a", "1").ok());
  EXPECT_THAT(GetOrDie(cache, "a"), Optional(std::string("1")));
  EXPECT_EQ(GetOrDie(cache, "b"), std::nullopt);
  CacheStats stats = cache.stats();
  EXPECT_EQ(stats.hits, 1u);
  EXPECT_EQ(stats.misses, 1u);
  EXPECT_EQ(stats.sets, 1u);
  EXPECT_EQ(stats.entries, 1u);
  EXPECT_EQ(stats.bytes, 2u);
  EXPECT_DOUBLE_EQ(stats.hit_rate(), 0.5);
}

TEST(LocMemCacheTest, ManyAndDelete) {
  LocMemCache cache;
  ASSERT_TRUE(cache.SetMany({{"a", "1"}, {"b", "2"}}).ok());
  auto values = cache.GetMany({"a", "x", "b"});
  ASSERT_TRUE(values.ok());
  EXPECT_THAT(*values, ::testing::ElementsAre(Optional(std::string("1")),
                                              std::nullopt,
                                              Optional(std::string("2"))));
  EXPECT_THAT(cache.Delete("a"), IsOkAndHolds(true));
  EXPECT_THAT(cache.Delete("a"), IsOkAndHolds(false));
  auto deleted = cache.DeleteMany({"a", "b", "c"});
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(*deleted, 1);
  EXPECT_EQ(cache.stats().deletes, 2u);
  EXPECT_EQ(cache.stats().entries, 0u);
  EXPECT_EQ(cache.stats().bytes, 0u);
}

TEST(LocMemCacheTest, TtlExpiresWithFakeClock) {
  FakeClock clock;
  LocMemCache cache({.clock = clock.AsFunction()});
  ASSERT_TRUE(cache.Set("short", "s", absl::Seconds(10)).ok());
  ASSERT_TRUE(cache.Set("forever", "f").ok());
  clock.Advance(absl::Seconds(9));
  EXPECT_THAT(GetOrDie(cache, "short"), Optional(std::string("s")));
  clock.Advance(absl::Seconds(1));
  EXPECT_EQ(GetOrDie(cache, "short"), std::nullopt);
  clock.Advance(absl::Hours(1000));
  EXPECT_THAT(GetOrDie(cache, "forever"), Optional(std::string("f")));
  CacheStats stats = cache.stats();
  EXPECT_EQ(stats.expirations, 1u);
  EXPECT_EQ(stats.entries, 1u);
}

TEST(LocMemCacheTest, ExpiredEntriesGoBeforeLru) {
  FakeClock clock;
  LocMemCache cache({.shards = 1, .max_entries = 2, .clock = clock.AsFunction()});
  ASSERT_TRUE(cache.Set("old", "1").ok());
  ASSERT_TRUE(cache.Set("ttl", "2", absl::Seconds(1)).ok());
  clock.Advance(absl::Seconds(2));
  ASSERT_TRUE(cache.Set("new", "3").ok());  // room comes from the expired one
  EXPECT_THAT(GetOrDie(cache, "old"), Optional(std::string("1")));
  EXPECT_THAT(GetOrDie(cache, "new"), Optional(std::string("3")));
  EXPECT_EQ(cache.stats().expirations, 1u);
  EXPECT_EQ(cache.stats().evictions, 0u);
}

TEST(LocMemCacheTest, EvictsLeastRecentlyUsedByCount) {
  LocMemCache cache({.shards = 1, .max_entries = 3});
  ASSERT_TRUE(cache.Set("a", "1").ok());
  ASSERT_TRUE(cache.Set("b", "2").ok());
  ASSERT_TRUE(cache.Set("c", "3").ok());
  EXPECT_TRUE(GetOrDie(cache, "a").has_value());  // a is now most recent
  ASSERT_TRUE(cache.Set("d", "4").ok());          // evicts b
  EXPECT_EQ(GetOrDie(cache, "b"), std::nullopt);
  ASSERT_TRUE(cache.Set("e", "5").ok());  // evicts c
  EXPECT_EQ(GetOrDie(cache, "c"), std::nullopt);
  EXPECT_TRUE(GetOrDie(cache, "a").has_value());
  EXPECT_TRUE(GetOrDie(cache, "d").has_value());
  EXPECT_TRUE(GetOrDie(cache, "e").has_value());
  EXPECT_EQ(cache.stats().evictions, 2u);
  EXPECT_EQ(cache.stats().entries, 3u);
}

TEST(LocMemCacheTest, ClockSparesEveryReferencedEntryOnce) {
  LocMemCache cache({.shards = 1, .max_entries = 4});
  for (const char* k : {"a", "b", "c", "d"}) ASSERT_TRUE(cache.Set(k, k).ok());
  // All but c read: c is the one to go, though a and b are older.
  for (const char* k : {"a", "b", "d"}) EXPECT_TRUE(GetOrDie(cache, k).has_value());
  ASSERT_TRUE(cache.Set("e", "e").ok());
  EXPECT_EQ(GetOrDie(cache, "c"), std::nullopt);
  // The spared entries lost their mark: with nothing read since, the
  // oldest of them goes next (a, spared first), then b.
  ASSERT_TRUE(cache.Set("f", "f").ok());
  ASSERT_TRUE(cache.Set("g", "g").ok());
  absl::StatusOr<std::vector<std::optional<std::string>>> left =
      cache.GetMany({"a", "b", "d", "e", "f", "g"});
  ASSERT_TRUE(left.ok());
  EXPECT_EQ((*left)[0], std::nullopt);
  EXPECT_EQ((*left)[1], std::nullopt);
  EXPECT_EQ((*left)[2], "d");
  EXPECT_EQ((*left)[3], "e");
  EXPECT_EQ((*left)[4], "f");
  EXPECT_EQ((*left)[5], "g");
  EXPECT_EQ(cache.stats().evictions, 3u);
  EXPECT_EQ(cache.stats().entries, 4u);
}

TEST(LocMemCacheTest, ReplacingAValueCountsAsAUse) {
  LocMemCache cache({.shards = 1, .max_entries = 3});
  for (const char* k : {"a", "b", "c"}) ASSERT_TRUE(cache.Set(k, k).ok());
  ASSERT_TRUE(cache.Set("a", "again").ok());  // a is the oldest, but just used
  ASSERT_TRUE(cache.Set("d", "d").ok());      // so b goes
  EXPECT_EQ(GetOrDie(cache, "a"), "again");
  EXPECT_EQ(GetOrDie(cache, "b"), std::nullopt);
  EXPECT_EQ(cache.stats().evictions, 1u);
}

TEST(LocMemCacheTest, AValueOutgrowingItsEntryKeepsItsPlaceAndTtl) {
  // An entry has room for its value rounded up to 16 bytes; 200 bytes moves
  // b to a new allocation, which must take over its list place and expiry.
  FakeClock clock;
  LocMemCache cache({.shards = 1, .max_entries = 3, .clock = clock.AsFunction()});
  for (const char* k : {"a", "b", "c"}) ASSERT_TRUE(cache.Set(k, k).ok());
  ASSERT_TRUE(cache.Set("b", std::string(200, 'x'), absl::Seconds(5)).ok());
  EXPECT_EQ(cache.stats().bytes, 2u + 2u + 201u);
  EXPECT_EQ(GetOrDie(cache, "b"), std::string(200, 'x'));
  ASSERT_TRUE(cache.Set("d", "d").ok());  // a (oldest, unused) goes, not b
  EXPECT_EQ(GetOrDie(cache, "a"), std::nullopt);
  EXPECT_EQ(cache.stats().evictions, 1u);
  clock.Advance(absl::Seconds(5));
  EXPECT_EQ(GetOrDie(cache, "b"), std::nullopt);
  EXPECT_EQ(cache.stats().expirations, 1u);
  ASSERT_TRUE(cache.Set("b", "short again").ok());
  EXPECT_EQ(GetOrDie(cache, "b"), "short again");
  EXPECT_EQ(cache.stats().entries, 3u);
  EXPECT_EQ(cache.stats().bytes, 2u + 2u + 12u);
}

TEST(LocMemCacheTest, GetManyBatchesRepeatedExpiredAndManyKeys) {
  // Keys in batches of 16, over every shard: a key twice in one batch, an
  // expired one (removed on the first read of it), and a second batch.
  FakeClock clock;
  LocMemCache cache({.shards = 4, .clock = clock.AsFunction()});
  std::vector<std::string> keys;
  for (int i = 0; i < 40; ++i) keys.push_back(absl::StrCat("key", i));
  for (int i = 0; i < 40; ++i) {
    ASSERT_TRUE(cache.Set(keys[i], absl::StrCat(i), i == 3 ? absl::Seconds(1)
                                                            : absl::ZeroDuration()).ok());
  }
  clock.Advance(absl::Seconds(1));
  std::vector<absl::string_view> asked(keys.begin(), keys.end());
  asked[5] = keys[3];  // key3 (expired) twice in the first batch
  asked[20] = "absent";
  absl::StatusOr<std::vector<std::optional<std::string>>> got = cache.GetMany(asked);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 40u);
  for (int i = 0; i < 40; ++i) {
    if (i == 3 || i == 5 || i == 20) {
      EXPECT_EQ((*got)[i], std::nullopt) << i;
    } else {
      EXPECT_EQ((*got)[i], absl::StrCat(i)) << i;
    }
  }
  CacheStats stats = cache.stats();
  EXPECT_EQ(stats.hits, 37u);
  EXPECT_EQ(stats.misses, 3u);
  EXPECT_EQ(stats.expirations, 1u);
  EXPECT_EQ(stats.entries, 39u);
}

TEST(LocMemCacheTest, GetManyAndSetManyCountLikeSingleCalls) {
  FakeClock clock;
  LocMemCache cache({.max_value_bytes = 4, .clock = clock.AsFunction()});
  ASSERT_TRUE(cache.SetMany({{"a", "1"}, {"b", "2"}}, absl::Seconds(10)).ok());
  absl::Status refused = cache.SetMany({{"c", "3"}, {"d", "too long"}, {"e", "5"}});
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  absl::StatusOr<std::vector<std::optional<std::string>>> got =
      cache.GetMany({"a", "b", "c", "d", "e", "zz"});
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, (std::vector<std::optional<std::string>>{"1", "2", "3", std::nullopt,
                                                           std::nullopt, std::nullopt}));
  CacheStats stats = cache.stats();
  EXPECT_EQ(stats.hits, 3u);
  EXPECT_EQ(stats.misses, 3u);
  EXPECT_EQ(stats.errors, 1u);
  clock.Advance(absl::Seconds(11));  // the batch's ttl applies to each entry
  got = cache.GetMany({"a", "b", "c"});
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, (std::vector<std::optional<std::string>>{std::nullopt, std::nullopt, "3"}));
}

TEST(LocMemCacheTest, EvictsLeastRecentlyUsedByBytes) {
  // Each entry is 1 + 9 = 10 bytes; 25 bytes hold two.
  LocMemCache cache({.shards = 1, .max_bytes = 25});
  ASSERT_TRUE(cache.Set("a", std::string(9, 'x')).ok());
  ASSERT_TRUE(cache.Set("b", std::string(9, 'x')).ok());
  EXPECT_TRUE(GetOrDie(cache, "a").has_value());
  ASSERT_TRUE(cache.Set("c", std::string(9, 'x')).ok());  // evicts b
  EXPECT_EQ(GetOrDie(cache, "b"), std::nullopt);
  EXPECT_TRUE(GetOrDie(cache, "a").has_value());
  EXPECT_EQ(cache.stats().bytes, 20u);
  // Growing a value in place also makes room.
  ASSERT_TRUE(cache.Set("c", std::string(20, 'y')).ok());
  EXPECT_EQ(GetOrDie(cache, "a"), std::nullopt);
  EXPECT_EQ(cache.stats().bytes, 21u);
}

TEST(LocMemCacheTest, EntryOverheadCountsTowardTheByteBudget) {
  // Each entry is 1 + 9 + 40 = 50 bytes; 120 bytes hold two, not three.
  LocMemCache cache({.shards = 1, .max_bytes = 120, .entry_overhead_bytes = 40});
  ASSERT_TRUE(cache.Set("a", std::string(9, 'x')).ok());
  ASSERT_TRUE(cache.Set("b", std::string(9, 'x')).ok());
  EXPECT_EQ(cache.stats().bytes, 100u);
  ASSERT_TRUE(cache.Set("c", std::string(9, 'x')).ok());  // evicts a
  EXPECT_EQ(GetOrDie(cache, "a"), std::nullopt);
  EXPECT_EQ(cache.stats().entries, 2u);
  EXPECT_EQ(cache.stats().bytes, 100u);
  ASSERT_TRUE(cache.Delete("b").ok());
  EXPECT_EQ(cache.stats().bytes, 50u);
  // An entry that cannot fit even alone is refused, naming its size.
  absl::Status too_big = cache.Set("d", std::string(90, 'x'));
  EXPECT_EQ(too_big.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(too_big.message()), testing::HasSubstr("131 bytes"));
}

TEST(LocMemCacheTest, AddOnlyWhenAbsent) {
  FakeClock clock;
  LocMemCache cache({.clock = clock.AsFunction()});
  EXPECT_THAT(cache.Add("k", "first", absl::Seconds(5)), IsOkAndHolds(true));
  EXPECT_THAT(cache.Add("k", "second"), IsOkAndHolds(false));
  EXPECT_THAT(GetOrDie(cache, "k"), Optional(std::string("first")));
  clock.Advance(absl::Seconds(5));
  EXPECT_THAT(cache.Add("k", "third"), IsOkAndHolds(true));  // expired = absent
  EXPECT_THAT(GetOrDie(cache, "k"), Optional(std::string("third")));
}

TEST(LocMemCacheTest, Incr) {
  FakeClock clock;
  LocMemCache cache({.clock = clock.AsFunction()});
  EXPECT_THAT(cache.Incr("n", 5), IsOkAndHolds(5));
  EXPECT_THAT(cache.Incr("n", -7), IsOkAndHolds(-2));
  EXPECT_THAT(GetOrDie(cache, "n"), Optional(std::string("-2")));

  ASSERT_TRUE(cache.Set("t", "10", absl::Seconds(3)).ok());
  EXPECT_THAT(cache.Incr("t"), IsOkAndHolds(11));
  clock.Advance(absl::Seconds(3));  // Incr kept the ttl
  EXPECT_EQ(GetOrDie(cache, "t"), std::nullopt);

  ASSERT_TRUE(cache.Set("s", "abc").ok());
  absl::StatusOr<int64_t> bad = cache.Incr("s");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(GetOrDie(cache, "s"), Optional(std::string("abc")));

  ASSERT_TRUE(cache.Set("max", "9223372036854775807").ok());
  EXPECT_EQ(cache.Incr("max").status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(cache.stats().errors, 2u);
}

TEST(LocMemCacheTest, GetOrSetComputesOnceAndDoesNotCacheErrors) {
  LocMemCache cache;
  int calls = 0;
  auto compute = [&]() -> absl::StatusOr<std::string> {
    ++calls;
    return std::string("computed");
  };
  EXPECT_THAT(cache.GetOrSet("k", absl::ZeroDuration(), compute),
              IsOkAndHolds(std::string("computed")));
  EXPECT_THAT(cache.GetOrSet("k", absl::ZeroDuration(), compute),
              IsOkAndHolds(std::string("computed")));
  EXPECT_EQ(calls, 1);

  int failing_calls = 0;
  auto failing = [&]() -> absl::StatusOr<std::string> {
    ++failing_calls;
    return absl::InternalError("backend down");
  };
  absl::StatusOr<std::string> result =
      cache.GetOrSet("e", absl::ZeroDuration(), failing);
  EXPECT_EQ(result.status(), absl::InternalError("backend down"));
  EXPECT_EQ(GetOrDie(cache, "e"), std::nullopt);
  EXPECT_FALSE(cache.GetOrSet("e", absl::ZeroDuration(), failing).ok());
  EXPECT_EQ(failing_calls, 2);
}

TEST(LocMemCacheTest, BinaryKeysAndValues) {
  LocMemCache cache;
  const std::string key1("k\0a", 3);
  const std::string key2("k\0b", 3);
  const std::string value("\0\xff\0v", 4);
  ASSERT_TRUE(cache.Set(key1, value).ok());
  ASSERT_TRUE(cache.Set(key2, "other").ok());
  EXPECT_THAT(GetOrDie(cache, key1), Optional(value));
  EXPECT_THAT(GetOrDie(cache, key2), Optional(std::string("other")));
  EXPECT_EQ(GetOrDie(cache, std::string("k", 1)), std::nullopt);
  EXPECT_EQ(cache.stats().bytes, 3u + 4u + 3u + 5u);
}

TEST(LocMemCacheTest, ValueOverLimitIsInvalidArgument) {
  LocMemCache cache({.max_value_bytes = 8});
  ASSERT_TRUE(cache.Set("ok", std::string(8, 'x')).ok());
  absl::Status status = cache.Set("key", std::string(9, 'x'));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("key of 3 bytes"));
  EXPECT_THAT(status.message(), HasSubstr("limit of 8 bytes"));
  EXPECT_EQ(cache.Add("key", std::string(9, 'x')).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GetOrDie(cache, "key"), std::nullopt);
  EXPECT_EQ(cache.stats().errors, 2u);
}

TEST(LocMemCacheTest, DefaultValueLimitIsOneMebibyte) {
  LocMemCache cache;
  EXPECT_TRUE(cache.Set("k", std::string(1 << 20, 'x')).ok());
  EXPECT_EQ(cache.Set("k", std::string((1 << 20) + 1, 'x')).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(LocMemCacheTest, ClearKeepsCounters) {
  LocMemCache cache;
  ASSERT_TRUE(cache.Set("a", "1").ok());
  ASSERT_TRUE(cache.Clear().ok());
  EXPECT_EQ(GetOrDie(cache, "a"), std::nullopt);
  EXPECT_EQ(cache.stats().entries, 0u);
  EXPECT_EQ(cache.stats().bytes, 0u);
  EXPECT_EQ(cache.stats().sets, 1u);
}

TEST(LocMemCacheTest, ManyThreadsKeepLimits) {
  constexpr size_t kMaxEntries = 500;
  constexpr size_t kMaxBytes = 16 << 10;
  FakeClock clock;
  LocMemCache cache({.shards = 8,
                     .max_entries = kMaxEntries,
                     .max_bytes = kMaxBytes,
                     .clock = clock.AsFunction()});
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(t);
      for (int i = 0; i < 10'000; ++i) {
        const std::string key = absl::StrCat("k", rng() % 2000);
        bool ok = true;
        switch (rng() % 8) {
          case 0:
          case 1: ok = cache.Get(key).ok(); break;
          case 2: {  // GetMany prefetches other shards' slots under their locks
            absl::StatusOr<std::vector<std::optional<std::string>>> got = cache.GetMany(
                {key, absl::StrCat("k", rng() % 2000), absl::StrCat("k", rng() % 2000)});
            ok = got.ok() && got->size() == 3;
            break;
          }
          case 3: ok = cache.Set(key, std::string(rng() % 64, 'v'),
                                 absl::Milliseconds(rng() % 3)).ok(); break;
          case 4: ok = cache.Add(key, "a").ok(); break;
          case 5: ok = cache.Delete(key).ok(); break;
          case 6: cache.Incr(absl::StrCat("n", rng() % 50)).IgnoreError(); break;
          case 7: clock.Advance(absl::Milliseconds(1)); break;
        }
        if (!ok) failures.fetch_add(1);
        if (i % 1000 == 0) {
          CacheStats stats = cache.stats();
          if (stats.entries > kMaxEntries || stats.bytes > kMaxBytes) {
            failures.fetch_add(1);
          }
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  CacheStats stats = cache.stats();
  EXPECT_LE(stats.entries, kMaxEntries);
  EXPECT_LE(stats.bytes, kMaxBytes);
  EXPECT_GT(stats.evictions, 0u);
  EXPECT_GT(stats.hits + stats.misses, 0u);
}

}  // namespace
}  // namespace hyper::cache
