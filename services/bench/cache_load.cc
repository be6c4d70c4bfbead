#include "services/bench/cache_load.h"

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "grpcpp/grpcpp.h"
#include "libs/service/arena_allocator.h"
#include "proto/hyper/cache/v1/cache.grpc.pb.h"

namespace hyper::bench {
namespace {

namespace v1 = ::hyper::cache::v1;

// key:000000000042, into `out` (reusing its buffer): the client formats 16
// of these per GetMany, so not through StrFormat.
void FormatKey(int64_t i, std::string* out) {
  if (i < 0 || i >= 1'000'000'000'000) {
    *out = absl::StrFormat("key:%012d", i);
    return;
  }
  char key[16] = {'k', 'e', 'y', ':'};
  for (int d = 15; d >= 4; --d, i /= 10) key[d] = static_cast<char>('0' + i % 10);
  out->assign(key, sizeof(key));
}

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
      FormatKey(i, entry->mutable_key());
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

// One Pipeline stream with one command in flight at a time: what a
// redis-benchmark client with -P N is, its N commands being one
// GetMany/SetMany of N keys here.
class PipelineStream final
    : public grpc::ClientBidiReactor<v1::PipelineRequest, v1::PipelineResponse> {
 public:
  explicit PipelineStream(v1::CacheService::Stub* stub) {
    stub->async()->Pipeline(&context_, this);
    StartCall();
  }
  ~PipelineStream() override { Close(); }

  // The command the next Send writes, empty. Commands and their responses
  // live on two alternating arenas: the one reset here held the command
  // before last, whose write finished before the last one's began.
  v1::PipelineRequest* next_command() {
    slots_[next_].Reset();
    return slots_[next_].request();
  }

  // Sends next_command(); `done` gets its own status, or UNAVAILABLE when
  // the stream has ended.
  void Send(std::function<void(const grpc::Status&)> done) {
    const v1::PipelineRequest* command = slots_[next_].request();
    response_ = slots_[next_].response();
    next_ ^= 1;
    bool write;
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = std::move(done);
      write = !writing_;
      writing_ = true;
      if (!write) pending_ = command;
    }
    StartRead(response_);
    if (write) StartWrite(command);
  }

  // Ends the client's side once the last write is out, and waits for the
  // server's status.
  void Close() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return !writing_ || ended_; });
    if (!closing_ && !ended_) {
      closing_ = true;
      lock.unlock();
      StartWritesDone();
      lock.lock();
    }
    cv_.wait(lock, [this] { return ended_; });
  }

  void OnWriteDone(bool ok) override {
    const v1::PipelineRequest* write = nullptr;
    {
      std::lock_guard<std::mutex> lock(mu_);
      write = ok ? pending_ : nullptr;
      pending_ = nullptr;
      writing_ = write != nullptr;
    }
    if (write != nullptr) StartWrite(write);
    cv_.notify_all();
  }

  void OnReadDone(bool ok) override {
    grpc::Status status =
        !ok ? grpc::Status(grpc::StatusCode::UNAVAILABLE, "pipeline: the stream ended")
        : response_->code() == 0
            ? grpc::Status::OK
            : grpc::Status(static_cast<grpc::StatusCode>(response_->code()), response_->message());
    std::function<void(const grpc::Status&)> done;
    {
      std::lock_guard<std::mutex> lock(mu_);
      done = std::move(done_);
      broken_ = broken_ || !ok;
    }
    done(status);
  }

  // False once a read failed: the stream is over and takes no more commands.
  bool alive() {
    std::lock_guard<std::mutex> lock(mu_);
    return !broken_;
  }

  void OnDone(const grpc::Status&) override {
    std::lock_guard<std::mutex> lock(mu_);
    ended_ = true;
    cv_.notify_all();
  }

 private:
  grpc::ClientContext context_;
  service::ArenaMessages<v1::PipelineRequest, v1::PipelineResponse> slots_[2];
  int next_ = 0;
  v1::PipelineResponse* response_ = nullptr;  // the read in flight fills it
  std::mutex mu_;
  std::condition_variable cv_;
  std::function<void(const grpc::Status&)> done_;
  const v1::PipelineRequest* pending_ = nullptr;  // waits for the write before it
  bool writing_ = false;
  bool closing_ = false;
  bool broken_ = false;
  bool ended_ = false;
};

// Every in-flight slot of the load is a stream of its own, the streams
// spread over the stubs' connections.
LoadResult RunPipelined(const std::vector<std::unique_ptr<v1::CacheService::Stub>>& stubs,
                        const LoadOptions& load,
                        const std::function<void(v1::PipelineRequest*)>& fill_command) {
  std::vector<std::unique_ptr<PipelineStream>> streams;
  std::mutex free_mu;
  std::vector<PipelineStream*> free;
  for (int i = 0; i < load.in_flight; ++i) {
    streams.push_back(std::make_unique<PipelineStream>(stubs[i % stubs.size()].get()));
    free.push_back(streams.back().get());
  }
  StartCall start = [&](std::function<void(const grpc::Status&)> done) {
    PipelineStream* stream = nullptr;
    {
      std::lock_guard<std::mutex> lock(free_mu);
      if (!free.empty()) {  // never more calls than streams, but some may be over
        stream = free.back();
        free.pop_back();
      }
    }
    if (stream == nullptr) {
      // Every stream that is not busy has ended (the server went away):
      // fail this call from another thread, a millisecond on, so the driver
      // neither recurses nor spins until its deadline.
      std::thread([done = std::move(done)] {
        absl::SleepFor(absl::Milliseconds(1));
        done(grpc::Status(grpc::StatusCode::UNAVAILABLE, "pipeline: every stream has ended"));
      }).detach();
      return;
    }
    fill_command(stream->next_command());
    stream->Send([&, stream, done = std::move(done)](const grpc::Status& status) {
      if (stream->alive()) {
        std::lock_guard<std::mutex> lock(free_mu);
        free.push_back(stream);
      }
      done(status);
    });
  };
  LoadResult result = RunLoad(load, start);
  for (std::unique_ptr<PipelineStream>& stream : streams) stream->Close();
  return result;
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
  auto fill_command = [&](v1::PipelineRequest* command) {
    const bool set = options.suite == "set" || (options.suite == "mix" && picker.OneInTen());
    if (options.batch == 1 && set) {
      v1::SetRequest* request = command->mutable_set();
      FormatKey(picker.Key(), request->mutable_key());
      request->set_value(value);
    } else if (options.batch == 1) {
      FormatKey(picker.Key(), command->mutable_get()->mutable_key());
    } else if (set) {
      v1::SetManyRequest* request = command->mutable_set_many();
      request->clear_entries();
      for (int i = 0; i < options.batch; ++i) {
        v1::Entry* entry = request->add_entries();
        FormatKey(picker.Key(), entry->mutable_key());
        entry->set_value(value);
      }
    } else {
      v1::GetManyRequest* request = command->mutable_get_many();
      request->clear_keys();
      for (int i = 0; i < options.batch; ++i) FormatKey(picker.Key(), request->add_keys());
    }
  };
  const LoadOptions load{.in_flight = options.in_flight,
                         .duration = options.duration,
                         .ops_per_call = options.batch};
  if (options.pipeline) return RunPipelined(stubs, load, fill_command);

  struct Call {
    grpc::ClientContext context;
    v1::PipelineRequest command;  // the one request this call sends
    v1::GetResponse get_response;
    v1::SetResponse set_response;
    v1::GetManyResponse get_many_response;
    v1::SetManyResponse set_many_response;
  };
  std::atomic<uint64_t> next{0};
  StartCall start = [&](std::function<void(const grpc::Status&)> done) {
    v1::CacheService::Stub* s = stubs[next.fetch_add(1) % stubs.size()].get();
    auto call = std::make_shared<Call>();
    auto finish = [call, done = std::move(done)](grpc::Status status) { done(status); };
    fill_command(&call->command);
    const v1::PipelineRequest& c = call->command;
    if (c.has_set()) {
      s->async()->Set(&call->context, &c.set(), &call->set_response, std::move(finish));
    } else if (c.has_get()) {
      s->async()->Get(&call->context, &c.get(), &call->get_response, std::move(finish));
    } else if (c.has_set_many()) {
      s->async()->SetMany(&call->context, &c.set_many(), &call->set_many_response,
                          std::move(finish));
    } else {
      s->async()->GetMany(&call->context, &c.get_many(), &call->get_many_response,
                          std::move(finish));
    }
  };
  return RunLoad(load, start);
}

}  // namespace hyper::bench
