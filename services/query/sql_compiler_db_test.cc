// The compiler's SQL run against the real private PostgreSQL: the catalog
// read from pg_catalog, and every statement kind checked against the rows
// the database holds.
#include <postgresql/libpq-fe.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libs/testing/test_database.h"
#include "services/query/sql_compiler.h"
#include "services/query/test_catalog.h"
#include "services/query/values.h"

namespace hyper::query {
namespace {

using Rows = std::vector<std::vector<std::string>>;  // "NULL" for NULL

class SqlCompilerDbTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto db = testing::TestDatabase::Create();
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = db->release();
    conn_ = PQconnectdb(db_->conninfo().c_str());
    ASSERT_EQ(PQstatus(conn_), CONNECTION_OK) << PQerrorMessage(conn_);
    Exec("SET TimeZone = 'UTC'");
    Exec(kBlogSchemaSql);
    Exec("INSERT INTO teams VALUES (1, 'core'), (2, 'edge')");
    Exec("INSERT INTO users VALUES (1, 'ann', 'ann@x.io', 1, '2026-01-02 03:04:05.5+00'),"
         " (2, 'bob', NULL, 2, NULL), (3, 'cy', 'cy@x.io', NULL, NULL)");
    Exec("INSERT INTO posts (id, title, author_id, editor_id, score, views, published,"
         " price, meta, data) VALUES"
         " (1, '50% off', 1, 2, 9.5, 10, true, 12.50, '{\"a\": 1}', '\\x00ff'),"
         " (2, 'hello world', 1, NULL, 7.0, 3, false, NULL, NULL, NULL),"
         " (3, 'Héllo ünïcode', 2, 1, NULL, 8, true, 0.10, '[]', NULL),"
         " (4, 'under_score', 3, NULL, 1.5, 0, NULL, NULL, NULL, NULL)");
    Rows columns = Query(Catalog::kColumnsSql, {});
    Rows constraints = Query(Catalog::kConstraintsSql, {});
    catalog_ = new Catalog(Catalog::FromRows(columns, constraints));
  }
  static void TearDownTestSuite() {
    delete catalog_;
    PQfinish(conn_);
    delete db_;
  }

  static void Exec(const std::string& sql) {
    PGresult* r = PQexec(conn_, sql.c_str());
    ASSERT_TRUE(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK)
        << sql << ": " << PQerrorMessage(conn_);
    PQclear(r);
  }

  // Runs a statement with text parameters; fails the test on an error.
  static Rows Query(const std::string& sql, const std::vector<v1::Value>& params,
                    std::string* error = nullptr) {
    std::vector<std::optional<std::string>> texts;
    for (const v1::Value& v : params) texts.push_back(ValueToText(v));
    std::vector<const char*> values;
    for (const auto& t : texts) values.push_back(t ? t->c_str() : nullptr);
    PGresult* r = PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()),
                               nullptr, values.data(), nullptr, nullptr, 0);
    Rows rows;
    ExecStatusType status = PQresultStatus(r);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
      if (error != nullptr) {
        *error = PQresultErrorMessage(r);
      } else {
        ADD_FAILURE() << sql << ": " << PQresultErrorMessage(r);
      }
    }
    for (int i = 0; i < PQntuples(r); ++i) {
      std::vector<std::string> row;
      for (int j = 0; j < PQnfields(r); ++j) {
        row.push_back(PQgetisnull(r, i, j) ? "NULL" : PQgetvalue(r, i, j));
      }
      rows.push_back(std::move(row));
    }
    PQclear(r);
    return rows;
  }

  static Rows Run(const SqlStatement& s) { return Query(s.sql, s.params); }

  static Rows RunQuery(const v1::QueryRequest& r) {
    absl::StatusOr<CompiledQuery> q = CompileQuery(*catalog_, r);
    EXPECT_TRUE(q.ok()) << q.status();
    return q.ok() ? Run(q->statement) : Rows();
  }


  static testing::TestDatabase* db_;
  static PGconn* conn_;
  static Catalog* catalog_;
};

testing::TestDatabase* SqlCompilerDbTest::db_ = nullptr;
PGconn* SqlCompilerDbTest::conn_ = nullptr;
Catalog* SqlCompilerDbTest::catalog_ = nullptr;

TEST_F(SqlCompilerDbTest, CatalogIsReadFromPostgres) {
  const ModelInfo* posts = catalog_->Find("posts");
  ASSERT_NE(posts, nullptr);
  EXPECT_EQ(posts->primary_key, std::vector<std::string>{"id"});
  ASSERT_NE(posts->FindForeignKey("author"), nullptr);
  EXPECT_EQ(posts->FindForeignKey("author")->target_model, "users");
  EXPECT_EQ(posts->FindColumn("meta")->type, v1::COLUMN_TYPE_JSON);
  EXPECT_EQ(posts->FindColumn("price")->type, v1::COLUMN_TYPE_NUMERIC);
  EXPECT_FALSE(posts->FindColumn("title")->nullable);
  const ModelInfo* users = catalog_->Find("users");
  ASSERT_NE(users, nullptr);
  EXPECT_NE(users->FindReverse("posts_by_author"), nullptr);
  EXPECT_NE(users->FindReverse("posts_by_editor"), nullptr);
  EXPECT_NE(catalog_->Find("teams")->FindReverse("users"), nullptr);
}

TEST_F(SqlCompilerDbTest, FilterAcrossRelationsOrderAndLimit) {
  v1::QueryRequest r;
  r.set_model("posts");
  r.add_values("id");
  r.add_values("author__team__name");
  *r.mutable_filter() = Cond("author__team__name", v1::EXACT, Text("core"));
  r.add_order_by()->set_field("id");
  r.mutable_order_by(0)->set_descending(true);
  EXPECT_EQ(RunQuery(r), (Rows{{"2", "core"}, {"1", "core"}}));
  r.set_limit(1);
  EXPECT_EQ(RunQuery(r), (Rows{{"2", "core"}}));
  r.set_offset(1);
  EXPECT_EQ(RunQuery(r), (Rows{{"1", "core"}}));
}

TEST_F(SqlCompilerDbTest, LikeLookupsEscapeWildcardsAndHandleUnicode) {
  v1::QueryRequest r;
  r.set_model("posts");
  r.add_values("id");
  r.add_order_by()->set_field("id");
  *r.mutable_filter() = Cond("title", v1::CONTAINS, Text("%"));
  EXPECT_EQ(RunQuery(r), (Rows{{"1"}}));  // only the literal '%'
  *r.mutable_filter() = Cond("title", v1::CONTAINS, Text("_"));
  EXPECT_EQ(RunQuery(r), (Rows{{"4"}}));
  *r.mutable_filter() = Cond("title", v1::ICONTAINS, Text("HÉLLO"));
  EXPECT_EQ(RunQuery(r), (Rows{{"3"}}));
  *r.mutable_filter() = Cond("title", v1::STARTSWITH, Text("hello"));
  EXPECT_EQ(RunQuery(r), (Rows{{"2"}}));
}

TEST_F(SqlCompilerDbTest, InRangeIsNullAndNot) {
  v1::QueryRequest r;
  r.set_model("posts");
  r.add_values("id");
  r.add_order_by()->set_field("id");
  v1::Filter in;
  in.mutable_condition()->set_field("id");
  in.mutable_condition()->set_lookup(v1::IN);
  for (int id : {4, 2, 99}) *in.mutable_condition()->add_values() = Int(id);
  *r.mutable_filter() = in;
  EXPECT_EQ(RunQuery(r), (Rows{{"2"}, {"4"}}));
  *r.mutable_filter()->mutable_not_() = in;
  EXPECT_EQ(RunQuery(r), (Rows{{"1"}, {"3"}}));
  v1::Filter range;
  range.mutable_condition()->set_field("views");
  range.mutable_condition()->set_lookup(v1::RANGE);
  *range.mutable_condition()->add_values() = Int(3);
  *range.mutable_condition()->add_values() = Int(8);
  *r.mutable_filter() = range;
  EXPECT_EQ(RunQuery(r), (Rows{{"2"}, {"3"}}));
  v1::Value yes;
  yes.set_bool_value(true);
  *r.mutable_filter() = Cond("author__team", v1::ISNULL, yes);  // cy has no team
  EXPECT_EQ(RunQuery(r), (Rows{{"4"}}));
}

TEST_F(SqlCompilerDbTest, KeysetPaginationVisitsEveryRowOnce) {
  v1::QueryRequest r;
  r.set_model("posts");
  r.add_values("id");
  r.add_order_by()->set_field("views");
  r.mutable_order_by(0)->set_descending(true);
  r.add_order_by()->set_field("id");
  r.set_limit(2);
  std::vector<std::string> seen;
  for (int page = 0; page < 5; ++page) {
    absl::StatusOr<CompiledQuery> q = CompileQuery(*catalog_, r);
    ASSERT_TRUE(q.ok()) << q.status();
    Rows rows = Run(q->statement);
    for (const auto& row : rows) seen.push_back(row[0]);
    if (rows.size() < 2) break;
    r.clear_after();
    for (size_t pos : q->cursor_positions) {
      *r.add_after() = TextToValue(rows.back()[pos], v1::COLUMN_TYPE_INT);
    }
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"1", "3", "2", "4"}));
}

TEST_F(SqlCompilerDbTest, SelectRelatedAndPrefetch) {
  v1::QueryRequest r;
  r.set_model("posts");
  r.add_select_related("author__team");
  *r.mutable_filter() = Cond("id", v1::EXACT, Int(4));
  absl::StatusOr<CompiledQuery> q = CompileQuery(*catalog_, r);
  ASSERT_TRUE(q.ok()) << q.status();
  Rows rows = Run(q->statement);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][q->related[0].first + 1], "cy");     // author.name
  EXPECT_EQ(rows[0][q->related[1].first], "NULL");       // no team

  v1::QueryRequest users;
  users.set_model("users");
  users.add_prefetch_related("posts_by_author");
  absl::StatusOr<CompiledQuery> parents = CompileQuery(*catalog_, users);
  ASSERT_TRUE(parents.ok()) << parents.status();
  std::vector<v1::Value> keys;
  for (const auto& row : Run(parents->statement)) {
    keys.push_back(TextToValue(row[parents->prefetch[0].parent_key_position],
                               v1::COLUMN_TYPE_INT));
  }
  ASSERT_EQ(keys.size(), 3u);
  Rows children = Run(CompilePrefetch(parents->prefetch[0], keys));
  std::vector<std::string> pairs;
  for (const auto& c : children) {
    pairs.push_back(absl::StrCat(c[parents->prefetch[0].child_column_position], ":", c[0]));
  }
  EXPECT_EQ(pairs, (std::vector<std::string>{"1:1", "1:2", "2:3", "3:4"}));
}

TEST_F(SqlCompilerDbTest, CountExistsMatchTheDatabase) {
  v1::CountRequest c;
  c.set_model("posts");
  *c.mutable_filter() = Cond("author__name", v1::EXACT, Text("ann"));
  absl::StatusOr<SqlStatement> count = CompileCount(*catalog_, c);
  ASSERT_TRUE(count.ok()) << count.status();
  EXPECT_EQ(Run(*count), (Rows{{"2"}}));
  v1::ExistsRequest e;
  e.set_model("posts");
  *e.mutable_filter() = Cond("views", v1::GT, Int(100));
  absl::StatusOr<SqlStatement> exists = CompileExists(*catalog_, e);
  ASSERT_TRUE(exists.ok());
  EXPECT_TRUE(Run(*exists).empty());
}

TEST_F(SqlCompilerDbTest, WritesUpdateDeleteAndBulkCreate) {
  Exec("BEGIN");
  v1::UpdateRequest u;
  u.set_model("posts");
  *u.mutable_filter() = Cond("author__name", v1::EXACT, Text("ann"));
  v1::Assignment* a = u.add_set();
  a->set_field("views");
  a->mutable_expression()->set_field("views");
  a->mutable_expression()->set_op(v1::MULTIPLY);
  *a->mutable_expression()->mutable_value() = Int(2);
  absl::StatusOr<CompiledWrite> update = CompileUpdate(*catalog_, u);
  ASSERT_TRUE(update.ok()) << update.status();
  Run(update->statement);
  EXPECT_EQ(Query("SELECT views FROM posts WHERE author_id = 1 ORDER BY id", {}),
            (Rows{{"20"}, {"6"}}));

  v1::BulkCreateRequest b;
  b.set_model("teams");
  b.add_fields("id");
  b.add_fields("name");
  for (int i = 10; i < 1510; ++i) {
    v1::Row* row = b.add_rows();
    *row->add_values() = Int(i);
    *row->add_values() = Text("'; DROP TABLE teams; --");
  }
  absl::StatusOr<std::vector<CompiledWrite>> inserts = CompileBulkCreate(*catalog_, b);
  ASSERT_TRUE(inserts.ok()) << inserts.status();
  size_t returned = 0;
  for (const CompiledWrite& w : *inserts) returned += Run(w.statement).size();
  EXPECT_EQ(returned, 1500u);
  EXPECT_EQ(Query("SELECT count(*) FROM teams WHERE name = $1",
                  {Text("'; DROP TABLE teams; --")}),
            (Rows{{"1500"}}));

  v1::DeleteRequest d;
  d.set_model("teams");
  *d.mutable_filter() = Cond("id", v1::GTE, Int(10));
  absl::StatusOr<SqlStatement> del = CompileDelete(*catalog_, d);
  ASSERT_TRUE(del.ok());
  Run(*del);
  EXPECT_EQ(Query("SELECT count(*) FROM teams", {}), (Rows{{"2"}}));
  Exec("ROLLBACK");
}

TEST_F(SqlCompilerDbTest, TypedValuesRoundTrip) {
  v1::QueryRequest r;
  r.set_model("users");
  r.add_values("created");
  v1::Value when;
  when.set_timestamp_micros(1767323045500000);  // 2026-01-02 03:04:05.5 UTC
  *r.mutable_filter() = Cond("created", v1::EXACT, when);
  Rows rows = RunQuery(r);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(TextToValue(rows[0][0], v1::COLUMN_TYPE_TIMESTAMP).timestamp_micros(),
            1767323045500000);

  v1::QueryRequest p;
  p.set_model("posts");
  p.add_values("price");
  p.add_values("meta");
  p.add_values("data");
  *p.mutable_filter() = Cond("id", v1::EXACT, Int(1));
  Rows prow = RunQuery(p);
  ASSERT_EQ(prow.size(), 1u);
  EXPECT_EQ(TextToValue(prow[0][0], v1::COLUMN_TYPE_NUMERIC).numeric_value(), "12.50");
  EXPECT_EQ(TextToValue(prow[0][1], v1::COLUMN_TYPE_JSON).json_value(), "{\"a\": 1}");
  EXPECT_EQ(TextToValue(prow[0][2], v1::COLUMN_TYPE_BYTES).bytes_value(),
            std::string("\x00\xff", 2));
}

}  // namespace
}  // namespace hyper::query
