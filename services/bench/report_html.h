// ReportHtml: `--report out.html`, one self-contained HTML page (inline CSS
// and SVG, no script, no network) with the charts of a bench run: latency
// percentiles and ops/s of load suites, and per-query execution times
// against the baseline for `bench explain`.
//
// Example:
//   Report r{.title = "bench db", .loads = {{"pk", 13513, 4.6, 6.0, 8.9, 12.1}}};
//   std::string html = RenderReport(r);
//   // starts with "<!DOCTYPE html>", holds two <svg> charts, no "http"
//   // outside the xmlns attribute
#ifndef HYPER_SERVICES_BENCH_REPORT_HTML_H_
#define HYPER_SERVICES_BENCH_REPORT_HTML_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace hyper::bench {

struct LoadSeries {
  std::string name;  // suite or route
  double ops_per_second = 0;
  double p50_ms = 0, p90_ms = 0, p99_ms = 0, p999_ms = 0;
};

struct QueryTime {
  std::string name;
  double execution_ms = 0;
  std::optional<double> baseline_ms;
  bool path_taken = true;
};

struct Report {
  std::string title;                // "bench explain"
  std::vector<std::string> notes;   // lines under the title (settings, verdict)
  std::vector<LoadSeries> loads;    // charts: latency percentiles, ops/s
  std::vector<QueryTime> queries;   // chart: execution time vs baseline
};

// The page. Every text is HTML-escaped.
std::string RenderReport(const Report& report);

// Writes RenderReport(report) to `path`; Internal with errno's text on failure.
absl::Status WriteReport(const std::string& path, const Report& report);

}  // namespace hyper::bench

#endif  // HYPER_SERVICES_BENCH_REPORT_HTML_H_
