#include "services/query/query_service.h"

#include <string>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "services/query/result_mapping.h"
#include "services/query/sql_compiler.h"

namespace hyper::query {
namespace {

grpc::Status ToGrpc(const absl::Status& status) {
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

// Finishes `reactor` with `status` (OK when it is).
void Finish(grpc::ServerUnaryReactor* reactor, const absl::Status& status) {
  reactor->Finish(status.ok() ? grpc::Status::OK : ToGrpc(status));
}

std::vector<std::vector<std::string>> TextRows(const pg::Result& result) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& cells : result.rows) {
    std::vector<std::string> row;
    for (const pg::Value& cell : cells) row.push_back(cell.is_null() ? "" : cell.str());
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

absl::StatusOr<Catalog> LoadCatalog(pg::Pool& pool) {
  absl::StatusOr<pg::Pool::Lease> lease = pool.Acquire();
  if (!lease.ok()) return lease.status();
  // Catalog names are text; ask for text so the driver keeps them as such.
  absl::StatusOr<pg::Result> columns = (*lease)->Exec(Catalog::kColumnsSql);
  if (!columns.ok()) return columns.status();
  absl::StatusOr<pg::Result> constraints = (*lease)->Exec(Catalog::kConstraintsSql);
  if (!constraints.ok()) return constraints.status();
  return Catalog::FromRows(TextRows(*columns), TextRows(*constraints));
}

QueryServiceImpl::QueryServiceImpl(pg::Pool* pool, pg::Executor* executor,
                                   Catalog catalog, StatsFiller stats,
                                   int blocking_threads)
    : pool_(pool),
      executor_(executor),
      stats_(std::move(stats)),
      catalog_(std::make_shared<const Catalog>(std::move(catalog))) {
  for (int i = 0; i < blocking_threads; ++i) {
    workers_.emplace_back([this] {
      while (true) {
        std::function<void()> work;
        {
          std::unique_lock<std::mutex> lock(work_mu_);
          work_cv_.wait(lock, [this] { return stopping_ || !work_.empty(); });
          if (work_.empty()) return;
          work = std::move(work_.front());
          work_.pop_front();
        }
        work();
      }
    });
  }
}

QueryServiceImpl::~QueryServiceImpl() {
  {
    std::lock_guard<std::mutex> lock(work_mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  for (std::thread& t : workers_) t.join();
}

std::shared_ptr<const Catalog> QueryServiceImpl::catalog() const {
  std::lock_guard<std::mutex> lock(catalog_mu_);
  return catalog_;
}

void QueryServiceImpl::RunBlocking(std::function<void()> work) {
  {
    std::lock_guard<std::mutex> lock(work_mu_);
    work_.push_back(std::move(work));
  }
  work_cv_.notify_one();
}

grpc::ServerUnaryReactor* QueryServiceImpl::Query(grpc::CallbackServerContext* context,
                                                  const v1::QueryRequest* request,
                                                  v1::QueryResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  // The plan points into the catalog, so it holds the catalog alive.
  std::shared_ptr<const Catalog> cat = catalog();
  absl::StatusOr<CompiledQuery> compiled = CompileQuery(*cat, *request);
  if (!compiled.ok()) {
    Finish(reactor, compiled.status());
    return reactor;
  }
  auto plan = std::shared_ptr<CompiledQuery>(
      new CompiledQuery(std::move(*compiled)), [cat](CompiledQuery* q) { delete q; });
  v1::ResultFormat format = request->format();
  executor_->Submit(
      ToPg(plan->statement),
      [this, plan, format, reactor, response](absl::StatusOr<pg::Result> main) {
        if (!main.ok()) {
          Finish(reactor, main.status());
          return;
        }
        auto finish = [plan, format, reactor, response](
                          const pg::Result& main_result,
                          const std::vector<pg::Result>& prefetched) {
          absl::StatusOr<v1::QueryResponse> built =
              BuildQueryResponse(*plan, main_result, prefetched, format);
          if (built.ok()) *response = std::move(*built);
          Finish(reactor, built.status());
        };
        if (plan->prefetch.empty()) {
          finish(*main, {});
          return;
        }
        // One more query per prefetch relation, each with one array
        // parameter; they run pipelined, and the reply waits for all.
        struct Pending {
          std::mutex mu;
          pg::Result main;
          std::vector<pg::Result> results;
          size_t left;
          absl::Status error;
        };
        auto pending = std::make_shared<Pending>();
        pending->main = std::move(*main);
        pending->results.resize(plan->prefetch.size());
        pending->left = plan->prefetch.size();
        for (size_t p = 0; p < plan->prefetch.size(); ++p) {
          SqlStatement child =
              CompilePrefetch(plan->prefetch[p], PrefetchKeys(plan->prefetch[p], pending->main));
          executor_->Submit(ToPg(child), [pending, p, finish,
                                          reactor](absl::StatusOr<pg::Result> r) {
            bool last;
            {
              std::lock_guard<std::mutex> lock(pending->mu);
              if (r.ok()) {
                pending->results[p] = std::move(*r);
              } else if (pending->error.ok()) {
                pending->error = r.status();
              }
              last = --pending->left == 0;
            }
            if (!last) return;
            if (!pending->error.ok()) {
              Finish(reactor, pending->error);
              return;
            }
            finish(pending->main, pending->results);
          });
        }
      });
  return reactor;
}

grpc::ServerUnaryReactor* QueryServiceImpl::SubmitStatement(
    grpc::CallbackServerContext* context, absl::StatusOr<pg::Statement> statement,
    std::function<void(const pg::Result&)> fill) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (!statement.ok()) {
    Finish(reactor, statement.status());
    return reactor;
  }
  executor_->Submit(std::move(*statement),
                    [reactor, fill = std::move(fill)](absl::StatusOr<pg::Result> r) {
                      if (r.ok()) fill(*r);
                      Finish(reactor, r.status());
                    });
  return reactor;
}

namespace {
// The driver statement of a compile result, or its error.
template <typename T>
absl::StatusOr<pg::Statement> Prepared(const absl::StatusOr<T>& compiled) {
  if (!compiled.ok()) return compiled.status();
  if constexpr (std::is_same_v<T, CompiledWrite>) {
    return ToPg(compiled->statement);
  } else {
    return ToPg(*compiled);
  }
}
}  // namespace

grpc::ServerUnaryReactor* QueryServiceImpl::Count(grpc::CallbackServerContext* context,
                                                  const v1::CountRequest* request,
                                                  v1::CountResponse* response) {
  return SubmitStatement(context, Prepared(CompileCount(*catalog(), *request)),
                         [response](const pg::Result& r) {
                           if (!r.rows.empty()) response->set_count(r.rows[0][0].int64());
                         });
}

grpc::ServerUnaryReactor* QueryServiceImpl::Exists(grpc::CallbackServerContext* context,
                                                   const v1::ExistsRequest* request,
                                                   v1::ExistsResponse* response) {
  return SubmitStatement(context, Prepared(CompileExists(*catalog(), *request)),
                         [response](const pg::Result& r) {
                           response->set_exists(!r.rows.empty());
                         });
}

grpc::ServerUnaryReactor* QueryServiceImpl::Update(grpc::CallbackServerContext* context,
                                                   const v1::UpdateRequest* request,
                                                   v1::UpdateResponse* response) {
  return SubmitStatement(context, Prepared(CompileUpdate(*catalog(), *request)),
                         [response](const pg::Result& r) {
                           response->set_rows_affected(r.rows_affected);
                           if (!r.column_names.empty()) {
                             AppendRows(r, response->mutable_columns(),
                                        response->mutable_rows());
                           }
                         });
}

grpc::ServerUnaryReactor* QueryServiceImpl::Delete(grpc::CallbackServerContext* context,
                                                   const v1::DeleteRequest* request,
                                                   v1::DeleteResponse* response) {
  return SubmitStatement(context, Prepared(CompileDelete(*catalog(), *request)),
                         [response](const pg::Result& r) {
                           response->set_rows_affected(r.rows_affected);
                         });
}

grpc::ServerUnaryReactor* QueryServiceImpl::BulkCreate(
    grpc::CallbackServerContext* context, const v1::BulkCreateRequest* request,
    v1::BulkCreateResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<std::vector<CompiledWrite>> batches = CompileBulkCreate(*catalog(), *request);
  if (!batches.ok()) {
    Finish(reactor, batches.status());
    return reactor;
  }
  if (batches->empty()) {
    Finish(reactor, absl::OkStatus());
    return reactor;
  }
  auto statements = std::make_shared<std::vector<pg::Statement>>();
  for (const CompiledWrite& batch : *batches) statements->push_back(ToPg(batch.statement));
  // All batches in one transaction: all rows or none.
  RunBlocking([this, statements, reactor, response] {
    absl::StatusOr<pg::Pool::Lease> lease = pool_->Acquire();
    if (!lease.ok()) {
      Finish(reactor, lease.status());
      return;
    }
    absl::StatusOr<std::vector<pg::Result>> results = (*lease)->ExecAtomic(*statements);
    if (!results.ok()) {
      Finish(reactor, results.status());
      return;
    }
    for (const pg::Result& r : *results) {
      response->set_rows_created(response->rows_created() + r.rows_affected);
      google::protobuf::RepeatedPtrField<v1::Column> columns;
      AppendRows(r, response->columns_size() == 0 ? response->mutable_columns() : &columns,
                 response->mutable_rows());
    }
    Finish(reactor, absl::OkStatus());
  });
  return reactor;
}

grpc::ServerUnaryReactor* QueryServiceImpl::Execute(grpc::CallbackServerContext* context,
                                                    const v1::ExecuteRequest* request,
                                                    v1::ExecuteResponse* response) {
  absl::StatusOr<pg::Statement> statement =
      absl::InvalidArgumentError("sql: must not be empty");
  if (!request->sql().empty()) {
    statement = pg::Statement{request->sql(), {}};
    for (const v1::Value& v : request->params()) statement->params.push_back(ToPg(v));
  }
  return SubmitStatement(context, std::move(statement), [response](const pg::Result& r) {
    response->set_rows_affected(r.rows_affected);
    AppendRows(r, response->mutable_columns(), response->mutable_rows());
  });
}

grpc::ServerUnaryReactor* QueryServiceImpl::ListModels(grpc::CallbackServerContext* context,
                                                       const v1::ListModelsRequest* request,
                                                       v1::ListModelsResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto answer = [this, reactor, response] {
    for (const auto& [name, model] : catalog()->models()) ToProto(model, response->add_models());
    Finish(reactor, absl::OkStatus());
  };
  if (!request->reload()) {
    answer();
    return reactor;
  }
  RunBlocking([this, reactor, answer] {
    absl::StatusOr<Catalog> loaded = LoadCatalog(*pool_);
    if (!loaded.ok()) {
      Finish(reactor, loaded.status());
      return;
    }
    {
      std::lock_guard<std::mutex> lock(catalog_mu_);
      catalog_ = std::make_shared<const Catalog>(std::move(*loaded));
    }
    answer();
  });
  return reactor;
}

grpc::ServerUnaryReactor* QueryServiceImpl::GetStats(grpc::CallbackServerContext* context,
                                                     const v1::GetStatsRequest* request,
                                                     v1::Stats* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  pg::PoolStats s = pool_->stats();
  v1::PoolStats* pool = response->mutable_pool();
  pool->set_size(s.size);
  pool->set_in_use(s.in_use);
  pool->set_idle(s.idle);
  pool->set_waiters(s.waiters);
  pool->set_acquires(s.acquires);
  pool->set_timeouts(s.timeouts);
  pool->set_reconnects(s.reconnects);
  v1::StatementCacheStats* statements = response->mutable_statements();
  statements->set_hits(static_cast<int64_t>(s.statement_cache_hits));
  statements->set_misses(static_cast<int64_t>(s.statement_cache_misses));
  statements->set_evictions(static_cast<int64_t>(s.statement_cache_evictions));
  if (stats_) stats_(response);
  Finish(reactor, absl::OkStatus());
  return reactor;
}

}  // namespace hyper::query
