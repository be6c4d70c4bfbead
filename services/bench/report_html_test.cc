#include "services/bench/report_html.h"

#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace hyper::bench {
namespace {

int Count(const std::string& haystack, const std::string& needle) {
  int n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

TEST(ReportHtmlTest, LoadReportHasLatencyAndThroughputCharts) {
  Report r{.title = "bench db",
           .notes = {"pk: 13513 ops/s"},
           .loads = {{"pk", 13513, 4.6, 6.0, 8.9, 12.1}, {"range", 5678, 9, 12, 20, 31}}};
  std::string html = RenderReport(r);
  EXPECT_TRUE(absl::StartsWith(html, "<!DOCTYPE html>"));
  EXPECT_EQ(Count(html, "<svg "), 2);
  EXPECT_NE(html.find("Latency percentiles"), std::string::npos);
  EXPECT_NE(html.find("13513 ops/s"), std::string::npos);
  EXPECT_NE(html.find("12.10 ms"), std::string::npos);
  // Self-contained: the only URL is the SVG namespace; no script, no link.
  EXPECT_EQ(Count(html, "http"), 2);  // one xmlns per chart
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
}

TEST(ReportHtmlTest, QueryChartShowsBaselineAndMissedPaths) {
  Report r{.title = "bench explain",
           .queries = {{"front_page_hot", 0.05, 0.04, true}, {"count_posts", 9.0, 3.0, false},
                       {"new_query", 1.0, std::nullopt, true}}};
  std::string html = RenderReport(r);
  EXPECT_EQ(Count(html, "<svg "), 1);
  EXPECT_NE(html.find("9.000 ms (3.00x)"), std::string::npos);
  EXPECT_NE(html.find("#e45756"), std::string::npos);  // the missed path's color
  EXPECT_NE(html.find("log scale"), std::string::npos);
}

TEST(ReportHtmlTest, TextIsEscaped) {
  Report r{.title = "<b>&", .notes = {"a \"quoted\" <note>"}};
  std::string html = RenderReport(r);
  EXPECT_NE(html.find("&lt;b&gt;&amp;"), std::string::npos);
  EXPECT_NE(html.find("a &quot;quoted&quot; &lt;note&gt;"), std::string::npos);
  EXPECT_EQ(html.find("<note>"), std::string::npos);
}

TEST(ReportHtmlTest, UnwritablePathNamesTheFlag) {
  absl::Status s = WriteReport("/nonexistent-dir/out.html", Report{});
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_TRUE(absl::StartsWith(s.message(), "--report: cannot write /nonexistent-dir/out.html"));
}

}  // namespace
}  // namespace hyper::bench
