#include "libs/testing/service_process.h"

#include "gtest/gtest.h"

namespace hyper::testing {
namespace {

constexpr char kChild[] = "libs/testing/testdata/announcing_child.sh";

TEST(ServiceProcessTest, FindsTheAnnouncedPortAndStopsWithSigterm) {
  auto child = ServiceProcess::Start(kChild, {});
  ASSERT_TRUE(child.ok()) << child.status();
  absl::StatusOr<int> port = (*child)->WaitForPort("grpc");
  ASSERT_TRUE(port.ok()) << port.status();
  EXPECT_EQ(*port, 4242);
  absl::StatusOr<int> code = (*child)->Stop();
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 3);
  EXPECT_NE((*child)->output().find("got TERM"), std::string::npos);
}

TEST(ServiceProcessTest, ExitBeforeTheLineIsNotFoundWithTheOutput) {
  auto child = ServiceProcess::Start(kChild, {"exit-now"});
  ASSERT_TRUE(child.ok()) << child.status();
  absl::StatusOr<int> port = (*child)->WaitForPort("grpc");
  EXPECT_EQ(port.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(port.status().message().find("bye"), std::string::npos);
  absl::StatusOr<int> code = (*child)->Wait();
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 7);
}

TEST(ServiceProcessTest, MissingBinaryIsNotFound) {
  auto child = ServiceProcess::Start("libs/testing/testdata/no_such_binary", {});
  EXPECT_EQ(child.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace hyper::testing
