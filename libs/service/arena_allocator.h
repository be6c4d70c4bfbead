// ArenaAllocator: a gRPC callback-API message allocator that puts each
// call's request and response on one protobuf arena whose first block lives
// inside the per-call holder. Parsing a request of many strings and building
// a response of many messages then costs one allocation per call instead of
// one per field, and everything is freed at once when the call ends.
//
// Example (in a CallbackService's constructor):
//   SetMessageAllocatorFor_GetMany(&get_many_allocator_);
//   ...
//   service::ArenaAllocator<v1::GetManyRequest, v1::GetManyResponse>
//       get_many_allocator_;
#ifndef HYPER_LIBS_SERVICE_ARENA_ALLOCATOR_H_
#define HYPER_LIBS_SERVICE_ARENA_ALLOCATOR_H_

#include <google/protobuf/arena.h>
#include <grpcpp/support/message_allocator.h>

#include <cstddef>

namespace hyper::service {

template <typename Request, typename Response>
class ArenaAllocator final : public grpc::MessageAllocator<Request, Response> {
 public:
  grpc::MessageHolder<Request, Response>* AllocateMessages() override { return new Holder(); }

 private:
  // Enough for the requests and responses of typical calls; larger ones
  // grow the arena from the heap.
  static constexpr size_t kFirstBlockBytes = 4096;

  class Holder final : public grpc::MessageHolder<Request, Response> {
   public:
    Holder() : arena_(Options(first_block_)) {
      this->set_request(google::protobuf::Arena::CreateMessage<Request>(&arena_));
      this->set_response(google::protobuf::Arena::CreateMessage<Response>(&arena_));
    }
    void Release() override { delete this; }

   private:
    static google::protobuf::ArenaOptions Options(char* block) {
      google::protobuf::ArenaOptions options;
      options.initial_block = block;
      options.initial_block_size = kFirstBlockBytes;
      return options;
    }
    alignas(std::max_align_t) char first_block_[kFirstBlockBytes];
    google::protobuf::Arena arena_;
  };
};

}  // namespace hyper::service

#endif  // HYPER_LIBS_SERVICE_ARENA_ALLOCATOR_H_
