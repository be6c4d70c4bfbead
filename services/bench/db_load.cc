#include "services/bench/db_load.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <map>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <random>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "proto/hyper/query/v1/query.grpc.pb.h"

namespace hyper::bench {
namespace {

namespace v1 = ::hyper::query::v1;

v1::Value Int(int64_t n) {
  v1::Value v;
  v.set_int_value(n);
  return v;
}

v1::Filter KeyEquals(int64_t key) {
  v1::Filter f;
  f.mutable_condition()->set_field("aid");
  f.mutable_condition()->set_lookup(v1::EXACT);
  *f.mutable_condition()->mutable_value() = Int(key);
  return f;
}

// Keeps `in_flight` calls going until the deadline; each finished call
// records its latency and starts the next.
class Driver {
 public:
  Driver(const DbLoadOptions& options, v1::QueryService::Stub* stub)
      : options_(options), stub_(stub), rng_(12345) {}

  DbLoadResult Run() {
    start_ = absl::Now();
    deadline_ = start_ + options_.duration;
    for (int i = 0; i < options_.in_flight; ++i) StartOne();
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, [this] { return active_ == 0; });
    DbLoadResult result;
    result.seconds = absl::ToDoubleSeconds(end_ - start_);
    result.operations = static_cast<int64_t>(latencies_.size());
    result.errors = errors_;
    result.first_error = first_error_;
    result.ops_per_second = result.seconds > 0 ? result.operations / result.seconds : 0;
    std::sort(latencies_.begin(), latencies_.end());
    auto pick = [&](double q) {
      if (latencies_.empty()) return absl::ZeroDuration();
      size_t i = std::min(latencies_.size() - 1,
                          static_cast<size_t>(q * static_cast<double>(latencies_.size())));
      return latencies_[i];
    };
    result.p50 = pick(0.50);
    result.p90 = pick(0.90);
    result.p99 = pick(0.99);
    result.p999 = pick(0.999);
    return result;
  }

 private:
  struct Call {
    grpc::ClientContext context;
    v1::QueryRequest query;
    v1::QueryResponse query_response;
    v1::UpdateRequest update;
    v1::UpdateResponse update_response;
    absl::Time start;
  };

  int64_t RandomKey() {
    std::lock_guard<std::mutex> lock(mu_);
    return std::uniform_int_distribution<int64_t>(1, options_.accounts)(rng_);
  }

  void StartOne() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++active_;
    }
    auto call = std::make_shared<Call>();
    call->start = absl::Now();
    auto done = [this, call](grpc::Status status) { Finished(call, status); };
    if (options_.suite == "update") {
      call->update.set_model("pgbench_accounts");
      *call->update.mutable_filter() = KeyEquals(RandomKey());
      v1::Assignment* a = call->update.add_set();
      a->set_field("abalance");
      a->mutable_expression()->set_field("abalance");
      a->mutable_expression()->set_op(v1::ADD);
      *a->mutable_expression()->mutable_value() = Int(1);
      stub_->async()->Update(&call->context, &call->update, &call->update_response, done);
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
    stub_->async()->Query(&call->context, &call->query, &call->query_response, done);
  }

  void Finished(const std::shared_ptr<Call>& call, const grpc::Status& status) {
    absl::Time now = absl::Now();
    bool again;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (status.ok()) {
        latencies_.push_back(now - call->start);
      } else {
        if (errors_++ == 0) first_error_ = status.error_message();
      }
      again = now < deadline_;
      if (!again) {
        end_ = std::max(end_, now);
      }
      --active_;
    }
    if (again) {
      StartOne();
    } else {
      done_cv_.notify_all();
    }
  }

  const DbLoadOptions& options_;
  v1::QueryService::Stub* stub_;
  std::mutex mu_;
  std::condition_variable done_cv_;
  std::mt19937_64 rng_;
  int active_ = 0;
  int64_t errors_ = 0;
  std::string first_error_;
  std::vector<absl::Duration> latencies_;
  absl::Time start_, deadline_, end_;
};

absl::StatusOr<DbLoadResult> RunCopy(const DbLoadOptions& options, v1::QueryService::Stub* stub) {
  grpc::ClientContext context;
  v1::CopyInResponse response;
  absl::Time start = absl::Now();
  auto writer = stub->CopyIn(&context, &response);
  const std::string payload(64, 'x');
  for (int64_t sent = 0; sent < options.rows;) {
    v1::CopyInRequest message;
    if (sent == 0) {
      message.set_model("bench_copy");
      message.add_fields("id");
      message.add_fields("payload");
    }
    int64_t n = std::min<int64_t>(1000, options.rows - sent);
    for (int64_t i = 0; i < n; ++i) {
      v1::Row* row = message.add_rows();
      *row->add_values() = Int(sent + i);
      row->add_values()->set_text_value(payload);
    }
    if (!writer->Write(message)) break;
    sent += n;
  }
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  DbLoadResult result;
  result.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  if (!status.ok()) {
    result.errors = 1;
    result.first_error = status.error_message();
    return result;
  }
  result.operations = response.rows_written();
  result.ops_per_second = result.operations / result.seconds;
  return result;
}

// One channel per address for the whole process. Besides saving connection
// setup between suites, this avoids a gRPC 1.51 race: destroying the last
// channel that used the callback API shuts down a shared completion queue,
// and a channel created right after can race that shutdown (ASan reported a
// double free in grpc_cq_internal_unref when tests ran suites back to back).
std::shared_ptr<grpc::Channel> ChannelFor(const std::string& address) {
  static std::mutex mu;
  static auto* channels = new std::map<std::string, std::shared_ptr<grpc::Channel>>();
  std::lock_guard<std::mutex> lock(mu);
  std::shared_ptr<grpc::Channel>& channel = (*channels)[address];
  if (channel == nullptr) {
    channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  }
  return channel;
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
  auto stub = v1::QueryService::NewStub(ChannelFor(options.address));
  if (options.suite == "copy") return RunCopy(options, stub.get());
  Driver driver(options, stub.get());
  return driver.Run();
}

std::string FormatResult(const std::string& suite, const DbLoadResult& r) {
  auto ms = [](absl::Duration d) { return absl::ToDoubleMilliseconds(d); };
  if (suite == "copy") {
    return absl::StrFormat("copy: %d rows in %.2f s = %.0f rows/s, %d errors%s",
                           r.operations, r.seconds, r.ops_per_second, r.errors,
                           r.first_error.empty() ? "" : " (" + r.first_error + ")");
  }
  return absl::StrFormat(
      "%s: %.0f ops/s, p50 %.2fms p90 %.2fms p99 %.2fms p99.9 %.2fms, %d errors%s", suite,
      r.ops_per_second, ms(r.p50), ms(r.p90), ms(r.p99), ms(r.p999), r.errors,
      r.first_error.empty() ? "" : " (first: " + r.first_error + ")");
}

}  // namespace hyper::bench
