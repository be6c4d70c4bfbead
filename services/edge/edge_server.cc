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

// Serves a view, with the X-Cache header a cached route carries.
void RespondView(http::Responder& responder, View view, const char* x_cache) {
  if (x_cache != nullptr) view.headers.emplace_back("X-Cache", x_cache);
  responder.Respond(view.status, view.content_type, std::move(view.body), view.headers);
}

}  // namespace

absl::string_view ViewRequest::Param(absl::string_view name) const {
  for (const auto& [key, value] : params) {
    if (key == name) return value;
  }
  return "";
}

absl::StatusOr<std::unique_ptr<EdgeServer>> EdgeServer::Start(EdgeOptions options) {
  std::unique_ptr<EdgeServer> edge(new EdgeServer());
  EdgeServer* self = edge.get();
  if (!options.cache_address.empty()) {
    edge->remote_cache_ = std::make_unique<cache::RemoteCache>(cache::RemoteCacheOptions{
        .address = options.cache_address, .timeout = options.cache_timeout});
  }
  edge->view_cache_ = std::make_unique<ViewCache>(ViewCache::Options{
      .l1_bytes = options.view_cache_bytes, .remote = edge->remote_cache_.get()});
  edge->views_ = std::move(options.views);
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
  for (const ViewRoute& route : edge->views_) {
    if (!route.handler) {
      return absl::InvalidArgumentError(
          absl::StrCat("views: route ", route.method, " ", route.pattern, " has no handler"));
    }
    if (route.cache_ttl < absl::ZeroDuration()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "views: route ", route.method, " ", route.pattern, ": cache_ttl must not be negative"));
    }
    absl::Status added = edge->AddRoute(
        route.method, route.pattern,
        [self, &route](http::Exchange& ex, const routing::Params& params) {
          self->ServeView(ex, params, route);
        });
    if (!added.ok()) return added;
  }
  edge->registry_.AddCollector([self](std::string* out) {
    ViewCacheStats v = self->view_cache_->stats();
    metrics::AppendSample(out, "hyper_edge_view_cache_l1_hits_total", "counter",
                          "Cached views served from process memory.",
                          static_cast<double>(v.l1_hits));
    metrics::AppendSample(out, "hyper_edge_view_cache_l2_hits_total", "counter",
                          "Cached views served from the cache service.",
                          static_cast<double>(v.l2_hits));
    metrics::AppendSample(out, "hyper_edge_view_cache_misses_total", "counter",
                          "Cached routes whose view had to run.",
                          static_cast<double>(v.misses));
    metrics::AppendSample(out, "hyper_edge_view_cache_l2_errors_total", "counter",
                          "Cache service lookups that failed (the view ran).",
                          static_cast<double>(v.l2_errors));
  });
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

void EdgeServer::ServeView(http::Exchange& exchange, const routing::Params& params,
                           const ViewRoute& route) {
  const http::RequestHead& head = exchange.head();
  const bool cached = route.cache_ttl > absl::ZeroDuration() &&
                      (head.method == http::Method::kGet || head.method == http::Method::kHead);
  std::string key;
  if (cached) {
    key = ViewCache::Key(head, route.vary);
    if (std::optional<View> hit = view_cache_->GetLocal(key)) {
      // Inline, straight into the connection's buffer.
      http::ResponseWriter& writer = exchange.writer();
      writer.Start(hit->status);
      writer.AddHeader("Content-Type", hit->content_type);
      for (const auto& [name, value] : hit->headers) writer.AddHeader(name, value);
      writer.AddHeader("X-Cache", "HIT");
      writer.Finish(hit->body);
      return;
    }
  }
  ViewRequest request{.method = head.method,
                      .path = std::string(head.path),
                      .query = std::string(head.query),
                      .params = {},
                      .headers = {},
                      .body = std::string(exchange.body())};
  for (const routing::Param& param : params) {
    request.params.emplace_back(std::string(param.name), std::string(param.value));
  }
  for (size_t i = 0; i < head.headers.size(); ++i) {
    request.headers.emplace_back(std::string(head.headers[i].name),
                                 std::string(head.headers[i].value));
  }
  auto responder = std::make_shared<http::Responder>(exchange.Defer());
  // Runs the view; a cached route stores what it answers.
  auto run = [this, &route, cached, key, responder](ViewRequest request) {
    route.handler(std::move(request), [this, &route, cached, key, responder](View view) {
      if (cached) view_cache_->Store(key, view, route.cache_ttl);
      RespondView(*responder, std::move(view), cached ? "MISS" : nullptr);
    });
  };
  if (!cached) {
    run(std::move(request));
  } else if (!view_cache_->has_remote()) {
    view_cache_->CountMiss();
    run(std::move(request));
  } else {
    auto owned = std::make_shared<ViewRequest>(std::move(request));
    view_cache_->GetRemote(key, route.cache_ttl,
                           [responder, run, owned](std::optional<View> hit) {
                             if (hit.has_value()) {
                               RespondView(*responder, std::move(*hit), "HIT");
                             } else {
                               run(std::move(*owned));
                             }
                           });
  }
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
