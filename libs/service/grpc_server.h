// GrpcServer: the gRPC server every Hyper service runs. Beside the
// service's own APIs it always serves the standard health service
// (grpc.health.v1, reporting SERVING until shutdown starts), server
// reflection (so grpcurl can list and call our APIs) and hyper.admin.v1.Admin.
//
// Example:
//   MyQueryService query;  // a grpc::Service
//   absl::StatusOr<std::unique_ptr<GrpcServer>> server = GrpcServer::Start(
//       {.service_name = "query", .port = 0, .services = {&query}});
//   // (*server)->port() is the port the kernel picked, e.g. 41231.
//   (*server)->Shutdown(absl::Seconds(5));
#ifndef HYPER_LIBS_SERVICE_GRPC_SERVER_H_
#define HYPER_LIBS_SERVICE_GRPC_SERVER_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/service/admin_service.h"

namespace hyper::service {

struct GrpcServerOptions {
  // Reported by Admin.GetInfo, e.g. "query". Must not be empty.
  std::string service_name;
  // Address to bind; "0.0.0.0" serves every interface.
  std::string host = "0.0.0.0";
  // 0 lets the kernel pick a free port (see GrpcServer::port()).
  int port = 0;
  // The service's own APIs; not owned, must outlive the server.
  std::vector<grpc::Service*> services;
  // Further endpoints the process serves (e.g. an admin HTTP port), reported
  // by Admin.GetInfo after the gRPC one.
  std::vector<AdminService::Endpoint> extra_endpoints;
};

class GrpcServer {
 public:
  // Builds and starts the server. InvalidArgument for an empty name or a
  // port outside 0..65535; Unavailable when the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<GrpcServer>> Start(
      GrpcServerOptions options);

  GrpcServer(const GrpcServer&) = delete;
  GrpcServer& operator=(const GrpcServer&) = delete;
  ~GrpcServer();

  // The bound port (the kernel's pick when started with port 0).
  int port() const { return port_; }
  // "host:port" as bound.
  std::string address() const;

  // Sets the overall grpc.health.v1 status (the "" service, which is every
  // service here): SERVING when `serving`, NOT_SERVING otherwise, e.g. from a
  // database heartbeat. Thread-safe; no effect once Shutdown() has started
  // (health then stays NOT_SERVING).
  void SetServing(bool serving);

  // Marks the server NOT_SERVING, stops accepting calls, and waits up to
  // `grace` for calls in flight before cancelling them. Idempotent.
  void Shutdown(absl::Duration grace);

 private:
  GrpcServer() = default;

  GrpcServerOptions options_;
  std::unique_ptr<AdminService> admin_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  bool shut_down_ = false;
};

}  // namespace hyper::service

#endif  // HYPER_LIBS_SERVICE_GRPC_SERVER_H_
