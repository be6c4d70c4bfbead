// HttpMetrics: the edge's request metrics, recorded by a middleware on every
// completed response without locks: requests by method and status, a latency
// histogram, and (read from the server) open connections.
//
// Example (after one GET answered 200):
//   hyper_http_requests_total{method="GET",status="200"} 1
//   hyper_http_request_duration_seconds_bucket{le="0.0001"} 1
//   ...
//   hyper_http_open_connections 1
#ifndef HYPER_SERVICES_EDGE_HTTP_METRICS_H_
#define HYPER_SERVICES_EDGE_HTTP_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>

#include "libs/http/server.h"
#include "libs/metrics/metrics.h"

namespace hyper::edge {

class HttpMetrics final : public http::Middleware {
 public:
  // Registers the series in `registry` (which must outlive this).
  // `open_connections` is read when the page is rendered.
  HttpMetrics(metrics::Registry* registry, std::function<double()> open_connections);

  void After(const http::Completed& completed) override;

  uint64_t requests(http::Method method, int status) const;

 private:
  static constexpr int kMethods = static_cast<int>(http::Method::kOther) + 1;
  static constexpr int kMinStatus = 100;
  static constexpr int kStatuses = 500;  // 100..599

  void Render(std::string* out) const;

  std::array<std::atomic<uint64_t>, kMethods * kStatuses> requests_{};
  metrics::Histogram* latency_;
};

}  // namespace hyper::edge

#endif  // HYPER_SERVICES_EDGE_HTTP_METRICS_H_
