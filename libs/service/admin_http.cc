#include "libs/service/admin_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace hyper::service {
namespace {

constexpr absl::string_view kText = "text/plain; charset=utf-8";
constexpr absl::string_view kPrometheus = "text/plain; version=0.0.4; charset=utf-8";

// http::Server binds with SO_REUSEPORT (one listener per loop), so a second
// process of the same user would silently share a fixed port and take half
// the scrapes. A bind without SO_REUSEPORT fails while anyone listens there.
// (A race with a process binding just after this check remains.)
absl::Status CheckPortFree(const std::string& host, int port) {
  if (port == 0) return absl::OkStatus();
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    return absl::OkStatus();  // http::Server reports the bad host
  }
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::OkStatus();
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  int bound = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  int error = errno;
  close(fd);
  if (bound != 0 && error == EADDRINUSE) {
    return absl::UnavailableError(absl::StrCat("admin http: cannot listen on ", host, ":",
                                               port, ": address in use"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<AdminHttp>> AdminHttp::Start(
    AdminHttpOptions options, const metrics::Registry* registry, HealthCheck healthy) {
  if (options.port < 0 || options.port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("admin_port: ", options.port, " is outside 0..65535"));
  }
  if (absl::Status free = CheckPortFree(options.host, options.port); !free.ok()) {
    return free;
  }
  std::unique_ptr<AdminHttp> admin(new AdminHttp());
  admin->options_ = std::move(options);
  admin->registry_ = registry;
  admin->healthy_ = std::move(healthy);
  AdminHttp* self = admin.get();
  // One loop is plenty for a scrape every few seconds, and keeps the admin
  // port from taking a core from the queries.
  admin->server_ = std::make_unique<http::Server>(
      http::ServerOptions{.host = admin->options_.host,
                          .port = admin->options_.port,
                          .threads = 1,
                          .max_connections = 64},
      [self](http::Exchange& exchange) { self->Handle(exchange); });
  if (absl::Status started = admin->server_->Start(); !started.ok()) {
    return absl::Status(started.code(),
                        absl::StrCat("admin http: ", started.message()));
  }
  return admin;
}

AdminHttp::~AdminHttp() { Shutdown(absl::ZeroDuration()); }

std::string AdminHttp::address() const {
  return absl::StrCat(options_.host, ":", server_->port());
}

void AdminHttp::Shutdown(absl::Duration grace) {
  if (server_ != nullptr) server_->Shutdown(grace);
}

void AdminHttp::Handle(http::Exchange& exchange) {
  const http::RequestHead& head = exchange.head();
  bool metrics = head.path == "/metrics";
  bool healthz = head.path == "/healthz";
  if (!metrics && !healthz) {
    exchange.Respond(404, kText, "not found\n");
    return;
  }
  exchange.set_route(metrics ? "/metrics" : "/healthz");
  if (head.method != http::Method::kGet) {
    http::ResponseWriter& writer = exchange.writer();
    writer.Start(405);
    writer.AddHeader("Allow", "GET");
    writer.AddHeader("Content-Type", kText);
    writer.Finish("method not allowed\n");
    return;
  }
  if (metrics) {
    exchange.Respond(200, kPrometheus, registry_->Render());
  } else if (healthy_ == nullptr || healthy_()) {
    exchange.Respond(200, kText, "ok\n");
  } else {
    exchange.Respond(503, kText, "unhealthy\n");
  }
}

}  // namespace hyper::service
