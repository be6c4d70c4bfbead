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

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/http/server.h"
#include "libs/metrics/metrics.h"
#include "libs/routing/router.h"
#include "services/edge/http_metrics.h"

namespace hyper::edge {

struct EdgeOptions {
  http::ServerOptions http;
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

  routing::Router router_;
  std::vector<RouteHandler> handlers_;
  metrics::Registry registry_;
  std::shared_ptr<HttpMetrics> http_metrics_;
  std::unique_ptr<http::Server> server_;
};

}  // namespace hyper::edge

#endif  // HYPER_SERVICES_EDGE_EDGE_SERVER_H_
