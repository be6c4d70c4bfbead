#include "libs/pg/slow_query_log.h"

#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "libs/pg/pool.h"
#include "libs/testing/test_database.h"

namespace hyper::pg {
namespace {

TEST(SlowQueryLogTest, RecordsOnlySlowStatements) {
  auto db = hyper::testing::TestDatabase::Create();
  ASSERT_TRUE(db.ok()) << db.status();
  SlowQueryLog slow((*db)->conninfo(), absl::Milliseconds(100));
  Pool pool((*db)->conninfo(), PoolOptions(), {&slow});
  {
    absl::StatusOr<Pool::Lease> lease = pool.Acquire();
    ASSERT_TRUE(lease.ok()) << lease.status();
    ASSERT_TRUE((*lease)->Exec("SELECT 1").ok());
    ASSERT_TRUE((*lease)->Exec("SELECT pg_sleep(0.15), $1::text",
                               {Value::Text("first")}).ok());
    ASSERT_TRUE((*lease)->Exec("SELECT pg_sleep(0.3), $1::text",
                               {Value::Text("second")}).ok());
  }
  ASSERT_TRUE(slow.Flush().ok());
  SlowQueryLogStats s = slow.stats();
  EXPECT_EQ(s.recorded, 2u);
  EXPECT_EQ(s.written, 2u);

  absl::StatusOr<std::vector<SlowQuery>> recent = slow.Recent(10);
  ASSERT_TRUE(recent.ok()) << recent.status();
  ASSERT_EQ(recent->size(), 2u);
  EXPECT_TRUE(absl::StrContains((*recent)[0].sql, "pg_sleep(0.3)"));
  EXPECT_EQ((*recent)[0].params, "'second'");
  EXPECT_GE((*recent)[0].duration_ms, 100.0);
  EXPECT_GT((*recent)[0].at_micros, 0);

  absl::StatusOr<std::vector<SlowQuery>> slowest = slow.Slowest(1);
  ASSERT_TRUE(slowest.ok()) << slowest.status();
  ASSERT_EQ(slowest->size(), 1u);
  EXPECT_TRUE(absl::StrContains((*slowest)[0].sql, "pg_sleep(0.3)"));
}

TEST(SlowQueryLogTest, CutsLongSqlAndSummarizesParams) {
  auto db = hyper::testing::TestDatabase::Create();
  ASSERT_TRUE(db.ok()) << db.status();
  SlowQueryLog slow((*db)->conninfo(), absl::ZeroDuration());
  std::vector<Value> params(12, Value::Int64(7));
  slow.OnQueryDone(Statement{std::string(5000, 'x'), params},
                   absl::Milliseconds(5), absl::OkStatus());
  ASSERT_TRUE(slow.Flush().ok());
  absl::StatusOr<std::vector<SlowQuery>> recent = slow.Recent(1);
  ASSERT_TRUE(recent.ok()) << recent.status();
  ASSERT_EQ(recent->size(), 1u);
  EXPECT_EQ((*recent)[0].sql.size(), SlowQueryLog::kMaxSqlChars);
  EXPECT_TRUE(absl::StrContains((*recent)[0].params, "(12 params)"));
}

}  // namespace
}  // namespace hyper::pg
