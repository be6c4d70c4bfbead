// Conversions between absl::Status and grpc::Status. The two share their
// code numbering (both follow google.rpc.Code), so a code survives the wire
// both ways and the message goes with it.
//
// Example:
//   reactor->Finish(ToGrpcStatus(absl::InvalidArgumentError("key: empty")));
//   absl::Status s = FromGrpcStatus(stub_status);  // kUnavailable, "..."
#ifndef HYPER_LIBS_SERVICE_GRPC_STATUS_H_
#define HYPER_LIBS_SERVICE_GRPC_STATUS_H_

#include <string>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace hyper::service {

inline grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

inline absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

}  // namespace hyper::service

#endif  // HYPER_LIBS_SERVICE_GRPC_STATUS_H_
