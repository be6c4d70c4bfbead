#include "libs/service/grpc_server.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include <future>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "proto/hyper/admin/v1/admin.grpc.pb.h"

namespace hyper::service {
namespace {

using ::hyper::admin::v1::Admin;
using ::hyper::admin::v1::GetInfoRequest;
using ::hyper::admin::v1::ServiceInfo;

absl::StatusOr<std::unique_ptr<GrpcServer>> StartLoopback(
    const std::string& name, int port = 0) {
  return GrpcServer::Start(
      {.service_name = name, .host = "127.0.0.1", .port = port});
}

std::shared_ptr<grpc::Channel> Connect(int port) {
  return grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                             grpc::InsecureChannelCredentials());
}

// Calls grpc.health.v1.Health/Check for the whole server with raw bytes:
// an empty HealthCheckRequest, and a reply whose field 1 is the status.
// Returns the status number (1 = SERVING) or -1 on an RPC error.
int HealthCheck(int port) {
  grpc::GenericStub stub(Connect(port));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(5));
  grpc::Slice empty_message{std::string()};
  grpc::ByteBuffer request(&empty_message, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check",
                 grpc::StubOptions(), &request, &response,
                 [&done](grpc::Status status) { done.set_value(status); });
  grpc::Status status = done.get_future().get();
  if (!status.ok()) return -1;
  std::vector<grpc::Slice> slices;
  if (!response.Dump(&slices).ok()) return -1;
  std::string bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  if (bytes.size() != 2 || bytes[0] != 0x08) return -1;
  return bytes[1];
}

TEST(GrpcServerTest, AnswersAdminGetInfoOverARealSocket) {
  auto server = StartLoopback("query");
  ASSERT_TRUE(server.ok()) << server.status();
  ASSERT_GT((*server)->port(), 0);

  std::unique_ptr<Admin::Stub> stub = Admin::NewStub(Connect((*server)->port()));
  grpc::ClientContext context;
  ServiceInfo info;
  grpc::Status status = stub->GetInfo(&context, GetInfoRequest(), &info);
  ASSERT_TRUE(status.ok()) << status.error_message();

  EXPECT_EQ(info.service(), "query");
  EXPECT_EQ(info.version(), kHyperVersion);
  EXPECT_EQ(info.pid(), getpid());
  EXPECT_GT(info.start_time_unix_ms(), 1'700'000'000'000);
  EXPECT_GE(info.uptime_ms(), 0);
  ASSERT_EQ(info.endpoints_size(), 1);
  EXPECT_EQ(info.endpoints(0).name(), "grpc");
  EXPECT_EQ(info.endpoints(0).address(),
            absl::StrCat("127.0.0.1:", (*server)->port()));
}

TEST(GrpcServerTest, ServesTheStandardHealthServiceUntilShutdown) {
  auto server = StartLoopback("cache");
  ASSERT_TRUE(server.ok()) << server.status();
  int port = (*server)->port();
  EXPECT_EQ(HealthCheck(port), 1);  // SERVING
  (*server)->Shutdown(absl::Seconds(1));
  EXPECT_EQ(HealthCheck(port), -1);  // nobody listens any more
}

TEST(GrpcServerTest, SetServingFlipsTheHealthStatus) {
  auto server = StartLoopback("query");
  ASSERT_TRUE(server.ok()) << server.status();
  int port = (*server)->port();
  (*server)->SetServing(false);
  EXPECT_EQ(HealthCheck(port), 2);  // NOT_SERVING
  (*server)->SetServing(false);     // repeating a status is harmless
  EXPECT_EQ(HealthCheck(port), 2);
  (*server)->SetServing(true);
  EXPECT_EQ(HealthCheck(port), 1);  // SERVING
  (*server)->Shutdown(absl::Seconds(1));
  (*server)->SetServing(true);      // ignored after shutdown, no crash
}

TEST(GrpcServerTest, ReportsExtraEndpoints) {
  auto server = GrpcServer::Start({.service_name = "edge",
                                   .host = "127.0.0.1",
                                   .extra_endpoints = {{"http", "0.0.0.0:8080"}}});
  ASSERT_TRUE(server.ok()) << server.status();
  std::unique_ptr<Admin::Stub> stub = Admin::NewStub(Connect((*server)->port()));
  grpc::ClientContext context;
  ServiceInfo info;
  ASSERT_TRUE(stub->GetInfo(&context, GetInfoRequest(), &info).ok());
  ASSERT_EQ(info.endpoints_size(), 2);
  EXPECT_EQ(info.endpoints(1).name(), "http");
  EXPECT_EQ(info.endpoints(1).address(), "0.0.0.0:8080");
}

TEST(GrpcServerTest, RejectsBadOptionsNamingTheField) {
  auto unnamed = GrpcServer::Start({.service_name = ""});
  EXPECT_EQ(unnamed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(unnamed.status().message().find("service_name"), std::string::npos);

  auto bad_port = GrpcServer::Start({.service_name = "x", .port = 70000});
  EXPECT_EQ(bad_port.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad_port.status().message().find("port"), std::string::npos);
}

TEST(GrpcServerTest, PortInUseIsUnavailableNotACrash) {
  // Hold a port with a plain listening socket (no SO_REUSEPORT).
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);

  auto server = StartLoopback("query", ntohs(addr.sin_port));
  EXPECT_EQ(server.status().code(), absl::StatusCode::kUnavailable)
      << server.status();
  close(fd);
}

}  // namespace
}  // namespace hyper::service
