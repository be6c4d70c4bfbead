// The edge's view cache over real sockets: L1 alone, then two edges sharing
// the real cache service binary as L2, and that service going away.
#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libs/cache/remote_cache.h"
#include "libs/testing/http_client.h"
#include "libs/testing/service_process.h"
#include "services/edge/edge_server.h"

namespace hyper::edge {
namespace {

using ::hyper::testing::HttpResponse;
using ::hyper::testing::RawHttpClient;

// Views that count how often they run.
struct Counters {
  std::atomic<int> page{0};
  std::atomic<int> live{0};
  std::atomic<int> missing{0};
  std::atomic<int> localized{0};
};

std::vector<ViewRoute> Views(Counters* counters) {
  return {
      {.method = "GET",
       .pattern = "/pages/{name}",
       // Answers later, from another thread, as a view waiting on a
       // service would.
       .handler =
           [counters](ViewRequest request, std::function<void(View)> done) {
             ++counters->page;
             std::thread([request = std::move(request), done = std::move(done)] {
               done(View{.status = 200,
                         .content_type = "text/html; charset=utf-8",
                         .headers = {{"Cache-Control", "max-age=60"}},
                         .body = absl::StrCat("<h1>", request.Param("name"), "</h1>",
                                              request.query)});
             }).detach();
           },
       .cache_ttl = absl::Minutes(1)},
      {.method = "GET",
       .pattern = "/live",
       .handler =
           [counters](ViewRequest, std::function<void(View)> done) {
             done(View{.body = absl::StrCat("call ", ++counters->live)});
           }},
      {.method = "GET",
       .pattern = "/missing",
       .handler =
           [counters](ViewRequest, std::function<void(View)> done) {
             ++counters->missing;
             done(View{.status = 404, .body = "no such page"});
           },
       .cache_ttl = absl::Minutes(1)},
      {.method = "GET",
       .pattern = "/hello",
       .handler =
           [counters](ViewRequest request, std::function<void(View)> done) {
             ++counters->localized;
             std::string language;
             for (const auto& [name, value] : request.headers) {
               if (absl::EqualsIgnoreCase(name, "accept-language")) language = value;
             }
             done(View{.body = language == "fr" ? "bonjour" : "hello"});
           },
       .cache_ttl = absl::Minutes(1),
       .vary = {"accept-language"}},
  };
}

class ViewCacheEdgeTest : public ::testing::Test {
 protected:
  std::unique_ptr<EdgeServer> StartEdge(Counters* counters, std::string cache_address = "") {
    auto edge = EdgeServer::Start({.http = {.host = "127.0.0.1", .port = 0, .threads = 2},
                                   .views = Views(counters),
                                   .cache_address = std::move(cache_address),
                                   .cache_timeout = absl::Seconds(1)});
    EXPECT_TRUE(edge.ok()) << edge.status();
    return edge.ok() ? std::move(*edge) : nullptr;
  }

  static HttpResponse Request(EdgeServer& edge, const std::string& request) {
    auto client = RawHttpClient::Connect(edge.port());
    EXPECT_TRUE(client.ok()) << client.status();
    EXPECT_TRUE((*client)->Send(request));
    absl::StatusOr<HttpResponse> r =
        (*client)->ReadResponse(absl::StartsWith(request, "HEAD "));
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : HttpResponse();
  }

  static HttpResponse Get(EdgeServer& edge, const std::string& target,
                          const std::string& extra_headers = "") {
    return Request(edge, absl::StrCat("GET ", target, " HTTP/1.1\r\nHost: x\r\n",
                                      extra_headers, "\r\n"));
  }
};

TEST_F(ViewCacheEdgeTest, CachedRoutesRunTheirViewOncePerKey) {
  Counters counters;
  auto edge = StartEdge(&counters);
  ASSERT_NE(edge, nullptr);

  HttpResponse first = Get(*edge, "/pages/about?v=1");
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.body, "<h1>about</h1>v=1");
  EXPECT_EQ(first.Header("x-cache"), "MISS");
  HttpResponse second = Get(*edge, "/pages/about?v=1");
  EXPECT_EQ(second.body, "<h1>about</h1>v=1");
  EXPECT_EQ(second.Header("x-cache"), "HIT");
  EXPECT_EQ(second.Header("cache-control"), "max-age=60") << "stored headers come back";
  EXPECT_EQ(second.Header("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(counters.page, 1);

  HttpResponse head = Request(*edge, "HEAD /pages/about?v=1 HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(head.Header("x-cache"), "HIT");
  EXPECT_EQ(head.body, "");
  EXPECT_EQ(Get(*edge, "/pages/about?v=2").Header("x-cache"), "MISS") << "query is in the key";
  EXPECT_EQ(counters.page, 2);

  // Not cached: no ttl, or not a 200.
  EXPECT_EQ(Get(*edge, "/live").body, "call 1");
  EXPECT_EQ(Get(*edge, "/live").body, "call 2");
  EXPECT_FALSE(Get(*edge, "/live").HasHeader("x-cache"));
  EXPECT_EQ(Get(*edge, "/missing").status, 404);
  EXPECT_EQ(Get(*edge, "/missing").status, 404);
  EXPECT_EQ(counters.missing, 2);

  // Vary: one entry per language.
  EXPECT_EQ(Get(*edge, "/hello", "Accept-Language: fr\r\n").body, "bonjour");
  EXPECT_EQ(Get(*edge, "/hello", "Accept-Language: en\r\n").body, "hello");
  EXPECT_EQ(Get(*edge, "/hello", "Accept-Language: fr\r\n").body, "bonjour");
  EXPECT_EQ(counters.localized, 2);

  HttpResponse metrics = Get(*edge, "/metrics");
  EXPECT_TRUE(absl::StrContains(metrics.body, "hyper_edge_view_cache_l1_hits_total 3\n"))
      << metrics.body;
}

TEST_F(ViewCacheEdgeTest, TwoEdgesShareTheCacheServiceAndSurviveItsLoss) {
  auto cache = testing::ServiceProcess::Start(
      "services/cache/cache",
      {"--host=127.0.0.1", "--port=0", "--admin_port=-1", "--shutdown_grace=0s"});
  ASSERT_TRUE(cache.ok()) << cache.status();
  absl::StatusOr<int> port = (*cache)->WaitForPort("grpc");
  ASSERT_TRUE(port.ok()) << port.status() << (*cache)->output();
  const std::string address = absl::StrCat("127.0.0.1:", *port);

  Counters a_counters, b_counters;
  auto a = StartEdge(&a_counters, address);
  auto b = StartEdge(&b_counters, address);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);

  EXPECT_EQ(Get(*a, "/pages/shared").Header("x-cache"), "MISS");
  // A's fill of the cache service is asynchronous: wait until it landed
  // (asking the service directly), then B must serve A's page from it.
  cache::RemoteCache probe({.address = address});
  bool landed = false;
  for (int i = 0; i < 200 && !landed; ++i) {
    absl::StatusOr<std::optional<std::string>> entry = probe.Get("GET /pages/shared");
    landed = entry.ok() && entry->has_value();
    if (!landed) absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_TRUE(landed);
  HttpResponse from_b = Get(*b, "/pages/shared");
  EXPECT_EQ(from_b.Header("x-cache"), "HIT");
  EXPECT_EQ(from_b.body, "<h1>shared</h1>");
  EXPECT_EQ(a_counters.page, 1);
  EXPECT_EQ(b_counters.page, 0) << "B never ran the view";
  HttpResponse b_metrics = Get(*b, "/metrics");
  EXPECT_TRUE(absl::StrContains(b_metrics.body, "hyper_edge_view_cache_l2_hits_total 1\n"))
      << b_metrics.body;

  // The cache service goes away: pages still come, from L1 or the view.
  ASSERT_TRUE((*cache)->Stop().ok());
  EXPECT_EQ(Get(*a, "/pages/shared").Header("x-cache"), "HIT");  // L1
  HttpResponse fresh = Get(*a, "/pages/new");
  EXPECT_EQ(fresh.status, 200);
  EXPECT_EQ(fresh.body, "<h1>new</h1>");
  EXPECT_EQ(Get(*a, "/pages/new").Header("x-cache"), "HIT") << "kept in L1 meanwhile";
  HttpResponse a_metrics = Get(*a, "/metrics");
  EXPECT_FALSE(absl::StrContains(a_metrics.body, "hyper_edge_view_cache_l2_errors_total 0\n"))
      << a_metrics.body;
}

TEST(ViewRouteTest, BadRoutesAreRefusedNamingTheRoute) {
  auto no_handler = EdgeServer::Start(
      {.http = {.host = "127.0.0.1", .port = 0}, .views = {{.pattern = "/x"}}});
  EXPECT_EQ(no_handler.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(no_handler.status().message(), "GET /x")) << no_handler.status();
  auto duplicate = EdgeServer::Start(
      {.http = {.host = "127.0.0.1", .port = 0},
       .views = {{.pattern = "/json", .handler = [](ViewRequest, std::function<void(View)>) {}}}});
  EXPECT_FALSE(duplicate.ok()) << "the built-in /json is already a route";
}

}  // namespace
}  // namespace hyper::edge
