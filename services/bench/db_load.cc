#include "services/bench/db_load.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <random>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "proto/hyper/query/v1/query.grpc.pb.h"
#include "services/bench/copy_stream.h"
#include "services/bench/query_values.h"

namespace hyper::bench {
namespace {

namespace v1 = ::hyper::query::v1;

v1::Filter KeyEquals(int64_t key) {
  v1::Filter f;
  f.mutable_condition()->set_field("aid");
  f.mutable_condition()->set_lookup(v1::EXACT);
  *f.mutable_condition()->mutable_value() = Int(key);
  return f;
}

// Starts one call of a pk, range or update suite.
class CallStarter {
 public:
  CallStarter(const DbLoadOptions& options,
              std::vector<std::unique_ptr<v1::QueryService::Stub>> stubs)
      : options_(options), stubs_(std::move(stubs)), rng_(12345) {}

  void operator()(std::function<void(const grpc::Status&)> done) {
    struct Call {
      grpc::ClientContext context;
      v1::QueryRequest query;
      v1::QueryResponse query_response;
      v1::UpdateRequest update;
      v1::UpdateResponse update_response;
    };
    auto call = std::make_shared<Call>();
    auto finish = [call, done = std::move(done)](grpc::Status status) { done(status); };
    v1::QueryService::Stub* stub = stubs_[next_stub_++ % stubs_.size()].get();
    if (options_.suite == "update") {
      call->update.set_model("pgbench_accounts");
      *call->update.mutable_filter() = KeyEquals(RandomKey());
      v1::Assignment* a = call->update.add_set();
      a->set_field("abalance");
      a->mutable_expression()->set_field("abalance");
      a->mutable_expression()->set_op(v1::ADD);
      *a->mutable_expression()->mutable_value() = Int(1);
      stub->async()->Update(&call->context, &call->update, &call->update_response,
                             std::move(finish));
      return;
    }
    call->query.set_model("pgbench_accounts");
    call->query.add_values("abalance");
    if (options_.suite == "range") {
      int64_t low = RandomKey();
      v1::Condition* c = call->query.mutable_filter()->mutable_condition();
      c->set_field("aid");
      c->set_lookup(v1::RANGE);
      *c->add_values() = Int(low);
      *c->add_values() = Int(low + 99);
    } else {
      *call->query.mutable_filter() = KeyEquals(RandomKey());
    }
    stub->async()->Query(&call->context, &call->query, &call->query_response,
                          std::move(finish));
  }

 private:
  int64_t RandomKey() {
    std::lock_guard<std::mutex> lock(mu_);
    return std::uniform_int_distribution<int64_t>(1, options_.accounts)(rng_);
  }

  const DbLoadOptions& options_;
  std::vector<std::unique_ptr<v1::QueryService::Stub>> stubs_;
  std::atomic<size_t> next_stub_{0};
  std::mutex mu_;
  std::mt19937_64 rng_;
};

absl::StatusOr<DbLoadResult> RunCopy(const DbLoadOptions& options, v1::QueryService::Stub* stub) {
  absl::Time start = absl::Now();
  CopyStream stream(stub, "bench_copy", {"id", "payload"});
  const std::string payload(64, 'x');
  for (int64_t id = 0; id < options.rows; ++id) {
    v1::Row* row = stream.AddRow();
    row->add_values()->set_int_value(id);
    row->add_values()->set_text_value(payload);
    if ((id + 1) % 1000 == 0) stream.Send();  // 1,000 rows a message
  }
  grpc::Status status = stream.Finish();
  DbLoadResult result;
  result.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  if (!status.ok()) {
    result.errors = 1;
    result.first_error = status.error_message();
    return result;
  }
  result.operations = stream.rows_written();
  result.ops_per_second = result.operations / result.seconds;
  return result;
}

}  // namespace

absl::StatusOr<DbLoadResult> RunDbLoad(const DbLoadOptions& options) {
  if (options.suite != "pk" && options.suite != "range" && options.suite != "update" &&
      options.suite != "copy") {
    return absl::InvalidArgumentError(
        absl::StrCat("suite: '", options.suite, "' is not one of pk, range, update, copy"));
  }
  if (options.in_flight < 1 || options.accounts < 1 || options.rows < 1) {
    return absl::InvalidArgumentError("in_flight, accounts and rows: must be >= 1");
  }
  if (options.connections < 1 || options.connections > 256) {
    return absl::InvalidArgumentError("connections: must be between 1 and 256");
  }
  std::vector<std::unique_ptr<v1::QueryService::Stub>> stubs;
  for (int i = 0; i < options.connections; ++i) {
    stubs.push_back(v1::QueryService::NewStub(SharedChannel(options.address, i)));
  }
  if (options.suite == "copy") return RunCopy(options, stubs[0].get());
  CallStarter starter(options, std::move(stubs));
  return RunLoad({.in_flight = options.in_flight, .duration = options.duration},
                 [&starter](std::function<void(const grpc::Status&)> done) {
                   starter(std::move(done));
                 });
}

std::string FormatResult(const std::string& suite, const DbLoadResult& r) {
  if (suite == "copy") {
    return absl::StrFormat("copy: %d rows in %.2f s = %.0f rows/s, %d errors%s",
                           r.operations, r.seconds, r.ops_per_second, r.errors,
                           r.first_error.empty() ? "" : " (" + r.first_error + ")");
  }
  return FormatLoad(suite, r);
}

}  // namespace hyper::bench
