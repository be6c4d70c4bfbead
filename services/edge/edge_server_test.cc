#include "services/edge/edge_server.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/testing/http_client.h"

namespace hyper::edge {
namespace {

using ::hyper::testing::HttpResponse;
using ::hyper::testing::RawHttpClient;

class EdgeServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto edge = EdgeServer::Start({.http = {.host = "127.0.0.1", .port = 0, .threads = 2}});
    ASSERT_TRUE(edge.ok()) << edge.status();
    edge_ = std::move(*edge);
  }

  HttpResponse Get(absl::string_view request) {
    auto client = RawHttpClient::Connect(edge_->port());
    EXPECT_TRUE(client.ok()) << client.status();
    EXPECT_TRUE((*client)->Send(request));
    absl::StatusOr<HttpResponse> r = (*client)->ReadResponse(
        absl::StartsWith(request, "HEAD "));
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : HttpResponse();
  }

  std::unique_ptr<EdgeServer> edge_;
};

TEST_F(EdgeServerTest, PlaintextIsTechEmpowerShaped) {
  HttpResponse r = Get("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "Hello, World!");
  EXPECT_EQ(r.Header("content-type"), "text/plain");
  EXPECT_EQ(r.Header("content-length"), "13");
  EXPECT_EQ(r.Header("server"), "hyper");
  EXPECT_TRUE(r.HasHeader("date"));
}

TEST_F(EdgeServerTest, JsonIsTechEmpowerShaped) {
  HttpResponse r = Get("GET /json HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"message":"Hello, World!"})");
  EXPECT_EQ(r.Header("content-type"), "application/json");
  EXPECT_EQ(r.Header("server"), "hyper");
  EXPECT_TRUE(r.HasHeader("date"));
}

TEST_F(EdgeServerTest, HealthzAndHeadViaGet) {
  EXPECT_EQ(Get("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").body, "ok\n");
  HttpResponse head = Get("HEAD /plaintext HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.Header("content-length"), "13");
  EXPECT_EQ(head.body, "");
}

TEST_F(EdgeServerTest, UnknownPathWrongMethodAndOptions) {
  EXPECT_EQ(Get("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n").status, 404);
  HttpResponse wrong = Get("POST /json HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_TRUE(absl::StrContains(wrong.Header("allow"), "GET")) << wrong.Header("allow");
  HttpResponse options = Get("OPTIONS /json HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(options.status, 204);
  EXPECT_TRUE(absl::StrContains(options.Header("allow"), "OPTIONS"));
}

TEST_F(EdgeServerTest, MetricsCountRequestsByMethodAndStatus) {
  Get("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n");
  Get("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n");
  Get("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n");
  HttpResponse page = Get("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.Header("content-type"), "text/plain; version=0.0.4");
  EXPECT_TRUE(absl::StrContains(
      page.body, "hyper_http_requests_total{method=\"GET\",status=\"200\"} 2\n"))
      << page.body;
  EXPECT_TRUE(absl::StrContains(
      page.body, "hyper_http_requests_total{method=\"GET\",status=\"404\"} 1\n"))
      << page.body;
  EXPECT_TRUE(absl::StrContains(page.body, "hyper_http_request_duration_seconds_count 3\n"))
      << page.body;
  // Once the server has seen the earlier clients hang up (another loop
  // thread may still be catching up), the only open connection is the one
  // asking for the page.
  bool converged = false;
  for (int i = 0; i < 100 && !converged; ++i) {
    page = Get("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    converged = absl::StrContains(page.body, "hyper_http_open_connections 1\n");
    if (!converged) absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_TRUE(converged) << page.body;
}

}  // namespace
}  // namespace hyper::edge
