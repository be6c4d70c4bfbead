#include "services/query/sql_compiler.h"

#include <string>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/query/test_catalog.h"

namespace hyper::query {
namespace {



class SqlCompilerTest : public ::testing::Test {
 protected:
  Catalog catalog_ = BlogCatalog();
};

TEST_F(SqlCompilerTest, DocumentedExample) {
  v1::QueryRequest r;
  r.set_model("posts");
  *r.mutable_filter() = Cond("author__name", v1::ICONTAINS, Text("ann"));
  r.add_order_by()->set_field("score");
  r.mutable_order_by(0)->set_descending(true);
  r.set_limit(10);
  absl::StatusOr<CompiledQuery> q = CompileQuery(catalog_, r);
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->statement.sql,
            "SELECT t0.\"id\", t0.\"title\", t0.\"author_id\", t0.\"editor_id\", "
            "t0.\"score\", t0.\"views\", t0.\"published\", t0.\"price\", t0.\"meta\", "
            "t0.\"data\" FROM \"public\".\"posts\" AS t0 LEFT JOIN \"public\".\"users\" "
            "AS t1 ON t1.\"id\" = t0.\"author_id\" WHERE (t1.\"name\" ILIKE $1) ORDER "
            "BY t0.\"score\" DESC LIMIT $2");
  ASSERT_EQ(q->statement.params.size(), 2u);
  EXPECT_EQ(q->statement.params[0].text_value(), "%ann%");
  EXPECT_EQ(q->statement.params[1].int_value(), 10);
  EXPECT_EQ(q->cursor_positions, std::vector<size_t>{4});
  EXPECT_EQ(q->columns.size(), 10u);
}

TEST_F(SqlCompilerTest, BooleanTreeAndEveryLookup) {
  v1::QueryRequest r;
  r.set_model("posts");
  v1::FilterList* all = r.mutable_filter()->mutable_all();
  *all->add_filters() = Cond("views", v1::GTE, Int(5));
  v1::FilterList* any = all->add_filters()->mutable_any();
  *any->add_filters() = Cond("title", v1::STARTSWITH, Text("50%_off\\"));
  v1::Filter isnull = Cond("score", v1::ISNULL, v1::Value());
  isnull.mutable_condition()->mutable_value()->set_bool_value(true);
  *any->add_filters() = isnull;
  v1::Filter in;
  in.mutable_condition()->set_field("id");
  in.mutable_condition()->set_lookup(v1::IN);
  *in.mutable_condition()->add_values() = Int(1);
  *in.mutable_condition()->add_values() = Int(2);
  *all->add_filters()->mutable_not_() = in;
  v1::Filter range;
  range.mutable_condition()->set_field("views");
  range.mutable_condition()->set_lookup(v1::RANGE);
  *range.mutable_condition()->add_values() = Int(1);
  *range.mutable_condition()->add_values() = Int(9);
  *all->add_filters() = range;
  r.add_values("id");
  absl::StatusOr<CompiledQuery> q = CompileQuery(catalog_, r);
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_TRUE(absl::StrContains(
      q->statement.sql,
      "WHERE ((t0.\"views\" >= $1) AND ((t0.\"title\" LIKE $2) OR (t0.\"score\" IS NULL)) "
      "AND (NOT (t0.\"id\" = ANY($3::\"int8\"[]))) AND (t0.\"views\" BETWEEN $4 AND $5))"))
      << q->statement.sql;
  EXPECT_EQ(q->statement.params[1].text_value(), "50\\%\\_off\\\\%");
  EXPECT_EQ(q->statement.params[2].text_value(), "{\"1\",\"2\"}");
}

TEST_F(SqlCompilerTest, EmptyInMatchesNothingAndExactNullIsIsNull) {
  v1::QueryRequest r;
  r.set_model("users");
  v1::FilterList* all = r.mutable_filter()->mutable_all();
  v1::Filter in;
  in.mutable_condition()->set_field("id");
  in.mutable_condition()->set_lookup(v1::IN);
  *all->add_filters() = in;
  v1::Value null;
  null.set_null(true);
  *all->add_filters() = Cond("email", v1::EXACT, null);
  absl::StatusOr<CompiledQuery> q = CompileQuery(catalog_, r);
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_TRUE(absl::StrContains(q->statement.sql,
                                "WHERE ((FALSE) AND (t0.\"email\" IS NULL))"))
      << q->statement.sql;
}

TEST_F(SqlCompilerTest, SelectRelatedChainsJoinsOnceAndBlocksEachLevel) {
  v1::QueryRequest r;
  r.set_model("posts");
  r.add_select_related("author__team");
  r.add_select_related("author");
  *r.mutable_filter() = Cond("author__team__name", v1::EXACT, Text("core"));
  absl::StatusOr<CompiledQuery> q = CompileQuery(catalog_, r);
  ASSERT_TRUE(q.ok()) << q.status();
  ASSERT_EQ(q->related.size(), 2u);
  EXPECT_EQ(q->related[0].path, "author");
  EXPECT_EQ(q->related[0].first, 10u);
  EXPECT_EQ(q->related[0].columns.size(), 5u);
  EXPECT_EQ(q->related[1].path, "author__team");
  EXPECT_EQ(q->related[1].first, 15u);
  EXPECT_EQ(q->row_width, 17u);
  // One join per path, reused by the filter.
  EXPECT_TRUE(absl::StrContains(
      q->statement.sql,
      "LEFT JOIN \"public\".\"users\" AS t1 ON t1.\"id\" = t0.\"author_id\" LEFT JOIN "
      "\"public\".\"teams\" AS t2 ON t2.\"id\" = t1.\"team_id\" WHERE (t2.\"name\" = $1)"))
      << q->statement.sql;
  // What the query cache keys the result by: every table the SQL reads.
  EXPECT_THAT(q->statement.reads, ::testing::ElementsAre("posts", "users", "teams"));
}

TEST_F(SqlCompilerTest, KeysetPaginationAfterCursor) {
  v1::QueryRequest r;
  r.set_model("posts");
  r.add_values("title");
  r.add_order_by()->set_field("views");
  r.mutable_order_by(0)->set_descending(true);
  r.add_order_by()->set_field("id");
  *r.add_after() = Int(50);
  *r.add_after() = Int(7);
  r.set_limit(20);
  absl::StatusOr<CompiledQuery> q = CompileQuery(catalog_, r);
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->statement.sql,
            "SELECT t0.\"title\", t0.\"views\", t0.\"id\" FROM \"public\".\"posts\" AS t0 "
            "WHERE ((t0.\"views\" < $1) OR (t0.\"views\" = $1 AND t0.\"id\" > $2)) "
            "ORDER BY t0.\"views\" DESC, t0.\"id\" ASC LIMIT $3");
  // Hidden cursor columns come after the visible one.
  EXPECT_EQ(q->columns.size(), 1u);
  EXPECT_EQ(q->cursor_positions, (std::vector<size_t>{1, 2}));
  EXPECT_EQ(q->row_width, 3u);
}

TEST_F(SqlCompilerTest, PrefetchUsesOneArrayParameter) {
  v1::QueryRequest r;
  r.set_model("users");
  r.add_values("name");
  r.add_prefetch_related("posts_by_author");
  absl::StatusOr<CompiledQuery> q = CompileQuery(catalog_, r);
  ASSERT_TRUE(q.ok()) << q.status();
  ASSERT_EQ(q->prefetch.size(), 1u);
  const PrefetchPlan& plan = q->prefetch[0];
  EXPECT_EQ(plan.child_column, "author_id");
  EXPECT_EQ(plan.child_column_position, 2u);
  EXPECT_EQ(plan.parent_key_position, 1u);  // hidden users.id
  EXPECT_THAT(q->statement.reads, ::testing::ElementsAre("users", "posts"));
  std::vector<v1::Value> keys;
  for (int i = 1; i <= 500; ++i) keys.push_back(Int(i));
  SqlStatement s = CompilePrefetch(plan, keys);
  EXPECT_TRUE(absl::StrContains(
      s.sql, "FROM \"public\".\"posts\" AS t0 WHERE t0.\"author_id\" = ANY($1::\"int8\"[]) "
             "ORDER BY t0.\"author_id\", t0.\"id\""))
      << s.sql;
  EXPECT_EQ(s.params.size(), 1u);
}

TEST_F(SqlCompilerTest, UnknownNamesAreInvalidArgumentNamingThem) {
  auto error_of = [&](v1::QueryRequest r) {
    absl::StatusOr<CompiledQuery> q = CompileQuery(catalog_, r);
    EXPECT_EQ(q.status().code(), absl::StatusCode::kInvalidArgument);
    return std::string(q.status().message());
  };
  v1::QueryRequest r;
  r.set_model("nope");
  EXPECT_EQ(error_of(r), "unknown model 'nope'");
  r.set_model("posts");
  *r.mutable_filter() = Cond("bogus", v1::EXACT, Int(1));
  EXPECT_EQ(error_of(r), "filter: unknown field 'bogus' on model 'posts'");
  *r.mutable_filter() = Cond("author__nope__x", v1::EXACT, Int(1));
  EXPECT_EQ(error_of(r), "filter: unknown relation 'nope' on model 'users'");
  r.clear_filter();
  r.add_select_related("team");
  EXPECT_EQ(error_of(r), "select_related: unknown relation 'team' on model 'posts'");
  r.clear_select_related();
  r.add_prefetch_related("comments");
  EXPECT_EQ(error_of(r),
            "prefetch_related: unknown reverse relation 'comments' on model 'posts'");
}

TEST_F(SqlCompilerTest, InjectionInNamesIsRefusedAndInValuesIsAParameter) {
  v1::QueryRequest r;
  r.set_model("posts\"; DROP TABLE users; --");
  EXPECT_EQ(CompileQuery(catalog_, r).status().code(), absl::StatusCode::kInvalidArgument);
  r.set_model("posts");
  *r.mutable_filter() = Cond("title\" OR 1=1 --", v1::EXACT, Text("x"));
  EXPECT_EQ(CompileQuery(catalog_, r).status().code(), absl::StatusCode::kInvalidArgument);
  *r.mutable_filter() = Cond("title", v1::EXACT, Text("'; DROP TABLE users; --"));
  absl::StatusOr<CompiledQuery> q = CompileQuery(catalog_, r);
  ASSERT_TRUE(q.ok());
  EXPECT_FALSE(absl::StrContains(q->statement.sql, "DROP")) << q->statement.sql;
  EXPECT_EQ(q->statement.params[0].text_value(), "'; DROP TABLE users; --");
}

TEST_F(SqlCompilerTest, ValueTypesAreChecked) {
  v1::QueryRequest r;
  r.set_model("posts");
  *r.mutable_filter() = Cond("views", v1::EXACT, Text("ten"));
  absl::StatusOr<CompiledQuery> q = CompileQuery(catalog_, r);
  EXPECT_EQ(q.status().message(), "filter: field 'views' is int, got text_value");
  *r.mutable_filter() = Cond("views", v1::CONTAINS, Text("1"));
  EXPECT_EQ(CompileQuery(catalog_, r).status().message(),
            "filter: field 'views' is int; contains/startswith need text");
}

TEST_F(SqlCompilerTest, CountAndExists) {
  v1::CountRequest c;
  c.set_model("posts");
  *c.mutable_filter() = Cond("published", v1::EXACT, v1::Value());
  c.mutable_filter()->mutable_condition()->mutable_value()->set_bool_value(true);
  absl::StatusOr<SqlStatement> count = CompileCount(catalog_, c);
  ASSERT_TRUE(count.ok()) << count.status();
  EXPECT_EQ(count->sql,
            "SELECT COUNT(*) FROM \"public\".\"posts\" AS t0 WHERE t0.\"published\" = $1");
  v1::ExistsRequest e;
  e.set_model("users");
  absl::StatusOr<SqlStatement> exists = CompileExists(catalog_, e);
  ASSERT_TRUE(exists.ok());
  EXPECT_EQ(exists->sql, "SELECT 1 FROM \"public\".\"users\" AS t0 LIMIT 1");
  EXPECT_THAT(count->reads, ::testing::ElementsAre("posts"));
  EXPECT_THAT(exists->reads, ::testing::ElementsAre("users"));
  c.set_model("posts");
  *c.mutable_filter() = Cond("author__team__name", v1::EXACT, Text("core"));
  EXPECT_THAT(CompileCount(catalog_, c)->reads,
              ::testing::ElementsAre("posts", "users", "teams"));
}

TEST_F(SqlCompilerTest, UpdateWithFExpressionAndReturning) {
  v1::UpdateRequest u;
  u.set_model("posts");
  *u.mutable_filter() = Cond("id", v1::EXACT, Int(3));
  v1::Assignment* a = u.add_set();
  a->set_field("views");
  a->mutable_expression()->set_field("views");
  a->mutable_expression()->set_op(v1::ADD);
  *a->mutable_expression()->mutable_value() = Int(1);
  u.add_returning("views");
  absl::StatusOr<CompiledWrite> w = CompileUpdate(catalog_, u);
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_EQ(w->statement.sql,
            "UPDATE \"public\".\"posts\" AS t0 SET \"views\" = \"views\" + $1 WHERE "
            "t0.\"id\" = $2 RETURNING \"views\"");
  ASSERT_EQ(w->returning.size(), 1u);
}

TEST_F(SqlCompilerTest, UpdateAcrossRelationsUsesAKeySubquery) {
  v1::UpdateRequest u;
  u.set_model("posts");
  *u.mutable_filter() = Cond("author__name", v1::EXACT, Text("ann"));
  v1::Assignment* a = u.add_set();
  a->set_field("published");
  a->mutable_value()->set_bool_value(false);
  absl::StatusOr<CompiledWrite> w = CompileUpdate(catalog_, u);
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_EQ(w->statement.sql,
            "UPDATE \"public\".\"posts\" AS w SET \"published\" = $1 WHERE (w.\"id\") IN "
            "(SELECT t0.\"id\" FROM \"public\".\"posts\" AS t0 LEFT JOIN \"public\".\"users\" "
            "AS t1 ON t1.\"id\" = t0.\"author_id\" WHERE t1.\"name\" = $2)");
}

TEST_F(SqlCompilerTest, WritesWithoutFilterNeedAllRows) {
  v1::DeleteRequest d;
  d.set_model("posts");
  EXPECT_EQ(CompileDelete(catalog_, d).status().message(),
            "filter: required; set all_rows to delete every row");
  d.set_all_rows(true);
  absl::StatusOr<SqlStatement> all = CompileDelete(catalog_, d);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->sql, "DELETE FROM \"public\".\"posts\" AS t0");
}

TEST_F(SqlCompilerTest, BulkCreateSplitsUnderTheParameterLimit) {
  v1::BulkCreateRequest b;
  b.set_model("teams");
  b.add_fields("id");
  b.add_fields("name");
  for (int i = 0; i < 2500; ++i) {
    v1::Row* row = b.add_rows();
    *row->add_values() = Int(i);
    *row->add_values() = Text("t");
  }
  absl::StatusOr<std::vector<CompiledWrite>> batches = CompileBulkCreate(catalog_, b);
  ASSERT_TRUE(batches.ok()) << batches.status();
  ASSERT_EQ(batches->size(), 3u);  // 1,000 rows per batch at most
  EXPECT_EQ((*batches)[0].statement.params.size(), 2000u);
  EXPECT_EQ((*batches)[2].statement.params.size(), 1000u);
  EXPECT_TRUE(absl::StrContains((*batches)[0].statement.sql, "RETURNING \"id\""));
  b.mutable_rows(7)->clear_values();
  EXPECT_EQ(CompileBulkCreate(catalog_, b).status().message(),
            "rows[7]: has 0 values for 2 fields");
}

TEST(ArrayLiteralTest, QuotesAndNulls) {
  v1::Value null;
  null.set_null(true);
  EXPECT_EQ(ArrayLiteral({Text("a\"b\\c"), null, Int(3)}), "{\"a\\\"b\\\\c\",NULL,\"3\"}");
}

}  // namespace
}  // namespace hyper::query
