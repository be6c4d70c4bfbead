#include "libs/pg/executor.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/pg/pool.h"
#include "libs/testing/test_database.h"

namespace hyper::pg {
namespace {

TEST(ExecutorTest, ManyThreadsGetTheirOwnResults) {
  auto db = hyper::testing::TestDatabase::Create();
  ASSERT_TRUE(db.ok()) << db.status();
  PoolOptions options;
  options.size = 4;
  options.acquire_timeout = absl::Seconds(30);
  Pool pool((*db)->conninfo(), options);
  constexpr int kThreads = 16;
  constexpr int kPerThread = 200;
  std::atomic<int> correct{0};
  std::atomic<int> finished{0};
  std::mutex mu;
  std::vector<std::string> errors;
  {
    Executor executor(&pool, 2);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          const int64_t want = t * 100000 + i;
          // Every tenth statement fails, to show failures stay isolated.
          std::string sql = i % 10 == 9 ? "SELECT $1::int8 / 0"
                                        : "SELECT $1::int8 AS v";
          executor.Submit(Statement{sql, {Value::Int64(want)}},
                          [&, want, i](absl::StatusOr<Result> r) {
                            bool ok = i % 10 == 9
                                          ? r.status().code() ==
                                                absl::StatusCode::kInvalidArgument
                                          : r.ok() && r->rows[0][0].int64() == want;
                            if (ok) {
                              ++correct;
                            } else {
                              std::lock_guard<std::mutex> lock(mu);
                              errors.push_back(r.status().ToString());
                            }
                            ++finished;
                          });
        }
      });
    }
    for (auto& t : threads) t.join();
    absl::Time give_up = absl::Now() + absl::Seconds(60);
    while (finished < kThreads * kPerThread && absl::Now() < give_up) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    ExecutorStats s = executor.stats();
    EXPECT_EQ(s.submitted, static_cast<uint64_t>(kThreads * kPerThread));
  }
  EXPECT_EQ(finished.load(), kThreads * kPerThread);
  EXPECT_EQ(correct.load(), kThreads * kPerThread);
  for (size_t i = 0; i < errors.size() && i < 5; ++i) ADD_FAILURE() << errors[i];
}

TEST(ExecutorTest, QueuedStatementsArePipelined) {
  auto db = hyper::testing::TestDatabase::Create();
  ASSERT_TRUE(db.ok()) << db.status();
  Pool pool((*db)->conninfo(), PoolOptions());
  // Hold the worker on a slow statement so the rest queue up behind it.
  std::atomic<int> done{0};
  {
    Executor executor(&pool, 1);
    executor.Submit(Statement{"SELECT pg_sleep(0.3)", {}},
                    [&](absl::StatusOr<Result> r) { ++done; });
    absl::SleepFor(absl::Milliseconds(50));
    for (int i = 0; i < 50; ++i) {
      executor.Submit(Statement{"SELECT $1::int8", {Value::Int64(i)}},
                      [&](absl::StatusOr<Result> r) {
                        if (r.ok()) ++done;
                      });
    }
    absl::Time give_up = absl::Now() + absl::Seconds(30);
    while (done < 51 && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(5));
    ExecutorStats s = executor.stats();
    EXPECT_GE(s.largest_batch, 2u);
    EXPECT_GE(s.pipelined, 2u);
  }
  EXPECT_EQ(done.load(), 51);
}

TEST(ExecutorTest, SubmitAfterShutdownIsCancelled) {
  auto db = hyper::testing::TestDatabase::Create();
  ASSERT_TRUE(db.ok()) << db.status();
  Pool pool((*db)->conninfo(), PoolOptions());
  auto executor = std::make_unique<Executor>(&pool, 1);
  std::atomic<bool> ran{false};
  executor->Submit(Statement{"SELECT 1", {}}, [&](absl::StatusOr<Result> r) {
    ran = r.ok();
  });
  executor.reset();  // runs what was queued
  EXPECT_TRUE(ran);
}

}  // namespace
}  // namespace hyper::pg
