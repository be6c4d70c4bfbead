// The HTTP conformance suite, run against the real edge binary over real
// sockets: every malformed input the parser must refuse gets its status and
// `Connection: close`, and after each one a normal request still succeeds.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libs/testing/http_client.h"
#include "libs/testing/service_process.h"

namespace hyper::edge {
namespace {

using ::hyper::testing::HttpResponse;
using ::hyper::testing::RawHttpClient;
using ::hyper::testing::ServiceProcess;

class Conformance : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto edge = ServiceProcess::Start(
        "services/edge/edge",
        {"--host=127.0.0.1", "--port=0", "--threads=2", "--request_timeout=2s"});
    ASSERT_TRUE(edge.ok()) << edge.status();
    absl::StatusOr<int> port = (*edge)->WaitForPort("http");
    ASSERT_TRUE(port.ok()) << port.status();
    edge_ = edge->release();
    port_ = *port;
  }
  static void TearDownTestSuite() {
    if (edge_ == nullptr) return;
    absl::StatusOr<int> code = edge_->Stop(SIGTERM);
    EXPECT_TRUE(code.ok() && *code == 0) << edge_->output();
    delete edge_;
    edge_ = nullptr;
  }

  std::unique_ptr<RawHttpClient> Client() {
    auto client = RawHttpClient::Connect(port_);
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? std::move(*client) : nullptr;
  }

  void ExpectStillServing() {
    auto client = Client();
    ASSERT_TRUE(client->Send("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n"));
    absl::StatusOr<HttpResponse> r = client->ReadResponse();
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "Hello, World!");
  }

  // Sends `request`, expects `status` with Connection: close and the
  // connection closed, then that the server still serves others.
  void ExpectRejected(absl::string_view request, int status) {
    auto client = Client();
    client->Send(request);  // the server may close before reading it all
    absl::StatusOr<HttpResponse> r = client->ReadResponse();
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->status, status) << r->body;
    EXPECT_EQ(r->Header("connection"), "close");
    EXPECT_TRUE(client->WaitForClose());
    ExpectStillServing();
  }

  static ServiceProcess* edge_;
  static int port_;
};

ServiceProcess* Conformance::edge_ = nullptr;
int Conformance::port_ = 0;

// A string literal with its embedded NULs, sized from the array itself.
template <size_t N>
std::string Bytes(const char (&literal)[N]) {
  return std::string(literal, N - 1);
}

struct Case {
  const char* name;
  std::string request;
  int status;
};

TEST_F(Conformance, MalformedRequestsAreRefusedWithTheRightStatus) {
  const std::vector<Case> cases = {
      {"both CL and TE",
       "POST /json HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
       "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
      {"differing CL", "POST /json HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                       "Content-Length: 4\r\n\r\nabcd", 400},
      {"non-numeric CL", "POST /json HTTP/1.1\r\nHost: x\r\nContent-Length: 3x\r\n\r\nabc", 400},
      {"negative CL", "POST /json HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400},
      {"unknown coding", "POST /json HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
      {"obs-fold", "GET /json HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  folded\r\n\r\n", 400},
      {"bare CR", "GET /json HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n", 400},
      {"NUL in method", Bytes("G\0T /json HTTP/1.1\r\nHost: x\r\n\r\n"), 400},
      {"control byte in target", "GET /js\x01on HTTP/1.1\r\nHost: x\r\n\r\n", 400},
      {"NUL in header name", Bytes("GET /json HTTP/1.1\r\nHost: x\r\nX\0A: 1\r\n\r\n"), 400},
      {"space before colon", "GET /json HTTP/1.1\r\nHost : x\r\n\r\n", 400},
      {"HTTP/2.0", "GET /json HTTP/2.0\r\nHost: x\r\n\r\n", 505},
      {"HTTP/0.9 style", "GET /json HTTP/0.9\r\nHost: x\r\n\r\n", 505},
      {"no Host on 1.1", "GET /json HTTP/1.1\r\n\r\n", 400},
      {"body over limit", "POST /json HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999999\r\n\r\n", 413},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ExpectRejected(c.request, c.status);
  }
}

TEST_F(Conformance, HugeHeaderAndTargetAndHeaderFlood) {
  ExpectRejected(absl::StrCat("GET /json HTTP/1.1\r\nHost: x\r\nX-Big: ",
                              std::string(200 * 1024, 'a'), "\r\n\r\n"), 431);
  ExpectRejected(absl::StrCat("GET /", std::string(200 * 1024, 'a'),
                              " HTTP/1.1\r\nHost: x\r\n\r\n"), 414);
  std::string flood = "GET /json HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 20000; ++i) flood += "A: b\r\n";
  flood += "\r\n";
  ExpectRejected(flood, 431);
}

TEST_F(Conformance, HundredPipelinedRequests) {
  auto client = Client();
  std::string batch;
  for (int i = 0; i < 100; ++i) {
    batch += i % 2 == 0 ? "GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n"
                        : "GET /json HTTP/1.1\r\nHost: x\r\n\r\n";
  }
  ASSERT_TRUE(client->Send(batch));
  for (int i = 0; i < 100; ++i) {
    absl::StatusOr<HttpResponse> r = client->ReadResponse();
    ASSERT_TRUE(r.ok()) << i << ": " << r.status();
    EXPECT_EQ(r->body, i % 2 == 0 ? "Hello, World!" : R"({"message":"Hello, World!"})");
  }
  ExpectStillServing();
}

TEST_F(Conformance, RequestInOneByteWrites) {
  auto client = Client();
  ASSERT_TRUE(client->SendByteByByte("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n"));
  absl::StatusOr<HttpResponse> r = client->ReadResponse();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body, "Hello, World!");
}

TEST_F(Conformance, Http10WithAndWithoutKeepAlive) {
  auto once = Client();
  ASSERT_TRUE(once->Send("GET /plaintext HTTP/1.0\r\n\r\n"));
  absl::StatusOr<HttpResponse> r = once->ReadResponse();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->version, "HTTP/1.0");
  EXPECT_TRUE(once->WaitForClose());

  auto kept = Client();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(kept->Send("GET /plaintext HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    absl::StatusOr<HttpResponse> k = kept->ReadResponse();
    ASSERT_TRUE(k.ok()) << k.status();
    EXPECT_EQ(k->body, "Hello, World!");
  }
  ExpectStillServing();
}

TEST_F(Conformance, ConnectionCloseAndHeadFraming) {
  auto client = Client();
  ASSERT_TRUE(client->Send("HEAD /plaintext HTTP/1.1\r\nHost: x\r\n\r\n"
                           "GET /plaintext HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  absl::StatusOr<HttpResponse> head = client->ReadResponse(/*head_request=*/true);
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->Header("content-length"), "13");
  absl::StatusOr<HttpResponse> get = client->ReadResponse();
  ASSERT_TRUE(get.ok()) << get.status();
  EXPECT_EQ(get->body, "Hello, World!");
  EXPECT_EQ(get->Header("connection"), "close");
  EXPECT_TRUE(client->WaitForClose());
}

TEST_F(Conformance, TricklingClientIsCutOffWith408) {
  auto client = Client();
  ASSERT_TRUE(client->Send("GET /plaintext HTTP/1.1\r\n"));
  for (int i = 0; i < 3; ++i) {
    absl::SleepFor(absl::Milliseconds(500));
    client->Send("X");
  }
  absl::StatusOr<HttpResponse> r = client->ReadResponse();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 408);
  EXPECT_TRUE(client->WaitForClose());
  ExpectStillServing();
}

}  // namespace
}  // namespace hyper::edge
