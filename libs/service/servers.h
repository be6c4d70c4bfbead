// The two servers of a Hyper gRPC service, started the same way by each
// service's wiring: the admin HTTP port (/metrics, /healthz) first, then the
// gRPC server, whose Admin.GetInfo lists the admin port among its endpoints.
//
// Example:
//   absl::StatusOr<int> admin_port = ResolveAdminPort(options.admin_port, options.port, 9052);
//   ... (validate everything else, open what the service needs) ...
//   auto servers = StartServers({.service_name = "cache", .port = options.port,
//                                .services = {&service}},
//                               *admin_port, &registry, [] { return true; });
//   // servers->admin is null when *admin_port was -1.
#ifndef HYPER_LIBS_SERVICE_SERVERS_H_
#define HYPER_LIBS_SERVICE_SERVERS_H_

#include <memory>
#include <optional>

#include "absl/status/statusor.h"
#include "libs/metrics/metrics.h"
#include "libs/service/admin_http.h"
#include "libs/service/grpc_server.h"

namespace hyper::service {

// The admin port to use: `requested` when set, else `default_port`, except
// that a gRPC port of 0 (tests, several servers on one machine) makes the
// default 0 too, so nothing ever collides on the default. -1 means off.
// InvalidArgument naming admin_port outside -1..65535.
absl::StatusOr<int> ResolveAdminPort(std::optional<int> requested, int grpc_port,
                                     int default_port);

struct Servers {
  std::unique_ptr<AdminHttp> admin;  // null when the admin port is off
  std::unique_ptr<GrpcServer> grpc;
};

// Starts the admin HTTP port on grpc.host (unless `admin_port` is -1), then
// the gRPC server. `registry` must outlive the servers. Errors of either
// start are returned as they are (nothing is left running).
absl::StatusOr<Servers> StartServers(GrpcServerOptions grpc, int admin_port,
                                     const metrics::Registry* registry,
                                     AdminHttp::HealthCheck healthy);

}  // namespace hyper::service

#endif  // HYPER_LIBS_SERVICE_SERVERS_H_
