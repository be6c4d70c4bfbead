#include "libs/metrics/metrics.h"

#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace hyper::metrics {
namespace {

TEST(MetricsTest, RendersTheDocumentedExample) {
  Registry registry;
  Counter* ok = registry.AddCounter("hyper_requests_total", "Requests.",
                                    {{"status", "200"}});
  Histogram* latency = registry.AddHistogram("hyper_latency_seconds", "Latency.",
                                             {}, {0.001, 0.01, 0.1});
  ok->Increment();
  latency->Observe(0.004);
  EXPECT_EQ(registry.Render(),
            "# HELP hyper_requests_total Requests.\n"
            "# TYPE hyper_requests_total counter\n"
            "hyper_requests_total{status=\"200\"} 1\n"
            "# HELP hyper_latency_seconds Latency.\n"
            "# TYPE hyper_latency_seconds histogram\n"
            "hyper_latency_seconds_bucket{le=\"0.001\"} 0\n"
            "hyper_latency_seconds_bucket{le=\"0.01\"} 1\n"
            "hyper_latency_seconds_bucket{le=\"0.1\"} 1\n"
            "hyper_latency_seconds_bucket{le=\"+Inf\"} 1\n"
            "hyper_latency_seconds_sum 0.004\n"
            "hyper_latency_seconds_count 1\n");
}

TEST(MetricsTest, SeriesOfOneNameShareOneHeader) {
  Registry registry;
  registry.AddCounter("c", "help", {{"m", "GET"}})->Increment(2);
  registry.AddGauge("g", "a gauge", [] { return 1.5; });
  registry.AddCounter("c", "help", {{"m", "POST"}})->Increment();
  EXPECT_EQ(registry.Render(),
            "# HELP c help\n# TYPE c counter\nc{m=\"GET\"} 2\nc{m=\"POST\"} 1\n"
            "# HELP g a gauge\n# TYPE g gauge\ng 1.5\n");
}

TEST(MetricsTest, HistogramBoundariesAreInclusiveAndLabelsCarryOver) {
  Registry registry;
  Histogram* h = registry.AddHistogram("h", "x", {{"route", "/a"}}, {1, 2});
  h->Observe(1);    // le="1"
  h->Observe(1.5);  // le="2"
  h->Observe(99);   // +Inf only
  std::string page = registry.Render();
  EXPECT_TRUE(absl::StrContains(page, "h_bucket{route=\"/a\",le=\"1\"} 1\n")) << page;
  EXPECT_TRUE(absl::StrContains(page, "h_bucket{route=\"/a\",le=\"2\"} 2\n")) << page;
  EXPECT_TRUE(absl::StrContains(page, "h_bucket{route=\"/a\",le=\"+Inf\"} 3\n")) << page;
  EXPECT_TRUE(absl::StrContains(page, "h_count{route=\"/a\"} 3\n")) << page;
  EXPECT_TRUE(absl::StrContains(page, "h_sum{route=\"/a\"} 101.5\n")) << page;
}

TEST(MetricsTest, LabelValuesAreEscaped) {
  EXPECT_EQ(FormatLabels({{"path", "a\"b\\c\nd"}}), "{path=\"a\\\"b\\\\c\\nd\"}");
  EXPECT_EQ(FormatLabels({}), "");
}

TEST(MetricsTest, CollectorsAppendTheirOwnLines) {
  Registry registry;
  registry.AddCollector([](std::string* out) { out->append("x 7\n"); });
  EXPECT_EQ(registry.Render(), "x 7\n");
}

TEST(MetricsTest, ConcurrentIncrementsAreAllCounted) {
  Registry registry;
  Counter* c = registry.AddCounter("c", "h");
  Histogram* h = registry.AddHistogram("h", "h", {}, DefaultLatencyBounds());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        c->Increment();
        h->Observe(0.001);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c->value(), 40000u);
  EXPECT_EQ(h->count(), 40000u);
  EXPECT_NEAR(h->sum(), 40.0, 1e-6);
}

TEST(AppendSampleTest, WritesOneFamilyWithItsHeader) {
  std::string out;
  AppendSample(&out, "up", "gauge", "Whether it is up.", 1);
  EXPECT_EQ(out, "# HELP up Whether it is up.\n# TYPE up gauge\nup 1\n");
}

TEST(AppendValueTest, FormatsLikePrometheus) {
  std::string out;
  AppendValue(&out, 3);
  out.push_back(' ');
  AppendValue(&out, 0.25);
  out.push_back(' ');
  AppendValue(&out, 1.0 / 0.0);
  EXPECT_EQ(out, "3 0.25 +Inf");
}

}  // namespace
}  // namespace hyper::metrics
