// The server over real loopback sockets, with a test handler:
//   /hello             200 "hello"
//   /echo              200 with the request body
//   /async?ms=N&id=X   answered from another thread after N ms, body X
//   /stream            a chunked body streamed from another thread
//   /drop              Defer()ed and dropped -> 500
//   /big               a 4 MiB body
//   /silent            the handler returns without answering -> 500
#include "libs/http/server.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include <mutex>
#include "libs/testing/notification.h"
#include "gtest/gtest.h"
#include "libs/testing/http_client.h"

namespace hyper::http {
namespace {

using ::hyper::testing::HttpResponse;
using ::hyper::testing::RawHttpClient;

std::string QueryParam(absl::string_view query, absl::string_view key) {
  for (absl::string_view pair : absl::StrSplit(query, '&')) {
    std::vector<absl::string_view> kv = absl::StrSplit(pair, absl::MaxSplits('=', 1));
    if (kv.size() == 2 && kv[0] == key) return std::string(kv[1]);
  }
  return "";
}

// Runs deferred work on its own threads, joined at the end of the test.
class Background {
 public:
  ~Background() {
    for (auto& t : threads_) t.join();
  }
  void Run(std::function<void()> work) {
    std::lock_guard<std::mutex> lock(mu_);
    threads_.emplace_back(std::move(work));
  }

 private:
  std::mutex mu_;
  std::vector<std::thread> threads_;
};

void TestHandler(Exchange& ex, Background* background) {
  absl::string_view path = ex.head().path;
  if (path == "/hello") {
    ex.Respond(200, "text/plain", "hello");
  } else if (path == "/echo") {
    ex.Respond(200, "application/octet-stream", ex.body());
  } else if (path == "/async") {
    int ms = 0;
    (void)absl::SimpleAtoi(QueryParam(ex.head().query, "ms"), &ms);
    std::string id = QueryParam(ex.head().query, "id");
    auto responder = std::make_shared<Responder>(ex.Defer());
    background->Run([responder, ms, id] {
      absl::SleepFor(absl::Milliseconds(ms));
      responder->Respond(200, "text/plain", id);
    });
  } else if (path == "/stream") {
    auto responder = std::make_shared<Responder>(ex.Defer());
    background->Run([responder] {
      responder->StartStream(200, "text/plain");
      for (int i = 0; i < 5; ++i) responder->Write(absl::StrCat("part", i, ";"));
      responder->Finish();
    });
  } else if (path == "/drop") {
    Responder dropped = ex.Defer();
  } else if (path == "/big") {
    ex.Respond(200, "application/octet-stream", std::string(4 << 20, 'b'));
  } else if (path == "/silent") {
    // no answer
  } else {
    ex.Respond(404, "text/plain", "nope");
  }
}

class ServerTest : public ::testing::Test {
 protected:
  void StartServer(ServerOptions options = {}) {
    options.host = "127.0.0.1";
    options.port = 0;
    if (options.threads == 0) options.threads = 2;
    server_ = std::make_unique<Server>(
        options, [this](Exchange& ex) { TestHandler(ex, &background_); });
    for (auto& m : middleware_) server_->Use(m);
    absl::Status started = server_->Start();
    ASSERT_TRUE(started.ok()) << started;
  }
  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown(absl::Seconds(2));
  }

  std::unique_ptr<RawHttpClient> Client() {
    auto client = RawHttpClient::Connect(server_->port());
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? std::move(*client) : nullptr;
  }

  // A normal request on a new connection succeeds.
  void ExpectServerStillWorks() {
    auto client = Client();
    ASSERT_NE(client, nullptr);
    ASSERT_TRUE(client->Send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
    absl::StatusOr<HttpResponse> r = client->ReadResponse();
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "hello");
  }

  Background background_;
  std::vector<std::shared_ptr<Middleware>> middleware_;
  std::unique_ptr<Server> server_;
};

TEST_F(ServerTest, AnswersWithStandardHeaders) {
  StartServer();
  auto client = Client();
  ASSERT_TRUE(client->Send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
  absl::StatusOr<HttpResponse> r = client->ReadResponse();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->version, "HTTP/1.1");
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello");
  EXPECT_EQ(r->Header("server"), "hyper");
  EXPECT_EQ(r->Header("content-length"), "5");
  EXPECT_EQ(r->Header("content-type"), "text/plain");
  EXPECT_TRUE(absl::EndsWith(r->Header("date"), " GMT")) << r->Header("date");
  EXPECT_FALSE(r->HasHeader("connection"));
}

TEST_F(ServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  StartServer();
  auto client = Client();
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(client->Send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
    absl::StatusOr<HttpResponse> r = client->ReadResponse();
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->body, "hello");
  }
  EXPECT_EQ(server_->stats().accepted, 1);
}

TEST_F(ServerTest, HundredPipelinedRequestsAnsweredInOrder) {
  StartServer();
  auto client = Client();
  std::string batch;
  for (int i = 0; i < 100; ++i) {
    absl::StrAppend(&batch, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: ",
                    absl::StrCat(i).size(), "\r\n\r\n", i);
  }
  ASSERT_TRUE(client->Send(batch));
  for (int i = 0; i < 100; ++i) {
    absl::StatusOr<HttpResponse> r = client->ReadResponse();
    ASSERT_TRUE(r.ok()) << i << ": " << r.status();
    EXPECT_EQ(r->body, absl::StrCat(i));
  }
}

TEST_F(ServerTest, PipelinedAsyncAnswersKeepRequestOrder) {
  StartServer();
  auto client = Client();
  // The first answer comes last in time; order on the wire must not change.
  ASSERT_TRUE(client->Send(
      "GET /async?ms=300&id=first HTTP/1.1\r\nHost: t\r\n\r\n"
      "GET /async?ms=0&id=second HTTP/1.1\r\nHost: t\r\n\r\n"
      "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"
      "GET /async?ms=100&id=fourth HTTP/1.1\r\nHost: t\r\n\r\n"));
  for (absl::string_view want : {"first", "second", "hello", "fourth"}) {
    absl::StatusOr<HttpResponse> r = client->ReadResponse();
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->body, want);
  }
}

TEST_F(ServerTest, LateAnswerForAGoneClientIsDroppedSafely) {
  StartServer();
  {
    auto client = Client();
    ASSERT_TRUE(client->Send("GET /async?ms=300&id=x HTTP/1.1\r\nHost: t\r\n\r\n"));
    absl::SleepFor(absl::Milliseconds(50));
  }  // the client hangs up before the answer exists
  absl::SleepFor(absl::Milliseconds(500));
  ExpectServerStillWorks();
}

TEST_F(ServerTest, StreamedBodyFromAnotherThread) {
  StartServer();
  auto client = Client();
  ASSERT_TRUE(client->Send("GET /stream HTTP/1.1\r\nHost: t\r\n\r\n"
                           "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
  absl::StatusOr<HttpResponse> r = client->ReadResponse();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->chunked);
  EXPECT_EQ(r->body, "part0;part1;part2;part3;part4;");
  absl::StatusOr<HttpResponse> next = client->ReadResponse();
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->body, "hello");
}

TEST_F(ServerTest, DroppedResponderAndSilentHandlerGive500) {
  StartServer();
  auto client = Client();
  ASSERT_TRUE(client->Send("GET /drop HTTP/1.1\r\nHost: t\r\n\r\n"
                           "GET /silent HTTP/1.1\r\nHost: t\r\n\r\n"
                           "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
  for (int want : {500, 500, 200}) {
    absl::StatusOr<HttpResponse> r = client->ReadResponse();
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->status, want);
  }
}

TEST_F(ServerTest, HeadGetsHeadersOnlyAndFramingHolds) {
  StartServer();
  auto client = Client();
  ASSERT_TRUE(client->Send("HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\n"
                           "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
  absl::StatusOr<HttpResponse> head = client->ReadResponse(/*head_request=*/true);
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->Header("content-length"), "5");
  EXPECT_EQ(head->body, "");
  absl::StatusOr<HttpResponse> get = client->ReadResponse();
  ASSERT_TRUE(get.ok()) << get.status();
  EXPECT_EQ(get->body, "hello");
}

TEST_F(ServerTest, Http10ClosesUnlessKeepAliveIsAsked) {
  StartServer();
  auto plain = Client();
  ASSERT_TRUE(plain->Send("GET /hello HTTP/1.0\r\n\r\n"));
  absl::StatusOr<HttpResponse> r = plain->ReadResponse();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->version, "HTTP/1.0");
  EXPECT_EQ(r->Header("connection"), "close");
  EXPECT_TRUE(plain->WaitForClose());

  auto kept = Client();
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(kept->Send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    absl::StatusOr<HttpResponse> k = kept->ReadResponse();
    ASSERT_TRUE(k.ok()) << k.status();
    EXPECT_EQ(k->Header("connection"), "keep-alive");
  }
}

TEST_F(ServerTest, ConnectionCloseIsHonoured) {
  StartServer();
  auto client = Client();
  ASSERT_TRUE(client->Send("GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
                           "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
  absl::StatusOr<HttpResponse> r = client->ReadResponse();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->Header("connection"), "close");
  EXPECT_TRUE(client->WaitForClose());
  EXPECT_EQ(client->pending(), "");  // the second request was never answered
}

TEST_F(ServerTest, RequestSplitIntoSingleBytes) {
  StartServer();
  auto client = Client();
  ASSERT_TRUE(client->SendByteByByte(
      "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n2;x=y\r\nde\r\n0\r\nTrailer: 1\r\n\r\n"));
  absl::StatusOr<HttpResponse> r = client->ReadResponse();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body, "abcde");
}

TEST_F(ServerTest, ExpectContinueGetsAnInterimResponse) {
  StartServer();
  auto client = Client();
  ASSERT_TRUE(client->Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n"
                           "Expect: 100-continue\r\n\r\n"));
  absl::StatusOr<HttpResponse> interim = client->ReadResponse();
  ASSERT_TRUE(interim.ok()) << interim.status();
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(client->Send("data"));
  absl::StatusOr<HttpResponse> final_response = client->ReadResponse();
  ASSERT_TRUE(final_response.ok()) << final_response.status();
  EXPECT_EQ(final_response->status, 200);
  EXPECT_EQ(final_response->body, "data");
}

TEST_F(ServerTest, MalformedRequestGets400CloseAndOthersAreServed) {
  StartServer();
  auto client = Client();
  ASSERT_TRUE(client->Send("GET /hello HTTP/1.1\r\nHost: t\r\nBad Header: x\r\n\r\n"));
  absl::StatusOr<HttpResponse> r = client->ReadResponse();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->Header("connection"), "close");
  EXPECT_TRUE(client->WaitForClose());
  ExpectServerStillWorks();
}

TEST_F(ServerTest, ErrorAfterPipelinedRequestsComesAfterTheirAnswers) {
  StartServer();
  auto client = Client();
  ASSERT_TRUE(client->Send("GET /async?ms=100&id=a HTTP/1.1\r\nHost: t\r\n\r\n"
                           "GET /hello HTTP/2.0\r\nHost: t\r\n\r\n"));
  absl::StatusOr<HttpResponse> a = client->ReadResponse();
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->body, "a");
  absl::StatusOr<HttpResponse> bad = client->ReadResponse();
  ASSERT_TRUE(bad.ok()) << bad.status();
  EXPECT_EQ(bad->status, 505);
  EXPECT_TRUE(client->WaitForClose());
}

TEST_F(ServerTest, TricklingClientGets408) {
  StartServer({.request_timeout = absl::Seconds(1)});
  auto client = Client();
  ASSERT_TRUE(client->Send("GET /hello HTTP/1.1\r\nHo"));
  absl::StatusOr<HttpResponse> r = client->ReadResponse();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 408);
  EXPECT_TRUE(client->WaitForClose());
  EXPECT_GE(server_->stats().timeouts, 1);
  ExpectServerStillWorks();
}

TEST_F(ServerTest, IdleConnectionIsClosed) {
  StartServer({.idle_timeout = absl::Seconds(1)});
  auto client = Client();
  ASSERT_TRUE(client->Send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(client->ReadResponse().ok());
  EXPECT_TRUE(client->WaitForClose(absl::Seconds(10)));
}

TEST_F(ServerTest, ConnectionsOverTheLimitGet503) {
  StartServer({.threads = 1, .max_connections = 2});
  auto a = Client();
  auto b = Client();
  ASSERT_TRUE(a->Send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(a->ReadResponse().ok());
  ASSERT_TRUE(b->Send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(b->ReadResponse().ok());
  auto c = Client();
  absl::StatusOr<HttpResponse> refused = c->ReadResponse();
  ASSERT_TRUE(refused.ok()) << refused.status();
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(server_->stats().rejected_over_limit, 1);
  a.reset();
  absl::SleepFor(absl::Milliseconds(200));
  ExpectServerStillWorks();
}

TEST_F(ServerTest, LargeResponseArrivesWhole) {
  StartServer();
  auto client = Client();
  ASSERT_TRUE(client->Send("GET /big HTTP/1.1\r\nHost: t\r\n\r\n"
                           "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
  absl::StatusOr<HttpResponse> big = client->ReadResponse();
  ASSERT_TRUE(big.ok()) << big.status();
  EXPECT_EQ(big->body.size(), 4u << 20);
  EXPECT_EQ(big->body.find_first_not_of('b'), std::string::npos);
  absl::StatusOr<HttpResponse> next = client->ReadResponse();
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->body, "hello");
}

TEST_F(ServerTest, GracefulShutdownFinishesInFlightRequests) {
  StartServer();
  auto client = Client();
  ASSERT_TRUE(client->Send("GET /async?ms=400&id=done HTTP/1.1\r\nHost: t\r\n\r\n"));
  absl::SleepFor(absl::Milliseconds(50));
  int port = server_->port();
  std::thread stopper([&] { server_->Shutdown(absl::Seconds(5)); });
  absl::StatusOr<HttpResponse> r = client->ReadResponse();
  stopper.join();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body, "done");
  EXPECT_EQ(r->Header("connection"), "");  // promised keep-alive, then closed
  EXPECT_TRUE(client->WaitForClose());
  EXPECT_FALSE(RawHttpClient::Connect(port).ok());  // nobody listens any more
}

class RecordingMiddleware : public Middleware {
 public:
  bool Before(Exchange& ex) override {
    ex.set_tag(std::string(ex.head().path));
    if (ex.head().path == "/blocked") {
      ex.Respond(403, "text/plain", "blocked");
      return true;
    }
    return false;
  }
  void After(const Completed& done) override {
    std::lock_guard<std::mutex> lock(mu_);
    seen_.push_back(absl::StrCat(done.tag, "=", done.status));
  }
  std::vector<std::string> seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> seen_;
};

TEST_F(ServerTest, MiddlewareCanAnswerAndSeesEveryCompletion) {
  auto recorder = std::make_shared<RecordingMiddleware>();
  middleware_.push_back(recorder);
  StartServer({.threads = 1});
  auto client = Client();
  ASSERT_TRUE(client->Send("GET /blocked HTTP/1.1\r\nHost: t\r\n\r\n"
                           "GET /async?ms=50&id=x HTTP/1.1\r\nHost: t\r\n\r\n"
                           "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
  for (int want : {403, 200, 200}) {
    absl::StatusOr<HttpResponse> r = client->ReadResponse();
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->status, want);
  }
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_EQ(recorder->seen(),
            (std::vector<std::string>{"/blocked=403", "/async=200", "/hello=200"}));
}

TEST_F(ServerTest, RejectsBadOptionsNamingTheField) {
  Server bad_port({.port = 70000}, [](Exchange&) {});
  absl::Status status = bad_port.Start();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(status.message(), "port")) << status;
  Server bad_host({.host = "not-an-ip", .port = 0}, [](Exchange&) {});
  status = bad_host.Start();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(status.message(), "host")) << status;
}

}  // namespace
}  // namespace hyper::http
