#include "libs/cache/database_cache.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/cache/cache_testing.h"
#include "libs/pg/connection.h"
#include "libs/pg/pool.h"
#include "libs/testing/test_database.h"

namespace hyper::cache {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Optional;

// Counts the statements every pooled connection runs.
class StatementCounter : public pg::QueryObserver {
 public:
  void OnQueryDone(const pg::Statement&, absl::Duration, const absl::Status&) override {
    count_.fetch_add(1);
  }
  int count() const { return count_.load(); }

 private:
  std::atomic<int> count_{0};
};

class DatabaseCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<hyper::testing::TestDatabase>> db =
        hyper::testing::TestDatabase::Create();
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    pool_ = std::make_unique<pg::Pool>(db_->conninfo(), pg::PoolOptions{.size = 8},
                                       std::vector<pg::QueryObserver*>{&counter_});
  }

  // A cache on the test's pool, on the fake clock unless `options` has its own.
  std::unique_ptr<DatabaseCache> MakeCache(DatabaseCache::Options options = {},
                                           bool fake_clock = true) {
    if (fake_clock) options.clock = clock_.AsFunction();
    absl::StatusOr<std::unique_ptr<DatabaseCache>> cache =
        DatabaseCache::Create(pool_.get(), std::move(options));
    EXPECT_TRUE(cache.ok()) << cache.status();
    return cache.ok() ? *std::move(cache) : nullptr;
  }

  // Runs `sql` directly, outside the cache.
  absl::StatusOr<pg::Result> Sql(const std::string& sql,
                                 const std::vector<pg::Value>& params = {}) {
    absl::StatusOr<pg::Pool::Lease> lease = pool_->Acquire();
    if (!lease.ok()) return lease.status();
    return (*lease)->Exec(sql, params);
  }

  int64_t RowCount(const std::string& table = "hyper_cache") {
    absl::StatusOr<pg::Result> r = Sql(absl::StrCat("SELECT count(*) FROM ", table));
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->rows[0][0].int64() : -1;
  }

  FakeClock clock_;
  StatementCounter counter_;
  std::unique_ptr<hyper::testing::TestDatabase> db_;
  std::unique_ptr<pg::Pool> pool_;
};

TEST_F(DatabaseCacheTest, CreateMakesAnUnloggedTableWithAnExpiresIndexOnce) {
  std::unique_ptr<DatabaseCache> cache = MakeCache();
  ASSERT_NE(cache, nullptr);
  ASSERT_TRUE(cache->Set("a", "1").ok());
  // A second Create on the existing table keeps its rows.
  std::unique_ptr<DatabaseCache> again = MakeCache();
  ASSERT_NE(again, nullptr);
  EXPECT_THAT(GetOrDie(*again, "a"), Optional(std::string("1")));

  absl::StatusOr<pg::Result> persistence =
      Sql("SELECT relpersistence::text FROM pg_class WHERE relname = 'hyper_cache'");
  ASSERT_TRUE(persistence.ok()) << persistence.status();
  ASSERT_EQ(persistence->rows.size(), 1u);
  EXPECT_EQ(persistence->rows[0][0].str(), "u");
  absl::StatusOr<pg::Result> index =
      Sql("SELECT indexdef FROM pg_indexes WHERE tablename = 'hyper_cache' "
          "AND indexname = 'hyper_cache_expires_idx'");
  ASSERT_TRUE(index.ok()) << index.status();
  ASSERT_EQ(index->rows.size(), 1u);
  EXPECT_THAT(index->rows[0][0].str(), HasSubstr("(expires)"));
}

TEST_F(DatabaseCacheTest, RejectsBadOptions) {
  for (const std::string& table :
       {std::string(""), std::string("Cache"), std::string("1cache"),
        std::string("c;DROP TABLE x"), std::string("c\"x"), std::string("public.c"),
        std::string(52, 'a'), std::string("c\0x", 3)}) {
    absl::StatusOr<std::unique_ptr<DatabaseCache>> cache =
        DatabaseCache::Create(pool_.get(), {.table = table});
    EXPECT_EQ(cache.status().code(), absl::StatusCode::kInvalidArgument) << table;
  }
  EXPECT_TRUE(DatabaseCache::Create(pool_.get(), {.table = std::string(51, 'a')}).ok());
  EXPECT_EQ(DatabaseCache::Create(pool_.get(), {.max_value_bytes = 0}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DatabaseCache::Create(nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(DatabaseCacheTest, SetGetMissAndStats) {
  std::unique_ptr<DatabaseCache> cache = MakeCache();
  ASSERT_NE(cache, nullptr);
  ASSERT_TRUE(cache->Set("a", "1").ok());
  ASSERT_TRUE(cache->Set("a", "2").ok());  // replaces
  EXPECT_THAT(GetOrDie(*cache, "a"), Optional(std::string("2")));
  EXPECT_EQ(GetOrDie(*cache, "b"), std::nullopt);
  CacheStats stats = cache->stats();
  EXPECT_EQ(stats.hits, 1u);
  EXPECT_EQ(stats.misses, 1u);
  EXPECT_EQ(stats.sets, 2u);
  EXPECT_EQ(stats.errors, 0u);
  EXPECT_EQ(stats.entries, 0u);  // documented: only StatsWithSize counts rows
  EXPECT_DOUBLE_EQ(stats.hit_rate(), 0.5);

  absl::StatusOr<CacheStats> sized = cache->StatsWithSize();
  ASSERT_TRUE(sized.ok()) << sized.status();
  EXPECT_EQ(sized->entries, 1u);
  EXPECT_EQ(sized->bytes, 2u);
  EXPECT_EQ(sized->hits, 1u);
}

TEST_F(DatabaseCacheTest, ManyCallsAreOneStatementEach) {
  std::unique_ptr<DatabaseCache> cache = MakeCache();
  ASSERT_NE(cache, nullptr);
  std::vector<std::string> keys, values_set;
  for (int i = 0; i < 50; ++i) {
    keys.push_back(absl::StrCat("k", i));
    values_set.push_back(absl::StrCat("v", i));
  }
  std::vector<Cache::KeyValue> entries;
  for (int i = 0; i < 50; ++i) entries.emplace_back(keys[i], values_set[i]);
  keys.push_back("absent");
  const std::vector<absl::string_view> key_views(keys.begin(), keys.end());

  int before = counter_.count();
  ASSERT_TRUE(cache->SetMany(entries).ok());
  EXPECT_EQ(counter_.count() - before, 1);

  before = counter_.count();
  absl::StatusOr<std::vector<std::optional<std::string>>> values = cache->GetMany(key_views);
  EXPECT_EQ(counter_.count() - before, 1);
  ASSERT_TRUE(values.ok()) << values.status();
  ASSERT_EQ(values->size(), 51u);
  for (int i = 0; i < 50; ++i) {
    EXPECT_THAT((*values)[i], Optional(absl::StrCat("v", i)));
  }
  EXPECT_EQ((*values)[50], std::nullopt);
  EXPECT_EQ(cache->stats().hits, 50u);
  EXPECT_EQ(cache->stats().misses, 1u);

  before = counter_.count();
  EXPECT_THAT(cache->DeleteMany(key_views), IsOkAndHolds(int64_t{50}));
  EXPECT_EQ(counter_.count() - before, 1);
  EXPECT_EQ(RowCount(), 0);
  EXPECT_EQ(cache->stats().deletes, 50u);
}

TEST_F(DatabaseCacheTest, ManyCallsKeepOrderDuplicatesAndEmptyInput) {
  std::unique_ptr<DatabaseCache> cache = MakeCache();
  ASSERT_NE(cache, nullptr);
  // The last value of a repeated key wins, as with a sequence of Sets.
  ASSERT_TRUE(cache->SetMany({{"b", "1"}, {"a", "2"}, {"b", "3"}}).ok());
  EXPECT_EQ(cache->stats().sets, 2u);
  auto values = cache->GetMany({"b", "x", "a", "b"});
  ASSERT_TRUE(values.ok()) << values.status();
  EXPECT_THAT(*values,
              ElementsAre(Optional(std::string("3")), std::nullopt,
                          Optional(std::string("2")), Optional(std::string("3"))));
  EXPECT_THAT(cache->GetMany({}),
              IsOkAndHolds(std::vector<std::optional<std::string>>{}));
  EXPECT_TRUE(cache->SetMany({}).ok());
  EXPECT_THAT(cache->DeleteMany({}), IsOkAndHolds(int64_t{0}));
  EXPECT_THAT(cache->DeleteMany({"a", "a", "x"}), IsOkAndHolds(int64_t{1}));
  EXPECT_THAT(cache->Delete("b"), IsOkAndHolds(true));
  EXPECT_THAT(cache->Delete("b"), IsOkAndHolds(false));
  EXPECT_EQ(cache->stats().deletes, 2u);
}

TEST_F(DatabaseCacheTest, TtlExpiresWithFakeClock) {
  std::unique_ptr<DatabaseCache> cache = MakeCache();
  ASSERT_NE(cache, nullptr);
  ASSERT_TRUE(cache->Set("short", "s", absl::Seconds(10)).ok());
  ASSERT_TRUE(cache->Set("forever", "f").ok());
  ASSERT_TRUE(cache->SetMany({{"m1", "1"}, {"m2", "2"}}, absl::Seconds(20)).ok());
  ASSERT_TRUE(cache->Set("reset", "r", absl::Seconds(10)).ok());
  ASSERT_TRUE(cache->Set("reset", "r2").ok());  // a plain Set removes the ttl
  clock_.Advance(absl::Seconds(9));
  EXPECT_THAT(GetOrDie(*cache, "short"), Optional(std::string("s")));
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(GetOrDie(*cache, "short"), std::nullopt);
  EXPECT_THAT(GetOrDie(*cache, "m1"), Optional(std::string("1")));
  clock_.Advance(absl::Seconds(10));
  auto many = cache->GetMany({"m1", "m2", "forever"});
  ASSERT_TRUE(many.ok()) << many.status();
  EXPECT_THAT(*many, ElementsAre(std::nullopt, std::nullopt, Optional(std::string("f"))));
  clock_.Advance(absl::Hours(24 * 365 * 100));
  EXPECT_THAT(GetOrDie(*cache, "forever"), Optional(std::string("f")));
  EXPECT_THAT(GetOrDie(*cache, "reset"), Optional(std::string("r2")));

  // Expired rows stay until cleaned up, but are not counted as live.
  EXPECT_EQ(RowCount(), 5);
  absl::StatusOr<CacheStats> sized = cache->StatsWithSize();
  ASSERT_TRUE(sized.ok()) << sized.status();
  EXPECT_EQ(sized->entries, 2u);
  EXPECT_THAT(cache->CleanupExpired(), IsOkAndHolds(int64_t{3}));
  EXPECT_THAT(cache->CleanupExpired(), IsOkAndHolds(int64_t{0}));
  EXPECT_EQ(RowCount(), 2);
  EXPECT_EQ(cache->stats().expirations, 3u);
}

TEST_F(DatabaseCacheTest, EnormousTtlIsCappedNotAnError) {
  std::unique_ptr<DatabaseCache> cache = MakeCache();
  ASSERT_NE(cache, nullptr);
  ASSERT_TRUE(cache->Set("k", "v", absl::InfiniteDuration()).ok());
  ASSERT_TRUE(cache->Set("k2", "v", absl::Hours(24 * 365 * 20'000)).ok());
  EXPECT_THAT(GetOrDie(*cache, "k"), Optional(std::string("v")));
  EXPECT_THAT(GetOrDie(*cache, "k2"), Optional(std::string("v")));
}

TEST_F(DatabaseCacheTest, TtlExpiresWithTheRealClock) {
  std::unique_ptr<DatabaseCache> cache = MakeCache({}, /*fake_clock=*/false);
  ASSERT_NE(cache, nullptr);
  ASSERT_TRUE(cache->Set("short", "s", absl::Milliseconds(50)).ok());
  ASSERT_TRUE(cache->Set("long", "l", absl::Hours(1)).ok());
  absl::SleepFor(absl::Milliseconds(300));  // at least 6 ttls; no upper bound needed
  EXPECT_EQ(GetOrDie(*cache, "short"), std::nullopt);
  EXPECT_THAT(GetOrDie(*cache, "long"), Optional(std::string("l")));
  EXPECT_THAT(cache->CleanupExpired(), IsOkAndHolds(int64_t{1}));
}

TEST_F(DatabaseCacheTest, AddOnlyWhenAbsentOrExpired) {
  std::unique_ptr<DatabaseCache> cache = MakeCache();
  ASSERT_NE(cache, nullptr);
  EXPECT_THAT(cache->Add("k", "first", absl::Seconds(5)), IsOkAndHolds(true));
  EXPECT_THAT(cache->Add("k", "second"), IsOkAndHolds(false));
  EXPECT_THAT(GetOrDie(*cache, "k"), Optional(std::string("first")));
  clock_.Advance(absl::Seconds(5));
  EXPECT_THAT(cache->Add("k", "third"), IsOkAndHolds(true));  // expired = absent
  EXPECT_THAT(GetOrDie(*cache, "k"), Optional(std::string("third")));
  clock_.Advance(absl::Hours(1000));  // "third" has no ttl
  EXPECT_THAT(cache->Add("k", "fourth"), IsOkAndHolds(false));
  EXPECT_THAT(GetOrDie(*cache, "k"), Optional(std::string("third")));
  EXPECT_EQ(cache->stats().sets, 2u);
}

TEST_F(DatabaseCacheTest, DeleteOfAnExpiredRowRemovesItButReportsAbsent) {
  std::unique_ptr<DatabaseCache> cache = MakeCache();
  ASSERT_NE(cache, nullptr);
  ASSERT_TRUE(cache->Set("k", "v", absl::Seconds(1)).ok());
  ASSERT_TRUE(cache->Set("m", "v", absl::Seconds(1)).ok());
  clock_.Advance(absl::Seconds(2));
  EXPECT_THAT(cache->Delete("k"), IsOkAndHolds(false));
  EXPECT_THAT(cache->DeleteMany({"m"}), IsOkAndHolds(int64_t{0}));
  EXPECT_EQ(RowCount(), 0);
  EXPECT_EQ(cache->stats().deletes, 0u);
}

TEST_F(DatabaseCacheTest, IncrCountsKeepsTtlAndRestartsExpiredKeys) {
  std::unique_ptr<DatabaseCache> cache = MakeCache();
  ASSERT_NE(cache, nullptr);
  EXPECT_THAT(cache->Incr("n", 5), IsOkAndHolds(int64_t{5}));
  EXPECT_THAT(cache->Incr("n", -7), IsOkAndHolds(int64_t{-2}));
  EXPECT_THAT(cache->Incr("n"), IsOkAndHolds(int64_t{-1}));
  EXPECT_THAT(GetOrDie(*cache, "n"), Optional(std::string("-1")));

  ASSERT_TRUE(cache->Set("t", "10", absl::Seconds(3)).ok());
  EXPECT_THAT(cache->Incr("t"), IsOkAndHolds(int64_t{11}));
  clock_.Advance(absl::Seconds(3));  // Incr kept the ttl
  EXPECT_EQ(GetOrDie(*cache, "t"), std::nullopt);
  // An expired counter starts again from 0 and never expires.
  EXPECT_THAT(cache->Incr("t", 4), IsOkAndHolds(int64_t{4}));
  clock_.Advance(absl::Hours(1000));
  EXPECT_THAT(GetOrDie(*cache, "t"), Optional(std::string("4")));
  EXPECT_THAT(GetOrDie(*cache, "n"), Optional(std::string("-1")));  // no ttl either

  // What a sign and digits allow.
  ASSERT_TRUE(cache->Set("plus", "+7").ok());
  EXPECT_THAT(cache->Incr("plus"), IsOkAndHolds(int64_t{8}));
  ASSERT_TRUE(cache->Set("zeros", "-0000000000000000000000042").ok());
  EXPECT_THAT(cache->Incr("zeros"), IsOkAndHolds(int64_t{-41}));
  ASSERT_TRUE(cache->Set("min", "-9223372036854775808").ok());
  EXPECT_THAT(cache->Incr("min", std::numeric_limits<int64_t>::max()),
              IsOkAndHolds(int64_t{-1}));
  EXPECT_EQ(cache->stats().errors, 0u);
}

TEST_F(DatabaseCacheTest, IncrErrorsNameTheProblemAndLeaveTheValue) {
  std::unique_ptr<DatabaseCache> cache = MakeCache();
  ASSERT_NE(cache, nullptr);
  const std::vector<std::string> not_numbers = {"abc",
                                                "",
                                                " 5",
                                                "5 ",
                                                "1.5",
                                                "1e3",
                                                "0x10",
                                                "--1",
                                                std::string("1\0", 2),
                                                "\xff",
                                                "99999999999999999999",
                                                "9223372036854775808"};
  for (const std::string& value : not_numbers) {
    ASSERT_TRUE(cache->Set("s", value).ok());
    absl::StatusOr<int64_t> bad = cache->Incr("s");
    EXPECT_EQ(bad.status().code(), absl::StatusCode::kFailedPrecondition)
        << absl::CHexEscape(value) << ": " << bad.status();
    EXPECT_THAT(bad.status().message(), HasSubstr("not a decimal int64"));
    EXPECT_THAT(GetOrDie(*cache, "s"), Optional(value));
  }

  ASSERT_TRUE(cache->Set("max", "9223372036854775807").ok());
  absl::StatusOr<int64_t> over = cache->Incr("max");
  EXPECT_EQ(over.status().code(), absl::StatusCode::kOutOfRange) << over.status();
  EXPECT_THAT(over.status().message(), HasSubstr("overflows int64"));
  EXPECT_THAT(GetOrDie(*cache, "max"), Optional(std::string("9223372036854775807")));
  ASSERT_TRUE(cache->Set("min", "-9223372036854775808").ok());
  EXPECT_EQ(cache->Incr("min", -1).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(cache->stats().errors, not_numbers.size() + 2);
}

TEST_F(DatabaseCacheTest, ConcurrentIncrsAreAtomic) {
  std::unique_ptr<DatabaseCache> cache = MakeCache();
  ASSERT_NE(cache, nullptr);
  constexpr int kThreads = 6;
  constexpr int kEach = 40;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        if (!cache->Incr("counter").ok()) failures.fetch_add(1);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_THAT(GetOrDie(*cache, "counter"), Optional(absl::StrCat(kThreads * kEach)));
}

TEST_F(DatabaseCacheTest, GetOrSetComputesOnMissAndDoesNotCacheErrors) {
  std::unique_ptr<DatabaseCache> cache = MakeCache();
  ASSERT_NE(cache, nullptr);
  int calls = 0;
  auto compute = [&]() -> absl::StatusOr<std::string> {
    ++calls;
    return absl::StrCat("computed", calls);
  };
  EXPECT_THAT(cache->GetOrSet("k", absl::Seconds(10), compute),
              IsOkAndHolds(std::string("computed1")));
  EXPECT_THAT(cache->GetOrSet("k", absl::Seconds(10), compute),
              IsOkAndHolds(std::string("computed1")));
  EXPECT_EQ(calls, 1);
  clock_.Advance(absl::Seconds(10));  // expired: computed again, and stored
  EXPECT_THAT(cache->GetOrSet("k", absl::Seconds(10), compute),
              IsOkAndHolds(std::string("computed2")));
  EXPECT_THAT(GetOrDie(*cache, "k"), Optional(std::string("computed2")));

  int failing_calls = 0;
  auto failing = [&]() -> absl::StatusOr<std::string> {
    ++failing_calls;
    return absl::InternalError("backend down");
  };
  EXPECT_EQ(cache->GetOrSet("e", absl::ZeroDuration(), failing).status(),
            absl::InternalError("backend down"));
  EXPECT_EQ(GetOrDie(*cache, "e"), std::nullopt);
  EXPECT_FALSE(cache->GetOrSet("e", absl::ZeroDuration(), failing).ok());
  EXPECT_EQ(failing_calls, 2);
  EXPECT_EQ(cache->stats().errors, 2u);
}

// Every thread misses and computes its own value before any of them writes
// (the compute functions wait for each other), so the insert-if-absent
// really races; all must return the one value that ended up stored.
TEST_F(DatabaseCacheTest, GetOrSetRaceReturnsTheWinnerEverywhere) {
  std::unique_ptr<DatabaseCache> cache = MakeCache();
  ASSERT_NE(cache, nullptr);
  constexpr int kThreads = 6;
  for (int round = 0; round < 3; ++round) {
    const std::string key = absl::StrCat("race", round);
    std::mutex mu;
    std::condition_variable cv;
    int computing = 0;
    std::vector<absl::StatusOr<std::string>> results(kThreads,
                                                     absl::UnknownError("not run"));
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        results[t] = cache->GetOrSet(
            key, absl::Seconds(60), [&, t]() -> absl::StatusOr<std::string> {
              std::unique_lock<std::mutex> lock(mu);
              ++computing;
              cv.notify_all();
              cv.wait(lock, [&] { return computing == kThreads; });
              return absl::StrCat("value from thread ", t);
            });
      });
    }
    for (std::thread& thread : threads) thread.join();
    std::optional<std::string> stored = GetOrDie(*cache, key);
    ASSERT_TRUE(stored.has_value());
    for (int t = 0; t < kThreads; ++t) {
      EXPECT_THAT(results[t], IsOkAndHolds(*stored)) << "thread " << t;
    }
  }
}

TEST_F(DatabaseCacheTest, HostileBytesAreOnlyEverParameters) {
  std::unique_ptr<DatabaseCache> cache = MakeCache();
  ASSERT_NE(cache, nullptr);
  const std::vector<std::string> hostile = {
      "",
      "a",
      std::string("a\0", 2),
      std::string("a\0b", 3),
      std::string("\0", 1),
      "'; DROP TABLE hyper_cache; --",
      "\"); DELETE FROM hyper_cache; --",
      "\\",
      "\\x41",
      "\\\\x41",
      "E'\\x00'",
      "$1",
      "{\"a\",\"b\"}",
      "{}",
      "NULL",
      "\",\"",
      "\xff\xfe\x80",
      "\xc3\x28",
      "line\nbreak\ttab\r",
      std::string(300, '\''),
  };
  for (size_t i = 0; i < hostile.size(); ++i) {
    // Each key's value is another hostile string, so values are tested too.
    ASSERT_TRUE(cache->Set(hostile[i], hostile[(i + 1) % hostile.size()]).ok())
        << absl::CHexEscape(hostile[i]);
  }
  for (size_t i = 0; i < hostile.size(); ++i) {
    EXPECT_THAT(GetOrDie(*cache, hostile[i]), Optional(hostile[(i + 1) % hostile.size()]))
        << absl::CHexEscape(hostile[i]);
  }
  const std::vector<absl::string_view> hostile_views(hostile.begin(), hostile.end());
  auto many = cache->GetMany(hostile_views);
  ASSERT_TRUE(many.ok()) << many.status();
  for (size_t i = 0; i < hostile.size(); ++i) {
    EXPECT_THAT((*many)[i], Optional(hostile[(i + 1) % hostile.size()]))
        << absl::CHexEscape(hostile[i]);
  }
  EXPECT_EQ(RowCount(), static_cast<int64_t>(hostile.size()));

  // The same bytes through every other call.
  ASSERT_TRUE(cache->Clear().ok());
  std::vector<Cache::KeyValue> entries;
  for (absl::string_view h : hostile_views) entries.emplace_back(h, h);
  ASSERT_TRUE(cache->SetMany(entries).ok());
  auto again = cache->GetMany(hostile_views);
  ASSERT_TRUE(again.ok()) << again.status();
  for (size_t i = 0; i < hostile.size(); ++i) {
    EXPECT_THAT((*again)[i], Optional(hostile[i])) << absl::CHexEscape(hostile[i]);
  }
  for (const std::string& h : hostile) {
    EXPECT_THAT(cache->Add(h, "x"), IsOkAndHolds(false)) << absl::CHexEscape(h);
    EXPECT_THAT(cache->GetOrSet(h, absl::ZeroDuration(),
                                []() -> absl::StatusOr<std::string> { return "unused"; }),
                IsOkAndHolds(h));
  }
  EXPECT_THAT(cache->Delete(std::string("a\0", 2)), IsOkAndHolds(true));
  EXPECT_THAT(GetOrDie(*cache, "a"), Optional(std::string("a")));  // a different key
  EXPECT_EQ(cache->Incr("'; DROP TABLE hyper_cache; --").status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(cache->Incr(std::string("\0'\\", 3), 3), IsOkAndHolds(int64_t{3}));
  EXPECT_THAT(cache->DeleteMany(hostile_views),
              IsOkAndHolds(static_cast<int64_t>(hostile.size()) - 1));
  EXPECT_EQ(RowCount(), 1);  // the Incr counter; the table is still there
}

TEST_F(DatabaseCacheTest, ValueAndKeySizeLimits) {
  std::unique_ptr<DatabaseCache> cache =
      MakeCache({.max_value_bytes = 16, .max_key_bytes = 8});
  ASSERT_NE(cache, nullptr);
  ASSERT_TRUE(cache->Set("ok", std::string(16, 'x')).ok());
  absl::Status status = cache->Set("key", std::string(17, 'x'));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("value of 17 bytes"));
  EXPECT_THAT(status.message(), HasSubstr("limit of 16 bytes"));
  EXPECT_EQ(cache->Add("key", std::string(17, 'x')).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      cache
          ->GetOrSet("key", absl::ZeroDuration(),
                     []() -> absl::StatusOr<std::string> { return std::string(17, 'x'); })
          .status()
          .code(),
      absl::StatusCode::kInvalidArgument);
  // SetMany is all or nothing.
  EXPECT_EQ(cache->SetMany({{"fine", "1"}, {"big", std::string(17, 'x')}}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GetOrDie(*cache, "fine"), std::nullopt);
  absl::Status long_key = cache->Set(std::string(9, 'k'), "v");
  EXPECT_EQ(long_key.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(long_key.message(), HasSubstr("key of 9 bytes"));
  EXPECT_EQ(cache->Get(std::string(9, 'k')).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RowCount(), 1);
  EXPECT_EQ(cache->stats().errors, 6u);
}

TEST_F(DatabaseCacheTest, DefaultValueLimitIsOneMebibyte) {
  std::unique_ptr<DatabaseCache> cache = MakeCache();
  ASSERT_NE(cache, nullptr);
  std::string big(1 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 31 % 251);
  ASSERT_TRUE(cache->Set("k", big).ok());
  EXPECT_THAT(GetOrDie(*cache, "k"), Optional(big));
  absl::Status status = cache->Set("k", std::string((1 << 20) + 1, 'x'));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("1048577 bytes"));
}

TEST_F(DatabaseCacheTest, ClearKeepsCountersAndTablesAreSeparate) {
  std::unique_ptr<DatabaseCache> cache = MakeCache();
  std::unique_ptr<DatabaseCache> other = MakeCache({.table = "other_cache"});
  ASSERT_NE(cache, nullptr);
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(other->table(), "other_cache");
  ASSERT_TRUE(cache->Set("a", "1").ok());
  ASSERT_TRUE(other->Set("a", "other").ok());
  ASSERT_TRUE(cache->Clear().ok());
  EXPECT_EQ(GetOrDie(*cache, "a"), std::nullopt);
  EXPECT_THAT(GetOrDie(*other, "a"), Optional(std::string("other")));
  EXPECT_EQ(cache->stats().sets, 1u);
  EXPECT_EQ(RowCount(), 0);
  EXPECT_EQ(RowCount("other_cache"), 1);
}

TEST_F(DatabaseCacheTest, UnreachableServerIsUnavailable) {
  // Port 1 on loopback: nothing listens there, so connecting fails at once.
  pg::Pool dead("host=127.0.0.1 port=1 dbname=x user=x", pg::PoolOptions{.size = 1});
  absl::StatusOr<std::unique_ptr<DatabaseCache>> created = DatabaseCache::Create(&dead);
  EXPECT_EQ(created.status().code(), absl::StatusCode::kUnavailable) << created.status();

  absl::StatusOr<std::unique_ptr<DatabaseCache>> cache =
      DatabaseCache::Create(&dead, {.create_table = false});
  ASSERT_TRUE(cache.ok()) << cache.status();
  absl::StatusOr<std::optional<std::string>> got = (*cache)->Get("k");
  EXPECT_EQ(got.status().code(), absl::StatusCode::kUnavailable) << got.status();
  EXPECT_THAT(got.status().message(), HasSubstr("DatabaseCache Get"));
  EXPECT_EQ((*cache)->Set("k", "v").code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ((*cache)->Incr("k").status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ((*cache)->GetMany({"a", "b"}).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ((*cache)->stats().errors, 4u);
  EXPECT_EQ((*cache)->stats().misses, 0u);
}

TEST_F(DatabaseCacheTest, ServerErrorsBecomeStatuses) {
  std::unique_ptr<DatabaseCache> cache = MakeCache();
  ASSERT_NE(cache, nullptr);
  ASSERT_TRUE(cache->Set("a", "1").ok());
  ASSERT_TRUE(Sql("DROP TABLE hyper_cache").ok());
  absl::StatusOr<std::optional<std::string>> got = cache->Get("a");
  EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument) << got.status();
  EXPECT_THAT(got.status().message(), HasSubstr("hyper_cache"));
  EXPECT_EQ(pg::SqlStateOf(got.status()), "42P01");  // the SQLSTATE survives
  EXPECT_FALSE(cache->Incr("n").ok());
  EXPECT_FALSE(cache->CleanupExpired().ok());
  EXPECT_EQ(cache->stats().errors, 3u);
}

TEST_F(DatabaseCacheTest, ManyThreadsMixingEveryCall) {
  std::unique_ptr<DatabaseCache> cache = MakeCache();
  ASSERT_NE(cache, nullptr);
  constexpr int kThreads = 8;
  constexpr int kRounds = 25;
  std::atomic<int> failures{0};
  std::mutex first_error_mu;
  std::string first_error;  // guarded by first_error_mu
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto check = [&](const absl::Status& status, absl::string_view call) {
        if (status.ok()) return;
        failures.fetch_add(1);
        std::lock_guard<std::mutex> lock(first_error_mu);
        if (first_error.empty()) first_error = absl::StrCat(call, ": ", status.ToString());
      };
      for (int i = 0; i < kRounds; ++i) {
        const std::string own = absl::StrCat("own", t, "_", i);
        const std::string shared = absl::StrCat("shared", i % 5);
        check(cache->Set(own, own, absl::Seconds(60)), "Set own");
        absl::StatusOr<std::optional<std::string>> got = cache->Get(own);
        check(got.status(), "Get own");
        if (got.ok() && *got != own) check(absl::InternalError("wrong value"), "Get own");
        check(cache->Set(shared, own), "Set shared");
        check(cache->Add(shared, own).status(), "Add");
        check(cache->Incr("total").status(), "Incr");
        check(cache->SetMany({{shared, "m"}, {own, own}, {"shared0", "z"}}), "SetMany");
        check(cache->GetMany({own, shared, "missing"}).status(), "GetMany");
        absl::StatusOr<std::string> g = cache->GetOrSet(
            shared, absl::Seconds(1),
            []() -> absl::StatusOr<std::string> { return std::string("g"); });
        check(g.status(), "GetOrSet");
        check(cache->DeleteMany({shared, "shared4"}).status(), "DeleteMany");
        if (i % 2 == 0) check(cache->Delete(own).status(), "Delete");
        if (i % 10 == 0) {
          clock_.Advance(absl::Milliseconds(500));
          check(cache->CleanupExpired().status(), "CleanupExpired");
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0) << first_error;
  EXPECT_THAT(GetOrDie(*cache, "total"), Optional(absl::StrCat(kThreads * kRounds)));
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kRounds; ++i) {
      const std::string own = absl::StrCat("own", t, "_", i);
      EXPECT_EQ(GetOrDie(*cache, own),
                i % 2 == 0 ? std::nullopt : std::optional<std::string>(own));
    }
  }
  EXPECT_EQ(cache->stats().errors, 0u);
}

}  // namespace
}  // namespace hyper::cache
