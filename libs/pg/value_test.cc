#include "libs/pg/value.h"

#include <limits>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libs/pg/connection.h"
#include "libs/testing/test_database.h"

namespace hyper::pg {
namespace {

TEST(ValueTest, ToParam) {
  EXPECT_EQ(Value::Int64(-42).ToParam(), "-42");
  EXPECT_EQ(Value::Null().ToParam(), std::nullopt);
  EXPECT_EQ(Value::Bool(true).ToParam(), "t");
  EXPECT_EQ(Value::Double(0.1).ToParam(), "0.1");
  EXPECT_EQ(Value::Double(-std::numeric_limits<double>::infinity()).ToParam(),
            "-Infinity");
  EXPECT_EQ(Value::Bytes(std::string("a\0b", 3)).ToParam(), "\\x610062");
  EXPECT_EQ(Value::Timestamp(1500000).ToParam(), "1970-01-01 00:00:01.500000+00");
  EXPECT_EQ(Value::Timestamp(-1).ToParam(), "1969-12-31 23:59:59.999999+00");
}

TEST(ValueTest, ParseTimestamp) {
  EXPECT_EQ(ParseTimestampMicros("1970-01-01 00:00:01+00"), 1000000);
  EXPECT_EQ(ParseTimestampMicros("1970-01-01 02:00:00.5+02"), 500000);
  EXPECT_EQ(ParseTimestampMicros("1970-01-01 05:30:00+05:30"), 0);
  EXPECT_EQ(ParseTimestampMicros("2024-02-29 12:00:00.123456"),
            int64_t{1709208000123456});
  EXPECT_EQ(ParseTimestampMicros("infinity"), std::nullopt);
  EXPECT_EQ(ParseTimestampMicros("2024-02-30 00:00:00"), std::nullopt);
}

TEST(ValueTest, FromCellFallsBackToText) {
  EXPECT_EQ(Value::FromCell(kInt4Oid, "7"), Value::Int64(7));
  EXPECT_EQ(Value::FromCell(kTimestampOid, "infinity"), Value::Text("infinity"));
  EXPECT_EQ(Value::FromCell(2950, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11").kind(),
            ValueKind::kText);
  EXPECT_EQ(ColumnTypeName(kJsonbOid), "jsonb");
  EXPECT_EQ(ColumnTypeName(99999), "oid:99999");
}

class ValueDbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = hyper::testing::TestDatabase::Create();
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    auto conn = Connection::Connect(db_->conninfo());
    ASSERT_TRUE(conn.ok()) << conn.status();
    conn_ = *std::move(conn);
  }
  std::unique_ptr<hyper::testing::TestDatabase> db_;
  std::unique_ptr<Connection> conn_;
};

TEST_F(ValueDbTest, EveryTypeRoundTripsThroughATable) {
  ASSERT_TRUE(conn_->Exec(
      "CREATE TABLE t (i2 int2, i4 int4, i8 int8, f4 float4, f8 float8, "
      "b bool, tx text, vc varchar(20), bp char(3), by bytea, ts timestamp, "
      "tz timestamptz, n numeric, j json, jb jsonb)").ok());
  std::string bytes("\0\x01\xff\\x'\"", 7);
  std::vector<Value> row = {
      Value::Int64(-32768),
      Value::Int64(2147483647),
      Value::Int64(std::numeric_limits<int64_t>::min()),
      Value::Double(1.5),
      Value::Double(0.1),
      Value::Bool(false),
      Value::Text("héllo, 世界 🎉 'quoted' \\ \t\n"),
      Value::Text("varchar"),
      Value::Text("ab "),
      Value::Bytes(bytes),
      Value::Timestamp(1700000000123456),
      Value::Timestamp(-123456789),
      Value::Numeric("12345678901234567890.000000000001"),
      Value::Json("{\"a\": [1, 2]}"),
      Value::Json("{\"a\": [1, 2]}"),
  };
  absl::StatusOr<Result> ins = conn_->Exec(
      "INSERT INTO t VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)",
      row);
  ASSERT_TRUE(ins.ok()) << ins.status();
  EXPECT_EQ(ins->rows_affected, 1);
  ASSERT_TRUE(conn_->Exec("INSERT INTO t DEFAULT VALUES").ok());

  absl::StatusOr<Result> r = conn_->Exec("SELECT * FROM t ORDER BY i2 NULLS LAST");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->rows.size(), 2u);
  for (size_t c = 0; c < row.size(); ++c) {
    EXPECT_EQ(r->rows[0][c], row[c])
        << r->column_names[c] << ": " << r->rows[0][c].DebugString() << " vs "
        << row[c].DebugString();
    EXPECT_TRUE(r->rows[1][c].is_null()) << r->column_names[c];
  }
  EXPECT_EQ(ColumnTypeName(r->column_types[11]), "timestamptz");
  EXPECT_EQ(ColumnTypeName(r->column_types[14]), "jsonb");
}

TEST_F(ValueDbTest, UntypedSelectsComeBackTyped) {
  absl::StatusOr<Result> r = conn_->Exec(
      "SELECT $1 AS i, $2 AS d, $3 AS b, $4 AS s, $5 AS n, 'NaN'::float8 AS nan",
      {Value::Int64(5), Value::Double(2.25), Value::Bool(true), Value::Null(),
       Value::Text("x")});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->rows[0][0], Value::Int64(5));
  EXPECT_EQ(r->rows[0][1], Value::Double(2.25));
  EXPECT_EQ(r->rows[0][2], Value::Bool(true));
  EXPECT_TRUE(r->rows[0][3].is_null());
  EXPECT_EQ(r->rows[0][4], Value::Text("x"));
  EXPECT_EQ(r->rows[0][5].kind(), ValueKind::kDouble);
  EXPECT_EQ(r->ColumnIndex("nan"), 5);
}

TEST_F(ValueDbTest, InjectionInParametersIsHarmless) {
  ASSERT_TRUE(conn_->Exec("CREATE TABLE users (name text)").ok());
  const std::string evil[] = {"'; DROP TABLE users; --",
                              "x' OR '1'='1",
                              "\\'; DELETE FROM users; --",
                              "$1; SELECT pg_sleep(10)"};
  for (const std::string& e : evil) {
    ASSERT_TRUE(conn_->Exec("INSERT INTO users VALUES ($1)", {Value::Text(e)}).ok());
  }
  absl::StatusOr<Result> r = conn_->Exec(
      "SELECT count(*) FROM users WHERE name = $1", {Value::Text("x' OR '1'='1")});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->rows[0][0], Value::Int64(1));
  r = conn_->Exec("SELECT name FROM users ORDER BY name");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->rows.size(), 4u);
}

TEST(CopyTextTest, EscapesTheFourSpecialBytesAndWritesNullAsBackslashN) {
  EXPECT_EQ(CopyTextField(Value::Text("a\tb\nc\rd\\e")), "a\\tb\\nc\\rd\\\\e");
  EXPECT_EQ(CopyTextField(Value::Text("\\N")), "\\\\N");  // text, not NULL
  EXPECT_EQ(CopyTextField(Value::Null()), "\\N");
  EXPECT_EQ(CopyTextField(Value::Text("")), "");
  EXPECT_EQ(CopyTextField(Value::Text("\t")), "\\t");
  EXPECT_EQ(CopyTextField(Value::Text("plain ünï")), "plain ünï");
  EXPECT_EQ(CopyTextField(Value::Int64(-42)), "-42");
  EXPECT_EQ(CopyTextField(Value::Bool(true)), "t");
  EXPECT_EQ(CopyTextField(Value::Double(0.1)), "0.1");
  EXPECT_EQ(CopyTextField(Value::Bytes(std::string("\0\xff", 2))), "\\\\x00ff");
  EXPECT_EQ(CopyTextField(Value::Timestamp(0)), "1970-01-01 00:00:00.000000+00");
  std::string out = "x\t";
  AppendCopyText("\n\n", &out);
  EXPECT_EQ(out, "x\t\\n\\n");
}

}  // namespace
}  // namespace hyper::pg
