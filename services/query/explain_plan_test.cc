// ParseExplainJson and ExplainSql on hand-written EXPLAIN output; no
// database (explain_plan_db_test.cc runs the real thing).
#include "services/query/explain_plan.h"

#include <string>

#include <google/protobuf/text_format.h>
#include <google/protobuf/util/message_differencer.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hyper::query {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// EXPLAIN (FORMAT JSON, ANALYZE, BUFFERS) as PostgreSQL 15 prints it, cut
// down, with keys this parser does not read left in.
constexpr char kAnalyzedJoin[] = R"json([
  {
    "Plan": {
      "Node Type": "Hash Join",
      "Parallel Aware": false,
      "Join Type": "Inner",
      "Startup Cost": 8.31,
      "Total Cost": 35.5,
      "Plan Rows": 120,
      "Plan Width": 48,
      "Actual Startup Time": 0.051,
      "Actual Total Time": 0.734,
      "Actual Rows": 118,
      "Actual Loops": 1,
      "Hash Cond": "(o.user_id = u.id)",
      "Shared Hit Blocks": 12,
      "Shared Read Blocks": 3,
      "Shared Dirtied Blocks": 0,
      "Plans": [
        {
          "Node Type": "Seq Scan",
          "Parent Relationship": "Outer",
          "Relation Name": "orders",
          "Alias": "o",
          "Startup Cost": 0.00,
          "Total Cost": 22.00,
          "Plan Rows": 1200,
          "Plan Width": 24,
          "Actual Startup Time": 0.007,
          "Actual Total Time": 0.210,
          "Actual Rows": 1200,
          "Actual Loops": 1,
          "Filter": "(total > 10)",
          "Rows Removed by Filter": 0,
          "Shared Hit Blocks": 10,
          "Shared Read Blocks": 0
        },
        {
          "Node Type": "Hash",
          "Parent Relationship": "Inner",
          "Startup Cost": 8.30,
          "Total Cost": 8.30,
          "Plan Rows": 1,
          "Plan Width": 24,
          "Actual Startup Time": 0.030,
          "Actual Total Time": 0.031,
          "Actual Rows": 1,
          "Actual Loops": 1,
          "Hash Buckets": 1024,
          "Shared Hit Blocks": 2,
          "Shared Read Blocks": 3,
          "Plans": [
            {
              "Node Type": "Index Scan",
              "Parent Relationship": "Outer",
              "Scan Direction": "Forward",
              "Index Name": "users_email_idx",
              "Relation Name": "users",
              "Alias": "u",
              "Startup Cost": 0.28,
              "Total Cost": 8.30,
              "Plan Rows": 1,
              "Plan Width": 24,
              "Actual Startup Time": 0.020,
              "Actual Total Time": 0.021,
              "Actual Rows": 1,
              "Actual Loops": 1,
              "Index Cond": "(email = 'ann@x.io'::text)",
              "Shared Hit Blocks": 2,
              "Shared Read Blocks": 3
            }
          ]
        }
      ]
    },
    "Planning": {"Shared Hit Blocks": 163, "Shared Read Blocks": 1},
    "Planning Time": 0.819,
    "Triggers": [],
    "Execution Time": 0.912
  }
])json";

constexpr char kExpectedJoinTree[] = R"pb(
  node_type: "Hash Join"
  startup_cost: 8.31
  total_cost: 35.5
  plan_rows: 120
  actual_rows: 118
  actual_loops: 1
  actual_total_ms: 0.734
  shared_hit_blocks: 12
  shared_read_blocks: 3
  children {
    node_type: "Seq Scan"
    relation: "orders"
    alias: "o"
    startup_cost: 0
    total_cost: 22
    plan_rows: 1200
    actual_rows: 1200
    actual_loops: 1
    actual_total_ms: 0.21
    shared_hit_blocks: 10
  }
  children {
    node_type: "Hash"
    startup_cost: 8.3
    total_cost: 8.3
    plan_rows: 1
    actual_rows: 1
    actual_loops: 1
    actual_total_ms: 0.031
    shared_hit_blocks: 2
    shared_read_blocks: 3
    children {
      node_type: "Index Scan"
      relation: "users"
      alias: "u"
      index_name: "users_email_idx"
      startup_cost: 0.28
      total_cost: 8.3
      plan_rows: 1
      actual_rows: 1
      actual_loops: 1
      actual_total_ms: 0.021
      shared_hit_blocks: 2
      shared_read_blocks: 3
    }
  }
)pb";

void ExpectTree(const v1::PlanNode& actual, const char* expected_text) {
  v1::PlanNode expected;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(expected_text, &expected));
  std::string diff;
  google::protobuf::util::MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&diff);
  EXPECT_TRUE(differencer.Compare(expected, actual)) << diff;
}

TEST(ParseExplainJsonTest, AnalyzedJoinGivesExactTreeAndFlags) {
  absl::StatusOr<v1::ExplainResponse> r = ParseExplainJson(kAnalyzedJoin);
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectTree(r->root(), kExpectedJoinTree);
  EXPECT_DOUBLE_EQ(r->planning_ms(), 0.819);
  EXPECT_DOUBLE_EQ(r->execution_ms(), 0.912);
  EXPECT_TRUE(r->has_seq_scan());
  EXPECT_THAT(r->seq_scan_tables(), ElementsAre("orders"));
  EXPECT_THAT(r->index_scans(), ElementsAre("users_email_idx"));
  EXPECT_EQ(r->raw_json(), kAnalyzedJoin);
  EXPECT_EQ(r->sql(), "");  // RunExplain's to set
}

TEST(ParseExplainJsonTest, PlainExplainLeavesAnalyzeFieldsZero) {
  constexpr char kJson[] = R"json([{"Plan": {
      "Node Type": "Index Only Scan", "Index Name": "items_k_idx",
      "Relation Name": "items", "Alias": "items",
      "Startup Cost": 0.29, "Total Cost": 8.30, "Plan Rows": 1, "Plan Width": 8,
      "Index Cond": "(k = 42)"}}])json";
  absl::StatusOr<v1::ExplainResponse> r = ParseExplainJson(kJson);
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectTree(r->root(), R"pb(
    node_type: "Index Only Scan" relation: "items" alias: "items"
    index_name: "items_k_idx" startup_cost: 0.29 total_cost: 8.3 plan_rows: 1
  )pb");
  EXPECT_EQ(r->planning_ms(), 0);
  EXPECT_EQ(r->execution_ms(), 0);
  EXPECT_FALSE(r->has_seq_scan());
  EXPECT_THAT(r->seq_scan_tables(), IsEmpty());
  EXPECT_THAT(r->index_scans(), ElementsAre("items_k_idx"));
}

TEST(ParseExplainJsonTest, ListsAreDistinctInPlanOrder) {
  // Append over two Seq Scans of b and one of a, a bitmap scan and an index
  // scan reusing the bitmap's index: each name once, first appearance first.
  constexpr char kJson[] = R"json([{"Plan": {"Node Type": "Append", "Plans": [
      {"Node Type": "Seq Scan", "Relation Name": "b", "Alias": "b1"},
      {"Node Type": "Bitmap Heap Scan", "Relation Name": "c", "Plans": [
        {"Node Type": "Bitmap Index Scan", "Index Name": "c_x_idx"}]},
      {"Node Type": "Seq Scan", "Relation Name": "a", "Alias": "a"},
      {"Node Type": "Seq Scan", "Relation Name": "b", "Alias": "b2"},
      {"Node Type": "Index Scan", "Index Name": "c_x_idx", "Relation Name": "c"},
      {"Node Type": "Index Only Scan", "Index Name": "a_pkey", "Relation Name": "a"}
  ]}}])json";
  absl::StatusOr<v1::ExplainResponse> r = ParseExplainJson(kJson);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->has_seq_scan());
  EXPECT_THAT(r->seq_scan_tables(), ElementsAre("b", "a"));
  EXPECT_THAT(r->index_scans(), ElementsAre("c_x_idx", "a_pkey"));
  ASSERT_EQ(r->root().children_size(), 6);
  EXPECT_EQ(r->root().children(1).children(0).index_name(), "c_x_idx");
}

TEST(ParseExplainJsonTest, MalformedJsonIsInternal) {
  absl::StatusOr<v1::ExplainResponse> r = ParseExplainJson(R"([{"Plan": {"Node Type": )");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(r.status().message(), HasSubstr("malformed EXPLAIN JSON"));
}

TEST(ParseExplainJsonTest, WrongShapeIsInternal) {
  for (const char* json : {
           "{}",                                          // not an array
           "[]",                                          // no object
           "[1]",                                         // not an object
           R"([{"Planning Time": 1.0}])",                 // no Plan
           R"([{"Plan": {"Total Cost": 1}}])",            // no Node Type
           R"([{"Plan": {"Node Type": 7}}])",             // wrong type
           R"([{"Plan": {"Node Type": "Result", "Total Cost": "x"}}])",
           R"([{"Plan": {"Node Type": "Result", "Plans": {}}}])",
           "",
       }) {
    absl::StatusOr<v1::ExplainResponse> r = ParseExplainJson(json);
    ASSERT_FALSE(r.ok()) << json;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInternal) << json;
    EXPECT_THAT(r.status().message(), HasSubstr("malformed EXPLAIN JSON")) << json;
  }
}

TEST(ExplainSqlTest, Options) {
  EXPECT_EQ(*ExplainSql("SELECT 1", false, false), "EXPLAIN (FORMAT JSON) SELECT 1");
  EXPECT_EQ(*ExplainSql("SELECT 1", true, false), "EXPLAIN (FORMAT JSON, ANALYZE) SELECT 1");
  EXPECT_EQ(*ExplainSql("SELECT $1", true, true),
            "EXPLAIN (FORMAT JSON, ANALYZE, BUFFERS) SELECT $1");
  absl::StatusOr<std::string> bad = ExplainSql("SELECT 1", false, true);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace hyper::query
