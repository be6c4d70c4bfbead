// bench http: the summary parser, option checks, and a real wrk run against
// a real server (the query binary's admin /healthz).
#include "services/bench/http_load.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libs/testing/service_process.h"
#include "libs/testing/test_database.h"

namespace hyper::bench {
namespace {

TEST(ParseWrkSummaryTest, ReadsTheHookLine) {
  absl::StatusOr<HttpLoadResult> r = ParseWrkSummary(
      "Running 1s test @ http://x/\n  2 threads and 4 connections\n"
      "HYPER_WRK requests=2000 duration_us=1000000 errors=1 non2xx=3 p50=400 p90=800 "
      "p99=1500 p999=4000\n");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->requests, 2000);
  EXPECT_EQ(r->errors, 4);
  EXPECT_DOUBLE_EQ(r->ops_per_second, 1997);
  EXPECT_EQ(r->p50, absl::Microseconds(400));
  EXPECT_EQ(r->p999, absl::Milliseconds(4));
  r->route = "/json";
  EXPECT_EQ(FormatHttpResult(*r),
            "/json: 1997 ops/s, p50 0.40ms p90 0.80ms p99 1.50ms p99.9 4.00ms, 4 errors");
}

TEST(ParseWrkSummaryTest, MissingOrBrokenLineIsAnError) {
  EXPECT_EQ(ParseWrkSummary("unable to connect to 127.0.0.1:1\n").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseWrkSummary("HYPER_WRK requests=x\n").status().message(),
            "wrk summary: bad field 'requests=x'");
  EXPECT_EQ(ParseWrkSummary("HYPER_WRK requests=5\n").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(HttpLoadOptionsTest, BadOptionsNameTheFlag) {
  EXPECT_EQ(RunHttpLoad({.url = "http://h:1/json"}).status().message(),
            "--url: expected http://host:port without a path (routes go in --routes), got "
            "'http://h:1/json'");
  EXPECT_EQ(RunHttpLoad({.routes = {"json"}}).status().message(),
            "--routes: each route starts with '/', got 'json'");
  EXPECT_EQ(RunHttpLoad({.connections = 1, .threads = 2}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RunHttpLoad({.duration = absl::Milliseconds(1500)}).status().message(),
            "--duration: wrk takes whole seconds >= 1s, got 1.5s");
  EXPECT_EQ(RunHttpLoad({.duration = absl::Seconds(1), .wrk = "/nonexistent/wrk"}).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(HttpLoadTest, WrkAgainstARealServer) {
  auto db = testing::TestDatabase::Create();
  ASSERT_TRUE(db.ok()) << db.status();
  auto query = testing::ServiceProcess::Start(
      "services/query/query",
      {"--host=127.0.0.1", "--port=0", "--admin_port=0", absl::StrCat("--database=", (*db)->url())});
  ASSERT_TRUE(query.ok()) << query.status();
  absl::StatusOr<int> port = (*query)->WaitForPort("http");
  ASSERT_TRUE(port.ok()) << port.status();
  absl::StatusOr<std::vector<HttpLoadResult>> r =
      RunHttpLoad({.url = absl::StrCat("http://127.0.0.1:", *port),
                   .routes = {"/healthz", "/metrics"},
                   .connections = 4,
                   .threads = 1,
                   .duration = absl::Seconds(1)});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 2u);
  for (const HttpLoadResult& route : *r) {
    EXPECT_GT(route.requests, 0) << route.route;
    EXPECT_EQ(route.errors, 0) << route.route;
    EXPECT_LE(route.p50, route.p99) << route.route;
    EXPECT_LE(route.p99, route.p999) << route.route;
  }
  EXPECT_EQ((*r)[0].route, "/healthz");
}

}  // namespace
}  // namespace hyper::bench
