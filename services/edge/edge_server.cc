#include "services/edge/edge_server.h"

#include <string>
#include <utility>

#include "libs/json/writer.h"

namespace hyper::edge {
namespace {

constexpr absl::string_view kText = "text/plain; charset=utf-8";

void RespondPlaintext(http::Exchange& exchange, const routing::Params&) {
  exchange.Respond(200, "text/plain", "Hello, World!");
}

void RespondJson(http::Exchange& exchange, const routing::Params&) {
  std::string body;
  json::JsonWriter writer(&body);
  writer.StartObject();
  writer.Key("message");
  writer.String("Hello, World!");
  writer.EndObject();
  exchange.Respond(200, "application/json", body);
}

void RespondHealthz(http::Exchange& exchange, const routing::Params&) {
  exchange.Respond(200, kText, "ok\n");
}

}  // namespace

absl::StatusOr<std::unique_ptr<EdgeServer>> EdgeServer::Start(EdgeOptions options) {
  std::unique_ptr<EdgeServer> edge(new EdgeServer());
  EdgeServer* self = edge.get();
  edge->server_ = std::make_unique<http::Server>(
      std::move(options.http), [self](http::Exchange& ex) { self->Handle(ex); });
  edge->http_metrics_ = std::make_shared<HttpMetrics>(&edge->registry_, [self] {
    return static_cast<double>(self->server_->stats().open_connections);
  });
  edge->server_->Use(edge->http_metrics_);

  for (absl::Status status : {
           edge->AddRoute("GET", "/plaintext", RespondPlaintext),
           edge->AddRoute("GET", "/json", RespondJson),
           edge->AddRoute("GET", "/healthz", RespondHealthz),
           edge->AddRoute("GET", "/metrics",
                          [self](http::Exchange& ex, const routing::Params&) {
                            ex.Respond(200, "text/plain; version=0.0.4",
                                       self->registry_.Render());
                          }),
       }) {
    if (!status.ok()) return status;
  }
  absl::Status started = edge->server_->Start();
  if (!started.ok()) return started;
  return edge;
}

EdgeServer::~EdgeServer() {
  if (server_ != nullptr) server_->Shutdown(absl::ZeroDuration());
}

void EdgeServer::Shutdown(absl::Duration grace) { server_->Shutdown(grace); }

absl::Status EdgeServer::AddRoute(absl::string_view method,
                                  absl::string_view pattern, RouteHandler handler) {
  absl::Status added =
      router_.Add(method, pattern, static_cast<uint32_t>(handlers_.size()));
  if (added.ok()) handlers_.push_back(std::move(handler));
  return added;
}

void EdgeServer::Handle(http::Exchange& exchange) {
  thread_local routing::Params params;
  const http::RequestHead& head = exchange.head();
  routing::Match match = router_.Find(head.method_name, head.path, &params);
  switch (match.kind) {
    case routing::Match::kFound:
      exchange.set_route(match.pattern);
      handlers_[match.handler_id](exchange, params);
      return;
    case routing::Match::kNotFound:
      exchange.Respond(404, kText, "not found\n");
      return;
    case routing::Match::kBadRequest:
      exchange.Respond(400, kText, "bad percent-escape in the path\n");
      return;
    case routing::Match::kMethodNotAllowed:
    case routing::Match::kOptions: {
      bool options = match.kind == routing::Match::kOptions;
      http::ResponseWriter& writer = exchange.writer();
      writer.Start(options ? 204 : 405);
      writer.AddHeader("Allow", match.allow);
      if (options) {
        writer.Finish("");
      } else {
        writer.AddHeader("Content-Type", kText);
        writer.Finish("method not allowed\n");
      }
      return;
    }
  }
}

}  // namespace hyper::edge
