// QueryServer: the query service's wiring, shared by main.cc and the
// integration tests. Parses the database URL (pool options in its query
// string), opens and warms the pool, reads the catalog, starts the driver's
// executor and the gRPC server (with health, reflection and Admin).
//
// Example:
//   auto server = QueryServer::Start({.database_url = "postgres://u@h/db?pool_size=8",
//                                     .host = "127.0.0.1", .port = 0});
//   // (*server)->port() serves hyper.query.v1.QueryService
#ifndef HYPER_SERVICES_QUERY_QUERY_SERVER_H_
#define HYPER_SERVICES_QUERY_QUERY_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/pg/executor.h"
#include "libs/pg/pool.h"
#include "libs/service/grpc_server.h"
#include "services/query/query_service.h"

namespace hyper::query {

struct QueryServerOptions {
  // postgres://user:pass@host:port/db?pool_size=20&min_size=2&acquire_timeout_ms=5000
  std::string database_url;
  std::string host = "0.0.0.0";
  int port = 50051;
  // Executor worker threads (each holds one connection); 0: the pool size.
  int executor_threads = 0;
};

class QueryServer {
 public:
  // InvalidArgument for a bad URL (naming the parameter), Unavailable when
  // the database cannot be reached or the port cannot be bound.
  static absl::StatusOr<std::unique_ptr<QueryServer>> Start(QueryServerOptions options);
  ~QueryServer();

  int port() const { return grpc_->port(); }
  std::string address() const { return grpc_->address(); }
  void Shutdown(absl::Duration grace);

 private:
  QueryServer() = default;

  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<pg::Executor> executor_;
  std::unique_ptr<QueryServiceImpl> service_;
  std::unique_ptr<service::GrpcServer> grpc_;
};

}  // namespace hyper::query

#endif  // HYPER_SERVICES_QUERY_QUERY_SERVER_H_
