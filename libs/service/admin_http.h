// AdminHttp: a gRPC service's admin HTTP port, for scrapers and load
// balancers that do not speak gRPC.
//
//   GET /metrics  200, Prometheus text (version 0.0.4) rendered from a
//                 metrics::Registry
//   GET /healthz  200 "ok\n" while the health check says healthy,
//                 503 "unhealthy\n" otherwise
// Any other path is 404; another method on these paths is 405.
//
// Example:
//   metrics::Registry registry;
//   auto admin = AdminHttp::Start({.host = "127.0.0.1", .port = 0}, &registry,
//                                 [] { return true; });
//   // GET http://127.0.0.1:<(*admin)->port()>/healthz -> 200 "ok\n"
//   (*admin)->Shutdown(absl::Seconds(1));
#ifndef HYPER_LIBS_SERVICE_ADMIN_HTTP_H_
#define HYPER_LIBS_SERVICE_ADMIN_HTTP_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/http/server.h"
#include "libs/metrics/metrics.h"

namespace hyper::service {

struct AdminHttpOptions {
  std::string host = "0.0.0.0";
  int port = 9051;  // 0: the kernel picks (see AdminHttp::port())
};

class AdminHttp {
 public:
  // Called on the HTTP loop thread for every /healthz; must not block.
  using HealthCheck = std::function<bool()>;

  // `registry` is not owned and must outlive the server. InvalidArgument for
  // a port outside 0..65535, Unavailable when it cannot be bound.
  static absl::StatusOr<std::unique_ptr<AdminHttp>> Start(
      AdminHttpOptions options, const metrics::Registry* registry,
      HealthCheck healthy);

  AdminHttp(const AdminHttp&) = delete;
  AdminHttp& operator=(const AdminHttp&) = delete;
  ~AdminHttp();  // Shutdown(absl::ZeroDuration())

  int port() const { return server_->port(); }
  // "host:port" as bound.
  std::string address() const;

  // Stops accepting and lets requests in flight finish for up to `grace`.
  // Idempotent.
  void Shutdown(absl::Duration grace);

 private:
  AdminHttp() = default;
  void Handle(http::Exchange& exchange);

  AdminHttpOptions options_;
  const metrics::Registry* registry_ = nullptr;
  HealthCheck healthy_;
  std::unique_ptr<http::Server> server_;
};

}  // namespace hyper::service

#endif  // HYPER_LIBS_SERVICE_ADMIN_HTTP_H_
