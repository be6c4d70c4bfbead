// The cache service over real loopback sockets.
#include "services/cache/cache_server.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/testing/http_client.h"
#include "libs/testing/test_database.h"
#include "proto/hyper/cache/v1/cache.grpc.pb.h"

namespace hyper::cache {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class CacheServerTest : public ::testing::Test {
 protected:
  void StartServer(CacheServerOptions options) {
    options.host = "127.0.0.1";
    options.port = 0;
    auto server = CacheServer::Start(std::move(options));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    stub_ = v1::CacheService::NewStub(
        grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials()));
  }
  void SetUp() override { StartServer({}); }

  grpc::Status Set(const std::string& key, const std::string& value, int64_t ttl_ms = 0) {
    grpc::ClientContext context;
    v1::SetRequest request;
    request.set_key(key);
    request.set_value(value);
    request.set_ttl_ms(ttl_ms);
    v1::SetResponse response;
    return stub_->Set(&context, request, &response);
  }

  v1::GetResponse Get(const std::string& key, std::vector<std::string> tables = {}) {
    grpc::ClientContext context;
    v1::GetRequest request;
    request.set_key(key);
    for (std::string& table : tables) request.add_version_tables(std::move(table));
    v1::GetResponse response;
    grpc::Status status = stub_->Get(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  v1::BumpVersionsResponse Bump(std::vector<std::string> tables) {
    grpc::ClientContext context;
    v1::BumpVersionsRequest request;
    for (std::string& table : tables) request.add_tables(std::move(table));
    v1::BumpVersionsResponse response;
    grpc::Status status = stub_->BumpVersions(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  v1::StatsResponse Stats() {
    grpc::ClientContext context;
    v1::StatsResponse response;
    EXPECT_TRUE(stub_->Stats(&context, v1::StatsRequest(), &response).ok());
    return response;
  }

  std::unique_ptr<CacheServer> server_;
  std::unique_ptr<v1::CacheService::Stub> stub_;
};

TEST_F(CacheServerTest, SetGetMissAndBinaryKeys) {
  const std::string key("k\0\xff'\";--", 8);
  const std::string value("v\0al\n", 5);
  ASSERT_TRUE(Set(key, value).ok());
  v1::GetResponse hit = Get(key);
  EXPECT_TRUE(hit.found());
  EXPECT_EQ(hit.value(), value);
  EXPECT_EQ(hit.versioned_key(), key);
  EXPECT_FALSE(Get("absent").found());
  v1::StatsResponse stats = Stats();
  EXPECT_EQ(stats.hits(), 1u);
  EXPECT_EQ(stats.misses(), 1u);
  EXPECT_EQ(stats.entries(), 1u);
  EXPECT_EQ(stats.memory_budget_bytes(), 256u << 20);
}

TEST_F(CacheServerTest, BadRequestsNameTheField) {
  grpc::Status empty = Set("", "v");
  EXPECT_EQ(empty.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(empty.error_message(), HasSubstr("key: must not be empty"));

  grpc::Status ttl = Set("k", "v", -5);
  EXPECT_EQ(ttl.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ttl.error_message(), HasSubstr("ttl_ms"));

  grpc::Status big = Set("k", std::string((1 << 20) + 1, 'x'));
  EXPECT_EQ(big.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(big.error_message(), HasSubstr("value: 1048577 bytes is over the limit"));

  grpc::ClientContext context;
  v1::SetManyRequest many;
  many.add_entries()->set_key("a");
  many.add_entries()->set_key("");
  v1::SetManyResponse many_response;
  grpc::Status status = stub_->SetMany(&context, many, &many_response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("entries[1].key"));
  EXPECT_FALSE(Get("a").found()) << "a rejected batch stores nothing";

  grpc::ClientContext versions_context;
  v1::GetVersionsResponse versions;
  status = stub_->GetVersions(&versions_context, v1::GetVersionsRequest(), &versions);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("tables"));
}

TEST_F(CacheServerTest, ManyAndDelete) {
  {
    grpc::ClientContext context;
    v1::SetManyRequest request;
    for (const char* key : {"a", "b", "c"}) {
      v1::Entry* entry = request.add_entries();
      entry->set_key(key);
      entry->set_value(absl::StrCat("value of ", key));
    }
    v1::SetManyResponse response;
    ASSERT_TRUE(stub_->SetMany(&context, request, &response).ok());
  }
  {
    grpc::ClientContext context;
    v1::GetManyRequest request;
    for (const char* key : {"c", "zz", "a"}) request.add_keys(key);
    v1::GetManyResponse response;
    ASSERT_TRUE(stub_->GetMany(&context, request, &response).ok());
    ASSERT_EQ(response.results_size(), 3);
    EXPECT_EQ(response.results(0).value(), "value of c");
    EXPECT_FALSE(response.results(1).found());
    EXPECT_EQ(response.results(2).value(), "value of a");
  }
  {
    grpc::ClientContext context;
    v1::DeleteRequest request;
    for (const char* key : {"a", "b", "nope"}) request.add_keys(key);
    v1::DeleteResponse response;
    ASSERT_TRUE(stub_->Delete(&context, request, &response).ok());
    EXPECT_EQ(response.deleted(), 2);
  }
  EXPECT_FALSE(Get("a").found());
  EXPECT_TRUE(Get("c").found());
}

TEST_F(CacheServerTest, IncrCountsAndRefusesNonIntegers) {
  for (int64_t expected : {3, 6}) {
    grpc::ClientContext context;
    v1::IncrRequest request;
    request.set_key("n");
    request.set_delta(3);
    v1::IncrResponse response;
    ASSERT_TRUE(stub_->Incr(&context, request, &response).ok());
    EXPECT_EQ(response.value(), expected);
  }
  ASSERT_TRUE(Set("word", "hello").ok());
  grpc::ClientContext context;
  v1::IncrRequest request;
  request.set_key("word");
  request.set_delta(1);
  v1::IncrResponse response;
  EXPECT_EQ(stub_->Incr(&context, request, &response).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(CacheServerTest, GetOrSetReturnsTheWinner) {
  auto get_or_set = [&](const std::string& value) {
    grpc::ClientContext context;
    v1::GetOrSetRequest request;
    request.set_key("page");
    request.set_value(value);
    v1::GetOrSetResponse response;
    EXPECT_TRUE(stub_->GetOrSet(&context, request, &response).ok());
    return response;
  };
  v1::GetOrSetResponse first = get_or_set("first");
  EXPECT_TRUE(first.stored());
  EXPECT_EQ(first.value(), "first");
  v1::GetOrSetResponse second = get_or_set("second");
  EXPECT_FALSE(second.stored());
  EXPECT_EQ(second.value(), "first");
}

TEST_F(CacheServerTest, TtlExpires) {
  ASSERT_TRUE(Set("short", "v", 50).ok());
  ASSERT_TRUE(Set("long", "v", 60'000).ok());
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_FALSE(Get("short").found());
  EXPECT_TRUE(Get("long").found());
}

TEST_F(CacheServerTest, VersionedReadsMissAfterABumpOfAnyTableRead) {
  v1::GetResponse miss = Get("q:posts join users", {"posts", "users"});
  EXPECT_FALSE(miss.found());
  ASSERT_NE(miss.versioned_key(), "q:posts join users");
  ASSERT_TRUE(Set(miss.versioned_key(), "rows v0").ok());
  EXPECT_EQ(Get("q:posts join users", {"posts", "users"}).value(), "rows v0");

  EXPECT_THAT(Bump({"comments"}).versions(), ElementsAre(1));
  EXPECT_TRUE(Get("q:posts join users", {"posts", "users"}).found()) << "unrelated table";

  v1::BumpVersionsResponse bumped = Bump({"users"});
  EXPECT_THAT(bumped.versions(), ElementsAre(1));
  v1::GetResponse after = Get("q:posts join users", {"posts", "users"});
  EXPECT_FALSE(after.found());
  EXPECT_NE(after.versioned_key(), miss.versioned_key());

  grpc::ClientContext context;
  v1::GetVersionsRequest request;
  request.add_tables("users");
  request.add_tables("posts");
  v1::GetVersionsResponse versions;
  ASSERT_TRUE(stub_->GetVersions(&context, request, &versions).ok());
  EXPECT_EQ(versions.epoch(), bumped.epoch());
  EXPECT_THAT(versions.versions(), ElementsAre(1, 0));
  EXPECT_EQ(Stats().version_bumps(), 2u);
}

TEST_F(CacheServerTest, EvictsUnderTheMemoryBudget) {
  StartServer({.memory_bytes = 1 << 20, .max_value_bytes = 64 << 10, .shards = 4});
  const std::string value(32 << 10, 'x');
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(Set(absl::StrCat("k", i), value).ok());
  v1::StatsResponse stats = Stats();
  EXPECT_LE(stats.bytes(), 1u << 20);
  EXPECT_LT(stats.entries(), 100u);
  EXPECT_GT(stats.evictions(), 0u);
  EXPECT_TRUE(Get("k99").found()) << "the newest entry is kept";
  EXPECT_FALSE(Get("k0").found()) << "the oldest is gone";
}

TEST_F(CacheServerTest, MetricsOnTheAdminPort) {
  ASSERT_TRUE(Set("k", "v").ok());
  Get("k");
  auto client = testing::RawHttpClient::Connect(server_->admin_port());
  ASSERT_TRUE(client.ok()) << client.status();
  ASSERT_TRUE((*client)->Send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"));
  absl::StatusOr<testing::HttpResponse> response = (*client)->ReadResponse();
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_THAT(response->body, HasSubstr("hyper_cache_hits_total 1\n"));
  EXPECT_THAT(response->body, HasSubstr("hyper_cache_requests_total{method=\"Set\"} 1\n"));
  EXPECT_THAT(response->body, HasSubstr("hyper_cache_entries 1\n"));
}

TEST_F(CacheServerTest, DatabaseTierOutlivesARestart) {
  auto db = testing::TestDatabase::Create();
  ASSERT_TRUE(db.ok()) << db.status();
  StartServer({.database_url = (*db)->url()});
  ASSERT_TRUE(Set("kept", "across restarts", 60'000).ok());
  ASSERT_TRUE(Set("brief", "gone soon", 50).ok());

  StartServer({.database_url = (*db)->url()});  // a new process's memory is empty
  v1::GetResponse kept = Get("kept");
  EXPECT_TRUE(kept.found());
  EXPECT_EQ(kept.value(), "across restarts");
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_FALSE(Get("brief").found()) << "the database tier honours the ttl too";
  v1::StatsResponse stats = Stats();
  EXPECT_EQ(stats.database_hits(), 1u);
  EXPECT_EQ(stats.database_errors(), 0u);
  EXPECT_TRUE(Get("kept").found());
  EXPECT_EQ(Stats().database_hits(), 1u) << "the hit was promoted to memory";
}

// Pipeline: every data command over one stream, answered in order; a bad
// command fails alone and the stream goes on.
TEST_F(CacheServerTest, PipelineAnswersInOrderAndABadCommandFailsAlone) {
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReaderWriter<v1::PipelineRequest, v1::PipelineResponse>> stream =
      stub_->Pipeline(&context);
  std::vector<v1::PipelineRequest> commands(11);
  commands[0].mutable_set()->set_key("a");
  commands[0].mutable_set()->set_value("1");
  commands[1].mutable_get()->set_key("a");
  for (const char* key : {"zz", "a"}) commands[2].mutable_get_many()->add_keys(key);
  // commands[3]: no command at all
  commands[4].mutable_set()->set_key("");  // an empty key
  v1::Entry* entry = commands[5].mutable_set_many()->add_entries();
  entry->set_key("b");
  entry->set_value("2");
  commands[6].mutable_incr()->set_key("n");
  commands[6].mutable_incr()->set_delta(5);
  commands[7].mutable_incr()->set_key("a");
  commands[7].mutable_incr()->set_delta(1);
  commands[8].mutable_get_or_set()->set_key("b");
  commands[8].mutable_get_or_set()->set_value("other");
  for (const char* key : {"a", "nope"}) commands[9].mutable_delete_keys()->add_keys(key);
  commands[10].mutable_get()->set_key("a");
  for (const v1::PipelineRequest& command : commands) ASSERT_TRUE(stream->Write(command));
  ASSERT_TRUE(stream->WritesDone());

  std::vector<v1::PipelineResponse> responses;
  for (v1::PipelineResponse response; stream->Read(&response);) responses.push_back(response);
  grpc::Status status = stream->Finish();
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(responses.size(), commands.size());

  EXPECT_EQ(responses[0].code(), 0);
  EXPECT_TRUE(responses[0].has_set());
  EXPECT_EQ(responses[1].get().value(), "1");
  ASSERT_EQ(responses[2].get_many().results_size(), 2);
  EXPECT_FALSE(responses[2].get_many().results(0).found());
  EXPECT_EQ(responses[2].get_many().results(1).value(), "1");
  EXPECT_EQ(responses[3].code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(responses[3].message(), HasSubstr("command: not set"));
  EXPECT_EQ(responses[4].code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(responses[4].message(), HasSubstr("key: must not be empty"));
  EXPECT_EQ(responses[4].result_case(), v1::PipelineResponse::RESULT_NOT_SET);
  EXPECT_TRUE(responses[5].has_set_many());
  EXPECT_EQ(responses[6].incr().value(), 5);
  EXPECT_EQ(responses[7].code(), 0) << responses[7].message();
  EXPECT_EQ(responses[7].incr().value(), 2) << "a held 1";
  EXPECT_FALSE(responses[8].get_or_set().stored());
  EXPECT_EQ(responses[8].get_or_set().value(), "2");
  EXPECT_EQ(responses[9].delete_keys().deleted(), 1);
  EXPECT_EQ(responses[10].code(), 0);
  EXPECT_FALSE(responses[10].get().found()) << "deleted by the command before";

  // The unary calls see what the stream did, and the commands were counted
  // under their own methods.
  EXPECT_EQ(Get("b").value(), "2");
  auto client = testing::RawHttpClient::Connect(server_->admin_port());
  ASSERT_TRUE(client.ok()) << client.status();
  ASSERT_TRUE((*client)->Send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"));
  absl::StatusOr<testing::HttpResponse> metrics = (*client)->ReadResponse();
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  EXPECT_THAT(metrics->body, HasSubstr("hyper_cache_requests_total{method=\"Pipeline\"} 1\n"));
  EXPECT_THAT(metrics->body, HasSubstr("hyper_cache_requests_total{method=\"Incr\"} 2\n"));
  EXPECT_THAT(metrics->body, HasSubstr("hyper_cache_request_errors_total{method=\"Set\"} 1\n"));
}

// A client that writes far more than the server queues before reading a
// single response still gets every response, in order: the server stops
// reading while its queue is full instead of growing it, and goes on as the
// responses drain.
TEST_F(CacheServerTest, PipelineKeepsOrderWhenTheClientReadsLate) {
  constexpr int kCommands = 3000;
  grpc::ClientContext context;
  auto stream = stub_->Pipeline(&context);
  std::thread writer([&] {
    for (int i = 0; i < kCommands; ++i) {
      v1::PipelineRequest command;
      if (i % 2 == 0) {
        v1::SetRequest* set = command.mutable_set();
        set->set_key(absl::StrCat("k", i));
        set->set_value(absl::StrCat(std::string(200, 'v'), i));
      } else {
        command.mutable_get()->set_key(absl::StrCat("k", i - 1));
      }
      if (!stream->Write(command)) return;
    }
    stream->WritesDone();
  });
  absl::SleepFor(absl::Milliseconds(300));  // let the server's queue fill
  int read = 0;
  for (v1::PipelineResponse response; stream->Read(&response); ++read) {
    ASSERT_EQ(response.code(), 0) << read << ": " << response.message();
    if (read % 2 == 0) {
      EXPECT_TRUE(response.has_set()) << read;
    } else {
      EXPECT_EQ(response.get().value(), absl::StrCat(std::string(200, 'v'), read - 1)) << read;
    }
  }
  writer.join();
  EXPECT_EQ(read, kCommands);
  EXPECT_TRUE(stream->Finish().ok());
}

// A client that goes away mid-stream (cancelled, responses unread) costs the
// server nothing lasting: it keeps serving.
TEST_F(CacheServerTest, PipelineSurvivesAClientThatGoesAway) {
  for (int round = 0; round < 20; ++round) {
    grpc::ClientContext context;
    auto stream = stub_->Pipeline(&context);
    for (int i = 0; i < 100; ++i) {
      v1::PipelineRequest command;
      command.mutable_get()->set_key(absl::StrCat("k", i));
      if (!stream->Write(command)) break;
    }
    if (round % 2 == 0) {
      v1::PipelineResponse first;
      EXPECT_TRUE(stream->Read(&first));
    }
    context.TryCancel();
    EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::CANCELLED);
  }
  ASSERT_TRUE(Set("still", "here").ok());
  EXPECT_EQ(Get("still").value(), "here");
}

TEST(CacheServerOptionsTest, BadOptionsNameTheOption) {
  auto tiny = CacheServer::Start({.port = 0, .memory_bytes = 1000});
  EXPECT_EQ(tiny.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(tiny.status().message()), HasSubstr("memory_mb"));
  auto value = CacheServer::Start({.port = 0, .memory_bytes = 1 << 20, .max_value_bytes = 1 << 20});
  EXPECT_EQ(value.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(value.status().message()), HasSubstr("max_value_bytes"));
  auto admin = CacheServer::Start({.port = 0, .admin_port = 70000});
  EXPECT_THAT(std::string(admin.status().message()), HasSubstr("admin_port"));
  auto unreachable = CacheServer::Start(
      {.port = 0, .database_url = "postgres://nobody@127.0.0.1:1/none?acquire_timeout_ms=500"});
  EXPECT_EQ(unreachable.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(unreachable.status().message()), HasSubstr("database"));
}

}  // namespace
}  // namespace hyper::cache
