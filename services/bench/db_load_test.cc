// The db load suites against the real query service binary (run as a
// process, not linked) on a real PostgreSQL database.
#include "services/bench/db_load.h"

#include <postgresql/libpq-fe.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libs/testing/service_process.h"
#include "libs/testing/test_database.h"

namespace hyper::bench {
namespace {

std::string Scalar(const std::string& conninfo, const std::string& sql) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  PGresult* r = PQexec(conn, sql.c_str());
  std::string out = PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : PQresultErrorMessage(r);
  PQclear(r);
  PQfinish(conn);
  return out;
}

class DbLoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = testing::TestDatabase::Create();
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    Scalar(db_->conninfo(),
           "CREATE TABLE pgbench_accounts (aid int4 PRIMARY KEY, abalance int4 NOT NULL);"
           "INSERT INTO pgbench_accounts SELECT g, 0 FROM generate_series(1, 1000) g;"
           "CREATE TABLE bench_copy (id int8, payload text);");
    auto query = testing::ServiceProcess::Start(
        "services/query/query",
        {"--host=127.0.0.1", "--port=0", absl::StrCat("--database=", db_->url())});
    ASSERT_TRUE(query.ok()) << query.status();
    query_ = std::move(*query);
    absl::StatusOr<int> port = query_->WaitForPort("grpc");
    ASSERT_TRUE(port.ok()) << port.status();
    address_ = absl::StrCat("127.0.0.1:", *port);
  }

  std::unique_ptr<testing::TestDatabase> db_;
  std::unique_ptr<testing::ServiceProcess> query_;
  std::string address_;
};

TEST_F(DbLoadTest, PkAndRangeSuitesRunWithoutErrors) {
  for (const char* suite : {"pk", "range"}) {
    absl::StatusOr<DbLoadResult> r = RunDbLoad({.address = address_,
                                                .suite = suite,
                                                .in_flight = 8,
                                                .duration = absl::Milliseconds(500),
                                                .accounts = 1000});
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_GT(r->operations, 0) << suite;
    EXPECT_EQ(r->errors, 0) << r->first_error;
    EXPECT_LE(r->p50, r->p99);
  }
}

TEST_F(DbLoadTest, EveryAcknowledgedUpdateLandsOnce) {
  absl::StatusOr<DbLoadResult> r = RunDbLoad({.address = address_,
                                              .suite = "update",
                                              .in_flight = 16,
                                              .duration = absl::Milliseconds(500),
                                              .accounts = 1000});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->errors, 0) << r->first_error;
  EXPECT_EQ(Scalar(db_->conninfo(), "SELECT sum(abalance) FROM pgbench_accounts"),
            absl::StrCat(r->operations));
}

TEST_F(DbLoadTest, CopySuiteWritesEveryRow) {
  absl::StatusOr<DbLoadResult> r =
      RunDbLoad({.address = address_, .suite = "copy", .rows = 5500});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->errors, 0) << r->first_error;
  EXPECT_EQ(r->operations, 5500);
  EXPECT_EQ(Scalar(db_->conninfo(), "SELECT count(*) FROM bench_copy"), "5500");
}

TEST(DbLoadOptionsTest, UnknownSuiteIsInvalidArgument) {
  absl::StatusOr<DbLoadResult> r = RunDbLoad({.address = "127.0.0.1:1", .suite = "nope"});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "suite: 'nope' is not one of pk, range, update, copy");
}

}  // namespace
}  // namespace hyper::bench
