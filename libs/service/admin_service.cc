#include "libs/service/admin_service.h"

#include <unistd.h>

#include <utility>

namespace hyper::service {

AdminService::AdminService(std::string service_name, absl::Time start)
    : service_name_(std::move(service_name)), start_(start) {}

void AdminService::SetEndpoints(std::vector<Endpoint> endpoints) {
  absl::MutexLock lock(&mu_);
  endpoints_ = std::move(endpoints);
}

grpc::ServerUnaryReactor* AdminService::GetInfo(
    grpc::CallbackServerContext* context,
    const hyper::admin::v1::GetInfoRequest* request,
    hyper::admin::v1::ServiceInfo* reply) {
  reply->set_service(service_name_);
  reply->set_version(kHyperVersion);
  reply->set_pid(getpid());
  reply->set_start_time_unix_ms(absl::ToUnixMillis(start_));
  reply->set_uptime_ms(
      std::max<int64_t>(0, absl::ToInt64Milliseconds(absl::Now() - start_)));
  {
    absl::MutexLock lock(&mu_);
    for (const Endpoint& endpoint : endpoints_) {
      hyper::admin::v1::Endpoint* out = reply->add_endpoints();
      out->set_name(endpoint.name);
      out->set_address(endpoint.address);
    }
  }
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace hyper::service
