// The query service through a database outage, over real sockets: the test
// runs its own PostgreSQL (tools/pg/private_pg.sh), writes through gRPC,
// stops the database under the running server, and checks that health turns
// NOT_SERVING (gRPC and /healthz), calls fail with UNAVAILABLE, and that
// after a restart on the same port and data folder health returns, calls
// succeed again and every acknowledged write is still there.
//
// Waits poll with generous limits; nothing asserts how fast anything is.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <postgresql/libpq-fe.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "libs/testing/http_client.h"
#include "libs/testing/service_process.h"
#include "proto/hyper/query/v1/query.grpc.pb.h"
#include "services/query/query_server.h"

namespace hyper::query {
namespace {

constexpr absl::Duration kPatience = absl::Seconds(60);

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

// Runs `command` through /bin/sh; returns its stdout, or Internal with the
// exit status. stderr goes to the test log.
absl::StatusOr<std::string> Shell(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return absl::InternalError(absl::StrCat("popen: ", command));
  std::string out;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) out.append(buffer, n);
  int status = pclose(pipe);
  if (status != 0) {
    return absl::InternalError(
        absl::StrCat("`", command, "` exited with ", status, "; output: ", out));
  }
  return out;
}

// A private PostgreSQL through tools/pg/private_pg.sh. The folder goes under
// /tmp, not $TEST_TMPDIR: as root the script runs the server as `postgres`,
// which cannot enter root's Bazel output base. The test's pid is the owner,
// so a crashed run is swept by the next start.
class PrivatePostgres {
 public:
  static absl::StatusOr<std::unique_ptr<PrivatePostgres>> Start() {
    std::string script = testing::RunfilePath("tools/pg/private_pg.sh");
    absl::StatusOr<std::string> out = Shell(absl::StrCat(
        "TMPDIR=/tmp bash ", ShellQuote(script), " start ", getpid()));
    if (!out.ok()) return out.status();
    std::unique_ptr<PrivatePostgres> pg(new PrivatePostgres(script));
    for (absl::string_view line : absl::StrSplit(*out, '\n')) {
      if (absl::ConsumePrefix(&line, "HYPER_PG_DIR=")) pg->dir_ = std::string(line);
      if (absl::ConsumePrefix(&line, "HYPER_PG_URL=")) pg->url_ = std::string(line);
    }
    if (pg->dir_.empty() || pg->url_.empty()) {
      return absl::InternalError(absl::StrCat("private_pg.sh start printed: ", *out));
    }
    return pg;
  }

  ~PrivatePostgres() {
    absl::StatusOr<std::string> out =
        Shell(absl::StrCat("TMPDIR=/tmp bash ", ShellQuote(script_), " stop ",
                           ShellQuote(dir_)));
    if (!out.ok()) ADD_FAILURE() << out.status();
  }

  // Fast shutdown (SIGINT: clients are disconnected, everything committed is
  // written) of the postmaster; the folder stays for Restart().
  absl::Status Stop() {
    return Shell(absl::StrCat(
                     "pid=$(head -n 1 ", ShellQuote(dir_ + "/data/postmaster.pid"), ") && ",
                     "kill -INT \"$pid\" && ",
                     "for i in $(seq 1 300); do kill -0 \"$pid\" 2>/dev/null || exit 0; "
                     "sleep 0.1; done; exit 1"))
        .status();
  }

  // Starts it again on the same port with the same data.
  absl::Status Restart() {
    return Shell(absl::StrCat("TMPDIR=/tmp bash ", ShellQuote(script_), " restart ",
                              ShellQuote(dir_)))
        .status();
  }

  const std::string& url() const { return url_; }

 private:
  explicit PrivatePostgres(std::string script) : script_(std::move(script)) {}
  std::string script_;
  std::string dir_;
  std::string url_;
};

// grpc.health.v1.Health/Check for the whole server, with raw bytes (an
// empty request; field 1 of the reply is the status). 1 = SERVING,
// 2 = NOT_SERVING, -1 on an RPC error.
int HealthCheck(const std::shared_ptr<grpc::Channel>& channel) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::Slice empty_message{std::string()};
  grpc::ByteBuffer request(&empty_message, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request,
                 &response, [&done](grpc::Status status) { done.set_value(status); });
  grpc::Status status = done.get_future().get();
  if (!status.ok()) return -1;
  std::vector<grpc::Slice> slices;
  if (!response.Dump(&slices).ok()) return -1;
  std::string bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  if (bytes.size() != 2 || bytes[0] != 0x08) return -1;
  return bytes[1];
}

// GET /healthz on the admin port: the HTTP status, or -1.
int Healthz(int port) {
  auto client = testing::RawHttpClient::Connect(port);
  if (!client.ok()) return -1;
  (*client)->Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  absl::StatusOr<testing::HttpResponse> response = (*client)->ReadResponse();
  return response.ok() ? response->status : -1;
}

// Polls `done` every 50 ms until it is true or kPatience has passed.
bool WaitFor(const std::function<bool()>& done) {
  absl::Time deadline = absl::Now() + kPatience;
  while (absl::Now() < deadline) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return done();
}

void Sql(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  ASSERT_EQ(PQstatus(conn), CONNECTION_OK) << PQerrorMessage(conn);
  PGresult* r = PQexec(conn, sql.c_str());
  EXPECT_EQ(PQresultStatus(r), PGRES_COMMAND_OK) << PQresultErrorMessage(r);
  PQclear(r);
  PQfinish(conn);
}

class QueryServerOutageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pg = PrivatePostgres::Start();
    ASSERT_TRUE(pg.ok()) << pg.status();
    pg_ = std::move(*pg);
    Sql(pg_->url(), "CREATE TABLE items (id int8 PRIMARY KEY, name text NOT NULL)");
    auto server = QueryServer::Start(
        {.database_url = absl::StrCat(pg_->url(), "?pool_size=4&acquire_timeout_ms=1000"),
         .host = "127.0.0.1",
         .port = 0,
         .heartbeat_interval = absl::Milliseconds(200),
         .heartbeat_failures = 2});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                   grpc::InsecureChannelCredentials());
    stub_ = v1::QueryService::NewStub(channel_);
  }

  void TearDown() override {
    stub_.reset();
    channel_.reset();
    if (server_ != nullptr) server_->Shutdown(absl::Seconds(1));
    server_.reset();
    pg_.reset();
  }

  // Inserts rows [first, first + n) named "item-<id>" in one BulkCreate.
  grpc::Status Write(int64_t first, int n) {
    v1::BulkCreateRequest request;
    request.set_model("items");
    request.add_fields("id");
    request.add_fields("name");
    for (int64_t id = first; id < first + n; ++id) {
      v1::Row* row = request.add_rows();
      row->add_values()->set_int_value(id);
      row->add_values()->set_text_value(absl::StrCat("item-", id));
    }
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    v1::BulkCreateResponse response;
    grpc::Status status = stub_->BulkCreate(&context, request, &response);
    if (status.ok()) {
      EXPECT_EQ(response.rows_created(), n);
      for (int64_t id = first; id < first + n; ++id) {
        acknowledged_[id] = absl::StrCat("item-", id);
      }
    }
    return status;
  }

  grpc::Status ReadAll(std::map<int64_t, std::string>* rows) {
    v1::ExecuteRequest request;
    request.set_sql("SELECT id, name FROM items ORDER BY id");
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    v1::ExecuteResponse response;
    grpc::Status status = stub_->Execute(&context, request, &response);
    if (status.ok()) {
      rows->clear();
      for (const v1::Row& row : response.rows()) {
        (*rows)[row.values(0).int_value()] = row.values(1).text_value();
      }
    }
    return status;
  }

  std::unique_ptr<PrivatePostgres> pg_;
  std::unique_ptr<QueryServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::QueryService::Stub> stub_;
  std::map<int64_t, std::string> acknowledged_;  // id -> name, writes that said OK
};

TEST_F(QueryServerOutageTest, GoesNotServingWhileTheDatabaseIsDownAndRecovers) {
  ASSERT_GT(server_->admin_port(), 0);  // port 0 picked a free admin port too
  for (int64_t first = 1; first <= 50; first += 10) {
    grpc::Status status = Write(first, 10);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  EXPECT_EQ(HealthCheck(channel_), 1);
  EXPECT_EQ(Healthz(server_->admin_port()), 200);

  // Outage.
  ASSERT_TRUE(pg_->Stop().ok());
  EXPECT_TRUE(WaitFor([&] { return HealthCheck(channel_) == 2; }))
      << "gRPC health never turned NOT_SERVING; metrics:\n"
      << server_->RenderMetrics();
  EXPECT_FALSE(server_->healthy());
  EXPECT_EQ(Healthz(server_->admin_port()), 503);
  for (int attempt = 0; attempt < 3; ++attempt) {
    std::map<int64_t, std::string> rows;
    grpc::Status read = ReadAll(&rows);
    EXPECT_EQ(read.error_code(), grpc::StatusCode::UNAVAILABLE) << read.error_message();
    grpc::Status write = Write(1000 + attempt * 10, 10);
    EXPECT_EQ(write.error_code(), grpc::StatusCode::UNAVAILABLE) << write.error_message();
  }
  EXPECT_TRUE(absl::StrContains(server_->RenderMetrics(), "hyper_query_heartbeat_healthy 0\n"));

  // Recovery, on the same port and data folder.
  ASSERT_TRUE(pg_->Restart().ok());
  EXPECT_TRUE(WaitFor([&] { return HealthCheck(channel_) == 1; }))
      << "gRPC health never returned to SERVING; metrics:\n"
      << server_->RenderMetrics();
  EXPECT_TRUE(server_->healthy());
  EXPECT_EQ(Healthz(server_->admin_port()), 200);

  // The pool replaces its broken connections: calls succeed again. The
  // first few may still meet a connection that broke in the outage, so wait
  // for one success, then require the ones after it.
  std::map<int64_t, std::string> rows;
  grpc::Status first_read;
  EXPECT_TRUE(WaitFor([&] { return (first_read = ReadAll(&rows)).ok(); }))
      << first_read.error_message();
  for (int i = 0; i < 10; ++i) {
    grpc::Status read = ReadAll(&rows);
    ASSERT_TRUE(read.ok()) << "read " << i << " after recovery: " << read.error_message();
  }
  grpc::Status write = Write(2000, 10);
  ASSERT_TRUE(write.ok()) << write.error_message();

  // Every acknowledged write survived the outage.
  ASSERT_TRUE(ReadAll(&rows).ok());
  for (const auto& [id, name] : acknowledged_) {
    auto it = rows.find(id);
    ASSERT_NE(it, rows.end()) << "acknowledged row " << id << " is missing";
    EXPECT_EQ(it->second, name);
  }
  EXPECT_GE(acknowledged_.size(), 60u);

  std::string metrics = server_->RenderMetrics();
  EXPECT_TRUE(absl::StrContains(metrics, "hyper_query_heartbeat_healthy 1\n")) << metrics;
  EXPECT_FALSE(absl::StrContains(metrics, "hyper_query_heartbeat_failures_total 0\n"))
      << metrics;
}

TEST_F(QueryServerOutageTest, AdminPortServesMetricsAndGetStatsFillsEverything) {
  for (int64_t first = 1; first <= 20; first += 10) {
    ASSERT_TRUE(Write(first, 10).ok());
  }
  // A statement over the 100 ms slow-query threshold.
  v1::ExecuteRequest slow;
  slow.set_sql("SELECT pg_sleep(0.15)");
  {
    grpc::ClientContext context;
    v1::ExecuteResponse response;
    grpc::Status status = stub_->Execute(&context, slow, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  auto client = testing::RawHttpClient::Connect(server_->admin_port());
  ASSERT_TRUE(client.ok()) << client.status();
  (*client)->Send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  absl::StatusOr<testing::HttpResponse> page = (*client)->ReadResponse();
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->status, 200);
  for (const char* name :
       {"hyper_query_pool_size ", "hyper_query_pool_in_use ", "hyper_query_pool_idle ",
        "hyper_query_pool_waiters ", "hyper_query_pool_acquires_total ",
        "hyper_query_pool_acquire_timeouts_total ", "hyper_query_pool_reconnects_total ",
        "hyper_query_statement_cache_hits_total ", "hyper_query_statement_cache_misses_total ",
        "hyper_query_statement_cache_evictions_total ", "hyper_query_statements_total ",
        "hyper_query_statement_errors_total ", "hyper_query_statements_in_flight ",
        "hyper_query_statement_duration_seconds_bucket{le=\"+Inf\"} ",
        "hyper_query_heartbeat_healthy 1\n", "hyper_query_heartbeat_beats_total ",
        "hyper_query_heartbeat_failures_total ",
        "hyper_query_heartbeat_consecutive_failures ",
        "hyper_query_heartbeat_latency_p99_seconds ", "hyper_query_slow_queries_total 1\n"}) {
    EXPECT_TRUE(absl::StrContains(page->body, name)) << name << " missing in:\n" << page->body;
  }

  // GetStats never waits for the slow-query table: the list comes from a
  // cache that the call itself refreshes, so poll.
  v1::Stats stats;
  EXPECT_TRUE(WaitFor([&] {
    grpc::ClientContext context;
    stats.Clear();
    return stub_->GetStats(&context, v1::GetStatsRequest(), &stats).ok() &&
           stats.recent_slow_queries_size() > 0;
  })) << stats.DebugString();
  ASSERT_GT(stats.recent_slow_queries_size(), 0);
  EXPECT_EQ(stats.recent_slow_queries(0).sql(), "SELECT pg_sleep(0.15)");
  EXPECT_GE(stats.recent_slow_queries(0).duration_ms(), 150);
  EXPECT_GT(stats.recent_slow_queries(0).at_unix_ms(), 1'700'000'000'000);
  EXPECT_GT(stats.timer().count(), 0);
  EXPECT_GT(stats.timer().average_ms(), 0);
  EXPECT_TRUE(stats.heartbeat().healthy());
  EXPECT_GT(stats.heartbeat().total_beats(), 0);
  EXPECT_GT(stats.heartbeat().last_beat_unix_ms(), 1'700'000'000'000);
  EXPECT_GT(stats.pool().size(), 0);
}

}  // namespace
}  // namespace hyper::query
