// QueryServiceImpl: hyper.query.v1.QueryService on the callback API. Each
// call is compiled against the catalog (services/query/sql_compiler.h) and
// submitted to the driver's Executor, whose workers pipeline whatever is
// queued on their connections; the reply is finished from the worker's
// callback, so no gRPC thread ever blocks on PostgreSQL. Work that needs a
// whole connection (several statements in one transaction) runs on a small
// pool of blocking workers instead.
//
// Errors: compile errors are INVALID_ARGUMENT naming the field; database
// errors keep the code the driver gives them (unique violation ->
// ALREADY_EXISTS, foreign key -> FAILED_PRECONDITION, unreachable ->
// UNAVAILABLE).
#ifndef HYPER_SERVICES_QUERY_QUERY_SERVICE_H_
#define HYPER_SERVICES_QUERY_QUERY_SERVICE_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/pg/executor.h"
#include "libs/pg/pool.h"
#include "libs/service/arena_allocator.h"
#include "proto/hyper/query/v1/query.grpc.pb.h"
#include "services/query/catalog.h"
#include "services/query/query_cache.h"
#include "services/query/sql_compiler.h"

namespace hyper::query {

// Reads the catalog through one pooled connection.
absl::StatusOr<Catalog> LoadCatalog(pg::Pool& pool);

class QueryServiceImpl final : public v1::QueryService::CallbackService {
 public:
  // Fills GetStats' reply (pool, statements, timer, heartbeat, slow
  // queries); it runs on a gRPC thread and must not block on the database.
  using StatsFiller = std::function<void(v1::Stats*)>;

  // `pool` and `executor` must outlive the service. Without `stats`, GetStats
  // reports the pool and statement cache only.
  // With a `cache` (not owned), reads of models with a cache_ttl are served
  // through it and every write bumps the versions of what it wrote before
  // its reply (see query_cache.h).
  QueryServiceImpl(pg::Pool* pool, pg::Executor* executor, Catalog catalog,
                   StatsFiller stats = nullptr, int blocking_threads = 4,
                   QueryCache* cache = nullptr);
  ~QueryServiceImpl() override;

  grpc::ServerUnaryReactor* Query(grpc::CallbackServerContext* context,
                                  const v1::QueryRequest* request,
                                  v1::QueryResponse* response) override;
  grpc::ServerUnaryReactor* Count(grpc::CallbackServerContext* context,
                                  const v1::CountRequest* request,
                                  v1::CountResponse* response) override;
  grpc::ServerUnaryReactor* Exists(grpc::CallbackServerContext* context,
                                   const v1::ExistsRequest* request,
                                   v1::ExistsResponse* response) override;
  grpc::ServerUnaryReactor* Update(grpc::CallbackServerContext* context,
                                   const v1::UpdateRequest* request,
                                   v1::UpdateResponse* response) override;
  grpc::ServerUnaryReactor* Delete(grpc::CallbackServerContext* context,
                                   const v1::DeleteRequest* request,
                                   v1::DeleteResponse* response) override;
  grpc::ServerUnaryReactor* BulkCreate(grpc::CallbackServerContext* context,
                                       const v1::BulkCreateRequest* request,
                                       v1::BulkCreateResponse* response) override;
  grpc::ServerUnaryReactor* Execute(grpc::CallbackServerContext* context,
                                    const v1::ExecuteRequest* request,
                                    v1::ExecuteResponse* response) override;
  grpc::ServerReadReactor<v1::CopyInRequest>* CopyIn(
      grpc::CallbackServerContext* context, v1::CopyInResponse* response) override;
  grpc::ServerUnaryReactor* Batch(grpc::CallbackServerContext* context,
                                  const v1::BatchRequest* request,
                                  v1::BatchResponse* response) override;
  grpc::ServerUnaryReactor* Explain(grpc::CallbackServerContext* context,
                                    const v1::ExplainRequest* request,
                                    v1::ExplainResponse* response) override;
  grpc::ServerUnaryReactor* ListModels(grpc::CallbackServerContext* context,
                                       const v1::ListModelsRequest* request,
                                       v1::ListModelsResponse* response) override;
  grpc::ServerUnaryReactor* GetStats(grpc::CallbackServerContext* context,
                                     const v1::GetStatsRequest* request,
                                     v1::Stats* response) override;

 private:
  class CopyInReactor;

  std::shared_ptr<const Catalog> catalog() const;
  // Runs `work` on a blocking worker (it may hold a connection for long).
  void RunBlocking(std::function<void()> work);
  using Done = std::function<void(absl::Status)>;
  // Submits a compiled statement; `fill` copies its result into the reply
  // before the call finishes. A compile error finishes the call at once.
  // After a successful write, the versions of `writes` are bumped first.
  grpc::ServerUnaryReactor* SubmitStatement(
      grpc::CallbackServerContext* context, absl::StatusOr<pg::Statement> statement,
      std::function<void(const pg::Result&)> fill,
      std::vector<std::string> writes = {});
  // A read: `run(done)` computes the reply into *response and calls done.
  // When the read is cached, a hit answers without running it and a miss
  // stores what it computed.
  void ServeRead(grpc::ServerUnaryReactor* reactor, absl::string_view rpc,
                 const google::protobuf::Message& request,
                 const std::vector<std::string>& reads,
                 google::protobuf::Message* response, std::function<void(Done)> run);
  // Count and Exists: one compiled read statement through ServeRead; `fill`
  // copies its result into *response. A compile error finishes at once.
  grpc::ServerUnaryReactor* ServeStatementRead(
      grpc::CallbackServerContext* context, absl::string_view rpc,
      const google::protobuf::Message& request, absl::StatusOr<SqlStatement> compiled,
      google::protobuf::Message* response, std::function<void(const pg::Result&)> fill);
  // Runs a compiled Query (and its prefetch queries) into *response.
  void RunQuery(std::shared_ptr<CompiledQuery> plan, v1::ResultFormat format,
                absl::Time deadline, v1::QueryResponse* response, Done done);
  // After a successful write: bumps the versions of `models` in the query
  // cache, then calls `reply` (at once when there is no cache or nothing to
  // bump), so the reply never precedes the bump.
  void AfterWrite(std::vector<std::string> models, std::function<void()> reply);

  // The Query reply (often many rows) is built on the call's arena.
  service::ArenaAllocator<v1::QueryRequest, v1::QueryResponse> query_allocator_;
  pg::Pool* pool_;
  pg::Executor* executor_;
  QueryCache* cache_;
  StatsFiller stats_;
  mutable std::mutex catalog_mu_;
  std::shared_ptr<const Catalog> catalog_;  // guarded by catalog_mu_

  std::mutex work_mu_;
  std::condition_variable work_cv_;
  std::deque<std::function<void()>> work_;  // guarded by work_mu_
  bool stopping_ = false;                   // guarded by work_mu_
  std::vector<std::thread> workers_;
};

}  // namespace hyper::query

#endif  // HYPER_SERVICES_QUERY_QUERY_SERVICE_H_
