// RemoteCache against the real cache service binary over loopback.
#include "libs/cache/remote_cache.h"

#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/cache/locmem_cache.h"
#include "libs/cache/two_tier_cache.h"
#include "libs/testing/notification.h"
#include "libs/testing/service_process.h"

namespace hyper::cache {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Optional;
using testing::ServiceProcess;

class RemoteCacheTest : public ::testing::Test {
 protected:
  void SetUp() override { StartService(0); }

  void StartService(int port) {
    auto process = ServiceProcess::Start(
        "services/cache/cache", {"--host=127.0.0.1", absl::StrCat("--port=", port),
                                 "--admin_port=-1", "--shutdown_grace=0s"});
    ASSERT_TRUE(process.ok()) << process.status();
    process_ = std::move(*process);
    absl::StatusOr<int> bound = process_->WaitForPort("grpc");
    ASSERT_TRUE(bound.ok()) << bound.status() << process_->output();
    port_ = *bound;
  }

  RemoteCacheOptions Options() const {
    return {.address = absl::StrCat("127.0.0.1:", port_), .timeout = absl::Seconds(2)};
  }

  std::unique_ptr<ServiceProcess> process_;
  int port_ = 0;
};

TEST_F(RemoteCacheTest, TheCacheContract) {
  RemoteCache cache(Options());
  const std::string key("user\0:7'; DROP", 14);
  ASSERT_TRUE(cache.Set(key, "alice", absl::Seconds(60)).ok());
  EXPECT_THAT(*cache.Get(key), Optional(std::string("alice")));
  EXPECT_EQ(*cache.Get("user:8"), std::nullopt);
  EXPECT_FALSE(*cache.Add(key, "bob"));
  EXPECT_TRUE(*cache.Add("fresh", "bob"));
  EXPECT_EQ(*cache.Incr("visits", 5), 5);
  EXPECT_EQ(*cache.Incr("visits", -2), 3);
  EXPECT_EQ(cache.Incr(key, 1).status().code(), absl::StatusCode::kFailedPrecondition);

  ASSERT_TRUE(cache.SetMany({{"a", "1"}, {"b", "2"}}).ok());
  auto many = cache.GetMany({"b", "zz", "a"});
  ASSERT_TRUE(many.ok()) << many.status();
  EXPECT_THAT(*many, ElementsAre(Optional(std::string("2")), std::nullopt,
                                 Optional(std::string("1"))));
  EXPECT_EQ(*cache.DeleteMany({"a", "b", "zz"}), 2);
  EXPECT_TRUE(*cache.Delete("fresh"));
  EXPECT_FALSE(*cache.Delete("fresh"));

  int computed = 0;
  auto compute = [&]() -> absl::StatusOr<std::string> {
    ++computed;
    return std::string("page");
  };
  EXPECT_EQ(*cache.GetOrSet("view", absl::Seconds(5), compute), "page");
  EXPECT_EQ(*cache.GetOrSet("view", absl::Seconds(5), compute), "page");
  EXPECT_EQ(computed, 1);
  absl::StatusOr<std::string> failed = cache.GetOrSet(
      "broken", absl::Seconds(5), [] { return absl::InternalError("render failed"); });
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(*cache.Get("broken"), std::nullopt) << "errors are not cached";

  ASSERT_TRUE(cache.Clear().ok());
  EXPECT_EQ(*cache.Get(key), std::nullopt);
  absl::StatusOr<v1::StatsResponse> stats = cache.ServiceStats();
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->entries(), 0u);
  EXPECT_GT(stats->hits(), 0u);
}

TEST_F(RemoteCacheTest, ErrorsComeBackWithTheirCodeAndField) {
  RemoteCache cache(Options());
  absl::Status big = cache.Set("k", std::string((1 << 20) + 1, 'x'));
  EXPECT_EQ(big.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(big.message()), HasSubstr("value:"));
  EXPECT_EQ(cache.Set("k", "v", absl::Seconds(-1)).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(cache.Get("").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(cache.stats().errors, 2u);  // the negative ttl never left the process
}

TEST_F(RemoteCacheTest, ShortTtlsExpire) {
  RemoteCache cache(Options());
  ASSERT_TRUE(cache.Set("short", "v", absl::Microseconds(300)).ok());  // rounds up to 1 ms
  ASSERT_TRUE(cache.Set("long", "v", absl::Minutes(1)).ok());
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(*cache.Get("short"), std::nullopt);
  EXPECT_TRUE(cache.Get("long")->has_value());
}

TEST_F(RemoteCacheTest, VersionedReadsFollowBumps) {
  RemoteCache cache(Options());
  absl::StatusOr<RemoteCache::Versioned> miss = cache.GetVersioned("q1", {"posts", "users"});
  ASSERT_TRUE(miss.ok()) << miss.status();
  EXPECT_EQ(miss->value, std::nullopt);
  ASSERT_TRUE(cache.Set(miss->versioned_key, "rows", absl::Minutes(1)).ok());
  EXPECT_THAT(cache.GetVersioned("q1", {"posts", "users"})->value,
              Optional(std::string("rows")));
  ASSERT_TRUE(cache.BumpVersions({"users"}).ok());
  EXPECT_EQ(cache.GetVersioned("q1", {"posts", "users"})->value, std::nullopt);
  EXPECT_EQ(cache.BumpVersions({}).code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(RemoteCacheTest, AsyncGetAndSet) {
  RemoteCache cache(Options());
  cache.SetAsync("async", "value", absl::Minutes(1));
  // The Set is fire-and-forget: poll until it has landed.
  std::optional<std::string> seen;
  for (int i = 0; i < 100 && !seen.has_value(); ++i) {
    seen = *cache.Get("async");
    if (!seen.has_value()) absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_THAT(seen, Optional(std::string("value")));

  testing::Notification done;
  absl::StatusOr<std::optional<std::string>> got;
  cache.GetAsync("async", [&](absl::StatusOr<std::optional<std::string>> result) {
    got = std::move(result);
    done.Notify();
  });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_THAT(*got, Optional(std::string("value")));

  // Versioned read, bump, versioned read: the second misses.
  auto versioned = [&] {
    testing::Notification read;
    absl::StatusOr<RemoteCache::Versioned> result;
    cache.GetVersionedAsync("q", {"posts"}, [&](absl::StatusOr<RemoteCache::Versioned> r) {
      result = std::move(r);
      read.Notify();
    });
    EXPECT_TRUE(read.WaitForNotificationWithTimeout(absl::Seconds(10)));
    return result;
  };
  absl::StatusOr<RemoteCache::Versioned> first = versioned();
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(cache.Set(first->versioned_key, "rows").ok());
  EXPECT_THAT(versioned()->value, Optional(std::string("rows")));
  testing::Notification bumped;
  absl::Status bump_status = absl::UnknownError("not called");
  cache.BumpVersionsAsync({"posts"}, [&](absl::Status s) {
    bump_status = s;
    bumped.Notify();
  });
  ASSERT_TRUE(bumped.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_TRUE(bump_status.ok()) << bump_status;
  EXPECT_EQ(versioned()->value, std::nullopt);
}

TEST_F(RemoteCacheTest, ConcurrentGetOrSetAgreesOnOneWinner) {
  RemoteCache cache(Options());
  std::vector<std::string> results(8);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      absl::StatusOr<std::string> value = cache.GetOrSet(
          "race", absl::Minutes(1),
          [t]() -> absl::StatusOr<std::string> { return absl::StrCat("thread ", t); });
      results[t] = value.ok() ? *value : value.status().ToString();
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(std::set<std::string>(results.begin(), results.end()).size(), 1u)
      << results[0] << " / " << results[1];
  EXPECT_THAT(results[0], HasSubstr("thread "));
}

TEST_F(RemoteCacheTest, ServiceDownFailsFastAndTwoTierServesFromL1ThenRecovers) {
  RemoteCache remote(Options());
  LocMemCache l1;
  TwoTierCache cache(&l1, &remote, absl::Seconds(30));
  ASSERT_TRUE(cache.Set("kept", "in both", absl::Minutes(5)).ok());

  absl::StatusOr<int> code = process_->Stop();
  ASSERT_TRUE(code.ok()) << code.status();

  absl::Time start = absl::Now();
  absl::StatusOr<std::optional<std::string>> down = remote.Get("kept");
  EXPECT_FALSE(down.ok());
  EXPECT_THAT(down.status().code(), ::testing::AnyOf(absl::StatusCode::kUnavailable,
                                                   absl::StatusCode::kDeadlineExceeded));
  EXPECT_LE(absl::Now() - start, absl::Seconds(3)) << "bounded by the call deadline";
  // Fail-soft: L1 still answers, writes still succeed, misses are misses.
  EXPECT_THAT(*cache.Get("kept"), Optional(std::string("in both")));
  EXPECT_TRUE(cache.Set("written while down", "x").ok());
  EXPECT_EQ(*cache.Get("never stored"), std::nullopt);
  EXPECT_GT(cache.tier_stats().l2_errors, 0u);

  // Back on the same port: the client reconnects by itself.
  StartService(port_);
  bool recovered = false;
  for (int i = 0; i < 100 && !recovered; ++i) {
    recovered = remote.Set("after restart", "y").ok();
    if (!recovered) absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_TRUE(recovered) << "still failing 5 s after the restart";
  EXPECT_THAT(*remote.Get("after restart"), Optional(std::string("y")));
}

}  // namespace
}  // namespace hyper::cache
