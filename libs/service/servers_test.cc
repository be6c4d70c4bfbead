#include "libs/service/servers.h"

#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "libs/metrics/metrics.h"

namespace hyper::service {
namespace {

TEST(ResolveAdminPortTest, DefaultsAndRange) {
  EXPECT_EQ(*ResolveAdminPort(std::nullopt, 50051, 9051), 9051);
  EXPECT_EQ(*ResolveAdminPort(std::nullopt, 0, 9051), 0) << "a test's port 0 never takes 9051";
  EXPECT_EQ(*ResolveAdminPort(-1, 50051, 9051), -1);
  EXPECT_EQ(*ResolveAdminPort(1234, 0, 9051), 1234);
  absl::StatusOr<int> bad = ResolveAdminPort(70000, 50051, 9051);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(bad.status().message(), "admin_port: 70000")) << bad.status();
  EXPECT_FALSE(ResolveAdminPort(-2, 50051, 9051).ok());
}

TEST(StartServersTest, AdminPortOnOrOff) {
  metrics::Registry registry;
  auto both = StartServers({.service_name = "test", .host = "127.0.0.1", .port = 0}, 0,
                           &registry, [] { return true; });
  ASSERT_TRUE(both.ok()) << both.status();
  ASSERT_NE(both->admin, nullptr);
  EXPECT_GT(both->admin->port(), 0);
  EXPECT_GT(both->grpc->port(), 0);

  auto grpc_only = StartServers({.service_name = "test", .host = "127.0.0.1", .port = 0}, -1,
                                &registry, [] { return true; });
  ASSERT_TRUE(grpc_only.ok()) << grpc_only.status();
  EXPECT_EQ(grpc_only->admin, nullptr);

  // The admin port taken: the error comes back and nothing else starts.
  auto taken = StartServers({.service_name = "test", .host = "127.0.0.1", .port = 0},
                            both->admin->port(), &registry, [] { return true; });
  EXPECT_EQ(taken.status().code(), absl::StatusCode::kUnavailable) << taken.status();
  both->admin->Shutdown(absl::ZeroDuration());
  both->grpc->Shutdown(absl::ZeroDuration());
  grpc_only->grpc->Shutdown(absl::ZeroDuration());
}

}  // namespace
}  // namespace hyper::service
