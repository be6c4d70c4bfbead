#include "services/query/query_server.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "libs/pg/url.h"

namespace hyper::query {

absl::StatusOr<std::unique_ptr<QueryServer>> QueryServer::Start(QueryServerOptions options) {
  if (options.database_url.empty()) {
    return absl::InvalidArgumentError(
        "database: no URL (pass --database or set DATABASE_URL)");
  }
  absl::StatusOr<pg::ParsedUrl> url = pg::ParseUrl(options.database_url);
  if (!url.ok()) return url.status();
  std::unique_ptr<QueryServer> server(new QueryServer());
  server->pool_ = std::make_unique<pg::Pool>(url->conninfo, url->pool);
  if (absl::Status warm = server->pool_->Warm(); !warm.ok()) {
    return absl::UnavailableError(
        absl::StrCat("database: cannot connect: ", warm.message()));
  }
  absl::StatusOr<Catalog> catalog = LoadCatalog(*server->pool_);
  if (!catalog.ok()) return catalog.status();
  int threads = options.executor_threads > 0 ? options.executor_threads : url->pool.size;
  server->executor_ = std::make_unique<pg::Executor>(server->pool_.get(), threads);
  server->service_ = std::make_unique<QueryServiceImpl>(
      server->pool_.get(), server->executor_.get(), std::move(*catalog));
  absl::StatusOr<std::unique_ptr<service::GrpcServer>> grpc = service::GrpcServer::Start(
      {.service_name = "query",
       .host = options.host,
       .port = options.port,
       .services = {server->service_.get()}});
  if (!grpc.ok()) return grpc.status();
  server->grpc_ = std::move(*grpc);
  return server;
}

QueryServer::~QueryServer() { Shutdown(absl::ZeroDuration()); }

void QueryServer::Shutdown(absl::Duration grace) {
  // Stop taking calls first, then the workers that answer them.
  if (grpc_ != nullptr) grpc_->Shutdown(grace);
  service_.reset();
  executor_.reset();
}

}  // namespace hyper::query
