// Metrics in the Prometheus text exposition format (version 0.0.4): counters,
// gauges read through a callback, and histograms, kept in lock-free atomics so
// that recording on a hot path costs a few relaxed atomic adds.
//
// A Registry owns the metrics and renders them all for a `/metrics` page.
// Series with labels are registered once, up front, with their label values
// (hot paths keep the returned pointer); a Collector renders series it keeps
// itself (e.g. a table indexed by HTTP method and status).
//
// Example:
//   Registry registry;
//   Counter* ok = registry.AddCounter("hyper_requests_total", "Requests.",
//                                     {{"status", "200"}});
//   Histogram* latency = registry.AddHistogram(
//       "hyper_latency_seconds", "Latency.", {}, {0.001, 0.01, 0.1});
//   ok->Increment();
//   latency->Observe(0.004);
//   registry.Render();
//   // # HELP hyper_requests_total Requests.
//   // # TYPE hyper_requests_total counter
//   // hyper_requests_total{status="200"} 1
//   // # HELP hyper_latency_seconds Latency.
//   // # TYPE hyper_latency_seconds histogram
//   // hyper_latency_seconds_bucket{le="0.001"} 0
//   // hyper_latency_seconds_bucket{le="0.01"} 1
//   // hyper_latency_seconds_bucket{le="0.1"} 1
//   // hyper_latency_seconds_bucket{le="+Inf"} 1
//   // hyper_latency_seconds_sum 0.004
//   // hyper_latency_seconds_count 1
#ifndef HYPER_LIBS_METRICS_METRICS_H_
#define HYPER_LIBS_METRICS_METRICS_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace hyper::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

// Renders `{a="x",b="y"}` with label values escaped (\\, \", \n); empty
// labels render as nothing.
std::string FormatLabels(const Labels& labels);

class Counter {
 public:
  void Increment(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// Cumulative histogram with fixed upper bounds (sorted, ascending).
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double value);

  const std::vector<double>& bounds() const { return bounds_; }
  // Observations <= bounds()[i] (cumulative), and in total.
  uint64_t CumulativeCount(size_t i) const;
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  double sum() const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // non-cumulative
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_nanos_{0};  // sum in units of 1e-9
};

// Latency buckets in seconds, 100 µs to 10 s.
std::vector<double> DefaultLatencyBounds();

class Registry {
 public:
  // Writes complete exposition lines (HELP/TYPE included) to *out.
  using Collector = std::function<void(std::string* out)>;

  // Each call adds one series; several series may share a name (same help
  // and type) with different labels. The pointers live as long as the
  // registry. Thread-safe.
  Counter* AddCounter(absl::string_view name, absl::string_view help,
                      Labels labels = {});
  Histogram* AddHistogram(absl::string_view name, absl::string_view help,
                          Labels labels, std::vector<double> bounds);
  void AddGauge(absl::string_view name, absl::string_view help,
                std::function<double()> read, Labels labels = {});
  void AddCollector(Collector collector);

  // The whole page. Series of one name are grouped under one HELP/TYPE.
  std::string Render() const;

 private:
  struct Series {
    std::string name;
    std::string help;
    const char* type;
    std::string labels;  // pre-rendered
    Labels label_pairs;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Histogram> histogram;
    std::function<double()> gauge;
  };

  // std::mutex: ThreadSanitizer cannot see Debian's uninstrumented
  // absl::Mutex.
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Series>> series_;  // guarded by mu_
  std::vector<Collector> collectors_;            // guarded by mu_
};

// Appends a number the way Prometheus expects (integers without ".0",
// +Inf/-Inf/NaN spelled out).
void AppendValue(std::string* out, double value);

// For collectors: the "# HELP" and "# TYPE" lines that start a metric family.
void AppendFamilyHeader(std::string* out, absl::string_view name,
                        absl::string_view type, absl::string_view help);

// For collectors: a family of one unlabeled sample, header included:
// "# HELP name help\n# TYPE name type\nname value\n".
void AppendSample(std::string* out, absl::string_view name, absl::string_view type,
                  absl::string_view help, double value);

}  // namespace hyper::metrics

#endif  // HYPER_LIBS_METRICS_METRICS_H_
