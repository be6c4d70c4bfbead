#include "services/edge/http_metrics.h"

#include "absl/strings/str_cat.h"

namespace hyper::edge {

HttpMetrics::HttpMetrics(metrics::Registry* registry,
                         std::function<double()> open_connections) {
  registry->AddCollector([this](std::string* out) { Render(out); });
  latency_ = registry->AddHistogram(
      "hyper_http_request_duration_seconds",
      "Time from a request's parse to its complete response.", {},
      metrics::DefaultLatencyBounds());
  registry->AddGauge("hyper_http_open_connections", "Open client connections.",
                     std::move(open_connections));
}

void HttpMetrics::After(const http::Completed& completed) {
  int status = completed.status;
  if (status >= kMinStatus && status < kMinStatus + kStatuses) {
    int index = static_cast<int>(completed.method) * kStatuses + (status - kMinStatus);
    requests_[index].fetch_add(1, std::memory_order_relaxed);
  }
  latency_->Observe(absl::ToDoubleSeconds(completed.latency));
}

uint64_t HttpMetrics::requests(http::Method method, int status) const {
  if (status < kMinStatus || status >= kMinStatus + kStatuses) return 0;
  return requests_[static_cast<int>(method) * kStatuses + (status - kMinStatus)]
      .load(std::memory_order_relaxed);
}

void HttpMetrics::Render(std::string* out) const {
  metrics::AppendFamilyHeader(out, "hyper_http_requests_total", "counter",
                              "HTTP requests answered, by method and status.");
  for (int m = 0; m < kMethods; ++m) {
    for (int s = 0; s < kStatuses; ++s) {
      uint64_t n = requests_[m * kStatuses + s].load(std::memory_order_relaxed);
      if (n == 0) continue;
      absl::StrAppend(out, "hyper_http_requests_total{method=\"",
                      http::MethodName(static_cast<http::Method>(m)),
                      "\",status=\"", s + kMinStatus, "\"} ", n, "\n");
    }
  }
}

}  // namespace hyper::edge
