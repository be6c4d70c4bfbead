// ArenaAllocator: a gRPC callback-API message allocator that puts each
// call's request and response on one protobuf arena whose first block lives
// inside the per-call holder. Parsing a request of many strings and building
// a response of many messages then costs no allocation per field, and
// everything is freed at once when the call ends. Holders are recycled
// (their arena reset), so a call that fits the first block allocates
// nothing at all.
//
// Example (in a CallbackService's constructor):
//   SetMessageAllocatorFor_GetMany(&get_many_allocator_);
//   ...
//   service::ArenaAllocator<v1::GetManyRequest, v1::GetManyResponse>
//       get_many_allocator_;
// The allocator must outlive the server's calls (a service member does).
#ifndef HYPER_LIBS_SERVICE_ARENA_ALLOCATOR_H_
#define HYPER_LIBS_SERVICE_ARENA_ALLOCATOR_H_

#include <google/protobuf/arena.h>
#include <grpcpp/support/message_allocator.h>

#include <cstddef>
#include <mutex>
#include <vector>

namespace hyper::service {

// A request and a response on one protobuf arena whose first block lives
// inside this object. Reset() frees both (keeping the first block) and
// makes fresh ones. For streams, which have no MessageAllocator: e.g. a
// queue of these, one per message in flight.
template <typename Request, typename Response>
class ArenaMessages {
 public:
  // Enough for the requests and responses of typical calls; larger ones
  // grow the arena from the heap until the next Reset().
  static constexpr size_t kFirstBlockBytes = 4096;

  ArenaMessages() : arena_(Options(first_block_)) { Create(); }
  ArenaMessages(const ArenaMessages&) = delete;
  ArenaMessages& operator=(const ArenaMessages&) = delete;

  Request* request() const { return request_; }
  Response* response() const { return response_; }

  void Reset() {
    arena_.Reset();  // keeps the first block, frees what grew past it
    Create();
  }

 private:
  static google::protobuf::ArenaOptions Options(char* block) {
    google::protobuf::ArenaOptions options;
    options.initial_block = block;
    options.initial_block_size = kFirstBlockBytes;
    return options;
  }
  void Create() {
    request_ = google::protobuf::Arena::CreateMessage<Request>(&arena_);
    response_ = google::protobuf::Arena::CreateMessage<Response>(&arena_);
  }

  alignas(std::max_align_t) char first_block_[kFirstBlockBytes];
  google::protobuf::Arena arena_;
  Request* request_;
  Response* response_;
};

template <typename Request, typename Response>
class ArenaAllocator final : public grpc::MessageAllocator<Request, Response> {
 public:
  ArenaAllocator() = default;
  ArenaAllocator(const ArenaAllocator&) = delete;
  ArenaAllocator& operator=(const ArenaAllocator&) = delete;
  ~ArenaAllocator() override {
    for (Holder* holder : free_) delete holder;
  }

  grpc::MessageHolder<Request, Response>* AllocateMessages() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!free_.empty()) {
        Holder* holder = free_.back();
        free_.pop_back();
        return holder;
      }
    }
    return new Holder(this);
  }

  // Holders kept for reuse now (for tests).
  size_t free_holders() const {
    std::lock_guard<std::mutex> lock(mu_);
    return free_.size();
  }

 private:
  // More idle holders than this are freed: a burst does not pin memory.
  static constexpr size_t kMaxFree = 256;

  class Holder final : public grpc::MessageHolder<Request, Response> {
   public:
    explicit Holder(ArenaAllocator* owner) : owner_(owner) { Point(); }
    void Release() override {
      messages_.Reset();
      Point();
      owner_->Recycle(this);
    }

   private:
    void Point() {
      this->set_request(messages_.request());
      this->set_response(messages_.response());
    }
    ArenaAllocator* owner_;
    ArenaMessages<Request, Response> messages_;
  };

  void Recycle(Holder* holder) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (free_.size() < kMaxFree) {
        free_.push_back(holder);
        return;
      }
    }
    delete holder;
  }

  mutable std::mutex mu_;
  std::vector<Holder*> free_;  // guarded by mu_
};

}  // namespace hyper::service

#endif  // HYPER_LIBS_SERVICE_ARENA_ALLOCATOR_H_
