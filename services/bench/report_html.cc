#include "services/bench/report_html.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace hyper::bench {
namespace {

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

constexpr int kWidth = 760;
constexpr int kLabel = 170;  // left column for names
constexpr int kBar = 14;

// One bar with its value written after it.
void Bar(std::string* svg, int y, double length, const std::string& color,
         const std::string& text) {
  absl::StrAppendFormat(svg,
                        "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>"
                        "<text x=\"%.1f\" y=\"%d\" class=\"v\">%s</text>\n",
                        kLabel, y, std::max(1.0, length), kBar, color,
                        kLabel + std::max(1.0, length) + 4, y + kBar - 3, Escape(text));
}

void Legend(std::string* svg, int y, const std::vector<std::pair<std::string, std::string>>& keys) {
  int x = kLabel;
  for (const auto& [name, color] : keys) {
    absl::StrAppendFormat(svg,
                          "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>"
                          "<text x=\"%d\" y=\"%d\" class=\"v\">%s</text>\n",
                          x, y, color, x + 14, y + 9, Escape(name));
    x += 30 + 7 * static_cast<int>(name.size());
  }
}

std::string Svg(int height, const std::string& body) {
  return absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
      "viewBox=\"0 0 %d %d\">\n%s</svg>\n",
      kWidth, height, kWidth, height, body);
}

const char* kColors[] = {"#4c78a8", "#f58518", "#e45756", "#72b7b2"};

std::string LatencyChart(const std::vector<LoadSeries>& loads) {
  double max = 0;
  for (const LoadSeries& l : loads) max = std::max({max, l.p50_ms, l.p90_ms, l.p99_ms, l.p999_ms});
  if (max <= 0) max = 1;
  const double scale = (kWidth - kLabel - 90) / max;
  std::string body;
  Legend(&body, 4, {{"p50", kColors[0]}, {"p90", kColors[1]}, {"p99", kColors[2]},
                    {"p99.9", kColors[3]}});
  int y = 24;
  for (const LoadSeries& l : loads) {
    absl::StrAppendFormat(&body, "<text x=\"0\" y=\"%d\" class=\"n\">%s</text>\n", y + 30,
                          Escape(l.name));
    const double values[] = {l.p50_ms, l.p90_ms, l.p99_ms, l.p999_ms};
    for (int i = 0; i < 4; ++i) {
      Bar(&body, y, values[i] * scale, kColors[i], absl::StrFormat("%.2f ms", values[i]));
      y += kBar + 2;
    }
    y += 10;
  }
  return Svg(y, body);
}

std::string OpsChart(const std::vector<LoadSeries>& loads) {
  double max = 0;
  for (const LoadSeries& l : loads) max = std::max(max, l.ops_per_second);
  if (max <= 0) max = 1;
  const double scale = (kWidth - kLabel - 110) / max;
  std::string body;
  int y = 4;
  for (const LoadSeries& l : loads) {
    absl::StrAppendFormat(&body, "<text x=\"0\" y=\"%d\" class=\"n\">%s</text>\n", y + kBar - 3,
                          Escape(l.name));
    Bar(&body, y, l.ops_per_second * scale, kColors[0],
        absl::StrFormat("%.0f ops/s", l.ops_per_second));
    y += kBar + 8;
  }
  return Svg(y, body);
}

// Log scale: the queries span 0.01 ms to tens of ms.
std::string QueryChart(const std::vector<QueryTime>& queries) {
  double lo = 1e9, hi = 0;
  for (const QueryTime& q : queries) {
    for (double v : {q.execution_ms, q.baseline_ms.value_or(q.execution_ms)}) {
      if (v > 0) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
    }
  }
  if (hi <= 0) lo = 0.001, hi = 1;
  const double floor_log = std::floor(std::log10(lo)), ceil_log = std::ceil(std::log10(hi));
  const double span = std::max(1.0, ceil_log - floor_log + 1);
  const double usable = kWidth - kLabel - 120;
  auto length = [&](double v) {
    return v <= 0 ? 1.0 : (std::log10(v) - floor_log + 1) / span * usable;
  };
  std::string body;
  Legend(&body, 4, {{"this run", kColors[0]}, {"baseline", "#bab0ac"},
                    {"declared path missed", kColors[2]}});
  int y = 24;
  for (const QueryTime& q : queries) {
    absl::StrAppendFormat(&body, "<text x=\"0\" y=\"%d\" class=\"n\">%s</text>\n",
                          y + kBar - 3 + (q.baseline_ms ? 8 : 0), Escape(q.name));
    std::string ratio = q.baseline_ms && *q.baseline_ms > 0
                            ? absl::StrFormat(" (%.2fx)", q.execution_ms / *q.baseline_ms)
                            : "";
    Bar(&body, y, length(q.execution_ms), q.path_taken ? kColors[0] : kColors[2],
        absl::StrFormat("%.3f ms%s", q.execution_ms, ratio));
    y += kBar + 2;
    if (q.baseline_ms) {
      Bar(&body, y, length(*q.baseline_ms), "#bab0ac", absl::StrFormat("%.3f ms", *q.baseline_ms));
      y += kBar + 2;
    }
    y += 8;
  }
  absl::StrAppendFormat(&body, "<text x=\"%d\" y=\"%d\" class=\"v\">log scale: each step of "
                        "%.0f px is 10x</text>\n", kLabel, y + 10, usable / span);
  return Svg(y + 16, body);
}

}  // namespace

std::string RenderReport(const Report& r) {
  std::string html = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>",
      Escape(r.title),
      "</title>\n<style>body{font:14px system-ui,sans-serif;margin:24px;color:#222}"
      "h1{font-size:20px}h2{font-size:16px;margin-top:28px}"
      "svg text.n{font-size:12px}svg text.v{font-size:11px;fill:#444}"
      "p.note{margin:2px 0;font-family:monospace}</style></head><body>\n<h1>",
      Escape(r.title), "</h1>\n");
  for (const std::string& note : r.notes) {
    absl::StrAppend(&html, "<p class=\"note\">", Escape(note), "</p>\n");
  }
  if (!r.loads.empty()) {
    absl::StrAppend(&html, "<h2>Latency percentiles</h2>\n", LatencyChart(r.loads),
                    "<h2>Throughput</h2>\n", OpsChart(r.loads));
  }
  if (!r.queries.empty()) {
    absl::StrAppend(&html, "<h2>Query execution time (median) against the baseline</h2>\n",
                    QueryChart(r.queries));
  }
  absl::StrAppend(&html, "</body></html>\n");
  return html;
}

absl::Status WriteReport(const std::string& path, const Report& report) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) {
    return absl::InternalError(absl::StrCat("--report: cannot write ", path, ": ",
                                            std::strerror(errno)));
  }
  std::string html = RenderReport(report);
  bool ok = std::fwrite(html.data(), 1, html.size(), f) == html.size();
  ok = std::fclose(f) == 0 && ok;
  if (!ok) {
    return absl::InternalError(absl::StrCat("--report: cannot write ", path, ": ",
                                            std::strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace hyper::bench
