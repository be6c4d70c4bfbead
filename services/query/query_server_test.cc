// The query service end to end: a real PostgreSQL database, the server
// started in-process, every call over a real gRPC socket.
#include "services/query/query_server.h"

#include <grpcpp/grpcpp.h>
#include <postgresql/libpq-fe.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libs/testing/test_database.h"
#include "proto/hyper/query/v1/query.grpc.pb.h"
#include "services/query/test_catalog.h"

namespace hyper::query {
namespace {


class QueryServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto db = testing::TestDatabase::Create();
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = db->release();
    Sql(kBlogSchemaSql);
    Sql("INSERT INTO teams VALUES (1, 'core'), (2, 'edge');"
        "INSERT INTO users VALUES (1, 'ann', 'ann@x.io', 1, NULL), (2, 'bob', NULL, NULL, NULL);"
        "INSERT INTO posts (id, title, author_id, views, meta) VALUES"
        " (1, 'first', 1, 10, '{\"k\": [1, 2]}'), (2, 'second', 1, 3, NULL),"
        " (3, 'third', 2, 8, NULL);");
    auto server = QueryServer::Start({.database_url = absl::StrCat(db_->url(), "?pool_size=4"),
                                      .host = "127.0.0.1",
                                      .port = 0});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = server->release();
    stub_ = v1::QueryService::NewStub(
               grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                   grpc::InsecureChannelCredentials()))
                .release();
  }
  static void TearDownTestSuite() {
    delete stub_;
    delete server_;
    delete db_;
  }

  static void Sql(const std::string& sql) {
    PGconn* conn = PQconnectdb(db_->conninfo().c_str());
    PGresult* r = PQexec(conn, sql.c_str());
    EXPECT_TRUE(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK)
        << PQresultErrorMessage(r);
    PQclear(r);
    PQfinish(conn);
  }

  template <typename Request, typename Response, typename Method>
  static grpc::Status Call(Method method, const Request& request, Response* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    return (stub_->*method)(&context, request, response);
  }

  static testing::TestDatabase* db_;
  static QueryServer* server_;
  static v1::QueryService::Stub* stub_;
};

testing::TestDatabase* QueryServerTest::db_ = nullptr;
QueryServer* QueryServerTest::server_ = nullptr;
v1::QueryService::Stub* QueryServerTest::stub_ = nullptr;

TEST_F(QueryServerTest, QueryWithSelectRelatedAndPrefetch) {
  v1::QueryRequest r;
  r.set_model("users");
  r.add_select_related("team");
  r.add_prefetch_related("posts_by_author");
  r.add_order_by()->set_field("id");
  v1::QueryResponse response;
  grpc::Status status = Call(&v1::QueryService::Stub::Query, r, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.rows_size(), 2);
  EXPECT_EQ(response.columns(1).name(), "name");
  EXPECT_EQ(response.columns(0).type(), v1::COLUMN_TYPE_INT);
  const v1::Row& ann = response.rows(0);
  EXPECT_EQ(ann.values(1).text_value(), "ann");
  EXPECT_EQ(ann.related().at("team").values(1).text_value(), "core");
  EXPECT_EQ(ann.prefetched().at("posts_by_author").rows_size(), 2);
  const v1::Row& bob = response.rows(1);
  EXPECT_EQ(bob.values(2).kind_case(), v1::Value::kNull);  // email
  EXPECT_EQ(bob.related().count("team"), 0u);               // NULL team
  EXPECT_EQ(bob.prefetched().at("posts_by_author").rows_size(), 1);
  EXPECT_EQ(response.related_columns().at("posts_by_author").columns(1).name(), "title");
}

TEST_F(QueryServerTest, JsonFormatIsAReadyArray) {
  v1::QueryRequest r;
  r.set_model("posts");
  r.add_values("id");
  r.add_values("meta");
  r.add_values("author__name");
  *r.mutable_filter() = Cond("id", v1::EXACT, Int(1));
  r.set_format(v1::JSON);
  v1::QueryResponse response;
  ASSERT_TRUE(Call(&v1::QueryService::Stub::Query, r, &response).ok());
  EXPECT_EQ(response.json(), R"([{"id":1,"meta":{"k": [1, 2]},"author__name":"ann"}])");
  EXPECT_EQ(response.rows_size(), 0);
}

TEST_F(QueryServerTest, KeysetCursorPagesThrough) {
  v1::QueryRequest r;
  r.set_model("posts");
  r.add_values("id");
  r.add_order_by()->set_field("id");
  r.set_limit(2);
  v1::QueryResponse page1;
  ASSERT_TRUE(Call(&v1::QueryService::Stub::Query, r, &page1).ok());
  ASSERT_EQ(page1.rows_size(), 2);
  ASSERT_EQ(page1.next_cursor_size(), 1);
  *r.mutable_after() = page1.next_cursor();
  v1::QueryResponse page2;
  ASSERT_TRUE(Call(&v1::QueryService::Stub::Query, r, &page2).ok());
  ASSERT_EQ(page2.rows_size(), 1);
  EXPECT_EQ(page2.rows(0).values(0).int_value(), 3);
  EXPECT_EQ(page2.next_cursor_size(), 0);
}

TEST_F(QueryServerTest, CountAndExists) {
  v1::CountRequest c;
  c.set_model("posts");
  *c.mutable_filter() = Cond("author__name", v1::EXACT, Text("ann"));
  v1::CountResponse count;
  ASSERT_TRUE(Call(&v1::QueryService::Stub::Count, c, &count).ok());
  EXPECT_EQ(count.count(), 2);
  v1::ExistsRequest e;
  e.set_model("posts");
  *e.mutable_filter() = Cond("views", v1::GT, Int(9));
  v1::ExistsResponse exists;
  ASSERT_TRUE(Call(&v1::QueryService::Stub::Exists, e, &exists).ok());
  EXPECT_TRUE(exists.exists());
}

TEST_F(QueryServerTest, WritesUpdateWithFExpressionBulkCreateDelete) {
  v1::BulkCreateRequest b;
  b.set_model("teams");
  b.add_fields("id");
  b.add_fields("name");
  for (int i = 100; i < 1300; ++i) {
    v1::Row* row = b.add_rows();
    *row->add_values() = Int(i);
    *row->add_values() = Text(absl::StrCat("t", i));
  }
  v1::BulkCreateResponse created;
  grpc::Status status = Call(&v1::QueryService::Stub::BulkCreate, b, &created);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(created.rows_created(), 1200);
  ASSERT_EQ(created.rows_size(), 1200);
  EXPECT_EQ(created.rows(1199).values(0).int_value(), 1299);

  v1::UpdateRequest u;
  u.set_model("teams");
  *u.mutable_filter() = Cond("id", v1::GTE, Int(100));
  v1::Assignment* a = u.add_set();
  a->set_field("name");
  *a->mutable_value() = Text("renamed");
  v1::UpdateResponse updated;
  ASSERT_TRUE(Call(&v1::QueryService::Stub::Update, u, &updated).ok());
  EXPECT_EQ(updated.rows_affected(), 1200);

  v1::DeleteRequest d;
  d.set_model("teams");
  *d.mutable_filter() = Cond("name", v1::EXACT, Text("renamed"));
  v1::DeleteResponse deleted;
  ASSERT_TRUE(Call(&v1::QueryService::Stub::Delete, d, &deleted).ok());
  EXPECT_EQ(deleted.rows_affected(), 1200);
}

TEST_F(QueryServerTest, ConcurrentFExpressionUpdatesAreAtomic) {
  // 200 concurrent clients each add 1 to views of post 3.
  v1::UpdateRequest u;
  u.set_model("posts");
  *u.mutable_filter() = Cond("id", v1::EXACT, Int(3));
  v1::Assignment* a = u.add_set();
  a->set_field("views");
  a->mutable_expression()->set_field("views");
  a->mutable_expression()->set_op(v1::ADD);
  *a->mutable_expression()->mutable_value() = Int(1);
  u.add_returning("views");
  v1::QueryRequest before;
  before.set_model("posts");
  before.add_values("views");
  *before.mutable_filter() = Cond("id", v1::EXACT, Int(3));
  v1::QueryResponse start;
  ASSERT_TRUE(Call(&v1::QueryService::Stub::Query, before, &start).ok());
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 200; ++t) {
    clients.emplace_back([&] {
      v1::UpdateResponse response;
      if (Call(&v1::QueryService::Stub::Update, u, &response).ok() &&
          response.rows_affected() == 1) {
        ++ok;
      }
    });
  }
  for (auto& c : clients) c.join();
  EXPECT_EQ(ok.load(), 200);
  v1::QueryResponse end;
  ASSERT_TRUE(Call(&v1::QueryService::Stub::Query, before, &end).ok());
  EXPECT_EQ(end.rows(0).values(0).int_value(), start.rows(0).values(0).int_value() + 200);
}

TEST_F(QueryServerTest, ErrorsCarryTheRightCodeAndName) {
  v1::QueryRequest unknown;
  unknown.set_model("nope");
  v1::QueryResponse response;
  grpc::Status status = Call(&v1::QueryService::Stub::Query, unknown, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "unknown model 'nope'");

  v1::BulkCreateRequest dup;
  dup.set_model("teams");
  dup.add_fields("id");
  dup.add_fields("name");
  v1::Row* row = dup.add_rows();
  *row->add_values() = Int(1);
  *row->add_values() = Text("again");
  v1::BulkCreateResponse created;
  status = Call(&v1::QueryService::Stub::BulkCreate, dup, &created);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS) << status.error_message();
  EXPECT_TRUE(absl::StrContains(status.error_message(), "teams_pkey")) << status.error_message();

  v1::UpdateRequest bad_fk;
  bad_fk.set_model("posts");
  *bad_fk.mutable_filter() = Cond("id", v1::EXACT, Int(1));
  v1::Assignment* a = bad_fk.add_set();
  a->set_field("author_id");
  *a->mutable_value() = Int(999);
  v1::UpdateResponse updated;
  status = Call(&v1::QueryService::Stub::Update, bad_fk, &updated);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
      << status.error_message();
  EXPECT_TRUE(absl::StrContains(status.error_message(), "posts_author_id_fkey"))
      << status.error_message();
}

TEST_F(QueryServerTest, InjectionAttemptsFailHarmlessly) {
  v1::QueryRequest r;
  r.set_model("posts; DROP TABLE posts");
  v1::QueryResponse response;
  EXPECT_EQ(Call(&v1::QueryService::Stub::Query, r, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  r.set_model("posts");
  *r.mutable_filter() = Cond("title", v1::EXACT, Text("x' OR '1'='1"));
  ASSERT_TRUE(Call(&v1::QueryService::Stub::Query, r, &response).ok());
  EXPECT_EQ(response.rows_size(), 0);
  v1::CountRequest c;
  c.set_model("posts");
  v1::CountResponse count;
  ASSERT_TRUE(Call(&v1::QueryService::Stub::Count, c, &count).ok());
  EXPECT_GE(count.count(), 3);  // the table is still there
}

TEST_F(QueryServerTest, ExecuteListModelsAndStats) {
  v1::ExecuteRequest e;
  e.set_sql("SELECT $1::int8 + 1 AS n");
  *e.add_params() = Int(41);
  v1::ExecuteResponse executed;
  ASSERT_TRUE(Call(&v1::QueryService::Stub::Execute, e, &executed).ok());
  EXPECT_EQ(executed.rows(0).values(0).int_value(), 42);
  EXPECT_EQ(executed.columns(0).name(), "n");

  Sql("CREATE TABLE IF NOT EXISTS later (id int8 PRIMARY KEY)");
  v1::ListModelsRequest list;
  list.set_reload(true);
  v1::ListModelsResponse models;
  ASSERT_TRUE(Call(&v1::QueryService::Stub::ListModels, list, &models).ok());
  std::vector<std::string> names;
  for (const v1::Model& m : models.models()) names.push_back(m.name());
  EXPECT_EQ(names, (std::vector<std::string>{"later", "posts", "teams", "users"}));

  v1::Stats stats;
  ASSERT_TRUE(Call(&v1::QueryService::Stub::GetStats, v1::GetStatsRequest(), &stats).ok());
  EXPECT_GT(stats.pool().size(), 0);
  EXPECT_GT(stats.statements().hits() + stats.statements().misses(), 0);
}

TEST_F(QueryServerTest, CopyInStreamsRowsWithHostileTextAllOrNothing) {
  Sql("CREATE TABLE IF NOT EXISTS notes (id int8 PRIMARY KEY, body text, n int4)");
  v1::ListModelsRequest reload;
  reload.set_reload(true);
  v1::ListModelsResponse models;
  ASSERT_TRUE(Call(&v1::QueryService::Stub::ListModels, reload, &models).ok());

  const std::vector<std::string> bodies = {"tab\there", "new\nline", "back\\slash",
                                           "\\N", "ünï \r end"};
  {
    grpc::ClientContext context;
    v1::CopyInResponse response;
    auto writer = stub_->CopyIn(&context, &response);
    for (int m = 0; m < 3; ++m) {
      v1::CopyInRequest message;
      if (m == 0) {
        message.set_model("notes");
        message.add_fields("id");
        message.add_fields("body");
        message.add_fields("n");
      }
      for (int i = 0; i < 1000; ++i) {
        int id = m * 1000 + i;
        v1::Row* row = message.add_rows();
        *row->add_values() = Int(id);
        *row->add_values() = Text(bodies[id % bodies.size()]);
        if (id % 7 == 0) {
          row->add_values()->set_null(true);
        } else {
          *row->add_values() = Int(id % 100);
        }
      }
      ASSERT_TRUE(writer->Write(message));
    }
    writer->WritesDone();
    grpc::Status status = writer->Finish();
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.rows_written(), 3000);
  }
  v1::QueryRequest q;
  q.set_model("notes");
  q.add_values("body");
  q.add_values("n");
  q.add_order_by()->set_field("id");
  q.set_limit(7);
  v1::QueryResponse rows;
  ASSERT_TRUE(Call(&v1::QueryService::Stub::Query, q, &rows).ok());
  for (int id = 0; id < 7; ++id) {
    EXPECT_EQ(rows.rows(id).values(0).text_value(), bodies[id % bodies.size()]) << id;
  }
  EXPECT_EQ(rows.rows(0).values(1).kind_case(), v1::Value::kNull);
  EXPECT_EQ(rows.rows(1).values(1).int_value(), 1);

  // A bad row in the second message: the whole stream writes nothing.
  {
    grpc::ClientContext context;
    v1::CopyInResponse response;
    auto writer = stub_->CopyIn(&context, &response);
    v1::CopyInRequest first;
    first.set_model("notes");
    first.add_fields("id");
    first.add_fields("n");
    v1::Row* ok_row = first.add_rows();
    *ok_row->add_values() = Int(50000);
    *ok_row->add_values() = Int(1);
    writer->Write(first);
    v1::CopyInRequest second;
    v1::Row* bad = second.add_rows();
    *bad->add_values() = Int(50001);
    *bad->add_values() = Text("not a number");
    writer->Write(second);
    writer->WritesDone();
    grpc::Status status = writer->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(status.error_message(), "rows[1]: field 'n' is int, got text_value");
  }
  v1::CountRequest c;
  c.set_model("notes");
  v1::CountResponse count;
  ASSERT_TRUE(Call(&v1::QueryService::Stub::Count, c, &count).ok());
  EXPECT_EQ(count.count(), 3000);
}

TEST_F(QueryServerTest, CopyInFailingEarlyWhileTheClientKeepsWriting) {
  // The server reads ahead while it writes: an error in the first message
  // must end the call cleanly however many messages are still coming.
  Sql("CREATE TABLE IF NOT EXISTS tallies (id int8, n int4)");
  v1::ListModelsRequest reload;
  reload.set_reload(true);
  v1::ListModelsResponse models;
  ASSERT_TRUE(Call(&v1::QueryService::Stub::ListModels, reload, &models).ok());
  for (int bad_at : {0, 3}) {
    grpc::ClientContext context;
    v1::CopyInResponse response;
    auto writer = stub_->CopyIn(&context, &response);
    for (int m = 0; m < 40; ++m) {
      v1::CopyInRequest message;
      if (m == 0) {
        message.set_model("tallies");
        message.add_fields("id");
        message.add_fields("n");
      }
      for (int i = 0; i < 500; ++i) {
        v1::Row* row = message.add_rows();
        *row->add_values() = Int(m * 500 + i);
        *row->add_values() = (m == bad_at && i == 7) ? Text("x") : Int(i);
      }
      if (!writer->Write(message)) break;  // the server has already answered
    }
    writer->WritesDone();
    grpc::Status status = writer->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
    EXPECT_EQ(status.error_message(),
              absl::StrCat("rows[", bad_at * 500 + 7, "]: field 'n' is int, got text_value"));
  }
  v1::CountRequest c;
  c.set_model("tallies");
  v1::CountResponse count;
  ASSERT_TRUE(Call(&v1::QueryService::Stub::Count, c, &count).ok());
  EXPECT_EQ(count.count(), 0);
}

TEST_F(QueryServerTest, ExplainAQueryAndAnAnalyzedWriteThatLeavesNoTrace) {
  v1::ExplainRequest e;
  v1::QueryRequest* q = e.mutable_query();
  q->set_model("posts");
  *q->mutable_filter() = Cond("id", v1::EXACT, Int(1));
  v1::ExplainResponse plan;
  grpc::Status status = Call(&v1::QueryService::Stub::Explain, e, &plan);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(plan.root().node_type().empty());
  EXPECT_TRUE(absl::StrContains(plan.sql(), "WHERE (t0.\"id\" = $1)")) << plan.sql();

  v1::ExplainRequest write;
  write.mutable_execute()->set_sql("UPDATE posts SET views = views + 1000");
  write.set_analyze(true);
  write.set_buffers(true);
  ASSERT_TRUE(Call(&v1::QueryService::Stub::Explain, write, &plan).ok());
  EXPECT_GT(plan.execution_ms(), 0);
  v1::CountRequest c;
  c.set_model("posts");
  *c.mutable_filter() = Cond("views", v1::GTE, Int(1000));
  v1::CountResponse count;
  ASSERT_TRUE(Call(&v1::QueryService::Stub::Count, c, &count).ok());
  EXPECT_EQ(count.count(), 0);  // rolled back
}

TEST_F(QueryServerTest, AtomicBatchThatFailsMidwayLeavesNoTrace) {
  v1::BatchRequest batch;
  batch.set_atomic(true);
  v1::BulkCreateRequest* insert = batch.add_operations()->mutable_bulk_create();
  insert->set_model("teams");
  insert->add_fields("id");
  insert->add_fields("name");
  v1::Row* row = insert->add_rows();
  *row->add_values() = Int(700);
  *row->add_values() = Text("new");
  v1::UpdateRequest* update = batch.add_operations()->mutable_update();
  update->set_model("teams");
  *update->mutable_filter() = Cond("id", v1::EXACT, Int(1));
  v1::Assignment* a = update->add_set();
  a->set_field("name");
  *a->mutable_value() = Text("changed");
  v1::BulkCreateRequest* duplicate = batch.add_operations()->mutable_bulk_create();
  *duplicate = *insert;  // same key again: unique violation
  v1::BatchResponse response;
  grpc::Status status = Call(&v1::QueryService::Stub::Batch, batch, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS) << status.error_message();

  v1::QueryRequest q;
  q.set_model("teams");
  q.add_values("name");
  *q.mutable_filter() = Cond("id", v1::IN, v1::Value());
  q.mutable_filter()->mutable_condition()->clear_value();
  *q.mutable_filter()->mutable_condition()->add_values() = Int(1);
  *q.mutable_filter()->mutable_condition()->add_values() = Int(700);
  v1::QueryResponse rows;
  ASSERT_TRUE(Call(&v1::QueryService::Stub::Query, q, &rows).ok());
  ASSERT_EQ(rows.rows_size(), 1);
  EXPECT_EQ(rows.rows(0).values(0).text_value(), "core");  // update rolled back
}

TEST_F(QueryServerTest, PipelinedBatchReportsEachOperation) {
  v1::BatchRequest batch;
  v1::CountRequest* count = batch.add_operations()->mutable_count();
  count->set_model("users");
  v1::ExecuteRequest* bad = batch.add_operations()->mutable_execute();
  bad->set_sql("SELECT * FROM no_such_table");
  v1::ExistsRequest* exists = batch.add_operations()->mutable_exists();
  exists->set_model("users");
  *exists->mutable_filter() = Cond("name", v1::EXACT, Text("ann"));
  v1::BatchResponse response;
  grpc::Status status = Call(&v1::QueryService::Stub::Batch, batch, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.results_size(), 3);
  EXPECT_EQ(response.results(0).code(), 0);
  EXPECT_EQ(response.results(0).count().count(), 2);
  EXPECT_EQ(response.results(1).code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_TRUE(absl::StrContains(response.results(1).message(), "no_such_table"));
  EXPECT_EQ(response.results(2).code(), 0);
  EXPECT_TRUE(response.results(2).exists().exists());

  v1::BatchRequest invalid;
  invalid.add_operations()->mutable_count()->set_model("nope");
  status = Call(&v1::QueryService::Stub::Batch, invalid, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "operations[0]: unknown model 'nope'");
}

TEST_F(QueryServerTest, BatchRunsPrefetchRelated) {
  for (bool atomic : {false, true}) {
    v1::BatchRequest batch;
    batch.set_atomic(atomic);
    v1::QueryRequest* users = batch.add_operations()->mutable_query();
    users->set_model("users");
    users->add_prefetch_related("posts_by_author");
    users->add_order_by()->set_field("id");
    batch.add_operations()->mutable_count()->set_model("posts");
    v1::QueryRequest* teams = batch.add_operations()->mutable_query();
    teams->set_model("teams");
    teams->add_prefetch_related("users");
    *teams->mutable_filter() = Cond("id", v1::EXACT, Int(1));
    v1::BatchResponse response;
    grpc::Status status = Call(&v1::QueryService::Stub::Batch, batch, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(response.results_size(), 3);
    const v1::QueryResponse& u = response.results(0).query();
    ASSERT_EQ(u.rows_size(), 2) << response.results(0).message();
    EXPECT_EQ(u.rows(0).prefetched().at("posts_by_author").rows_size(), 2);
    EXPECT_EQ(u.rows(1).prefetched().at("posts_by_author").rows_size(), 1);
    EXPECT_EQ(u.related_columns().at("posts_by_author").columns(1).name(), "title");
    EXPECT_EQ(response.results(1).count().count(), 3);
    const v1::QueryResponse& t = response.results(2).query();
    ASSERT_EQ(t.rows_size(), 1) << response.results(2).message();
    ASSERT_EQ(t.rows(0).prefetched().at("users").rows_size(), 1);
    EXPECT_EQ(t.rows(0).prefetched().at("users").rows(0).values(1).text_value(), "ann");
  }
}

TEST_F(QueryServerTest, ClientDeadlineCancelsTheStatementOnTheServer) {
  v1::ExecuteRequest sleep;
  sleep.set_sql("SELECT pg_sleep(60)");
  v1::ExecuteResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
  grpc::Status status = stub_->Execute(&context, sleep, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << status.error_message();
  // The server stops the statement rather than letting it run to the end.
  v1::ExecuteRequest running;
  running.set_sql(
      "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query = $1");
  running.add_params()->set_text_value("SELECT pg_sleep(60)");
  int64_t still = -1;
  for (int i = 0; i < 200 && still != 0; ++i) {
    v1::ExecuteResponse count;
    ASSERT_TRUE(Call(&v1::QueryService::Stub::Execute, running, &count).ok());
    still = count.rows(0).values(0).int_value();
    if (still != 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(still, 0);
}

}  // namespace
}  // namespace hyper::query
