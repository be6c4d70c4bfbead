// The per-model query cache end to end: the real cache service binary, two
// query services (in process, real gRPC sockets) on one real PostgreSQL
// database, sharing that cache service as two replicas would.
#include "services/query/query_cache.h"

#include <grpcpp/grpcpp.h>
#include <postgresql/libpq-fe.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <thread>
#include <vector>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/cache/remote_cache.h"
#include "libs/testing/service_process.h"
#include "libs/testing/test_database.h"
#include "proto/hyper/query/v1/query.grpc.pb.h"
#include "services/query/query_server.h"
#include "services/query/test_catalog.h"

namespace hyper::query {
namespace {

using ::testing::HasSubstr;

std::string WriteFile(const std::string& name, const std::string& text) {
  std::string path = absl::StrCat(std::getenv("TEST_TMPDIR"), "/", name);
  std::ofstream(path) << text;
  return path;
}

class QueryCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = testing::TestDatabase::Create();
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    Sql(kBlogSchemaSql);
    Sql("INSERT INTO teams VALUES (1, 'core');"
        "INSERT INTO users VALUES (1, 'ann', NULL, 1, NULL), (2, 'bob', NULL, NULL, NULL);"
        "INSERT INTO posts (id, title, author_id, views) VALUES"
        " (1, 'first', 1, 10), (2, 'second', 1, 3), (3, 'third', 2, 8);");
    StartCache(0);
    models_ = WriteFile("models.textproto",
                        "model { name: \"posts\" cache_ttl_ms: 60000 }\n"
                        "model { name: \"users\" cache_ttl_ms: 60000 }\n");
    a_ = StartQuery();
    b_ = StartQuery();
  }

  void StartCache(int port) {
    auto cache = testing::ServiceProcess::Start(
        "services/cache/cache", {"--host=127.0.0.1", absl::StrCat("--port=", port),
                                 "--admin_port=-1", "--shutdown_grace=0s"});
    ASSERT_TRUE(cache.ok()) << cache.status();
    cache_ = std::move(*cache);
    absl::StatusOr<int> bound = cache_->WaitForPort("grpc");
    ASSERT_TRUE(bound.ok()) << bound.status() << cache_->output();
    cache_port_ = *bound;
  }

  struct Replica {
    std::unique_ptr<QueryServer> server;
    std::unique_ptr<v1::QueryService::Stub> stub;
  };

  Replica StartQuery() {
    Replica replica;
    auto server = QueryServer::Start({.database_url = absl::StrCat(db_->url(), "?pool_size=2"),
                                      .host = "127.0.0.1",
                                      .port = 0,
                                      .cache_address = absl::StrCat("127.0.0.1:", cache_port_),
                                      .models_path = models_,
                                      .cache_timeout = absl::Seconds(1)});
    EXPECT_TRUE(server.ok()) << server.status();
    if (!server.ok()) return replica;
    replica.server = std::move(*server);
    replica.stub = v1::QueryService::NewStub(grpc::CreateChannel(
        replica.server->address(), grpc::InsecureChannelCredentials()));
    return replica;
  }

  void Sql(const std::string& sql) {
    PGconn* conn = PQconnectdb(db_->conninfo().c_str());
    PGresult* r = PQexec(conn, sql.c_str());
    EXPECT_TRUE(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK)
        << PQresultErrorMessage(r);
    PQclear(r);
    PQfinish(conn);
  }

  template <typename Request, typename Response, typename Method>
  static Response Call(Replica& replica, Method method, const Request& request) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    Response response;
    grpc::Status status = (replica.stub.get()->*method)(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  // Title of post 1 with its author's name (select_related), through `r`.
  static std::string TitleAndAuthor(Replica& r) {
    v1::QueryRequest q;
    q.set_model("posts");
    q.add_values("title");
    q.add_values("author__name");
    *q.mutable_filter() = Cond("id", v1::EXACT, Int(1));
    v1::QueryResponse response = Call<v1::QueryRequest, v1::QueryResponse>(
        r, &v1::QueryService::Stub::Query, q);
    if (response.rows_size() != 1) return "<no row>";
    return absl::StrCat(response.rows(0).values(0).text_value(), " by ",
                        response.rows(0).values(1).text_value());
  }

  static int64_t CountPosts(Replica& r) {
    v1::CountRequest c;
    c.set_model("posts");
    return Call<v1::CountRequest, v1::CountResponse>(r, &v1::QueryService::Stub::Count, c)
        .count();
  }

  static v1::Stats Stats(Replica& r) {
    return Call<v1::GetStatsRequest, v1::Stats>(r, &v1::QueryService::Stub::GetStats,
                                               v1::GetStatsRequest());
  }

  static v1::UpdateRequest SetTitle(int64_t id, const std::string& title) {
    v1::UpdateRequest u;
    u.set_model("posts");
    *u.mutable_filter() = Cond("id", v1::EXACT, Int(id));
    v1::Assignment* a = u.add_set();
    a->set_field("title");
    *a->mutable_value() = Text(title);
    return u;
  }

  std::unique_ptr<testing::TestDatabase> db_;
  std::unique_ptr<testing::ServiceProcess> cache_;
  int cache_port_ = 0;
  std::string models_;
  Replica a_, b_;
};

TEST_F(QueryCacheTest, ARepeatedReadIsServedFromTheCache) {
  EXPECT_EQ(TitleAndAuthor(a_), "first by ann");
  // The miss's store is asynchronous: wait until the entry has landed.
  cache::RemoteCache probe({.address = absl::StrCat("127.0.0.1:", cache_port_)});
  bool stored = false;
  for (int i = 0; i < 200 && !stored; ++i) {
    absl::StatusOr<cache::v1::StatsResponse> stats = probe.ServiceStats();
    stored = stats.ok() && stats->entries() == 1;
    if (!stored) absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_TRUE(stored);
  // Changed behind the service's back: the cached result still answers,
  // which is how we know it came from the cache (cache_ttl bounds this).
  Sql("UPDATE posts SET title = 'edited by psql' WHERE id = 1");
  EXPECT_EQ(TitleAndAuthor(a_), "first by ann");
  // The other replica shares the cache service, so it hits as well.
  EXPECT_EQ(TitleAndAuthor(b_), "first by ann");
  v1::QueryCacheStats a = Stats(a_).query_cache();
  EXPECT_EQ(a.misses(), 1u);
  EXPECT_EQ(a.hits(), 1u);
  EXPECT_EQ(Stats(b_).query_cache().hits(), 1u);
}

TEST_F(QueryCacheTest, AWriteOnOneReplicaIsSeenByTheOtherAtOnce) {
  EXPECT_EQ(TitleAndAuthor(a_), "first by ann");
  EXPECT_EQ(CountPosts(a_), 3);

  Call<v1::UpdateRequest, v1::UpdateResponse>(b_, &v1::QueryService::Stub::Update,
                                              SetTitle(1, "renamed"));
  EXPECT_EQ(TitleAndAuthor(a_), "renamed by ann");

  // A write to a joined model invalidates the join too.
  v1::UpdateRequest rename_user;
  rename_user.set_model("users");
  *rename_user.mutable_filter() = Cond("id", v1::EXACT, Int(1));
  v1::Assignment* name = rename_user.add_set();
  name->set_field("name");
  *name->mutable_value() = Text("anna");
  Call<v1::UpdateRequest, v1::UpdateResponse>(b_, &v1::QueryService::Stub::Update, rename_user);
  EXPECT_EQ(TitleAndAuthor(a_), "renamed by anna");

  v1::BulkCreateRequest create;
  create.set_model("posts");
  create.add_fields("id");
  create.add_fields("title");
  v1::Row* row = create.add_rows();
  *row->add_values() = Int(4);
  *row->add_values() = Text("fourth");
  Call<v1::BulkCreateRequest, v1::BulkCreateResponse>(b_, &v1::QueryService::Stub::BulkCreate,
                                                      create);
  EXPECT_EQ(CountPosts(a_), 4);

  v1::ExecuteRequest execute;
  execute.set_sql("DELETE FROM posts WHERE id = 4");
  execute.add_writes_models("posts");
  Call<v1::ExecuteRequest, v1::ExecuteResponse>(b_, &v1::QueryService::Stub::Execute, execute);
  EXPECT_EQ(CountPosts(a_), 3);

  {  // CopyIn
    grpc::ClientContext context;
    v1::CopyInResponse response;
    auto writer = b_.stub->CopyIn(&context, &response);
    v1::CopyInRequest message;
    message.set_model("posts");
    message.add_fields("id");
    message.add_fields("title");
    v1::Row* copied = message.add_rows();
    *copied->add_values() = Int(5);
    *copied->add_values() = Text("fifth");
    ASSERT_TRUE(writer->Write(message));
    writer->WritesDone();
    ASSERT_TRUE(writer->Finish().ok());
  }
  EXPECT_EQ(CountPosts(a_), 4);

  v1::DeleteRequest remove;
  remove.set_model("posts");
  *remove.mutable_filter() = Cond("id", v1::EXACT, Int(5));
  Call<v1::DeleteRequest, v1::DeleteResponse>(b_, &v1::QueryService::Stub::Delete, remove);
  EXPECT_EQ(CountPosts(a_), 3);

  v1::BatchRequest batch;
  *batch.add_operations()->mutable_update() = SetTitle(1, "batched");
  Call<v1::BatchRequest, v1::BatchResponse>(b_, &v1::QueryService::Stub::Batch, batch);
  EXPECT_EQ(TitleAndAuthor(a_), "batched by anna");

  EXPECT_GE(Stats(b_).query_cache().bumps(), 7u);
  EXPECT_EQ(Stats(b_).query_cache().bump_errors(), 0u);
}

TEST_F(QueryCacheTest, ExistsAndPrefetchAreKeyedByEveryModelTheyRead) {
  v1::QueryRequest users;
  users.set_model("users");
  users.add_values("name");
  users.add_prefetch_related("posts_by_author");
  *users.mutable_filter() = Cond("id", v1::EXACT, Int(2));
  auto bobs_posts = [&](Replica& r) {
    v1::QueryResponse response =
        Call<v1::QueryRequest, v1::QueryResponse>(r, &v1::QueryService::Stub::Query, users);
    return response.rows_size() == 1
               ? response.rows(0).prefetched().at("posts_by_author").rows_size()
               : -1;
  };
  EXPECT_EQ(bobs_posts(a_), 1);
  v1::UpdateRequest move;
  move.set_model("posts");
  *move.mutable_filter() = Cond("id", v1::EXACT, Int(2));
  v1::Assignment* author = move.add_set();
  author->set_field("author_id");
  *author->mutable_value() = Int(2);
  Call<v1::UpdateRequest, v1::UpdateResponse>(b_, &v1::QueryService::Stub::Update, move);
  EXPECT_EQ(bobs_posts(a_), 2) << "a posts write must invalidate a users read prefetching posts";

  v1::ExistsRequest exists;
  exists.set_model("posts");
  *exists.mutable_filter() = Cond("title", v1::EXACT, Text("new"));
  auto any_new = [&](Replica& r) {
    return Call<v1::ExistsRequest, v1::ExistsResponse>(r, &v1::QueryService::Stub::Exists,
                                                       exists)
        .exists();
  };
  EXPECT_FALSE(any_new(a_));
  Call<v1::UpdateRequest, v1::UpdateResponse>(b_, &v1::QueryService::Stub::Update,
                                              SetTitle(3, "new"));
  EXPECT_TRUE(any_new(a_));
}

TEST_F(QueryCacheTest, CacheServiceDownMeansTheDatabaseAnswersAndRestartRecovers) {
  EXPECT_EQ(TitleAndAuthor(a_), "first by ann");
  absl::StatusOr<int> code = cache_->Stop();
  ASSERT_TRUE(code.ok()) << code.status();

  // Reads and writes keep working; the write's bump fails and the model
  // turns dirty on that replica, so it reads from the database.
  EXPECT_EQ(TitleAndAuthor(a_), "first by ann");
  Call<v1::UpdateRequest, v1::UpdateResponse>(a_, &v1::QueryService::Stub::Update,
                                              SetTitle(1, "while down"));
  EXPECT_EQ(TitleAndAuthor(a_), "while down by ann");
  v1::QueryCacheStats down = Stats(a_).query_cache();
  EXPECT_GE(down.errors(), 1u);
  EXPECT_GE(down.bump_errors(), 1u);

  // A restarted cache service has a new epoch, so nothing stored before
  // can be served; the dirty models clear once a retried bump lands.
  StartCache(cache_port_);
  bool clean = false;
  for (int i = 0; i < 100 && !clean; ++i) {
    clean = Stats(a_).query_cache().dirty_models() == 0;
    if (!clean) absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_TRUE(clean);
  EXPECT_EQ(TitleAndAuthor(b_), "while down by ann");
  Call<v1::UpdateRequest, v1::UpdateResponse>(b_, &v1::QueryService::Stub::Update,
                                              SetTitle(1, "after restart"));
  EXPECT_EQ(TitleAndAuthor(a_), "after restart by ann");
}

TEST_F(QueryCacheTest, KilledAndRestartedUnderLoadNoCallFails) {
  // Readers on both replicas and a writer on one, all the time; the cache
  // service is killed (SIGKILL, no goodbye) and restarted in the middle.
  std::atomic<bool> stop{false};
  std::atomic<int> calls{0}, failures{0}, stale{0};
  std::atomic<int64_t> acknowledged{0};  // the last views value a write acknowledged
  auto reader = [&](Replica* r) {
    while (!stop) {
      v1::QueryRequest q;
      q.set_model("posts");
      q.add_values("views");
      *q.mutable_filter() = Cond("id", v1::EXACT, Int(2));
      const int64_t floor = acknowledged.load();
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
      v1::QueryResponse response;
      grpc::Status status = r->stub->Query(&context, q, &response);
      ++calls;
      if (!status.ok() || response.rows_size() != 1) {
        ++failures;
      } else if (response.rows(0).values(0).int_value() < floor) {
        ++stale;  // older than a write acknowledged before the read began
      }
    }
  };
  auto writer = [&] {
    for (int64_t views = 100; !stop; ++views) {
      v1::UpdateRequest u;
      u.set_model("posts");
      *u.mutable_filter() = Cond("id", v1::EXACT, Int(2));
      v1::Assignment* a = u.add_set();
      a->set_field("views");
      *a->mutable_value() = Int(views);
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
      v1::UpdateResponse response;
      ++calls;
      if (b_.stub->Update(&context, u, &response).ok()) {
        acknowledged = views;
      } else {
        ++failures;
      }
      absl::SleepFor(absl::Milliseconds(5));
    }
  };
  std::vector<std::thread> threads;
  threads.emplace_back(reader, &a_);
  threads.emplace_back(reader, &b_);
  threads.emplace_back(writer);
  absl::SleepFor(absl::Milliseconds(300));
  absl::StatusOr<int> killed = cache_->Stop(SIGKILL);
  ASSERT_TRUE(killed.ok()) << killed.status();
  absl::SleepFor(absl::Milliseconds(300));
  StartCache(cache_port_);
  absl::SleepFor(absl::Milliseconds(1500));
  stop = true;
  for (std::thread& t : threads) t.join();
  EXPECT_GT(calls, 50);
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(stale, 0);
  // After the restart the cache is used again.
  EXPECT_GT(Stats(a_).query_cache().hits(), 0u);
}

TEST_F(QueryCacheTest, BadModelsFilesNameTheEntry) {
  Catalog catalog = BlogCatalog();
  auto load = [&](const std::string& text) {
    return QueryCache::LoadConfig(WriteFile("bad.textproto", text), catalog).status();
  };
  EXPECT_THAT(std::string(load("model { name: \"nope\" cache_ttl_ms: 5 }").message()),
              HasSubstr("model[0].name: 'nope' is not a model"));
  EXPECT_THAT(std::string(load("model { name: \"posts\" cache_ttl_ms: -1 }").message()),
              HasSubstr("model[0].cache_ttl_ms: must be 0 or positive"));
  EXPECT_THAT(std::string(load("model { name: \"posts\" }\nmodel { name: \"posts\" }").message()),
              HasSubstr("model[1].name: 'posts' is listed twice"));
  EXPECT_THAT(std::string(load("model { name: \"posts\"\n cache_ttl: 5 }").message()),
              HasSubstr("line 2"));
  EXPECT_EQ(QueryCache::LoadConfig("/no/such/file", catalog).status().code(),
            absl::StatusCode::kNotFound);

  auto no_cache = QueryServer::Start({.database_url = db_->url(),
                                      .host = "127.0.0.1",
                                      .port = 0,
                                      .models_path = models_});
  EXPECT_EQ(no_cache.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(no_cache.status().message()), HasSubstr("--cache_addr"));
}

TEST(QueryCacheKeyTest, EqualRequestsGiveEqualKeysAndRpcsDiffer) {
  v1::CountRequest a, b;
  a.set_model("posts");
  b.set_model("posts");
  EXPECT_EQ(QueryCache::Key("Count", a), QueryCache::Key("Count", b));
  EXPECT_NE(QueryCache::Key("Count", a), QueryCache::Key("Exists", a));
  *b.mutable_filter() = Cond("id", v1::EXACT, Int(1));
  EXPECT_NE(QueryCache::Key("Count", a), QueryCache::Key("Count", b));
}

TEST(QueryCacheModelsTest, WritesCoverWhatCascadesMayChange) {
  Catalog catalog = BlogCatalog();
  EXPECT_THAT(QueryCache::WrittenModels(catalog, "users", true),
              ::testing::UnorderedElementsAre("users", "posts"));
  EXPECT_THAT(QueryCache::WrittenModels(catalog, "users", false),
              ::testing::ElementsAre("users"));
  EXPECT_THAT(QueryCache::WrittenModels(catalog, "posts", true),
              ::testing::ElementsAre("posts"));
}

}  // namespace
}  // namespace hyper::query
