// EdgeServer: the edge's wiring. An http::Server whose handler resolves the
// route (libs/routing) and runs it, behind the metrics middleware, with the
// built-in routes:
//   GET /plaintext  "Hello, World!" as text/plain (TechEmpower)
//   GET /json       {"message":"Hello, World!"} serialized per request
//   GET /healthz    "ok"
//   GET /metrics    Prometheus text: requests, latency, connections
// Unknown paths get 404, a known path with another method 405 with `Allow`,
// OPTIONS 204 with `Allow`, a bad %-escape in a path parameter 400.
//
// Example:
//   auto edge = EdgeServer::Start({.http = {.port = 0}});
//   // curl http://127.0.0.1:<(*edge)->port()>/plaintext -> Hello, World!
#ifndef HYPER_SERVICES_EDGE_EDGE_SERVER_H_
#define HYPER_SERVICES_EDGE_EDGE_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/cache/remote_cache.h"
#include "libs/http/server.h"
#include "libs/metrics/metrics.h"
#include "libs/routing/router.h"
#include "services/edge/http_metrics.h"
#include "services/edge/view_cache.h"

namespace hyper::edge {

// What a view sees of its request: owned copies, so a view may answer
// later from any thread.
struct ViewRequest {
  http::Method method = http::Method::kGet;
  std::string path;
  std::string query;
  std::vector<std::pair<std::string, std::string>> params;  // route parameters, decoded
  http::HeaderPairs headers;                                // names as sent
  std::string body;

  // The route parameter `name`, or "".
  absl::string_view Param(absl::string_view name) const;
};

// A view answers once, inline or later from any thread, through `done`.
using ViewHandler = std::function<void(ViewRequest request, std::function<void(View)> done)>;

// An application route. With cache_ttl > 0, GET/HEAD 200 responses are kept
// in the view cache (ViewCache: L1, plus the cache service when
// EdgeOptions::cache_address is set) under the path, the query string and
// the `vary` headers' values, and served from there until the ttl passes.
// Responses carry `X-Cache: HIT` or `MISS` on such routes.
struct ViewRoute {
  std::string method = "GET";
  std::string pattern;  // libs/routing syntax, e.g. "/posts/{id:int}"
  ViewHandler handler;
  absl::Duration cache_ttl = absl::ZeroDuration();
  std::vector<std::string> vary;  // header names, e.g. {"accept-language"}
};

struct EdgeOptions {
  http::ServerOptions http;
  std::vector<ViewRoute> views;
  // The view cache's in-process tier.
  size_t view_cache_bytes = 64 << 20;
  // The cache service (host:port) as the view cache's shared tier. Empty:
  // L1 only.
  std::string cache_address;
  // Deadline of each call to the cache service; past it the view runs.
  absl::Duration cache_timeout = absl::Milliseconds(50);
};

class EdgeServer {
 public:
  // A route handler: the exchange and the route's decoded parameters.
  using RouteHandler = std::function<void(http::Exchange&, const routing::Params&)>;

  // Builds the routes and starts serving. Errors from the HTTP server
  // (bad options, port taken) are returned as they are.
  static absl::StatusOr<std::unique_ptr<EdgeServer>> Start(EdgeOptions options);

  ~EdgeServer();

  int port() const { return server_->port(); }
  const http::Server& http_server() const { return *server_; }
  // Graceful: stop accepting, finish in-flight requests for up to `grace`.
  void Shutdown(absl::Duration grace);

 private:
  EdgeServer() = default;
  absl::Status AddRoute(absl::string_view method, absl::string_view pattern,
                        RouteHandler handler);
  void Handle(http::Exchange& exchange);
  void ServeView(http::Exchange& exchange, const routing::Params& params,
                 const ViewRoute& route);

  std::vector<ViewRoute> views_;  // stable: filled before the server starts
  // Destroyed in reverse: the remote cache first, which waits for its calls
  // in flight, whose callbacks still use the view cache and views_.
  std::unique_ptr<ViewCache> view_cache_;
  std::unique_ptr<cache::RemoteCache> remote_cache_;

  routing::Router router_;
  std::vector<RouteHandler> handlers_;
  metrics::Registry registry_;
  std::shared_ptr<HttpMetrics> http_metrics_;
  std::unique_ptr<http::Server> server_;
};

}  // namespace hyper::edge

#endif  // HYPER_SERVICES_EDGE_EDGE_SERVER_H_
