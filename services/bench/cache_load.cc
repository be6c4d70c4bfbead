#include "services/bench/cache_load.h"

#include <atomic>
#include <memory>
#include <random>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "grpcpp/grpcpp.h"
#include "proto/hyper/cache/v1/cache.grpc.pb.h"

namespace hyper::bench {
namespace {

namespace v1 = ::hyper::cache::v1;

std::string Key(int64_t i) { return absl::StrFormat("key:%012d", i); }

// Random keys and the get/set choice, on whichever gRPC thread starts the
// next call: a generator per thread, so the client spends its cores on
// calls rather than on a shared lock.
class Picker {
 public:
  explicit Picker(int64_t keys) : keys_(keys) {}
  int64_t Key() { return std::uniform_int_distribution<int64_t>(0, keys_ - 1)(Rng()); }
  bool OneInTen() { return std::uniform_int_distribution<int>(0, 9)(Rng()) == 0; }

 private:
  static std::mt19937_64& Rng() {
    static std::atomic<uint64_t> seeds{12345};
    thread_local std::mt19937_64 rng(seeds.fetch_add(1));
    return rng;
  }
  const int64_t keys_;
};

absl::Status Fill(v1::CacheService::Stub* stub, const CacheLoadOptions& options,
                  const std::string& value) {
  constexpr int64_t kChunk = 1000;
  for (int64_t first = 0; first < options.keys; first += kChunk) {
    v1::SetManyRequest request;
    for (int64_t i = first; i < std::min(options.keys, first + kChunk); ++i) {
      v1::Entry* entry = request.add_entries();
      entry->set_key(Key(i));
      entry->set_value(value);
    }
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::SetManyResponse response;
    grpc::Status status = stub->SetMany(&context, request, &response);
    if (!status.ok()) {
      return absl::UnavailableError(
          absl::StrCat("cache service at ", options.address, ": ", status.error_message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<LoadResult> RunCacheLoad(const CacheLoadOptions& options) {
  if (options.suite != "get" && options.suite != "set" && options.suite != "mix") {
    return absl::InvalidArgumentError(
        absl::StrCat("suite: '", options.suite, "' is not one of get, set, mix"));
  }
  if (options.in_flight < 1) return absl::InvalidArgumentError("concurrency: must be >= 1");
  if (options.keys < 1) return absl::InvalidArgumentError("keys: must be >= 1");
  if (options.value_bytes < 0) return absl::InvalidArgumentError("value_bytes: must be >= 0");
  if (options.batch < 1 || options.batch > 10000) {
    return absl::InvalidArgumentError("batch: must be between 1 and 10000");
  }
  if (options.connections < 1 || options.connections > 256) {
    return absl::InvalidArgumentError("connections: must be between 1 and 256");
  }
  std::vector<std::unique_ptr<v1::CacheService::Stub>> stubs;
  for (int i = 0; i < options.connections; ++i) {
    stubs.push_back(v1::CacheService::NewStub(SharedChannel(options.address, i)));
  }
  v1::CacheService::Stub* stub = stubs[0].get();
  const std::string value(options.value_bytes, 'x');
  if (options.suite != "set") {
    if (absl::Status filled = Fill(stub, options, value); !filled.ok()) return filled;
  }
  Picker picker(options.keys);

  struct Call {
    grpc::ClientContext context;
    v1::GetRequest get;
    v1::GetResponse get_response;
    v1::SetRequest set;
    v1::SetResponse set_response;
    v1::GetManyRequest get_many;
    v1::GetManyResponse get_many_response;
    v1::SetManyRequest set_many;
    v1::SetManyResponse set_many_response;
  };
  std::atomic<uint64_t> next{0};
  StartCall start = [&](std::function<void(const grpc::Status&)> done) {
    v1::CacheService::Stub* s = stubs[next.fetch_add(1) % stubs.size()].get();
    auto call = std::make_shared<Call>();
    auto finish = [call, done = std::move(done)](grpc::Status status) { done(status); };
    const bool set = options.suite == "set" || (options.suite == "mix" && picker.OneInTen());
    if (options.batch == 1 && set) {
      call->set.set_key(Key(picker.Key()));
      call->set.set_value(value);
      s->async()->Set(&call->context, &call->set, &call->set_response, std::move(finish));
    } else if (options.batch == 1) {
      call->get.set_key(Key(picker.Key()));
      s->async()->Get(&call->context, &call->get, &call->get_response, std::move(finish));
    } else if (set) {
      for (int i = 0; i < options.batch; ++i) {
        v1::Entry* entry = call->set_many.add_entries();
        entry->set_key(Key(picker.Key()));
        entry->set_value(value);
      }
      s->async()->SetMany(&call->context, &call->set_many, &call->set_many_response,
                          std::move(finish));
    } else {
      for (int i = 0; i < options.batch; ++i) call->get_many.add_keys(Key(picker.Key()));
      s->async()->GetMany(&call->context, &call->get_many, &call->get_many_response,
                          std::move(finish));
    }
  };
  return RunLoad({.in_flight = options.in_flight,
                  .duration = options.duration,
                  .ops_per_call = options.batch},
                 start);
}

}  // namespace hyper::bench
