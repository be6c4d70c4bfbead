// bench cache against the real cache service binary: every suite runs,
// counts keys for batches, and a dead address or bad option is an error.
#include "services/bench/cache_load.h"

#include <memory>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/testing/service_process.h"

namespace hyper::bench {
namespace {

// Starts the real cache service binary; `address` gets its gRPC host:port.
void StartCacheService(std::unique_ptr<testing::ServiceProcess>* process,
                       std::string* address) {
  auto started = testing::ServiceProcess::Start(
      "services/cache/cache",
      {"--host=127.0.0.1", "--port=0", "--admin_port=-1", "--shutdown_grace=0s"});
  ASSERT_TRUE(started.ok()) << started.status();
  absl::StatusOr<int> port = (*started)->WaitForPort("grpc");
  ASSERT_TRUE(port.ok()) << port.status();
  *process = *std::move(started);
  *address = absl::StrCat("127.0.0.1:", *port);
}

class CacheLoadTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::unique_ptr<testing::ServiceProcess> process;
    address_ = new std::string;
    StartCacheService(&process, address_);
    process_ = process.release();
  }
  static void TearDownTestSuite() {
    delete process_;
    delete address_;
  }

  static CacheLoadOptions Options(const std::string& suite, int batch = 1) {
    return {.address = *address_, .suite = suite, .in_flight = 8,
            .duration = absl::Milliseconds(300), .keys = 500, .batch = batch};
  }

  static testing::ServiceProcess* process_;
  static std::string* address_;
};

testing::ServiceProcess* CacheLoadTest::process_ = nullptr;
std::string* CacheLoadTest::address_ = nullptr;

TEST_F(CacheLoadTest, EverySuiteRunsWithoutErrors) {
  for (const char* suite : {"get", "set", "mix"}) {
    absl::StatusOr<LoadResult> r = RunCacheLoad(Options(suite));
    ASSERT_TRUE(r.ok()) << suite << ": " << r.status();
    EXPECT_GT(r->calls, 0) << suite;
    EXPECT_EQ(r->operations, r->calls) << suite;
    EXPECT_EQ(r->errors, 0) << suite << ": " << r->first_error;
    EXPECT_GT(r->ops_per_second, 0) << suite;
    EXPECT_LE(r->p50, r->p99) << suite;
  }
}

TEST_F(CacheLoadTest, BatchesCountKeys) {
  absl::StatusOr<LoadResult> r = RunCacheLoad(Options("get", 16));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_GT(r->calls, 0);
  EXPECT_EQ(r->operations, r->calls * 16);
  EXPECT_EQ(r->errors, 0) << r->first_error;
  EXPECT_TRUE(absl::StartsWith(FormatLoad("get", *r), "get: ")) << FormatLoad("get", *r);
}

TEST_F(CacheLoadTest, PipelineStreamsRunEverySuiteAndCountKeys) {
  for (const char* suite : {"get", "set", "mix"}) {
    for (int batch : {1, 16}) {
      CacheLoadOptions options = Options(suite, batch);
      options.pipeline = true;
      options.connections = 2;
      absl::StatusOr<LoadResult> r = RunCacheLoad(options);
      ASSERT_TRUE(r.ok()) << suite << ": " << r.status();
      EXPECT_GT(r->calls, 0) << suite;
      EXPECT_EQ(r->operations, r->calls * batch) << suite;
      EXPECT_EQ(r->errors, 0) << suite << ": " << r->first_error;
    }
  }
}

// The service killed in the middle of a Pipeline load: the load ends on
// time, counting the failed calls, with no crash and no hang.
TEST(CacheLoadServiceDiesTest, PipelineLoadCountsErrorsWhenTheServiceIsKilled) {
  std::unique_ptr<testing::ServiceProcess> process;
  std::string address;
  ASSERT_NO_FATAL_FAILURE(StartCacheService(&process, &address));
  std::thread killer([&] {
    absl::SleepFor(absl::Milliseconds(500));
    process->Stop(/*signal=*/9).IgnoreError();
  });
  absl::StatusOr<LoadResult> r = RunCacheLoad({.address = address,
                                               .suite = "get",
                                               .in_flight = 8,
                                               .duration = absl::Milliseconds(1500),
                                               .keys = 500,
                                               .batch = 16,
                                               .connections = 2,
                                               .pipeline = true});
  killer.join();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_GT(r->calls, 0) << "calls succeeded before the kill";
  EXPECT_GT(r->errors, 0) << "and failed after it";
  EXPECT_LT(r->seconds, 5.0);
}

TEST_F(CacheLoadTest, BadOptionsAndDeadServicesAreErrors) {
  CacheLoadOptions bad = Options("delete");
  EXPECT_EQ(RunCacheLoad(bad).status().code(), absl::StatusCode::kInvalidArgument);
  bad = Options("get", 0);
  EXPECT_TRUE(absl::StrContains(RunCacheLoad(bad).status().message(), "batch"));
  CacheLoadOptions dead = Options("get");
  dead.address = "127.0.0.1:1";
  EXPECT_EQ(RunCacheLoad(dead).status().code(), absl::StatusCode::kUnavailable);
  dead.pipeline = true;
  EXPECT_EQ(RunCacheLoad(dead).status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace hyper::bench
