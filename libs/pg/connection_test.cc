#include "libs/pg/connection.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/testing/test_database.h"

namespace hyper::pg {
namespace {

class ConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = hyper::testing::TestDatabase::Create();
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    conn_ = Open(ConnectionOptions());
  }
  std::unique_ptr<Connection> Open(ConnectionOptions options) {
    auto conn = Connection::Connect(db_->conninfo(), options);
    EXPECT_TRUE(conn.ok()) << conn.status();
    return conn.ok() ? *std::move(conn) : nullptr;
  }
  // Runs `sql` and returns the first cell.
  Value One(Connection* conn, const std::string& sql,
            std::vector<Value> params = {}) {
    absl::StatusOr<Result> r = conn->Exec(sql, params);
    EXPECT_TRUE(r.ok()) << sql << ": " << r.status();
    if (!r.ok() || r->rows.empty()) return Value();
    return r->rows[0][0];
  }
  std::unique_ptr<hyper::testing::TestDatabase> db_;
  std::unique_ptr<Connection> conn_;
};

TEST_F(ConnectionTest, ConnectFailureIsUnavailable) {
  ConnectionOptions options;
  options.connect_timeout = absl::Seconds(2);
  auto conn = Connection::Connect("postgresql://postgres@127.0.0.1:1/x", options);
  EXPECT_EQ(conn.status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(ConnectionTest, StatementCacheHitsMissesAndDeallocatesEvicted) {
  ConnectionOptions options;
  options.statement_cache_capacity = 2;
  std::unique_ptr<Connection> conn = Open(options);
  ASSERT_NE(conn, nullptr);
  EXPECT_EQ(One(conn.get(), "SELECT 1"), Value::Int64(1));       // miss
  EXPECT_EQ(One(conn.get(), "SELECT 1"), Value::Int64(1));       // hit
  EXPECT_EQ(One(conn.get(), "SELECT $1::int8 + 1", {Value::Int64(1)}),
            Value::Int64(2));                                     // miss
  EXPECT_EQ(conn->cache_stats().hits, 1u);
  EXPECT_EQ(conn->cache_stats().misses, 2u);
  EXPECT_EQ(conn->cache_stats().evictions, 0u);

  // A third statement evicts "SELECT 1" (least recently used).
  const std::string count_sql =
      "SELECT count(*) FROM pg_prepared_statements WHERE statement = $1";
  EXPECT_EQ(One(conn.get(), count_sql, {Value::Text("SELECT 1")}),
            Value::Int64(0));
  EXPECT_EQ(conn->cache_stats().evictions, 1u);
  EXPECT_EQ(conn->cache_stats().size, 2u);
  absl::StatusOr<Result> names =
      conn->Exec("SELECT name FROM pg_prepared_statements ORDER BY name");
  ASSERT_TRUE(names.ok()) << names.status();
  EXPECT_EQ(names->rows.size(), 2u);  // only what the cache holds
  for (const auto& row : names->rows) {
    EXPECT_TRUE(absl::StartsWith(row[0].str(), "hs_")) << row[0].str();
  }
  // Re-running the evicted statement is a miss again and still works.
  uint64_t misses = conn->cache_stats().misses;
  EXPECT_EQ(One(conn.get(), "SELECT 1"), Value::Int64(1));
  EXPECT_EQ(conn->cache_stats().misses, misses + 1);
}

TEST_F(ConnectionTest, DisabledCacheUsesNoNamedStatements) {
  ConnectionOptions options;
  options.statement_cache_capacity = 0;
  std::unique_ptr<Connection> conn = Open(options);
  ASSERT_NE(conn, nullptr);
  EXPECT_EQ(One(conn.get(), "SELECT $1::text", {Value::Text("a")}), Value::Text("a"));
  EXPECT_EQ(One(conn.get(), "SELECT count(*) FROM pg_prepared_statements"),
            Value::Int64(0));
}

TEST_F(ConnectionTest, ReprepareAfterDiscardAll) {
  EXPECT_EQ(One(conn_.get(), "SELECT 7"), Value::Int64(7));
  ASSERT_TRUE(conn_->Exec("DEALLOCATE ALL").ok());
  EXPECT_EQ(One(conn_.get(), "SELECT 7"), Value::Int64(7));
}

TEST_F(ConnectionTest, ErrorsMapToStatusCodes) {
  ASSERT_TRUE(conn_->Exec("CREATE TABLE parent (id int PRIMARY KEY)").ok());
  ASSERT_TRUE(conn_->Exec("CREATE TABLE child (p int CONSTRAINT child_parent_fk "
                          "REFERENCES parent(id))").ok());
  ASSERT_TRUE(conn_->Exec("INSERT INTO parent VALUES (1)").ok());

  absl::StatusOr<Result> dup = conn_->Exec("INSERT INTO parent VALUES ($1)",
                                           {Value::Int64(1)});
  EXPECT_EQ(dup.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(absl::StrContains(dup.status().message(), "parent_pkey")) << dup.status();
  EXPECT_TRUE(absl::StrContains(dup.status().message(), "duplicate key")) << dup.status();
  EXPECT_EQ(SqlStateOf(dup.status()), "23505");

  absl::StatusOr<Result> fk = conn_->Exec("INSERT INTO child VALUES (2)");
  EXPECT_EQ(fk.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(fk.status().message(), "child_parent_fk")) << fk.status();

  EXPECT_EQ(conn_->Exec("SELEC 1").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(conn_->Exec("SELECT * FROM nope").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(conn_->Exec("SELECT nope FROM parent").status().code(),
            absl::StatusCode::kInvalidArgument);
  // The connection stays usable after errors.
  EXPECT_EQ(One(conn_.get(), "SELECT count(*) FROM parent"), Value::Int64(1));
}

TEST_F(ConnectionTest, PipelinedErrorFailsOnlyItsStatement) {
  ASSERT_TRUE(conn_->Exec("CREATE TABLE t (id int PRIMARY KEY)").ok());
  std::vector<Statement> batch = {
      {"INSERT INTO t VALUES ($1)", {Value::Int64(1)}},
      {"INSERT INTO t VALUES ($1)", {Value::Int64(1)}},  // duplicate
      {"SELEC broken", {}},                               // syntax error
      {"INSERT INTO t VALUES ($1)", {Value::Int64(2)}},
      {"SELECT count(*) FROM t", {}},
  };
  std::vector<absl::StatusOr<Result>> rs = conn_->ExecPipelined(batch);
  ASSERT_EQ(rs.size(), 5u);
  EXPECT_TRUE(rs[0].ok()) << rs[0].status();
  EXPECT_EQ(rs[1].status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(rs[2].status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(rs[3].ok()) << rs[3].status();
  ASSERT_TRUE(rs[4].ok()) << rs[4].status();
  EXPECT_EQ(rs[4]->rows[0][0], Value::Int64(2));
  // Connection back in normal mode; the failed prepare is not cached.
  EXPECT_EQ(One(conn_.get(), "SELECT count(*) FROM t"), Value::Int64(2));
  EXPECT_EQ(conn_->Exec("SELEC broken").status().code(),
            absl::StatusCode::kInvalidArgument);
  // Many statements in one pipeline, with cache hits and misses mixed.
  std::vector<Statement> many;
  for (int i = 0; i < 500; ++i) {
    many.push_back({i % 2 ? "SELECT $1::int8" : "SELECT $1::int8 * 2",
                    {Value::Int64(i)}});
  }
  rs = conn_->ExecPipelined(many);
  for (int i = 0; i < 500; ++i) {
    ASSERT_TRUE(rs[i].ok()) << rs[i].status();
    EXPECT_EQ(rs[i]->rows[0][0], Value::Int64(i % 2 ? i : 2 * i));
  }
}

TEST_F(ConnectionTest, ErrorInSharedReadSegmentFailsOnlyItsStatement) {
  // Neighbouring SELECTs share one implicit transaction; a failure there
  // rolls back the reads around it, which run again and still answer. A
  // SELECT with a side effect shows the rerun is not a lost write.
  ASSERT_TRUE(conn_->Exec("CREATE TABLE log (n int)").ok());
  ASSERT_TRUE(conn_
                  ->Exec("CREATE FUNCTION note(x int) RETURNS int LANGUAGE sql AS "
                         "'INSERT INTO log VALUES (x) RETURNING x'")
                  .ok());
  std::vector<Statement> batch = {
      {"SELECT $1::int8", {Value::Int64(1)}},
      {"SELECT note($1::int)", {Value::Int64(7)}},
      {"SELECT 1 / $1::int", {Value::Int64(0)}},  // division by zero
      {"SELECT $1::int8", {Value::Int64(3)}},
      {"SELECT nope", {}},                         // fails to prepare
      {"select note($1::int)", {Value::Int64(8)}},
  };
  std::vector<absl::StatusOr<Result>> rs = conn_->ExecPipelined(batch);
  ASSERT_EQ(rs.size(), 6u);
  ASSERT_TRUE(rs[0].ok()) << rs[0].status();
  EXPECT_EQ(rs[0]->rows[0][0], Value::Int64(1));
  ASSERT_TRUE(rs[1].ok()) << rs[1].status();
  EXPECT_EQ(rs[1]->rows[0][0], Value::Int64(7));
  EXPECT_EQ(rs[2].status().code(), absl::StatusCode::kInvalidArgument) << rs[2].status();
  ASSERT_TRUE(rs[3].ok()) << rs[3].status();
  EXPECT_EQ(rs[3]->rows[0][0], Value::Int64(3));
  EXPECT_EQ(rs[4].status().code(), absl::StatusCode::kInvalidArgument) << rs[4].status();
  ASSERT_TRUE(rs[5].ok()) << rs[5].status();
  // Both acknowledged inserts are there, once each.
  absl::StatusOr<Result> log = conn_->Exec("SELECT n FROM log ORDER BY n");
  ASSERT_TRUE(log.ok()) << log.status();
  ASSERT_EQ(log->rows.size(), 2u);
  EXPECT_EQ(log->rows[0][0], Value::Int64(7));
  EXPECT_EQ(log->rows[1][0], Value::Int64(8));
}

TEST_F(ConnectionTest, LockingSelectIsNotRolledBackByItsNeighbour) {
  // SELECT ... FOR UPDATE and writes keep their own segment: a failing
  // read next to them does not undo them.
  ASSERT_TRUE(conn_->Exec("CREATE TABLE t (id int PRIMARY KEY)").ok());
  std::vector<Statement> batch = {
      {"SELECT 1 FROM t FOR UPDATE", {}},
      {"INSERT INTO t VALUES (1)", {}},
      {"SELECT 1 / 0", {}},
      {"INSERT INTO t VALUES (2)", {}},
  };
  std::vector<absl::StatusOr<Result>> rs = conn_->ExecPipelined(batch);
  EXPECT_TRUE(rs[0].ok()) << rs[0].status();
  EXPECT_TRUE(rs[1].ok()) << rs[1].status();
  EXPECT_EQ(rs[2].status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(rs[3].ok()) << rs[3].status();
  EXPECT_EQ(One(conn_.get(), "SELECT count(*) FROM t"), Value::Int64(2));
}

// Whether the server still runs `pid`'s statement (waits up to 10 s for it
// to stop: the cancel is asynchronous on the server).
bool StillRunning(Connection* admin, int pid) {
  absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (absl::Now() < give_up) {
    absl::StatusOr<Result> r = admin->Exec(
        "SELECT state FROM pg_stat_activity WHERE pid = $1::int", {Value::Int64(pid)});
    if (r.ok() && !r->rows.empty() && r->rows[0][0].str() != "active") return false;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return true;
}

TEST_F(ConnectionTest, DeadlineCancelsTheRunningStatementOnTheServer) {
  std::unique_ptr<Connection> admin = Open(ConnectionOptions());
  ASSERT_NE(admin, nullptr);
  Statement slow{"SELECT pg_sleep(60)", {}, absl::Now() + absl::Milliseconds(300)};
  absl::StatusOr<Result> r = conn_->Exec(slow);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded) << r.status();
  EXPECT_TRUE(absl::StrContains(r.status().message(), "cancelled on the server"))
      << r.status();
  EXPECT_FALSE(StillRunning(admin.get(), conn_->backend_pid()));
  // The connection goes on, and a passed deadline means not sent at all.
  EXPECT_EQ(One(conn_.get(), "SELECT 5"), Value::Int64(5));
  Statement late{"SELECT pg_sleep(60)", {}, absl::Now() - absl::Seconds(1)};
  r = conn_->Exec(late);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_TRUE(absl::StrContains(r.status().message(), "before the statement was sent"))
      << r.status();
}

TEST_F(ConnectionTest, DeadlineInPipelineFailsOnlyItsStatement) {
  std::unique_ptr<Connection> admin = Open(ConnectionOptions());
  ASSERT_NE(admin, nullptr);
  std::vector<Statement> batch = {
      {"SELECT $1::int8", {Value::Int64(1)}},
      {"SELECT pg_sleep(60)", {}, absl::Now() + absl::Milliseconds(300)},
      {"SELECT $1::int8", {Value::Int64(3)}, absl::Now() + absl::Seconds(120)},
      {"SELECT $1::int8", {Value::Int64(4)}, absl::Now() - absl::Seconds(1)},
  };
  std::vector<absl::StatusOr<Result>> rs = conn_->ExecPipelined(batch);
  ASSERT_TRUE(rs[0].ok()) << rs[0].status();
  EXPECT_EQ(rs[0]->rows[0][0], Value::Int64(1));
  EXPECT_EQ(rs[1].status().code(), absl::StatusCode::kDeadlineExceeded) << rs[1].status();
  ASSERT_TRUE(rs[2].ok()) << rs[2].status();
  EXPECT_EQ(rs[2]->rows[0][0], Value::Int64(3));
  EXPECT_EQ(rs[3].status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_FALSE(StillRunning(admin.get(), conn_->backend_pid()));

  // In an atomic batch the deadline fails the whole batch, and nothing stays.
  ASSERT_TRUE(conn_->Exec("CREATE TABLE t (id int)").ok());
  absl::StatusOr<std::vector<Result>> atomic = conn_->ExecAtomic({
      {"INSERT INTO t VALUES (1)", {}},
      {"SELECT pg_sleep(60)", {}, absl::Now() + absl::Milliseconds(300)},
  });
  EXPECT_EQ(atomic.status().code(), absl::StatusCode::kDeadlineExceeded) << atomic.status();
  EXPECT_EQ(One(conn_.get(), "SELECT count(*) FROM t"), Value::Int64(0));
}

TEST_F(ConnectionTest, BusyWaitGivesTheSameAnswers) {
  // Polling for replies instead of sleeping changes how a reply is waited
  // for, never what it is: rows, errors, a reply slower than the spin, a
  // pipeline with an error in it, and a deadline's cancel, with the
  // statement cache on and off.
  for (int capacity : {256, 0}) {
    SCOPED_TRACE(capacity);
    std::unique_ptr<Connection> admin = Open(ConnectionOptions());
    std::unique_ptr<Connection> conn =
        Open({.statement_cache_capacity = capacity, .busy_wait = absl::Microseconds(200)});
    ASSERT_NE(conn, nullptr);
    ASSERT_TRUE(conn->Exec("DROP TABLE IF EXISTS bw").ok());
    ASSERT_TRUE(conn->Exec("CREATE TABLE bw (id int PRIMARY KEY)").ok());
    EXPECT_EQ(One(conn.get(), "SELECT $1::int8 * 2", {Value::Int64(21)}), Value::Int64(42));
    EXPECT_EQ(One(conn.get(), "SELECT pg_sleep(0.05)::text || $1::text", {Value::Text("x")}),
              Value::Text("x"));
    ASSERT_TRUE(conn->Exec("INSERT INTO bw VALUES ($1)", {Value::Int64(1)}).ok());
    absl::StatusOr<Result> dup = conn->Exec("INSERT INTO bw VALUES ($1)", {Value::Int64(1)});
    EXPECT_EQ(dup.status().code(), absl::StatusCode::kAlreadyExists) << dup.status();
    EXPECT_TRUE(absl::StrContains(dup.status().message(), "bw_pkey")) << dup.status();
    EXPECT_EQ(conn->Exec("SELEC 1").status().code(), absl::StatusCode::kInvalidArgument);

    std::vector<absl::StatusOr<Result>> rs = conn->ExecPipelined({
        {"SELECT $1::int8", {Value::Int64(1)}},
        {"INSERT INTO bw VALUES ($1)", {Value::Int64(1)}},
        {"SELECT pg_sleep(0.02)::text || $1::text", {Value::Text("slow")}},
        {"SELECT pg_sleep(60)", {}, absl::Now() + absl::Milliseconds(300)},
        {"SELECT count(*) FROM bw", {}},
    });
    ASSERT_EQ(rs.size(), 5u);
    ASSERT_TRUE(rs[0].ok()) << rs[0].status();
    EXPECT_EQ(rs[0]->rows[0][0], Value::Int64(1));
    EXPECT_EQ(rs[1].status().code(), absl::StatusCode::kAlreadyExists) << rs[1].status();
    ASSERT_TRUE(rs[2].ok()) << rs[2].status();
    EXPECT_EQ(rs[2]->rows[0][0], Value::Text("slow"));
    EXPECT_EQ(rs[3].status().code(), absl::StatusCode::kDeadlineExceeded) << rs[3].status();
    ASSERT_TRUE(rs[4].ok()) << rs[4].status();
    EXPECT_EQ(rs[4]->rows[0][0], Value::Int64(1));
    EXPECT_FALSE(StillRunning(admin.get(), conn->backend_pid()));
  }
}

TEST_F(ConnectionTest, ExecAtomicRollsBackEverything) {
  ASSERT_TRUE(conn_->Exec("CREATE TABLE t (id int PRIMARY KEY)").ok());
  absl::StatusOr<std::vector<Result>> bad = conn_->ExecAtomic({
      {"INSERT INTO t VALUES (1)", {}},
      {"INSERT INTO t VALUES (2)", {}},
      {"INSERT INTO t VALUES (1)", {}},
      {"INSERT INTO t VALUES (3)", {}},
  });
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(absl::StartsWith(bad.status().message(), "statement 2: "))
      << bad.status();
  EXPECT_EQ(One(conn_.get(), "SELECT count(*) FROM t"), Value::Int64(0));

  absl::StatusOr<std::vector<Result>> good = conn_->ExecAtomic({
      {"INSERT INTO t VALUES ($1)", {Value::Int64(1)}},
      {"INSERT INTO t VALUES ($1)", {Value::Int64(2)}},
      {"SELECT count(*) FROM t", {}},
  });
  ASSERT_TRUE(good.ok()) << good.status();
  EXPECT_EQ((*good)[2].rows[0][0], Value::Int64(2));
  EXPECT_EQ(One(conn_.get(), "SELECT count(*) FROM t"), Value::Int64(2));
}

TEST_F(ConnectionTest, CopyInEscapesAndIsAllOrNothing) {
  ASSERT_TRUE(conn_->Exec("CREATE TABLE c (id int, s text, b bytea)").ok());
  std::vector<std::vector<Value>> rows = {
      {Value::Int64(1), Value::Text("tab\there"), Value::Bytes(std::string("\0\\\n", 3))},
      {Value::Int64(2), Value::Text("new\nline\r\n"), Value::Null()},
      {Value::Int64(3), Value::Text("back\\slash \\N"), Value::Bytes("")},
      {Value::Int64(4), Value::Null(), Value::Bytes("\t")},
      {Value::Int64(5), Value::Text("ünïcødé"), Value::Null()},
  };
  absl::StatusOr<int64_t> n = conn_->CopyIn("c", {"id", "s", "b"}, rows);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 5);
  absl::StatusOr<Result> r = conn_->Exec("SELECT id, s, b FROM c ORDER BY id");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->rows.size(), rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    for (size_t c = 0; c < 3; ++c) {
      EXPECT_EQ(r->rows[i][c], rows[i][c]) << i << "," << c << ": "
                                           << r->rows[i][c].DebugString();
    }
  }
  // A bad row (text in an int column) fails the whole COPY.
  absl::StatusOr<int64_t> bad = conn_->CopyIn(
      "c", {"id", "s", "b"},
      {{Value::Int64(6), Value::Text("ok"), Value::Null()},
       {Value::Text("not a number"), Value::Text("x"), Value::Null()}});
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument) << bad.status();
  EXPECT_EQ(One(conn_.get(), "SELECT count(*) FROM c"), Value::Int64(5));
}

TEST_F(ConnectionTest, StreamingCopyCommitsOrAborts) {
  ASSERT_TRUE(conn_->Exec("CREATE TABLE c (id int)").ok());
  ASSERT_TRUE(conn_->BeginCopy("c", {}).ok());
  EXPECT_EQ(conn_->Exec("SELECT 1").status().code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(conn_->PutRows({{Value::Int64(1)}, {Value::Int64(2)}}).ok());
  ASSERT_TRUE(conn_->PutRows({{Value::Int64(3)}}).ok());
  absl::StatusOr<int64_t> n = conn_->EndCopy();
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 3);

  ASSERT_TRUE(conn_->BeginCopy("c", {"id"}).ok());
  ASSERT_TRUE(conn_->PutRows({{Value::Int64(4)}}).ok());
  ASSERT_TRUE(conn_->AbortCopy("client went away").ok());
  EXPECT_EQ(One(conn_.get(), "SELECT count(*) FROM c"), Value::Int64(3));
}

TEST_F(ConnectionTest, CancelStopsALongStatement) {
  absl::StatusOr<Result> result = absl::UnknownError("not run");
  std::atomic<bool> done{false};
  std::thread runner([&] {
    result = conn_->Exec("SELECT pg_sleep(10)");
    done = true;
  });
  // Cancel until the statement is seen to stop (the first cancel may arrive
  // before the statement started).
  absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (!done && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(100));
    EXPECT_TRUE(conn_->Cancel().ok());
  }
  runner.join();
  EXPECT_EQ(result.status().code(), absl::StatusCode::kCancelled) << result.status();
  EXPECT_EQ(One(conn_.get(), "SELECT 1"), Value::Int64(1));
}

TEST_F(ConnectionTest, StatementTimeoutIsDeadlineExceeded) {
  ASSERT_TRUE(conn_->Exec("SET statement_timeout = '50ms'").ok());
  EXPECT_EQ(conn_->Exec("SELECT pg_sleep(5)").status().code(),
            absl::StatusCode::kDeadlineExceeded);
}

TEST_F(ConnectionTest, TerminatedBackendIsUnavailable) {
  std::unique_ptr<Connection> admin = Open(ConnectionOptions());
  ASSERT_NE(admin, nullptr);
  EXPECT_EQ(One(admin.get(), "SELECT pg_terminate_backend($1::int)",
                {Value::Int64(conn_->backend_pid())}),
            Value::Bool(true));
  absl::Time give_up = absl::Now() + absl::Seconds(30);
  absl::Status status;
  while (absl::Now() < give_up) {
    status = conn_->Exec("SELECT 1").status();
    if (!status.ok()) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_FALSE(conn_->ok());
  std::vector<absl::StatusOr<Result>> rs = conn_->ExecPipelined({{"SELECT 1", {}}});
  EXPECT_EQ(rs[0].status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace hyper::pg
