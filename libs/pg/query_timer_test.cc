#include "libs/pg/query_timer.h"

#include <memory>

#include "gtest/gtest.h"
#include "libs/pg/pool.h"
#include "libs/testing/test_database.h"

namespace hyper::pg {
namespace {

TEST(QueryTimerTest, RecordsEveryStatement) {
  auto db = hyper::testing::TestDatabase::Create();
  ASSERT_TRUE(db.ok()) << db.status();
  QueryTimer timer;
  Pool pool((*db)->conninfo(), PoolOptions(), {&timer});
  {
    absl::StatusOr<Pool::Lease> lease = pool.Acquire();
    ASSERT_TRUE(lease.ok()) << lease.status();
    ASSERT_TRUE((*lease)->Exec("SELECT 1").ok());
    EXPECT_FALSE((*lease)->Exec("SELEC 1").ok());
    std::vector<absl::StatusOr<Result>> rs =
        (*lease)->ExecPipelined({{"SELECT 2", {}}, {"SELECT 3", {}}});
    ASSERT_TRUE(rs[1].ok());
  }
  QueryTimerStats s = timer.stats();
  EXPECT_EQ(s.count, 4u);
  EXPECT_EQ(s.errors, 1u);
  EXPECT_EQ(s.in_flight, 0);
  EXPECT_GT(s.total, absl::ZeroDuration());
  EXPECT_EQ(s.average, s.total / 4);
  EXPECT_EQ(timer.histogram().count(), 4u);
}

TEST(QueryTimerTest, RecordsIntoAGivenHistogram) {
  metrics::Histogram histogram({0.5, 1.0});
  QueryTimer timer(&histogram);
  timer.OnQueryStart();
  EXPECT_EQ(timer.stats().in_flight, 1);
  timer.OnQueryDone(Statement{"SELECT 1", {}}, absl::Milliseconds(700),
                    absl::OkStatus());
  EXPECT_EQ(histogram.CumulativeCount(0), 0u);
  EXPECT_EQ(histogram.CumulativeCount(1), 1u);
  EXPECT_EQ(timer.stats().average, absl::Milliseconds(700));
}

}  // namespace
}  // namespace hyper::pg
