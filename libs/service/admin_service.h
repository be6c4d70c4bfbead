// AdminService implements hyper.admin.v1.Admin (callback API): the process's
// service name, version, pid, start time, uptime and endpoints.
//
// Example:
//   AdminService admin("query");
//   admin.SetEndpoints({{"grpc", "0.0.0.0:50051"}});
//   // GetInfo -> {service: "query", version: kHyperVersion, pid: getpid(), ...}
#ifndef HYPER_LIBS_SERVICE_ADMIN_SERVICE_H_
#define HYPER_LIBS_SERVICE_ADMIN_SERVICE_H_

#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "proto/hyper/admin/v1/admin.grpc.pb.h"

namespace hyper::service {

// The version every Hyper binary reports.
inline constexpr char kHyperVersion[] = "0.1.0";

class AdminService final : public hyper::admin::v1::Admin::CallbackService {
 public:
  struct Endpoint {
    std::string name;     // "grpc", "http", ...
    std::string address;  // "host:port"
  };

  // `start` defaults to now; tests pass a fixed time.
  explicit AdminService(std::string service_name,
                        absl::Time start = absl::Now());

  // Replaces the endpoints GetInfo reports. Thread-safe.
  void SetEndpoints(std::vector<Endpoint> endpoints);

  grpc::ServerUnaryReactor* GetInfo(
      grpc::CallbackServerContext* context,
      const hyper::admin::v1::GetInfoRequest* request,
      hyper::admin::v1::ServiceInfo* reply) override;

 private:
  const std::string service_name_;
  const absl::Time start_;
  absl::Mutex mu_;
  std::vector<Endpoint> endpoints_ ABSL_GUARDED_BY(mu_);
};

}  // namespace hyper::service

#endif  // HYPER_LIBS_SERVICE_ADMIN_SERVICE_H_
