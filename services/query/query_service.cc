#include "services/query/query_service.h"

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "libs/service/grpc_status.h"
#include "services/query/explain_plan.h"
#include "services/query/result_mapping.h"
#include "services/query/sql_compiler.h"
#include "services/query/values.h"

namespace hyper::query {
namespace {

using service::ToGrpcStatus;

// When the caller stops waiting: statements past it are cancelled.
absl::Time DeadlineOf(const grpc::CallbackServerContext& context) {
  std::chrono::system_clock::time_point deadline = context.deadline();
  if (deadline == std::chrono::system_clock::time_point::max()) {
    return absl::InfiniteFuture();
  }
  return absl::FromChrono(deadline);
}

// Finishes `reactor` with `status` (OK when it is).
void Finish(grpc::ServerUnaryReactor* reactor, const absl::Status& status) {
  reactor->Finish(ToGrpcStatus(status));
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
                                   int blocking_threads, QueryCache* cache)
    : pool_(pool),
      executor_(executor),
      cache_(cache),
      stats_(std::move(stats)),
      catalog_(std::make_shared<const Catalog>(std::move(catalog))) {
  SetMessageAllocatorFor_Query(&query_allocator_);
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
  absl::Time deadline = DeadlineOf(*context);
  ServeRead(reactor, "Query", *request, plan->statement.reads, response,
            [this, plan, format, deadline, response](Done done) {
              RunQuery(plan, format, deadline, response, std::move(done));
            });
  return reactor;
}

void QueryServiceImpl::RunQuery(std::shared_ptr<CompiledQuery> plan, v1::ResultFormat format,
                                absl::Time deadline, v1::QueryResponse* response, Done done) {
  executor_->Submit(
      ToPg(plan->statement, deadline),
      [this, plan, format, deadline, response, done](absl::StatusOr<pg::Result> main) {
        if (!main.ok()) {
          done(main.status());
          return;
        }
        auto finish = [plan, format, response, done](
                          const pg::Result& main_result,
                          const std::vector<pg::Result>& prefetched) {
          done(BuildQueryResponse(*plan, main_result, prefetched, format, response));
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
          executor_->Submit(ToPg(child, deadline), [pending, p, finish, done](
                                                        absl::StatusOr<pg::Result> r) {
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
              done(pending->error);
              return;
            }
            finish(pending->main, pending->results);
          });
        }
      });
}

void QueryServiceImpl::ServeRead(grpc::ServerUnaryReactor* reactor, absl::string_view rpc,
                                 const google::protobuf::Message& request,
                                 const std::vector<std::string>& reads,
                                 google::protobuf::Message* response,
                                 std::function<void(Done)> run) {
  std::optional<absl::Duration> ttl =
      cache_ == nullptr ? std::nullopt : cache_->TtlFor(reads);
  if (!ttl.has_value()) {
    run([reactor](absl::Status status) { Finish(reactor, status); });
    return;
  }
  cache_->Lookup(
      QueryCache::Key(rpc, request), reads,
      [this, reactor, response, run = std::move(run), ttl = *ttl](
          std::optional<std::string> cached, std::string stamped_key) {
        if (cached.has_value() && response->ParseFromString(*cached)) {
          Finish(reactor, absl::OkStatus());
          return;
        }
        response->Clear();
        run([this, reactor, response, stamped_key = std::move(stamped_key),
             ttl](absl::Status status) {
          if (status.ok()) cache_->Store(stamped_key, response->SerializeAsString(), ttl);
          Finish(reactor, status);
        });
      });
}

void QueryServiceImpl::AfterWrite(std::vector<std::string> models, std::function<void()> reply) {
  if (cache_ == nullptr || models.empty()) {
    reply();
    return;
  }
  // Callers come here only after their statements succeeded (a failed
  // statement committed nothing), so the bump precedes every
  // acknowledged write.
  cache_->Invalidate(std::move(models), std::move(reply));
}

grpc::ServerUnaryReactor* QueryServiceImpl::SubmitStatement(
    grpc::CallbackServerContext* context, absl::StatusOr<pg::Statement> statement,
    std::function<void(const pg::Result&)> fill, std::vector<std::string> writes) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (!statement.ok()) {
    Finish(reactor, statement.status());
    return reactor;
  }
  statement->deadline = DeadlineOf(*context);
  executor_->Submit(std::move(*statement), [this, reactor, fill = std::move(fill),
                                            writes = std::move(writes)](
                                               absl::StatusOr<pg::Result> r) mutable {
    if (!r.ok()) {
      Finish(reactor, r.status());
      return;
    }
    fill(*r);
    AfterWrite(std::move(writes), [reactor] { Finish(reactor, absl::OkStatus()); });
  });
  return reactor;
}

grpc::ServerUnaryReactor* QueryServiceImpl::ServeStatementRead(
    grpc::CallbackServerContext* context, absl::string_view rpc,
    const google::protobuf::Message& request, absl::StatusOr<SqlStatement> compiled,
    google::protobuf::Message* response, std::function<void(const pg::Result&)> fill) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (!compiled.ok()) {
    Finish(reactor, compiled.status());
    return reactor;
  }
  ServeRead(reactor, rpc, request, compiled->reads, response,
            [this, statement = ToPg(*compiled, DeadlineOf(*context)),
             fill = std::move(fill)](Done done) {
              executor_->Submit(statement, [fill, done = std::move(done)](
                                               absl::StatusOr<pg::Result> r) {
                if (r.ok()) fill(*r);
                done(r.status());
              });
            });
  return reactor;
}

namespace {
// The models an Execute declares it writes (with what their cascades may
// change), each checked against the catalog.
absl::StatusOr<std::vector<std::string>> DeclaredWrites(
    const Catalog& catalog, const google::protobuf::RepeatedPtrField<std::string>& models,
    absl::string_view field) {
  std::vector<std::string> writes;
  for (int i = 0; i < models.size(); ++i) {
    if (catalog.Find(models[i]) == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, "[", i, "]: unknown model '", models[i], "'"));
    }
    for (const std::string& model : QueryCache::WrittenModels(catalog, models[i], true)) {
      AddModel(writes, model);
    }
  }
  return writes;
}

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
  return ServeStatementRead(context, "Count", *request, CompileCount(*catalog(), *request),
                            response, [response](const pg::Result& r) {
                              if (!r.rows.empty()) response->set_count(r.rows[0][0].int64());
                            });
}

grpc::ServerUnaryReactor* QueryServiceImpl::Exists(grpc::CallbackServerContext* context,
                                                   const v1::ExistsRequest* request,
                                                   v1::ExistsResponse* response) {
  return ServeStatementRead(context, "Exists", *request, CompileExists(*catalog(), *request),
                            response, [response](const pg::Result& r) {
                              response->set_exists(!r.rows.empty());
                            });
}

grpc::ServerUnaryReactor* QueryServiceImpl::Update(grpc::CallbackServerContext* context,
                                                   const v1::UpdateRequest* request,
                                                   v1::UpdateResponse* response) {
  std::shared_ptr<const Catalog> cat = catalog();
  return SubmitStatement(context, Prepared(CompileUpdate(*cat, *request)),
                         [response](const pg::Result& r) {
                           response->set_rows_affected(r.rows_affected);
                           if (!r.column_names.empty()) {
                             AppendRows(r, response->mutable_columns(),
                                        response->mutable_rows());
                           }
                         },
                         QueryCache::WrittenModels(*cat, request->model(), true));
}

grpc::ServerUnaryReactor* QueryServiceImpl::Delete(grpc::CallbackServerContext* context,
                                                   const v1::DeleteRequest* request,
                                                   v1::DeleteResponse* response) {
  std::shared_ptr<const Catalog> cat = catalog();
  return SubmitStatement(context, Prepared(CompileDelete(*cat, *request)),
                         [response](const pg::Result& r) {
                           response->set_rows_affected(r.rows_affected);
                         },
                         QueryCache::WrittenModels(*cat, request->model(), true));
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
  const absl::Time deadline = DeadlineOf(*context);
  for (const CompiledWrite& batch : *batches) {
    statements->push_back(ToPg(batch.statement, deadline));
  }
  // All batches in one transaction: all rows or none.
  std::vector<std::string> writes = {request->model()};
  RunBlocking([this, statements, reactor, response, writes = std::move(writes)]() mutable {
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
    AfterWrite(std::move(writes), [reactor] { Finish(reactor, absl::OkStatus()); });
  });
  return reactor;
}

grpc::ServerUnaryReactor* QueryServiceImpl::Execute(grpc::CallbackServerContext* context,
                                                    const v1::ExecuteRequest* request,
                                                    v1::ExecuteResponse* response) {
  absl::StatusOr<pg::Statement> statement =
      absl::InvalidArgumentError("sql: must not be empty");
  absl::StatusOr<std::vector<std::string>> writes =
      DeclaredWrites(*catalog(), request->writes_models(), "writes_models");
  if (!writes.ok()) {
    statement = writes.status();
  } else if (!request->sql().empty()) {
    statement = pg::Statement{request->sql(), {}};
    for (const v1::Value& v : request->params()) statement->params.push_back(ToPg(v));
  }
  return SubmitStatement(
      context, std::move(statement),
      [response](const pg::Result& r) {
        response->set_rows_affected(r.rows_affected);
        AppendRows(r, response->mutable_columns(), response->mutable_rows());
      },
      writes.ok() ? std::move(*writes) : std::vector<std::string>());
}

// Streams CopyIn messages into one COPY ... FROM STDIN. Each message is
// checked, encoded and written on a blocking worker (COPY holds its
// connection throughout), one message at a time and in order, while gRPC
// reads the next one: at most two messages are in memory. Any error aborts
// the COPY: no row of the stream is written.
class QueryServiceImpl::CopyInReactor final : public grpc::ServerReadReactor<v1::CopyInRequest> {
 public:
  CopyInReactor(QueryServiceImpl* service, v1::CopyInResponse* response)
      : service_(service), response_(response), catalog_(service->catalog()) {
    StartRead(&incoming_);
  }

  void OnReadDone(bool ok) override {
    bool read_more;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (failed_) return;  // the read that was outstanding when it failed
      pending_ = ok;
      if (busy_) return;  // the worker takes it when it is done
      read_more = Dispatch();
    }
    if (read_more) StartRead(&incoming_);
  }

  void OnDone() override { delete this; }

 private:
  // Under mu_, with a read result pending and no work running: hands it to
  // a worker. Returns whether to start the next read (after unlocking).
  bool Dispatch() {
    const bool ok = *pending_;
    pending_.reset();
    busy_ = true;
    if (ok) working_.Swap(&incoming_);
    service_->RunBlocking([this, ok] { Work(ok); });
    return ok;
  }

  void Work(bool ok) {
    if (!ok) {
      End();  // the stream is over: no read is outstanding
      return;
    }
    absl::Status status = Handle();
    bool read_more = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!status.ok()) {
        failed_ = true;
      } else {
        busy_ = false;
        if (pending_.has_value()) read_more = Dispatch();
      }
    }
    if (!status.ok()) {
      Fail(status);
      return;
    }
    if (read_more) StartRead(&incoming_);
  }

  absl::Status Handle() {
    const v1::CopyInRequest& message = working_;
    if (!lease_.get()) {
      if (message.model().empty()) {
        return absl::InvalidArgumentError("model: the first message must name the model");
      }
      absl::StatusOr<const ModelInfo*> model = catalog_->Get(message.model());
      if (!model.ok()) return model.status();
      model_ = *model;
      if (message.fields_size() == 0) {
        return absl::InvalidArgumentError("fields: the first message must list the fields");
      }
      for (const std::string& field : message.fields()) {
        const ColumnInfo* column = model_->FindColumn(field);
        if (column == nullptr) {
          return absl::InvalidArgumentError(absl::StrCat(
              "fields: unknown field '", field, "' on model '", model_->name, "'"));
        }
        columns_.push_back(column);
        names_.push_back(field);
      }
      absl::StatusOr<pg::Pool::Lease> lease = service_->pool_->Acquire();
      if (!lease.ok()) return lease.status();
      lease_ = std::move(*lease);
      if (absl::Status begun = lease_->BeginCopy(model_->QuotedTable(), names_); !begun.ok()) {
        return begun;
      }
    } else if (!message.model().empty() || message.fields_size() > 0) {
      return absl::InvalidArgumentError(
          "model and fields: only the first message may set them");
    }
    // Straight from the message to COPY text, no row objects between.
    encoded_.clear();
    for (const v1::Row& row : message.rows()) {
      if (row.values_size() != static_cast<int>(columns_.size())) {
        return absl::InvalidArgumentError(absl::StrCat(
            "rows[", rows_seen_, "]: has ", row.values_size(), " values for ",
            columns_.size(), " fields"));
      }
      for (size_t c = 0; c < columns_.size(); ++c) {
        const v1::Value& v = row.values(static_cast<int>(c));
        if (!ValueFits(v, columns_[c]->type)) {
          return CheckValue(v, columns_[c]->type, columns_[c]->name,
                            absl::StrCat("rows[", rows_seen_, "]"));
        }
        if (c > 0) encoded_.push_back('\t');
        AppendCopyField(v, &encoded_);
      }
      encoded_.push_back('\n');
      ++rows_seen_;
    }
    return lease_->PutCopyData(encoded_);
  }

  void End() {
    if (!lease_.get()) {
      Finish(ToGrpcStatus(absl::InvalidArgumentError("model: the stream sent no message")));
      return;
    }
    absl::StatusOr<int64_t> written = lease_->EndCopy();
    lease_ = pg::Pool::Lease();
    if (!written.ok()) {
      Finish(ToGrpcStatus(written.status()));
      return;
    }
    response_->set_rows_written(*written);
    service_->AfterWrite({model_->name}, [this] { Finish(grpc::Status::OK); });
  }

  void Fail(const absl::Status& status) {
    if (lease_.get() != nullptr && lease_->in_copy()) {
      (void)lease_->AbortCopy(status.message());
    }
    lease_ = pg::Pool::Lease();
    Finish(ToGrpcStatus(status));
  }

  QueryServiceImpl* service_;
  v1::CopyInResponse* response_;
  std::shared_ptr<const Catalog> catalog_;

  std::mutex mu_;
  v1::CopyInRequest incoming_;     // being read by gRPC
  std::optional<bool> pending_;    // guarded by mu_: a read done, not yet handled
  bool busy_ = false;              // guarded by mu_: a worker runs Work
  bool failed_ = false;            // guarded by mu_

  // Used by one worker at a time (Work runs one after another).
  v1::CopyInRequest working_;
  std::string encoded_;
  const ModelInfo* model_ = nullptr;
  std::vector<const ColumnInfo*> columns_;
  std::vector<std::string> names_;
  pg::Pool::Lease lease_;
  int64_t rows_seen_ = 0;
};

grpc::ServerReadReactor<v1::CopyInRequest>* QueryServiceImpl::CopyIn(
    grpc::CallbackServerContext* context, v1::CopyInResponse* response) {
  return new CopyInReactor(this, response);
}

namespace {

// One Batch operation, compiled: its statements and how to read them back.
struct BatchOp {
  std::vector<pg::Statement> statements;
  std::vector<std::string> writes;  // models whose versions it bumps
  // A Query with prefetch_related: its prefetch queries run once its rows
  // are in.
  std::shared_ptr<const CompiledQuery> prefetch;
  // Reads the statements' results (and the prefetch results) into `result`.
  std::function<void(const std::vector<pg::Result>&, const std::vector<pg::Result>& prefetched,
                     v1::OperationResult*)>
      read;
};

absl::StatusOr<BatchOp> CompileOperation(const Catalog& catalog, const v1::Operation& op) {
  BatchOp out;
  switch (op.kind_case()) {
    case v1::Operation::kQuery: {
      absl::StatusOr<CompiledQuery> q = CompileQuery(catalog, op.query());
      if (!q.ok()) return q.status();
      out.statements.push_back(ToPg(q->statement));
      auto plan = std::make_shared<CompiledQuery>(std::move(*q));
      if (!plan->prefetch.empty()) out.prefetch = plan;
      v1::ResultFormat format = op.query().format();
      out.read = [plan, format](const std::vector<pg::Result>& r,
                                const std::vector<pg::Result>& prefetched,
                                v1::OperationResult* result) {
        absl::Status built =
            BuildQueryResponse(*plan, r[0], prefetched, format, result->mutable_query());
        if (!built.ok()) {
          result->clear_query();
          result->set_code(static_cast<int>(built.code()));
          result->set_message(std::string(built.message()));
        }
      };
      return out;
    }
    case v1::Operation::kCount: {
      absl::StatusOr<SqlStatement> s = CompileCount(catalog, op.count());
      if (!s.ok()) return s.status();
      out.statements.push_back(ToPg(*s));
      out.read = [](const std::vector<pg::Result>& r, const std::vector<pg::Result>&,
                    v1::OperationResult* result) {
        result->mutable_count()->set_count(r[0].rows.empty() ? 0 : r[0].rows[0][0].int64());
      };
      return out;
    }
    case v1::Operation::kExists: {
      absl::StatusOr<SqlStatement> s = CompileExists(catalog, op.exists());
      if (!s.ok()) return s.status();
      out.statements.push_back(ToPg(*s));
      out.read = [](const std::vector<pg::Result>& r, const std::vector<pg::Result>&,
                    v1::OperationResult* result) {
        result->mutable_exists()->set_exists(!r[0].rows.empty());
      };
      return out;
    }
    case v1::Operation::kUpdate: {
      absl::StatusOr<CompiledWrite> w = CompileUpdate(catalog, op.update());
      if (!w.ok()) return w.status();
      out.statements.push_back(ToPg(w->statement));
      out.writes = QueryCache::WrittenModels(catalog, op.update().model(), true);
      out.read = [](const std::vector<pg::Result>& r, const std::vector<pg::Result>&,
                    v1::OperationResult* result) {
        v1::UpdateResponse* u = result->mutable_update();
        u->set_rows_affected(r[0].rows_affected);
        if (!r[0].column_names.empty()) {
          AppendRows(r[0], u->mutable_columns(), u->mutable_rows());
        }
      };
      return out;
    }
    case v1::Operation::kDelete: {
      absl::StatusOr<SqlStatement> s = CompileDelete(catalog, op.delete_());
      if (!s.ok()) return s.status();
      out.statements.push_back(ToPg(*s));
      out.writes = QueryCache::WrittenModels(catalog, op.delete_().model(), true);
      out.read = [](const std::vector<pg::Result>& r, const std::vector<pg::Result>&,
                    v1::OperationResult* result) {
        result->mutable_delete_()->set_rows_affected(r[0].rows_affected);
      };
      return out;
    }
    case v1::Operation::kBulkCreate: {
      absl::StatusOr<std::vector<CompiledWrite>> batches =
          CompileBulkCreate(catalog, op.bulk_create());
      if (!batches.ok()) return batches.status();
      for (const CompiledWrite& b : *batches) out.statements.push_back(ToPg(b.statement));
      out.writes = {op.bulk_create().model()};
      out.read = [](const std::vector<pg::Result>& r, const std::vector<pg::Result>&,
                    v1::OperationResult* result) {
        v1::BulkCreateResponse* b = result->mutable_bulk_create();
        for (const pg::Result& part : r) {
          b->set_rows_created(b->rows_created() + part.rows_affected);
          google::protobuf::RepeatedPtrField<v1::Column> ignored;
          AppendRows(part, b->columns_size() == 0 ? b->mutable_columns() : &ignored,
                     b->mutable_rows());
        }
      };
      return out;
    }
    case v1::Operation::kExecute: {
      if (op.execute().sql().empty()) {
        return absl::InvalidArgumentError("execute.sql: must not be empty");
      }
      absl::StatusOr<std::vector<std::string>> writes =
          DeclaredWrites(catalog, op.execute().writes_models(), "execute.writes_models");
      if (!writes.ok()) return writes.status();
      out.writes = std::move(*writes);
      pg::Statement s{op.execute().sql(), {}};
      for (const v1::Value& v : op.execute().params()) s.params.push_back(ToPg(v));
      out.statements.push_back(std::move(s));
      out.read = [](const std::vector<pg::Result>& r, const std::vector<pg::Result>&,
                    v1::OperationResult* result) {
        v1::ExecuteResponse* e = result->mutable_execute();
        e->set_rows_affected(r[0].rows_affected);
        AppendRows(r[0], e->mutable_columns(), e->mutable_rows());
      };
      return out;
    }
    case v1::Operation::KIND_NOT_SET:
      break;
  }
  return absl::InvalidArgumentError("operation: empty");
}

constexpr int kMaxBatchOperations = 10000;

}  // namespace

grpc::ServerUnaryReactor* QueryServiceImpl::Batch(grpc::CallbackServerContext* context,
                                                  const v1::BatchRequest* request,
                                                  v1::BatchResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (request->operations_size() > kMaxBatchOperations) {
    Finish(reactor, absl::InvalidArgumentError(absl::StrCat(
                        "operations: at most ", kMaxBatchOperations, ", got ",
                        request->operations_size())));
    return reactor;
  }
  std::shared_ptr<const Catalog> cat = catalog();
  const absl::Time deadline = DeadlineOf(*context);
  auto ops = std::make_shared<std::vector<BatchOp>>();
  for (int i = 0; i < request->operations_size(); ++i) {
    absl::StatusOr<BatchOp> op = CompileOperation(*cat, request->operations(i));
    if (!op.ok()) {
      Finish(reactor, absl::Status(op.status().code(),
                                   absl::StrCat("operations[", i, "]: ", op.status().message())));
      return reactor;
    }
    for (pg::Statement& s : op->statements) s.deadline = deadline;
    ops->push_back(std::move(*op));
  }
  bool atomic = request->atomic();
  RunBlocking([this, cat, ops, atomic, deadline, reactor, response] {
    absl::StatusOr<pg::Pool::Lease> lease = pool_->Acquire();
    if (!lease.ok()) {
      Finish(reactor, lease.status());
      return;
    }
    // Each operation's results (or error), in order.
    std::vector<absl::StatusOr<std::vector<pg::Result>>> outcomes;
    if (atomic) {
      std::vector<pg::Statement> all;
      for (const BatchOp& op : *ops) {
        all.insert(all.end(), op.statements.begin(), op.statements.end());
      }
      absl::StatusOr<std::vector<pg::Result>> done = (*lease)->ExecAtomic(all);
      if (!done.ok()) {
        Finish(reactor, done.status());
        return;
      }
      size_t next = 0;
      for (const BatchOp& op : *ops) {
        std::vector<pg::Result> mine;
        for (size_t i = 0; i < op.statements.size(); ++i) mine.push_back(std::move((*done)[next++]));
        outcomes.push_back(std::move(mine));
      }
    } else {
      // Runs of single-statement operations go out as one pipeline; an
      // operation of several statements (a large BulkCreate) runs in its own
      // transaction at its place in the order, so it stays all or nothing.
      size_t i = 0;
      while (i < ops->size()) {
        if ((*ops)[i].statements.size() > 1) {
          outcomes.push_back((*lease)->ExecAtomic((*ops)[i].statements));
          ++i;
          continue;
        }
        size_t end = i;
        std::vector<pg::Statement> run;
        while (end < ops->size() && (*ops)[end].statements.size() == 1) {
          run.push_back((*ops)[end].statements[0]);
          ++end;
        }
        std::vector<absl::StatusOr<pg::Result>> results = (*lease)->ExecPipelined(run);
        for (auto& r : results) {
          if (r.ok()) {
            outcomes.push_back(std::vector<pg::Result>{std::move(*r)});
          } else {
            outcomes.push_back(r.status());
          }
        }
        i = end;
      }
    }
    // prefetch_related: every operation's prefetch queries in one more
    // pipeline, keyed by the rows just read. In an atomic batch they run
    // after the commit, as Query's own prefetch runs after its main query.
    std::vector<std::vector<pg::Result>> prefetched(ops->size());
    std::vector<pg::Statement> children;
    std::vector<size_t> owner;
    for (size_t i = 0; i < ops->size(); ++i) {
      const BatchOp& op = (*ops)[i];
      if (op.prefetch == nullptr || !outcomes[i].ok()) continue;
      for (const PrefetchPlan& p : op.prefetch->prefetch) {
        children.push_back(
            ToPg(CompilePrefetch(p, PrefetchKeys(p, (*outcomes[i])[0])), deadline));
        owner.push_back(i);
      }
    }
    if (!children.empty()) {
      std::vector<absl::StatusOr<pg::Result>> results = (*lease)->ExecPipelined(children);
      for (size_t k = 0; k < results.size(); ++k) {
        absl::StatusOr<std::vector<pg::Result>>& outcome = outcomes[owner[k]];
        if (!outcome.ok()) continue;
        if (results[k].ok()) {
          prefetched[owner[k]].push_back(*std::move(results[k]));
        } else {
          outcome = results[k].status();
        }
      }
    }
    for (size_t i = 0; i < ops->size(); ++i) {
      v1::OperationResult* result = response->add_results();
      if (!outcomes[i].ok()) {
        result->set_code(static_cast<int>(outcomes[i].status().code()));
        result->set_message(std::string(outcomes[i].status().message()));
        continue;
      }
      (*ops)[i].read(*outcomes[i], prefetched[i], result);
    }
    std::vector<std::string> writes;
    for (const BatchOp& op : *ops) {
      for (const std::string& model : op.writes) AddModel(writes, model);
    }
    AfterWrite(std::move(writes), [reactor] { Finish(reactor, absl::OkStatus()); });
  });
  return reactor;
}

grpc::ServerUnaryReactor* QueryServiceImpl::Explain(grpc::CallbackServerContext* context,
                                                    const v1::ExplainRequest* request,
                                                    v1::ExplainResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  SqlStatement statement;
  if (request->has_query()) {
    absl::StatusOr<CompiledQuery> compiled = CompileQuery(*catalog(), request->query());
    if (!compiled.ok()) {
      Finish(reactor, compiled.status());
      return reactor;
    }
    statement = std::move(compiled->statement);
  } else if (request->has_execute() && !request->execute().sql().empty()) {
    statement.sql = request->execute().sql();
    statement.params.assign(request->execute().params().begin(),
                            request->execute().params().end());
  } else {
    Finish(reactor, absl::InvalidArgumentError("target: set query or execute.sql"));
    return reactor;
  }
  bool analyze = request->analyze();
  bool buffers = request->buffers();
  absl::Time deadline = DeadlineOf(*context);
  RunBlocking([this, statement = std::move(statement), analyze, buffers, deadline, reactor,
               response] {
    absl::StatusOr<pg::Pool::Lease> lease = pool_->Acquire();
    if (!lease.ok()) {
      Finish(reactor, lease.status());
      return;
    }
    absl::StatusOr<v1::ExplainResponse> plan =
        RunExplain(**lease, statement, analyze, buffers, deadline);
    if (plan.ok()) *response = std::move(*plan);
    Finish(reactor, plan.status());
  });
  return reactor;
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
