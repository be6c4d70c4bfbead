#include "services/bench/db_load.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
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

// Streams `rows` rows into CopyIn (1,000 per message) with the callback
// API, building each message while the previous one is on the wire: two
// buffers, so the client's encoding overlaps the transfer and the server.
class CopyStreamer : public grpc::ClientWriteReactor<v1::CopyInRequest> {
 public:
  CopyStreamer(v1::QueryService::Stub* stub, int64_t rows) : rows_(rows) {
    stub->async()->CopyIn(&context_, &response_, this);
    StartCall();
  }

  // Sends everything, then waits for the answer.
  grpc::Status Run() {
    const std::string payload(64, 'x');
    int next = 0;
    for (int64_t sent = 0; sent < rows_;) {
      v1::CopyInRequest* message = &buffers_[next];
      next ^= 1;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return failed_ || (in_flight_ != message && queued_ != message); });
        if (failed_) break;
      }
      message->Clear();
      if (sent == 0) {
        message->set_model("bench_copy");
        message->add_fields("id");
        message->add_fields("payload");
      }
      int64_t n = std::min<int64_t>(1000, rows_ - sent);
      for (int64_t i = 0; i < n; ++i) {
        v1::Row* row = message->add_rows();
        row->add_values()->set_int_value(sent + i);
        row->add_values()->set_text_value(payload);
      }
      sent += n;
      bool start = false;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (failed_) break;
        if (in_flight_ == nullptr) {
          in_flight_ = message;
          start = true;
        } else {
          queued_ = message;
        }
      }
      if (start) StartWrite(message);
    }
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return failed_ || (in_flight_ == nullptr && queued_ == nullptr); });
    if (!failed_) {
      lock.unlock();
      StartWritesDone();
      lock.lock();
    }
    cv_.wait(lock, [&] { return done_; });
    return status_;
  }

  int64_t rows_written() const { return response_.rows_written(); }

  void OnWriteDone(bool ok) override {
    v1::CopyInRequest* next = nullptr;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!ok) {
        failed_ = true;  // the server has answered; OnDone brings its status
      } else {
        in_flight_ = queued_;
        queued_ = nullptr;
        next = in_flight_;
      }
    }
    cv_.notify_all();
    if (next != nullptr) StartWrite(next);
  }

  void OnDone(const grpc::Status& status) override {
    std::lock_guard<std::mutex> lock(mu_);
    status_ = status;
    done_ = true;
    cv_.notify_all();
  }

 private:
  const int64_t rows_;
  grpc::ClientContext context_;
  v1::CopyInResponse response_;
  v1::CopyInRequest buffers_[2];
  std::mutex mu_;
  std::condition_variable cv_;
  v1::CopyInRequest* in_flight_ = nullptr;  // guarded by mu_
  v1::CopyInRequest* queued_ = nullptr;     // guarded by mu_: built, waiting
  bool failed_ = false;                     // guarded by mu_
  bool done_ = false;                       // guarded by mu_
  grpc::Status status_;                     // guarded by mu_
};

absl::StatusOr<DbLoadResult> RunCopy(const DbLoadOptions& options, v1::QueryService::Stub* stub) {
  absl::Time start = absl::Now();
  CopyStreamer streamer(stub, options.rows);
  grpc::Status status = streamer.Run();
  DbLoadResult result;
  result.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  if (!status.ok()) {
    result.errors = 1;
    result.first_error = status.error_message();
    return result;
  }
  result.operations = streamer.rows_written();
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
