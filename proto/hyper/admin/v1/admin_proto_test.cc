// Proves the proto toolchain (protoc, generated code, link) end to end.
#include <string>

#include "gtest/gtest.h"
#include "proto/hyper/admin/v1/admin.pb.h"

namespace hyper::admin::v1 {
namespace {

TEST(AdminProtoTest, ServiceInfoRoundTripsThroughWireFormat) {
  ServiceInfo info;
  info.set_service("query");
  info.set_version("0.1.0");
  info.set_pid(4242);
  info.set_start_time_unix_ms(1'795'000'000'000);
  info.set_uptime_ms(17);
  Endpoint* grpc = info.add_endpoints();
  grpc->set_name("grpc");
  grpc->set_address("127.0.0.1:50051");

  std::string wire;
  ASSERT_TRUE(info.SerializeToString(&wire));
  ServiceInfo parsed;
  ASSERT_TRUE(parsed.ParseFromString(wire));

  EXPECT_EQ(parsed.service(), "query");
  EXPECT_EQ(parsed.version(), "0.1.0");
  EXPECT_EQ(parsed.pid(), 4242);
  EXPECT_EQ(parsed.start_time_unix_ms(), 1'795'000'000'000);
  EXPECT_EQ(parsed.uptime_ms(), 17);
  ASSERT_EQ(parsed.endpoints_size(), 1);
  EXPECT_EQ(parsed.endpoints(0).name(), "grpc");
  EXPECT_EQ(parsed.endpoints(0).address(), "127.0.0.1:50051");
}

TEST(AdminProtoTest, GarbageDoesNotParse) {
  ServiceInfo parsed;
  // Field 1 declared length-delimited with a length past the end of input.
  EXPECT_FALSE(parsed.ParseFromString(std::string("\x0a\x7f" "ab", 4)));
}

}  // namespace
}  // namespace hyper::admin::v1
