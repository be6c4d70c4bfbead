#include "libs/service/arena_allocator.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "proto/hyper/admin/v1/admin.pb.h"

namespace hyper::service {
namespace {

using Request = ::hyper::admin::v1::GetInfoRequest;
using Response = ::hyper::admin::v1::ServiceInfo;

TEST(ArenaAllocatorTest, RequestAndResponseShareOneArenaAndOutgrowTheFirstBlock) {
  ArenaAllocator<Request, Response> allocator;
  grpc::MessageHolder<Request, Response>* holder = allocator.AllocateMessages();
  ASSERT_NE(holder->request(), nullptr);
  ASSERT_NE(holder->response(), nullptr);
  google::protobuf::Arena* arena = holder->response()->GetArena();
  ASSERT_NE(arena, nullptr);
  EXPECT_EQ(holder->request()->GetArena(), arena);
  // Far more than the first block: the arena grows, the data stays intact.
  for (int i = 0; i < 2000; ++i) {
    auto* endpoint = holder->response()->add_endpoints();
    endpoint->set_name("grpc");
    endpoint->set_address(std::string(40, static_cast<char>('a' + i % 26)));
    EXPECT_EQ(endpoint->GetArena(), arena);
  }
  EXPECT_GT(arena->SpaceUsed(), 2000u * 40u);
  EXPECT_EQ(holder->response()->endpoints(1999).address(), std::string(40, 'a' + 1999 % 26));
  // Parsing into the request works like any message.
  Request parsed;
  EXPECT_TRUE(holder->request()->ParseFromString(parsed.SerializeAsString()));
  holder->Release();
  EXPECT_EQ(allocator.free_holders(), 1u);

  // The next call gets the same holder back, with fresh, empty messages on
  // the reset arena.
  grpc::MessageHolder<Request, Response>* again = allocator.AllocateMessages();
  EXPECT_EQ(again, holder);
  EXPECT_EQ(allocator.free_holders(), 0u);
  EXPECT_EQ(again->response()->endpoints_size(), 0);
  EXPECT_EQ(again->response()->GetArena(), again->request()->GetArena());
  again->response()->set_service("cache");
  EXPECT_EQ(again->response()->service(), "cache");
  again->Release();
}

TEST(ArenaAllocatorTest, KeepsAtMostABoundedNumberOfIdleHolders) {
  ArenaAllocator<Request, Response> allocator;
  std::vector<grpc::MessageHolder<Request, Response>*> held;
  for (int i = 0; i < 300; ++i) held.push_back(allocator.AllocateMessages());
  for (auto* h : held) h->Release();
  EXPECT_EQ(allocator.free_holders(), 256u);
}

TEST(ArenaMessagesTest, ResetGivesFreshMessagesOnTheSameArena) {
  ArenaMessages<Request, Response> messages;
  google::protobuf::Arena* arena = messages.response()->GetArena();
  ASSERT_NE(arena, nullptr);
  EXPECT_EQ(messages.request()->GetArena(), arena);
  for (int i = 0; i < 500; ++i) {
    messages.response()->add_endpoints()->set_address(std::string(40, 'x'));
  }
  const uint64_t grown = arena->SpaceAllocated();
  EXPECT_GT(grown, 500u * 40u);
  messages.Reset();
  EXPECT_EQ(messages.response()->endpoints_size(), 0);
  EXPECT_EQ(messages.response()->GetArena(), arena);
  EXPECT_EQ(messages.request()->GetArena(), arena);
  EXPECT_LT(arena->SpaceAllocated(), grown) << "what grew past the first block is freed";
  messages.response()->set_service("cache");
  EXPECT_EQ(messages.response()->service(), "cache");
}

}  // namespace
}  // namespace hyper::service
