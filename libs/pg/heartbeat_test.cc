#include "libs/pg/heartbeat.h"

#include <memory>
#include <mutex>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/pg/pool.h"
#include "libs/testing/notification.h"
#include "libs/testing/test_database.h"

namespace hyper::pg {
namespace {

// Records health changes from the heartbeat thread.
class Changes {
 public:
  void Record(bool healthy) {
    std::lock_guard<std::mutex> lock(mu_);
    seen_.push_back(healthy);
  }
  std::vector<bool> seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

 private:
  std::mutex mu_;
  std::vector<bool> seen_;
};

bool WaitFor(const std::function<bool()>& done) {
  absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (!done()) {
    if (absl::Now() > give_up) return false;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return true;
}

TEST(HeartbeatTest, HealthyDatabaseKeepsBeating) {
  auto db = hyper::testing::TestDatabase::Create();
  ASSERT_TRUE(db.ok()) << db.status();
  Pool pool((*db)->conninfo(), PoolOptions());
  Changes changes;
  Heartbeat beat(&pool, absl::Milliseconds(10), 3,
                 [&](bool h) { changes.Record(h); });
  beat.Start();
  ASSERT_TRUE(WaitFor([&] { return beat.stats().beats >= 5; }));
  beat.Stop();
  HeartbeatStats s = beat.stats();
  EXPECT_TRUE(s.healthy);
  EXPECT_EQ(s.failures, 0u);
  EXPECT_EQ(s.uptime_ratio, 1.0);
  EXPECT_EQ(s.latency_samples, std::min<size_t>(s.beats, Heartbeat::kLatencyWindow));
  EXPECT_GT(s.average_latency, absl::ZeroDuration());
  EXPECT_GE(s.p99_latency, s.average_latency / 2);
  EXPECT_NE(s.last_beat, absl::InfinitePast());
  EXPECT_TRUE(changes.seen().empty());
}

TEST(HeartbeatTest, UnreachableDatabaseTurnsUnhealthyAfterThreshold) {
  PoolOptions options;
  options.acquire_timeout = absl::Milliseconds(50);
  options.connection.connect_timeout = absl::Seconds(2);
  Pool pool("postgresql://postgres@127.0.0.1:1/x", options);
  Changes changes;
  Heartbeat beat(&pool, absl::Milliseconds(1), 3,
                 [&](bool h) { changes.Record(h); });
  EXPECT_FALSE(beat.BeatOnce().ok());
  EXPECT_FALSE(beat.BeatOnce().ok());
  EXPECT_TRUE(beat.healthy());  // 2 < 3
  EXPECT_FALSE(beat.BeatOnce().ok());
  EXPECT_FALSE(beat.healthy());
  HeartbeatStats s = beat.stats();
  EXPECT_EQ(s.consecutive_failures, 3u);
  EXPECT_EQ(s.uptime_ratio, 0.0);
  EXPECT_EQ(changes.seen(), std::vector<bool>{false});
}

TEST(HeartbeatTest, RecoversWhenTheDatabaseComesBack) {
  auto db = hyper::testing::TestDatabase::Create();
  ASSERT_TRUE(db.ok()) << db.status();
  PoolOptions options;
  options.size = 1;
  options.acquire_timeout = absl::Milliseconds(100);
  Pool pool((*db)->conninfo(), options);
  Changes changes;
  Heartbeat beat(&pool, absl::Milliseconds(10), 1,
                 [&](bool h) { changes.Record(h); });
  ASSERT_TRUE(beat.BeatOnce().ok());
  // Hold the only connection: the beat cannot get one and fails.
  {
    absl::StatusOr<Pool::Lease> held = pool.Acquire();
    ASSERT_TRUE(held.ok()) << held.status();
    EXPECT_EQ(beat.BeatOnce().code(), absl::StatusCode::kDeadlineExceeded);
    EXPECT_FALSE(beat.healthy());
  }
  beat.Start();
  ASSERT_TRUE(WaitFor([&] { return beat.healthy(); }));
  beat.Stop();
  EXPECT_EQ(changes.seen(), (std::vector<bool>{false, true}));
}

}  // namespace
}  // namespace hyper::pg
