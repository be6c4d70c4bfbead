#include "libs/pg/pool.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/testing/test_database.h"

namespace hyper::pg {
namespace {

class PoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = hyper::testing::TestDatabase::Create();
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
  }
  std::unique_ptr<hyper::testing::TestDatabase> db_;
};

TEST_F(PoolTest, LeasesReturnAndAreReused) {
  PoolOptions options;
  options.size = 2;
  options.min_size = 2;
  Pool pool(db_->conninfo(), options);
  ASSERT_TRUE(pool.Warm().ok());
  EXPECT_EQ(pool.stats().idle, 2);
  int pid = 0;
  {
    absl::StatusOr<Pool::Lease> lease = pool.Acquire();
    ASSERT_TRUE(lease.ok()) << lease.status();
    pid = (*lease)->backend_pid();
    ASSERT_TRUE((*lease)->Exec("SELECT 1").ok());
    EXPECT_EQ(pool.stats().in_use, 1);
  }
  PoolStats s = pool.stats();
  EXPECT_EQ(s.in_use, 0);
  EXPECT_EQ(s.idle, 2);
  EXPECT_EQ(s.acquires, 1u);
  EXPECT_EQ(s.statement_cache_misses, 1u);
  absl::StatusOr<Pool::Lease> again = pool.Acquire();
  ASSERT_TRUE(again.ok());
  EXPECT_NE((*again)->backend_pid(), pid);  // FIFO: the other idle one
}

TEST_F(PoolTest, AcquireTimesOutAndCountsWaiters) {
  PoolOptions options;
  options.size = 1;
  options.acquire_timeout = absl::Milliseconds(300);
  Pool pool(db_->conninfo(), options);
  absl::StatusOr<Pool::Lease> held = pool.Acquire();
  ASSERT_TRUE(held.ok()) << held.status();

  std::vector<std::thread> waiters;
  std::vector<absl::Status> statuses(3);
  for (int i = 0; i < 3; ++i) {
    waiters.emplace_back([&, i] {
      statuses[i] = pool.Acquire(absl::Seconds(20)).status();
    });
  }
  absl::Time give_up = absl::Now() + absl::Seconds(20);
  while (pool.stats().waiters < 3 && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(pool.stats().waiters, 3);
  absl::StatusOr<Pool::Lease> late = pool.Acquire();
  EXPECT_EQ(late.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_TRUE(absl::StrContains(late.status().message(), "waiters 4"))
      << late.status();
  EXPECT_EQ(pool.stats().timeouts, 1u);

  held->Release();  // hands the connection to the waiters one by one
  for (auto& t : waiters) t.join();
  for (const absl::Status& s : statuses) EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(pool.stats().waiters, 0);
}

TEST_F(PoolTest, ReplacesATerminatedConnection) {
  PoolOptions options;
  options.size = 1;
  Pool pool(db_->conninfo(), options);
  int pid = 0;
  {
    absl::StatusOr<Pool::Lease> lease = pool.Acquire();
    ASSERT_TRUE(lease.ok()) << lease.status();
    pid = (*lease)->backend_pid();
  }
  auto admin = Connection::Connect(db_->conninfo());
  ASSERT_TRUE(admin.ok()) << admin.status();
  ASSERT_TRUE((*admin)->Exec("SELECT pg_terminate_backend($1::int)",
                             {Value::Int64(pid)}).ok());
  // Wait until the server has really closed it.
  absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (absl::Now() < give_up) {
    absl::StatusOr<Result> r = (*admin)->Exec(
        "SELECT count(*) FROM pg_stat_activity WHERE pid = $1::int",
        {Value::Int64(pid)});
    ASSERT_TRUE(r.ok()) << r.status();
    if (r->rows[0][0].int64() == 0) break;
    absl::SleepFor(absl::Milliseconds(20));
  }
  // Either the acquire-time probe or the first statement notices; at most
  // one statement fails, and the pool then reconnects.
  absl::Status last;
  for (int attempt = 0; attempt < 3; ++attempt) {
    absl::StatusOr<Pool::Lease> lease = pool.Acquire();
    ASSERT_TRUE(lease.ok()) << lease.status();
    last = (*lease)->Exec("SELECT 1").status();
    if (last.ok()) {
      EXPECT_NE((*lease)->backend_pid(), pid);
      break;
    }
    EXPECT_EQ(last.code(), absl::StatusCode::kUnavailable) << last;
  }
  EXPECT_TRUE(last.ok()) << last;
  EXPECT_EQ(pool.stats().reconnects, 1u);
  EXPECT_EQ(pool.stats().size, 1);
}

TEST_F(PoolTest, UnreachableServerFailsFast) {
  PoolOptions options;
  options.size = 2;
  options.connection.connect_timeout = absl::Seconds(2);
  Pool pool("postgresql://postgres@127.0.0.1:1/x", options);
  EXPECT_EQ(pool.Warm().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(pool.Acquire().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_GE(pool.stats().connect_failures, 1u);
}

TEST_F(PoolTest, ManyThreadsShareAFewConnections) {
  PoolOptions options;
  options.size = 3;
  options.acquire_timeout = absl::Seconds(30);
  Pool pool(db_->conninfo(), options);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        absl::StatusOr<Pool::Lease> lease = pool.Acquire();
        if (!lease.ok()) continue;
        absl::StatusOr<Result> r =
            (*lease)->Exec("SELECT $1::int8", {Value::Int64(t * 1000 + i)});
        if (r.ok() && r->rows[0][0].int64() == t * 1000 + i) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 400);
  EXPECT_LE(pool.stats().size, 3);
}

}  // namespace
}  // namespace hyper::pg
