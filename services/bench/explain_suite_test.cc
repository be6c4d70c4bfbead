// `bench explain` end to end: the real query binary (run as a process, not
// linked) on a fresh database of the private PostgreSQL, seeded with a small
// --posts. Checks that every declared access path is taken, the baseline
// round trip, reseed skipping, --drop, and the bench binary's exit codes.
// No timing is asserted: comparisons that could fail on timing noise run
// with a threshold no timing can cross.
#include "services/bench/explain_suite.h"

#include <postgresql/libpq-fe.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "libs/testing/service_process.h"
#include "libs/testing/test_database.h"
#include "services/bench/explain_queries.h"

namespace hyper::bench {
namespace {

constexpr int64_t kPosts = kMinPosts;

std::string Scalar(const std::string& conninfo, const std::string& sql) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  PGresult* r = PQexec(conn, sql.c_str());
  std::string out = PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : PQresultErrorMessage(r);
  PQclear(r);
  PQfinish(conn);
  return out;
}

class ExplainSuiteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = testing::TestDatabase::Create();
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    auto query = testing::ServiceProcess::Start(
        "services/query/query",
        {"--host=127.0.0.1", "--port=0", absl::StrCat("--database=", db_->url())});
    ASSERT_TRUE(query.ok()) << query.status();
    query_ = std::move(*query);
    absl::StatusOr<int> port = query_->WaitForPort("grpc");
    ASSERT_TRUE(port.ok()) << port.status();
    address_ = absl::StrCat("127.0.0.1:", *port);
    baseline_ = absl::StrCat(::testing::TempDir(), "/baseline_", getpid(), "_",
                             ::testing::UnitTest::GetInstance()->current_test_info()->name(),
                             ".json");
    std::remove(baseline_.c_str());
  }

  void TearDown() override { std::remove(baseline_.c_str()); }

  ExplainOptions Options() {
    return ExplainOptions{.address = address_,
                          .posts = kPosts,
                          .repeat = 2,
                          .baseline_path = baseline_};
  }

  // Runs the bench binary; its exit code.
  int RunBench(std::vector<std::string> args) {
    args.insert(args.begin(), {"explain", absl::StrCat("--query_addr=", address_),
                               absl::StrCat("--posts=", kPosts), "--repeat=1",
                               absl::StrCat("--baseline=", baseline_)});
    auto bench = testing::ServiceProcess::Start("services/bench/bench", args);
    EXPECT_TRUE(bench.ok()) << bench.status();
    if (!bench.ok()) return -1;
    absl::StatusOr<int> code = (*bench)->Wait(absl::Seconds(120));
    EXPECT_TRUE(code.ok()) << code.status();
    last_output_ = (*bench)->output();
    return code.ok() ? *code : -1;
  }

  std::unique_ptr<testing::TestDatabase> db_;
  std::unique_ptr<testing::ServiceProcess> query_;
  std::string address_;
  std::string baseline_;
  std::string last_output_;
};

TEST_F(ExplainSuiteTest, EveryDeclaredPathIsTakenAndTheBaselineRoundTrips) {
  ExplainOptions options = Options();
  options.save_baseline = true;
  absl::StatusOr<ExplainRun> first = RunExplainSuite(options);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(first->reseeded);
  ASSERT_EQ(first->results.size(), BenchQueries().size());
  ASSERT_EQ(first->results.size(), 14u);
  for (size_t i = 0; i < first->results.size(); ++i) {
    const QueryResult& q = first->results[i];
    EXPECT_EQ(q.name, BenchQueries()[i].name);
    EXPECT_TRUE(q.path_taken) << q.name << ": indexes [" << absl::StrJoin(q.indexes, ", ")
                              << "], seq scans [" << absl::StrJoin(q.seq_scan_tables, ", ")
                              << "]\n" << FormatExplainTable(*first);
    EXPECT_TRUE(q.seq_scan_tables.empty()) << q.name;
    EXPECT_FALSE(q.root_node.empty()) << q.name;
  }
  EXPECT_FALSE(first->comparison.failed()) << FormatExplainTable(*first);
  EXPECT_TRUE(first->baseline_saved);
  EXPECT_EQ(Scalar(db_->conninfo(), "SELECT count(*) FROM hyper_bench.posts"),
            absl::StrCat(kPosts));
  EXPECT_EQ(Scalar(db_->conninfo(), "SELECT count(*) FROM hyper_bench.comments"),
            absl::StrCat(kPosts * 5));
  EXPECT_EQ(Scalar(db_->conninfo(), "SELECT count(*) FROM hyper_bench.votes"),
            absl::StrCat(kPosts * 4));
  EXPECT_NE(first->database.find(db_->name()), std::string::npos) << first->database;

  absl::StatusOr<Baseline> saved = ReadBaselineFile(baseline_);
  ASSERT_TRUE(saved.ok()) << saved.status();
  EXPECT_EQ(saved->seed.posts, kPosts);
  EXPECT_EQ(saved->queries.size(), 14u);
  EXPECT_EQ(saved->database, first->database);
  EXPECT_EQ(saved->database.find("postgres@"), std::string::npos);

  // The second run reuses the seed and compares; only a threshold no timing
  // reaches, so what is checked is plans, not speed.
  options.save_baseline = false;
  options.compare = {.threshold = 1e9, .noise_ms = 1e9};
  absl::StatusOr<ExplainRun> second = RunExplainSuite(options);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_FALSE(second->reseeded);
  ASSERT_TRUE(second->baseline.has_value());
  EXPECT_FALSE(second->comparison.failed()) << FormatExplainTable(*second);
  EXPECT_EQ(second->comparison.count(FindingKind::kMissing), 0);
  EXPECT_NE(FormatExplainJson(*second).find("\"passed\":true"), std::string::npos);
}

TEST_F(ExplainSuiteTest, MalformedBaselineFailsBeforeSeeding) {
  std::ofstream(baseline_) << "{\"version\": 1, \"queries\": ";
  absl::StatusOr<ExplainRun> run = RunExplainSuite(Options());
  EXPECT_EQ(run.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(run.status().message().find(baseline_), absl::string_view::npos)
      << run.status();
  EXPECT_EQ(Scalar(db_->conninfo(),
                   "SELECT count(*) FROM pg_namespace WHERE nspname = 'hyper_bench'"),
            "0");
}

TEST_F(ExplainSuiteTest, DropRemovesTheSchema) {
  ASSERT_TRUE(RunExplainSuite(Options()).ok());
  ExplainOptions drop = Options();
  drop.drop = true;
  absl::StatusOr<ExplainRun> run = RunExplainSuite(drop);
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_TRUE(run->dropped);
  EXPECT_EQ(Scalar(db_->conninfo(),
                   "SELECT count(*) FROM pg_namespace WHERE nspname = 'hyper_bench'"),
            "0");
}

TEST_F(ExplainSuiteTest, UnreachableServiceIsUnavailable) {
  ExplainOptions options = Options();
  options.address = "127.0.0.1:1";
  options.connect_timeout = absl::Milliseconds(300);
  EXPECT_EQ(RunExplainSuite(options).status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(ExplainSuiteTest, BinaryExitCodes) {
  EXPECT_EQ(RunBench({"--save-baseline"}), 0) << last_output_;
  EXPECT_EQ(RunBench({"--threshold=1e9", "--noise_ms=1e9"}), 0) << last_output_;
  EXPECT_EQ(RunBench({"--threshold=0.5"}), 2) << last_output_;
  EXPECT_NE(last_output_.find("--threshold: must be > 1"), std::string::npos) << last_output_;
  EXPECT_EQ(RunBench({"--posts=10"}), 2) << last_output_;

  // An index a declared path needs disappears: exit 1, and the report says
  // which queries lost their path.
  EXPECT_EQ(Scalar(db_->conninfo(), "DROP INDEX hyper_bench.posts_hot_idx; SELECT 'ok'"), "ok");
  EXPECT_EQ(RunBench({"--threshold=1e9", "--noise_ms=1e9"}), 1) << last_output_;
  EXPECT_NE(last_output_.find("FAIL front_page_hot: declared access path not taken"),
            std::string::npos)
      << last_output_;
  EXPECT_NE(last_output_.find("FAIL front_page_hot: new Seq Scan on posts"), std::string::npos)
      << last_output_;

  std::ofstream(baseline_) << "not json";
  EXPECT_EQ(RunBench({}), 2) << last_output_;
  EXPECT_NE(last_output_.find("not valid JSON"), std::string::npos) << last_output_;
}

}  // namespace
}  // namespace hyper::bench
