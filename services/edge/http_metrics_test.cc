#include "services/edge/http_metrics.h"

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace hyper::edge {
namespace {

http::Completed Done(http::Method method, int status, absl::Duration latency) {
  static const std::string kNoTag;
  return http::Completed{method, "/r", kNoTag, status, latency, 0};
}

TEST(HttpMetricsTest, CountsByMethodAndStatusAndObservesLatency) {
  metrics::Registry registry;
  HttpMetrics m(&registry, [] { return 3.0; });
  m.After(Done(http::Method::kGet, 200, absl::Microseconds(50)));
  m.After(Done(http::Method::kGet, 200, absl::Milliseconds(3)));
  m.After(Done(http::Method::kPost, 422, absl::Milliseconds(1)));
  EXPECT_EQ(m.requests(http::Method::kGet, 200), 2u);
  EXPECT_EQ(m.requests(http::Method::kPost, 422), 1u);
  EXPECT_EQ(m.requests(http::Method::kPost, 200), 0u);

  std::string page = registry.Render();
  EXPECT_TRUE(absl::StrContains(
      page, "hyper_http_requests_total{method=\"GET\",status=\"200\"} 2\n")) << page;
  EXPECT_TRUE(absl::StrContains(
      page, "hyper_http_requests_total{method=\"POST\",status=\"422\"} 1\n")) << page;
  EXPECT_FALSE(absl::StrContains(page, "status=\"500\"")) << page;
  EXPECT_TRUE(absl::StrContains(
      page, "hyper_http_request_duration_seconds_bucket{le=\"0.0001\"} 1\n")) << page;
  EXPECT_TRUE(absl::StrContains(page, "hyper_http_request_duration_seconds_count 3\n"));
  EXPECT_TRUE(absl::StrContains(page, "hyper_http_open_connections 3\n")) << page;
}

TEST(HttpMetricsTest, IgnoresStatusesOutsideTheTable) {
  metrics::Registry registry;
  HttpMetrics m(&registry, [] { return 0.0; });
  m.After(Done(http::Method::kGet, 99, absl::ZeroDuration()));
  m.After(Done(http::Method::kGet, 600, absl::ZeroDuration()));
  EXPECT_EQ(m.requests(http::Method::kGet, 99), 0u);
  EXPECT_EQ(m.requests(http::Method::kGet, 600), 0u);
}

}  // namespace
}  // namespace hyper::edge
