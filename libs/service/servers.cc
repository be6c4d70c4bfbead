#include "libs/service/servers.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace hyper::service {

absl::StatusOr<int> ResolveAdminPort(std::optional<int> requested, int grpc_port,
                                     int default_port) {
  int port = requested.value_or(grpc_port == 0 ? 0 : default_port);
  if (port < -1 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("admin_port: ", port, " is outside 0..65535 (or -1 for off)"));
  }
  return port;
}

absl::StatusOr<Servers> StartServers(GrpcServerOptions grpc, int admin_port,
                                     const metrics::Registry* registry,
                                     AdminHttp::HealthCheck healthy) {
  Servers servers;
  if (admin_port >= 0) {
    absl::StatusOr<std::unique_ptr<AdminHttp>> admin =
        AdminHttp::Start({.host = grpc.host, .port = admin_port}, registry, std::move(healthy));
    if (!admin.ok()) return admin.status();
    servers.admin = std::move(*admin);
    grpc.extra_endpoints.push_back({"http", servers.admin->address()});
  }
  absl::StatusOr<std::unique_ptr<GrpcServer>> started = GrpcServer::Start(std::move(grpc));
  if (!started.ok()) return started.status();
  servers.grpc = std::move(*started);
  return servers;
}

}  // namespace hyper::service
