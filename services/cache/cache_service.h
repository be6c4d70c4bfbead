// CacheServiceImpl: hyper.cache.v1.CacheService over any hyper::cache::Cache
// (the service's memory store, or memory over a database tier) and the
// shared TableVersions.
//
// Pipeline streams the data commands (Redis's pipelining over gRPC): each
// command runs exactly as its unary call, and its response carries its own
// status, so one bad command does not end the stream.
//
// Every call runs inline on gRPC's callback threads: the store's operations
// take microseconds and never block on I/O unless a --database tier is
// configured. Requests are validated first (an empty key, a negative ttl_ms,
// a value over the size limit: INVALID_ARGUMENT naming the field); store
// errors keep their code.
//
// Example:
//   LocMemCache store({.max_bytes = 256 << 20});
//   TableVersions versions;
//   CacheServiceImpl service(&store, &versions, {.max_value_bytes = 1 << 20});
//   // GrpcServer::Start({.services = {&service}, ...});
#ifndef HYPER_SERVICES_CACHE_CACHE_SERVICE_H_
#define HYPER_SERVICES_CACHE_CACHE_SERVICE_H_

#include <array>
#include <cstddef>
#include <cstdint>

#include "grpcpp/grpcpp.h"
#include "libs/cache/cache.h"
#include "libs/cache/two_tier_cache.h"
#include "libs/metrics/metrics.h"
#include "libs/service/arena_allocator.h"
#include "proto/hyper/cache/v1/cache.grpc.pb.h"
#include "services/cache/table_versions.h"

namespace hyper::cache {

struct CacheServiceOptions {
  size_t max_value_bytes = 1 << 20;
  size_t max_key_bytes = 64 << 10;
  // Reported by Stats (the store's own budget).
  uint64_t memory_budget_bytes = 0;
  // When the store is memory over a --database tier: its per-tier counters
  // for Stats (database_hits, database_errors). Not owned.
  const TwoTierCache* tiers = nullptr;
};

class CacheServiceImpl final : public v1::CacheService::CallbackService {
 public:
  // `store` and `versions` are not owned and must outlive the service.
  // `registry` (optional) gets hyper_cache_requests_total by method.
  CacheServiceImpl(Cache* store, TableVersions* versions, CacheServiceOptions options,
                   metrics::Registry* registry = nullptr);

  grpc::ServerUnaryReactor* Get(grpc::CallbackServerContext* context,
                                const v1::GetRequest* request,
                                v1::GetResponse* response) override;
  grpc::ServerUnaryReactor* GetMany(grpc::CallbackServerContext* context,
                                    const v1::GetManyRequest* request,
                                    v1::GetManyResponse* response) override;
  grpc::ServerUnaryReactor* Set(grpc::CallbackServerContext* context,
                                const v1::SetRequest* request,
                                v1::SetResponse* response) override;
  grpc::ServerUnaryReactor* SetMany(grpc::CallbackServerContext* context,
                                    const v1::SetManyRequest* request,
                                    v1::SetManyResponse* response) override;
  grpc::ServerUnaryReactor* Delete(grpc::CallbackServerContext* context,
                                   const v1::DeleteRequest* request,
                                   v1::DeleteResponse* response) override;
  grpc::ServerUnaryReactor* Incr(grpc::CallbackServerContext* context,
                                 const v1::IncrRequest* request,
                                 v1::IncrResponse* response) override;
  grpc::ServerUnaryReactor* GetOrSet(grpc::CallbackServerContext* context,
                                     const v1::GetOrSetRequest* request,
                                     v1::GetOrSetResponse* response) override;
  grpc::ServerUnaryReactor* Clear(grpc::CallbackServerContext* context,
                                  const v1::ClearRequest* request,
                                  v1::ClearResponse* response) override;
  grpc::ServerUnaryReactor* Stats(grpc::CallbackServerContext* context,
                                  const v1::StatsRequest* request,
                                  v1::StatsResponse* response) override;
  grpc::ServerUnaryReactor* GetVersions(grpc::CallbackServerContext* context,
                                        const v1::GetVersionsRequest* request,
                                        v1::GetVersionsResponse* response) override;
  grpc::ServerUnaryReactor* BumpVersions(grpc::CallbackServerContext* context,
                                         const v1::BumpVersionsRequest* request,
                                         v1::BumpVersionsResponse* response) override;
  grpc::ServerBidiReactor<v1::PipelineRequest, v1::PipelineResponse>* Pipeline(
      grpc::CallbackServerContext* context) override;

  // One Pipeline command, validated, run and counted as its unary rpc; an
  // error is the response's code and message. Runs on the caller's thread.
  void Execute(const v1::PipelineRequest& request, v1::PipelineResponse* response);

  // The Stats reply, also what /metrics reports.
  v1::StatsResponse Snapshot() const;

 private:
  enum Method { kGet, kGetMany, kSet, kSetMany, kDelete, kIncr, kGetOrSet, kClear,
                kStats, kGetVersions, kBumpVersions, kPipeline, kMethods };

  // What CheckKey checks, without an error message to build.
  bool KeyOk(absl::string_view key) const;
  absl::Status CheckKey(absl::string_view field, absl::string_view key) const;
  // Each of `keys`, named keys[i].
  absl::Status CheckKeys(const google::protobuf::RepeatedPtrField<std::string>& keys) const;
  // What CheckValue checks, without an error message to build.
  bool ValueOk(absl::string_view value) const;
  absl::Status CheckValue(absl::string_view field, absl::string_view value) const;
  absl::StatusOr<absl::Duration> Ttl(int64_t ttl_ms) const;
  // Counts the call under `method` and returns `status`.
  absl::Status Count(Method method, absl::Status status);
  grpc::ServerUnaryReactor* Done(grpc::CallbackServerContext* context, Method method,
                                 const absl::Status& status);

  // The data rpcs' bodies, shared by the unary calls and Pipeline.
  absl::Status DoGet(const v1::GetRequest& request, v1::GetResponse* response);
  absl::Status DoGetMany(const v1::GetManyRequest& request, v1::GetManyResponse* response);
  absl::Status DoSet(const v1::SetRequest& request, v1::SetResponse* response);
  absl::Status DoSetMany(const v1::SetManyRequest& request, v1::SetManyResponse* response);
  absl::Status DoDelete(const v1::DeleteRequest& request, v1::DeleteResponse* response);
  absl::Status DoIncr(const v1::IncrRequest& request, v1::IncrResponse* response);
  absl::Status DoGetOrSet(const v1::GetOrSetRequest& request, v1::GetOrSetResponse* response);

  Cache* store_;
  TableVersions* versions_;
  CacheServiceOptions options_;
  std::array<metrics::Counter*, kMethods> requests_{};
  std::array<metrics::Counter*, kMethods> failures_{};
  // The hot calls' messages live on a per-call arena.
  service::ArenaAllocator<v1::GetRequest, v1::GetResponse> get_allocator_;
  service::ArenaAllocator<v1::GetManyRequest, v1::GetManyResponse> get_many_allocator_;
  service::ArenaAllocator<v1::SetRequest, v1::SetResponse> set_allocator_;
  service::ArenaAllocator<v1::SetManyRequest, v1::SetManyResponse> set_many_allocator_;
};

}  // namespace hyper::cache

#endif  // HYPER_SERVICES_CACHE_CACHE_SERVICE_H_
