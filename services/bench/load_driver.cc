#include "services/bench/load_driver.h"

#include <algorithm>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace hyper::bench {
namespace {

class Driver {
 public:
  Driver(const LoadOptions& options, const StartCall& start)
      : options_(options), start_call_(start) {}

  LoadResult Run() {
    start_ = absl::Now();
    deadline_ = start_ + options_.duration;
    for (int i = 0; i < options_.in_flight; ++i) StartOne();
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, [this] { return active_ == 0; });
    LoadResult result;
    result.seconds = absl::ToDoubleSeconds(end_ - start_);
    result.calls = static_cast<int64_t>(latencies_.size());
    result.operations = result.calls * options_.ops_per_call;
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
  void StartOne() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++active_;
    }
    const absl::Time started = absl::Now();
    start_call_([this, started](const grpc::Status& status) { Finished(started, status); });
  }

  void Finished(absl::Time started, const grpc::Status& status) {
    const absl::Time now = absl::Now();
    bool again;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (status.ok()) {
        latencies_.push_back(now - started);
      } else if (errors_++ == 0) {
        first_error_ = status.error_message();
      }
      again = now < deadline_;
      if (!again) end_ = std::max(end_, now);
      --active_;
    }
    if (again) {
      StartOne();
    } else {
      done_cv_.notify_all();
    }
  }

  const LoadOptions& options_;
  const StartCall& start_call_;
  std::mutex mu_;
  std::condition_variable done_cv_;
  int active_ = 0;
  int64_t errors_ = 0;
  std::string first_error_;
  std::vector<absl::Duration> latencies_;
  absl::Time start_, deadline_, end_;
};

}  // namespace

std::shared_ptr<grpc::Channel> SharedChannel(const std::string& address, int index) {
  static std::mutex mu;
  static auto* channels =
      new std::map<std::pair<std::string, int>, std::shared_ptr<grpc::Channel>>();
  std::lock_guard<std::mutex> lock(mu);
  std::shared_ptr<grpc::Channel>& channel = (*channels)[{address, index}];
  if (channel == nullptr) {
    grpc::ChannelArguments args;
    args.SetInt("hyper.bench.connection", index);
    // A load generator never retries, and gRPC's retry filter (on by
    // default) buffers every call's messages for a retry: 15-20% of the
    // client's CPU per call, on the same cores as the server under test.
    args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
    channel = grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
  }
  return channel;
}

LoadResult RunLoad(const LoadOptions& options, const StartCall& start) {
  Driver driver(options, start);
  return driver.Run();
}

std::string FormatLoad(const std::string& name, const LoadResult& r) {
  auto ms = [](absl::Duration d) { return absl::ToDoubleMilliseconds(d); };
  return absl::StrFormat(
      "%s: %.0f ops/s, p50 %.2fms p90 %.2fms p99 %.2fms p99.9 %.2fms, %d errors%s", name,
      r.ops_per_second, ms(r.p50), ms(r.p90), ms(r.p99), ms(r.p999), r.errors,
      r.first_error.empty() ? "" : " (first: " + r.first_error + ")");
}

}  // namespace hyper::bench
