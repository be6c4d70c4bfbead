// Every gRPC service binary, run as a user runs it: starts on a free port,
// answers hyper.admin.v1.Admin over a real socket, refuses a bad flag with a
// message naming it, and exits 0 on SIGTERM. `./hyper up` relies on all of it.
#include <grpcpp/grpcpp.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libs/testing/service_process.h"
#include "libs/testing/test_database.h"
#include "proto/hyper/admin/v1/admin.grpc.pb.h"

namespace hyper {
namespace {

using ::hyper::testing::ServiceProcess;

class ServiceBinaryTest : public ::testing::TestWithParam<std::string> {
 protected:
  std::string binary() const {
    return absl::StrCat("services/", GetParam(), "/", GetParam());
  }
  // The flags the service needs besides the ones a test checks: the query
  // service needs a database (its own, created for this test).
  std::vector<std::string> Args(std::vector<std::string> args) {
    if (GetParam() == "query") {
      if (db_ == nullptr) {
        auto db = testing::TestDatabase::Create();
        EXPECT_TRUE(db.ok()) << db.status();
        if (db.ok()) db_ = std::move(*db);
      }
      if (db_ != nullptr) args.push_back(absl::StrCat("--database=", db_->url()));
    }
    return args;
  }
  std::unique_ptr<testing::TestDatabase> db_;
};

TEST_P(ServiceBinaryTest, ServesAdminAndStopsCleanlyOnSigterm) {
  auto process = ServiceProcess::Start(binary(), Args({"--host=127.0.0.1", "--port=0"}));
  ASSERT_TRUE(process.ok()) << process.status();
  absl::StatusOr<int> port = (*process)->WaitForPort("grpc");
  ASSERT_TRUE(port.ok()) << port.status();

  admin::v1::ServiceInfo info;
  {
    // The client goes away before the stop: gRPC otherwise waits for a
    // connected peer up to the shutdown grace period.
    auto stub = admin::v1::Admin::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", *port), grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    grpc::Status status =
        stub->GetInfo(&context, admin::v1::GetInfoRequest(), &info);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  EXPECT_EQ(info.service(), GetParam());
  EXPECT_EQ(info.pid(), (*process)->pid());
  ASSERT_GE(info.endpoints_size(), 1);
  EXPECT_EQ(info.endpoints(0).address(), absl::StrCat("127.0.0.1:", *port));

  absl::StatusOr<int> code = (*process)->Stop(SIGTERM);
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0) << (*process)->output();
  EXPECT_NE((*process)->output().find("stopped in"), std::string::npos)
      << (*process)->output();
}

TEST_P(ServiceBinaryTest, RefusesAnOutOfRangePortNamingTheFlag) {
  auto process = ServiceProcess::Start(binary(), Args({"--port=70000"}));
  ASSERT_TRUE(process.ok()) << process.status();
  absl::StatusOr<int> code = (*process)->Wait();
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 1);
  EXPECT_NE((*process)->output().find("port"), std::string::npos)
      << (*process)->output();
}

TEST_P(ServiceBinaryTest, RefusesAnUnknownFlag) {
  auto process = ServiceProcess::Start(binary(), {"--no_such_flag=1"});
  ASSERT_TRUE(process.ok()) << process.status();
  absl::StatusOr<int> code = (*process)->Wait();
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_NE(*code, 0);
  EXPECT_NE((*process)->output().find("no_such_flag"), std::string::npos)
      << (*process)->output();
}

TEST(QueryBinaryTest, RefusesToStartWithoutADatabaseNamingTheFlag) {
  auto process = ServiceProcess::Start("services/query/query", {"--port=0"});
  ASSERT_TRUE(process.ok()) << process.status();
  absl::StatusOr<int> code = (*process)->Wait();
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 1);
  EXPECT_NE((*process)->output().find("--database"), std::string::npos)
      << (*process)->output();
}

INSTANTIATE_TEST_SUITE_P(GrpcServices, ServiceBinaryTest,
                         ::testing::Values("query", "cache"));

}  // namespace
}  // namespace hyper
