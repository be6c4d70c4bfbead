// RunExplain against the real private PostgreSQL: the planner's choices on
// an indexed table of 10k rows, ANALYZE timings, writes rolled back, and
// parameters bound rather than inlined.
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/pg/connection.h"
#include "libs/testing/test_database.h"
#include "services/query/explain_plan.h"
#include "services/query/test_catalog.h"

namespace hyper::query {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

class ExplainPlanDbTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto db = testing::TestDatabase::Create();
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = db->release();
    auto conn = pg::Connection::Connect(db_->conninfo());
    ASSERT_TRUE(conn.ok()) << conn.status();
    conn_ = conn->release();
    for (const char* sql : {
             "CREATE TABLE items (id int8 PRIMARY KEY, k int8 NOT NULL, payload text NOT NULL)",
             "CREATE INDEX items_k_idx ON items (k)",
             "INSERT INTO items SELECT g, g * 10, 'p' || (g % 100) FROM generate_series(1, 10000) g",
             "ANALYZE items",
         }) {
      auto r = conn_->Exec(sql);
      ASSERT_TRUE(r.ok()) << sql << ": " << r.status();
    }
  }
  static void TearDownTestSuite() {
    delete conn_;
    conn_ = nullptr;
    delete db_;
    db_ = nullptr;
  }

  static int64_t Scalar(const std::string& sql) {
    auto r = conn_->Exec(sql);
    EXPECT_TRUE(r.ok()) << sql << ": " << r.status();
    if (!r.ok() || r->rows.size() != 1) return -1;
    return r->rows[0][0].int64();
  }

  static testing::TestDatabase* db_;
  static pg::Connection* conn_;
};

testing::TestDatabase* ExplainPlanDbTest::db_ = nullptr;
pg::Connection* ExplainPlanDbTest::conn_ = nullptr;

TEST_F(ExplainPlanDbTest, LookupByIndexedColumnUsesTheIndex) {
  SqlStatement s{"SELECT id, payload FROM items WHERE k = $1", {Int(420)}};
  absl::StatusOr<v1::ExplainResponse> r = RunExplain(*conn_, s, false, false);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->index_scans(), ElementsAre("items_k_idx")) << r->raw_json();
  EXPECT_FALSE(r->has_seq_scan()) << r->raw_json();
  EXPECT_EQ(r->sql(), s.sql);
  EXPECT_GT(r->root().total_cost(), 0);
  EXPECT_GT(r->root().plan_rows(), 0);
  // Without ANALYZE nothing ran.
  EXPECT_EQ(r->execution_ms(), 0);
  EXPECT_EQ(r->root().actual_loops(), 0);
}

TEST_F(ExplainPlanDbTest, UnindexedPredicateScansTheTable) {
  SqlStatement s{"SELECT id FROM items WHERE payload = $1", {Text("p7")}};
  absl::StatusOr<v1::ExplainResponse> r = RunExplain(*conn_, s, false, false);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->has_seq_scan()) << r->raw_json();
  EXPECT_THAT(r->seq_scan_tables(), ElementsAre("items"));
  EXPECT_THAT(r->index_scans(), IsEmpty());
}

TEST_F(ExplainPlanDbTest, AnalyzeReportsTimingsAndActualRows) {
  SqlStatement s{"SELECT id FROM items WHERE k < $1", {Int(1000)}};  // k = 10..990
  absl::StatusOr<v1::ExplainResponse> r = RunExplain(*conn_, s, true, true);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_GT(r->execution_ms(), 0);
  EXPECT_GT(r->planning_ms(), 0);
  EXPECT_EQ(r->root().actual_rows(), 99) << r->raw_json();
  EXPECT_EQ(r->root().actual_loops(), 1);
  EXPECT_GT(r->root().actual_total_ms(), 0);
  EXPECT_GT(r->root().shared_hit_blocks() + r->root().shared_read_blocks(), 0);
  EXPECT_THAT(r->raw_json(), HasSubstr("\"Execution Time\""));
}

TEST_F(ExplainPlanDbTest, AnalyzeOfWritesLeavesNoTrace) {
  const int64_t sum_before = Scalar("SELECT sum(k)::int8 FROM items");
  SqlStatement update{"UPDATE items SET k = k + 1 WHERE id <= $1", {Int(5000)}};
  absl::StatusOr<v1::ExplainResponse> r = RunExplain(*conn_, update, true, false);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->root().node_type(), "ModifyTable");
  EXPECT_GT(r->execution_ms(), 0);
  EXPECT_EQ(Scalar("SELECT sum(k)::int8 FROM items"), sum_before);

  SqlStatement del{"DELETE FROM items WHERE id > $1", {Int(100)}};
  r = RunExplain(*conn_, del, true, false);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Scalar("SELECT count(*) FROM items"), 10000);

  SqlStatement insert{"INSERT INTO items VALUES ($1, 1, 'new')", {Int(20000)}};
  r = RunExplain(*conn_, insert, true, false);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Scalar("SELECT count(*) FROM items WHERE id = 20000"), 0);
}

TEST_F(ExplainPlanDbTest, FailedAnalyzeIsRolledBackAndConnectionStaysUsable) {
  // Updates rows, then fails on the 10th (1/0): the partial write is undone
  // and the aborted transaction is ended.
  SqlStatement s{"UPDATE items SET k = k / (id - $1) WHERE id <= 20", {Int(10)}};
  absl::StatusOr<v1::ExplainResponse> r = RunExplain(*conn_, s, true, false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << r.status();  // class 22
  EXPECT_EQ(Scalar("SELECT count(*) FROM items WHERE k = id * 10"), 10000);
  // Not in a (failed) transaction any more: a fresh BEGIN works.
  auto begin = conn_->Exec("BEGIN");
  ASSERT_TRUE(begin.ok()) << begin.status();
  ASSERT_TRUE(conn_->Exec("ROLLBACK").ok());
}

TEST_F(ExplainPlanDbTest, ParametersAreBoundNotInlined) {
  // A value that would change the query if it were pasted into the SQL.
  SqlStatement s{"SELECT id FROM items WHERE payload = $1", {Text("p7' OR 'x' = 'x")}};
  absl::StatusOr<v1::ExplainResponse> r = RunExplain(*conn_, s, true, false);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->root().actual_rows(), 0) << r->raw_json();
  EXPECT_EQ(r->sql(), s.sql);

  // The server holds the EXPLAIN as a prepared statement with $1 in it, and
  // the value nowhere in its text.
  auto prepared = conn_->Exec(
      "SELECT statement FROM pg_prepared_statements WHERE statement LIKE 'EXPLAIN%payload%'");
  ASSERT_TRUE(prepared.ok()) << prepared.status();
  std::vector<std::string> texts;
  for (const auto& row : prepared->rows) texts.push_back(row[0].str());
  EXPECT_THAT(texts, Contains(HasSubstr("payload = $1")));
  EXPECT_THAT(texts, Not(Contains(HasSubstr("OR 'x'"))));

  // And the value is used for planning and execution: p7 has 100 rows.
  s.params = {Text("p7")};
  r = RunExplain(*conn_, s, true, false);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->root().actual_rows(), 100);
}

TEST_F(ExplainPlanDbTest, BuffersWithoutAnalyzeIsInvalidArgument) {
  absl::StatusOr<v1::ExplainResponse> r =
      RunExplain(*conn_, SqlStatement{"SELECT 1", {}}, false, true);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ExplainPlanDbTest, StatementErrorsComeBackUnchanged) {
  absl::StatusOr<v1::ExplainResponse> r =
      RunExplain(*conn_, SqlStatement{"SELECT nope FROM items", {}}, false, false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("nope"));
}

}  // namespace
}  // namespace hyper::query
