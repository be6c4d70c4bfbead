#include "libs/service/grpc_status.h"

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "grpcpp/support/status.h"

namespace hyper::service {
namespace {

TEST(GrpcStatusTest, CodesAndMessagesSurviveBothWays) {
  for (absl::StatusCode code :
       {absl::StatusCode::kInvalidArgument, absl::StatusCode::kNotFound,
        absl::StatusCode::kFailedPrecondition, absl::StatusCode::kOutOfRange,
        absl::StatusCode::kUnavailable, absl::StatusCode::kDeadlineExceeded}) {
    absl::Status original(code, "key: must not be empty");
    grpc::Status wire = ToGrpcStatus(original);
    EXPECT_EQ(static_cast<int>(wire.error_code()), static_cast<int>(code));
    EXPECT_EQ(wire.error_message(), "key: must not be empty");
    EXPECT_EQ(FromGrpcStatus(wire), original);
  }
}

TEST(GrpcStatusTest, OkIsOk) {
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
  EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK).ok());
  EXPECT_EQ(FromGrpcStatus(grpc::Status(grpc::StatusCode::UNAVAILABLE, "down")).code(),
            absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace hyper::service
