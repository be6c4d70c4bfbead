// QueryServer: the query service's wiring, shared by main.cc and the
// integration tests. Parses the database URL (pool options in its query
// string), opens and warms the pool, reads the catalog, starts the driver's
// executor, the gRPC server (with health, reflection and Admin) and the
// admin HTTP port (/metrics, /healthz).
//
// Every pooled statement is timed (pg::QueryTimer, also the latency
// histogram on /metrics) and, past `slow_query`, logged (pg::SlowQueryLog,
// table hyper_slow_queries). A pg::Heartbeat runs `SELECT 1` every
// `heartbeat_interval`; after `heartbeat_failures` failures in a row gRPC
// health turns NOT_SERVING and /healthz 503, and both recover with the
// first good beat. The heartbeat's own statements are timed too.
//
// Example:
//   auto server = QueryServer::Start({.database_url = "postgres://u@h/db?pool_size=8",
//                                     .host = "127.0.0.1", .port = 0});
//   // (*server)->port() serves hyper.query.v1.QueryService;
//   // (*server)->admin_port() serves GET /metrics and GET /healthz (port 0
//   // picked a free admin port too, see admin_port below).
#ifndef HYPER_SERVICES_QUERY_QUERY_SERVER_H_
#define HYPER_SERVICES_QUERY_QUERY_SERVER_H_

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/metrics/metrics.h"
#include "libs/pg/executor.h"
#include "libs/pg/heartbeat.h"
#include "libs/pg/pool.h"
#include "libs/pg/query_timer.h"
#include "libs/pg/slow_query_log.h"
#include "libs/service/grpc_server.h"
#include "libs/service/servers.h"
#include "libs/service/admin_http.h"
#include "services/query/query_service.h"

namespace hyper::query {

inline constexpr int kDefaultAdminPort = 9051;

struct QueryServerOptions {
  // postgres://user:pass@host:port/db?pool_size=20&min_size=2&acquire_timeout_ms=5000
  std::string database_url;
  std::string host = "0.0.0.0";
  int port = 50051;
  // Executor worker threads (each holds one connection and pipelines what is
  // queued on it); 0: half the CPU cores, at least 1, at most the pool size.
  int executor_threads = 0;
  // Statements at least this slow go to hyper_slow_queries.
  absl::Duration slow_query = absl::Milliseconds(100);
  // Heartbeat period, and how many failed beats in a row make the service
  // unhealthy (gRPC NOT_SERVING, /healthz 503). Threshold >= 1.
  absl::Duration heartbeat_interval = absl::Seconds(1);
  int heartbeat_failures = 3;
  // Admin HTTP port on `host`: 0 picks a free one, -1 turns it off. Unset:
  // kDefaultAdminPort, except when `port` is 0 (tests, several servers on
  // one machine), where it is 0 too, so nothing ever collides on 9051.
  std::optional<int> admin_port;
  // The cache service (host:port). With it, every write bumps the versions
  // of the models it wrote, and reads of models given a cache_ttl in
  // `models_path` are cached there. Empty: no query cache.
  std::string cache_address;
  // hyper.query.v1.ModelsConfig in text format (needs cache_address).
  std::string models_path;
  // Deadline of each call to the cache service.
  absl::Duration cache_timeout = absl::Milliseconds(200);
};

class QueryServer {
 public:
  // Recent slow queries in GetStats: at most this many, newest first.
  inline static constexpr int kRecentSlowQueries = 20;

  // InvalidArgument for a bad URL or option (naming the parameter),
  // Unavailable when the database cannot be reached or a port cannot be
  // bound.
  static absl::StatusOr<std::unique_ptr<QueryServer>> Start(QueryServerOptions options);
  ~QueryServer();

  int port() const { return grpc_->port(); }
  std::string address() const { return grpc_->address(); }
  // The admin HTTP port and "host:port"; -1 and "" when it is off.
  int admin_port() const { return admin_ != nullptr ? admin_->port() : -1; }
  std::string admin_address() const {
    return admin_ != nullptr ? admin_->address() : std::string();
  }
  // Whether the heartbeat says the database answers.
  bool healthy() const { return heartbeat_->healthy(); }
  // Prometheus text, as GET /metrics serves it.
  std::string RenderMetrics() const { return registry_.Render(); }

  // Stops the heartbeat, the admin port, then gRPC (calls in flight get up
  // to `grace`) and the workers. Idempotent.
  void Shutdown(absl::Duration grace);

 private:
  QueryServer() = default;
  void RegisterMetrics();
  // GetStats' StatsFiller: timer, heartbeat and the cached slow queries.
  void FillStats(v1::Stats* stats);
  // Refreshes slow_cache_ from the table when FillStats asks; see .cc.
  void RunSlowQueryRefresher();

  metrics::Registry registry_;
  std::unique_ptr<pg::QueryTimer> timer_;
  std::unique_ptr<pg::SlowQueryLog> slow_log_;
  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<pg::Executor> executor_;
  std::unique_ptr<cache::RemoteCache> remote_cache_;
  std::unique_ptr<QueryCache> query_cache_;
  std::unique_ptr<QueryServiceImpl> service_;
  std::unique_ptr<service::GrpcServer> grpc_;
  std::unique_ptr<pg::Heartbeat> heartbeat_;
  std::unique_ptr<service::AdminHttp> admin_;

  std::mutex slow_mu_;
  std::condition_variable slow_cv_;
  std::vector<pg::SlowQuery> slow_cache_;         // guarded by slow_mu_
  absl::Time slow_fetched_ = absl::InfinitePast();  // guarded by slow_mu_
  bool slow_wanted_ = false;                      // guarded by slow_mu_
  bool slow_stopping_ = false;                    // guarded by slow_mu_
  std::thread slow_refresher_;
};

}  // namespace hyper::query

#endif  // HYPER_SERVICES_QUERY_QUERY_SERVER_H_
