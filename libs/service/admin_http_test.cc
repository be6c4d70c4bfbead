#include "libs/service/admin_http.h"

#include <atomic>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "libs/metrics/metrics.h"
#include "libs/testing/http_client.h"

namespace hyper::service {
namespace {

using ::hyper::testing::HttpResponse;
using ::hyper::testing::RawHttpClient;

absl::StatusOr<HttpResponse> Get(int port, const std::string& method,
                                 const std::string& path) {
  absl::StatusOr<std::unique_ptr<RawHttpClient>> client = RawHttpClient::Connect(port);
  if (!client.ok()) return client.status();
  (*client)->Send(method + " " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  return (*client)->ReadResponse();
}

TEST(AdminHttpTest, ServesMetricsAndHealthzFollowingTheCheck) {
  metrics::Registry registry;
  registry.AddCounter("hyper_test_total", "A test counter.")->Increment(3);
  std::atomic<bool> healthy{true};
  auto admin = AdminHttp::Start({.host = "127.0.0.1", .port = 0}, &registry,
                                [&healthy] { return healthy.load(); });
  ASSERT_TRUE(admin.ok()) << admin.status();
  int port = (*admin)->port();
  ASSERT_GT(port, 0);
  EXPECT_EQ((*admin)->address(), absl::StrCat("127.0.0.1:", port));

  absl::StatusOr<HttpResponse> metrics = Get(port, "GET", "/metrics");
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  EXPECT_EQ(metrics->status, 200);
  EXPECT_TRUE(absl::StartsWith(metrics->Header("content-type"), "text/plain; version=0.0.4"));
  EXPECT_TRUE(absl::StrContains(metrics->body, "hyper_test_total 3\n")) << metrics->body;

  absl::StatusOr<HttpResponse> ok = Get(port, "GET", "/healthz");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, "ok\n");

  healthy = false;
  absl::StatusOr<HttpResponse> down = Get(port, "GET", "/healthz");
  ASSERT_TRUE(down.ok()) << down.status();
  EXPECT_EQ(down->status, 503);

  absl::StatusOr<HttpResponse> missing = Get(port, "GET", "/nope");
  ASSERT_TRUE(missing.ok()) << missing.status();
  EXPECT_EQ(missing->status, 404);

  absl::StatusOr<HttpResponse> post = Get(port, "POST", "/metrics");
  ASSERT_TRUE(post.ok()) << post.status();
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(post->Header("allow"), "GET");

  (*admin)->Shutdown(absl::Seconds(1));
  (*admin)->Shutdown(absl::Seconds(1));  // idempotent
}

TEST(AdminHttpTest, RefusesABadPortNamingTheField) {
  metrics::Registry registry;
  auto admin = AdminHttp::Start({.host = "127.0.0.1", .port = 70000}, &registry, nullptr);
  ASSERT_FALSE(admin.ok());
  EXPECT_EQ(admin.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(admin.status().message(), "admin_port"));
}

TEST(AdminHttpTest, PortInUseIsUnavailable) {
  metrics::Registry registry;
  auto first = AdminHttp::Start({.host = "127.0.0.1", .port = 0}, &registry, nullptr);
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = AdminHttp::Start({.host = "127.0.0.1", .port = (*first)->port()}, &registry,
                                 nullptr);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable) << second.status();
}

}  // namespace
}  // namespace hyper::service
