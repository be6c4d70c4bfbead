#include "libs/testing/test_database.h"

#include <postgresql/libpq-fe.h>

#include <memory>
#include <string>

#include "gtest/gtest.h"

namespace hyper::testing {
namespace {

// Runs `sql` and returns the first column of the first row, or "<error>".
std::string QueryOne(const std::string& conninfo, const std::string& sql) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  std::string out = "<error>";
  if (PQstatus(conn) == CONNECTION_OK) {
    PGresult* result = PQexec(conn, sql.c_str());
    if (PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) > 0) {
      out = PQgetvalue(result, 0, 0);
    } else if (PQresultStatus(result) == PGRES_COMMAND_OK) {
      out = "<ok>";
    }
    PQclear(result);
  }
  PQfinish(conn);
  return out;
}

TEST(DatabaseNameForTest, SanitizesTargetLabels) {
  EXPECT_EQ(DatabaseNameFor("//libs/testing:test_database_test", 42, "abc"),
            "hyper_test_libs_testing_test_database_test_42_abc");
  EXPECT_EQ(DatabaseNameFor("//A-B/C.d:E", 7, "0f"), "hyper_test_a_b_c_d_e_7_0f");
}

TEST(DatabaseNameForTest, FitsPostgresIdentifierLimitKeepingTheTail) {
  std::string name = DatabaseNameFor(std::string(200, 'x') + "_end", 123456,
                                     "abcdef");
  EXPECT_EQ(name.size(), 63u);
  EXPECT_EQ(name.substr(0, 11), "hyper_test_");
  EXPECT_EQ(name.substr(name.size() - 22), "xxxx_end_123456_abcdef");
}

TEST(TestDatabaseTest, CreatesAnEmptyUsableDatabaseAndDropsIt) {
  std::string name;
  std::string admin;
  {
    absl::StatusOr<std::unique_ptr<TestDatabase>> db = TestDatabase::Create();
    ASSERT_TRUE(db.ok()) << db.status();
    name = (*db)->name();
    admin = (*db)->admin_conninfo();
    EXPECT_EQ(name.rfind("hyper_test_", 0), 0u) << name;

    EXPECT_EQ(QueryOne((*db)->conninfo(), "SELECT current_database()"), name);
    EXPECT_EQ(QueryOne((*db)->url(), "SELECT current_database()"), name);
    EXPECT_EQ(QueryOne((*db)->conninfo(),
                       "SELECT count(*) FROM pg_tables WHERE schemaname = "
                       "'public'"),
              "0");
    EXPECT_EQ(QueryOne((*db)->conninfo(),
                       "CREATE TABLE t (id int primary key, v text)"),
              "<ok>");
    EXPECT_EQ(QueryOne((*db)->conninfo(), "INSERT INTO t VALUES (1, 'a')"),
              "<ok>");
    EXPECT_EQ(QueryOne((*db)->conninfo(), "SELECT v FROM t WHERE id = 1"), "a");
    EXPECT_EQ(QueryOne(admin, "SELECT count(*) FROM pg_database WHERE datname = '" +
                                  name + "'"),
              "1");
  }
  EXPECT_EQ(QueryOne(admin, "SELECT count(*) FROM pg_database WHERE datname = '" +
                                name + "'"),
            "0");
}

TEST(TestDatabaseTest, TwoDatabasesAreIndependent) {
  absl::StatusOr<std::unique_ptr<TestDatabase>> a = TestDatabase::Create();
  absl::StatusOr<std::unique_ptr<TestDatabase>> b = TestDatabase::Create();
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_NE((*a)->name(), (*b)->name());
  EXPECT_EQ(QueryOne((*a)->conninfo(), "CREATE TABLE only_in_a (x int)"), "<ok>");
  EXPECT_EQ(QueryOne((*b)->conninfo(), "SELECT to_regclass('only_in_a') IS NULL"),
            "t");
}

}  // namespace
}  // namespace hyper::testing
