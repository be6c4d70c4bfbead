#include "libs/service/grpc_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

#include <chrono>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace hyper::service {

absl::StatusOr<std::unique_ptr<GrpcServer>> GrpcServer::Start(
    GrpcServerOptions options) {
  if (options.service_name.empty()) {
    return absl::InvalidArgumentError("service_name: must not be empty");
  }
  if (options.port < 0 || options.port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("port: ", options.port, " is outside 0..65535"));
  }
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  std::unique_ptr<GrpcServer> server(new GrpcServer());
  server->options_ = std::move(options);
  server->admin_ = std::make_unique<AdminService>(server->options_.service_name);

  grpc::ServerBuilder builder;
  builder.AddListeningPort(
      absl::StrCat(server->options_.host, ":", server->options_.port),
      grpc::InsecureServerCredentials(), &server->port_);
  builder.RegisterService(server->admin_.get());
  for (grpc::Service* service : server->options_.services) {
    builder.RegisterService(service);
  }
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ", server->options_.host, ":",
        server->options_.port, " (address in use or not permitted)"));
  }
  std::vector<AdminService::Endpoint> endpoints = {
      {"grpc", server->address()}};
  for (const AdminService::Endpoint& extra : server->options_.extra_endpoints) {
    endpoints.push_back(extra);
  }
  server->admin_->SetEndpoints(std::move(endpoints));
  return server;
}

GrpcServer::~GrpcServer() { Shutdown(absl::ZeroDuration()); }

std::string GrpcServer::address() const {
  return absl::StrCat(options_.host, ":", port_);
}

void GrpcServer::SetServing(bool serving) {
  // server_ lives until the destructor; the health service itself ignores
  // updates after its Shutdown(), so a late call cannot undo NOT_SERVING.
  if (server_ == nullptr) return;
  if (grpc::HealthCheckServiceInterface* health =
          server_->GetHealthCheckService()) {
    health->SetServingStatus(serving);
  }
}

void GrpcServer::Shutdown(absl::Duration grace) {
  if (shut_down_ || server_ == nullptr) return;
  shut_down_ = true;
  if (grpc::HealthCheckServiceInterface* health =
          server_->GetHealthCheckService()) {
    health->Shutdown();
  }
  server_->Shutdown(std::chrono::system_clock::now() +
                    absl::ToChronoNanoseconds(grace));
  server_->Wait();
}

}  // namespace hyper::service
