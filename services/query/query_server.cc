#include "services/query/query_server.h"

#include <cstdint>
#include <algorithm>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "libs/pg/url.h"

namespace hyper::query {
namespace {

// GetStats reads slow queries from a cache at most this old (plus the time
// one refresh takes); see RunSlowQueryRefresher.
constexpr absl::Duration kSlowQueryCacheAge = absl::Seconds(1);

double Seconds(absl::Duration d) { return absl::ToDoubleSeconds(d); }
double Millis(absl::Duration d) { return absl::ToDoubleMilliseconds(d); }

}  // namespace

absl::StatusOr<std::unique_ptr<QueryServer>> QueryServer::Start(QueryServerOptions options) {
  if (options.database_url.empty()) {
    return absl::InvalidArgumentError(
        "database: no URL (pass --database or set DATABASE_URL)");
  }
  if (options.heartbeat_failures < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "heartbeat_failures: must be at least 1, got ", options.heartbeat_failures));
  }
  if (options.heartbeat_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("heartbeat_interval: must be positive, got ",
                     absl::FormatDuration(options.heartbeat_interval)));
  }
  absl::StatusOr<int> admin_port =
      service::ResolveAdminPort(options.admin_port, options.port, kDefaultAdminPort);
  if (!admin_port.ok()) return admin_port.status();
  absl::StatusOr<pg::ParsedUrl> url = pg::ParseUrl(options.database_url);
  if (!url.ok()) return url.status();

  std::unique_ptr<QueryServer> server(new QueryServer());
  QueryServer* self = server.get();
  server->timer_ = std::make_unique<pg::QueryTimer>(server->registry_.AddHistogram(
      "hyper_query_statement_duration_seconds",
      "Time from sending a pooled statement to its result, heartbeats included.", {},
      metrics::DefaultLatencyBounds()));
  server->slow_log_ = std::make_unique<pg::SlowQueryLog>(url->conninfo, options.slow_query);
  server->pool_ = std::make_unique<pg::Pool>(
      url->conninfo, url->pool,
      std::vector<pg::QueryObserver*>{server->timer_.get(), server->slow_log_.get()});
  if (absl::Status warm = server->pool_->Warm(); !warm.ok()) {
    return absl::UnavailableError(
        absl::StrCat("database: cannot connect: ", warm.message()));
  }
  absl::StatusOr<Catalog> catalog = LoadCatalog(*server->pool_);
  if (!catalog.ok()) return catalog.status();
  if (!options.models_path.empty() && options.cache_address.empty()) {
    return absl::InvalidArgumentError(
        "models: per-model cache_ttl needs the cache service (pass --cache_addr)");
  }
  if (!options.cache_address.empty()) {
    QueryCache::Ttls ttls;
    if (!options.models_path.empty()) {
      absl::StatusOr<QueryCache::Ttls> loaded =
          QueryCache::LoadConfig(options.models_path, *catalog);
      if (!loaded.ok()) return loaded.status();
      ttls = std::move(*loaded);
    }
    // Not probed here: the cache service may start later or restart, and
    // the query cache fails soft until it answers.
    server->remote_cache_ = std::make_unique<cache::RemoteCache>(cache::RemoteCacheOptions{
        .address = options.cache_address, .timeout = options.cache_timeout});
    server->query_cache_ =
        std::make_unique<QueryCache>(server->remote_cache_.get(), std::move(ttls));
  }
  // Each executor thread pipelines everything queued on its connection, so a
  // few threads go further than many: with one per connection, 16 threads on
  // 2 cores spent their time switching (pk suite: 10.8K ops/s with 16,
  // 18.4K with 1, tools/bench/query_vs_peers.sh).
  int threads = options.executor_threads;
  if (threads <= 0) {
    int cores = static_cast<int>(std::thread::hardware_concurrency());
    threads = std::clamp(cores / 2, 1, url->pool.size);
  }
  server->executor_ = std::make_unique<pg::Executor>(server->pool_.get(), threads);
  server->slow_refresher_ = std::thread([self] { self->RunSlowQueryRefresher(); });
  server->service_ = std::make_unique<QueryServiceImpl>(
      server->pool_.get(), server->executor_.get(), std::move(*catalog),
      [self](v1::Stats* stats) { self->FillStats(stats); }, /*blocking_threads=*/4,
      server->query_cache_.get());

  server->heartbeat_ = std::make_unique<pg::Heartbeat>(
      server->pool_.get(), options.heartbeat_interval, options.heartbeat_failures,
      [self](bool healthy) {
        // Runs on the heartbeat thread, which starts after grpc_ is set and
        // is stopped before grpc_ shuts down.
        self->grpc_->SetServing(healthy);
      });
  server->RegisterMetrics();
  absl::StatusOr<service::Servers> servers = service::StartServers(
      {.service_name = "query",
       .host = options.host,
       .port = options.port,
       .services = {server->service_.get()}},
      *admin_port, &server->registry_, [self] { return self->heartbeat_->healthy(); });
  if (!servers.ok()) return servers.status();
  server->admin_ = std::move(servers->admin);
  server->grpc_ = std::move(servers->grpc);
  server->heartbeat_->Start();
  return server;
}

QueryServer::~QueryServer() { Shutdown(absl::ZeroDuration()); }

void QueryServer::Shutdown(absl::Duration grace) {
  // The heartbeat first: its callback touches grpc_. Then stop taking calls,
  // then the workers that answer them. Shutdown's parts are idempotent.
  if (heartbeat_ != nullptr) heartbeat_->Stop();
  if (admin_ != nullptr) admin_->Shutdown(grace);
  if (grpc_ != nullptr) grpc_->Shutdown(grace);
  service_.reset();
  executor_.reset();
  query_cache_.reset();
  remote_cache_.reset();
  {
    std::lock_guard<std::mutex> lock(slow_mu_);
    slow_stopping_ = true;
  }
  slow_cv_.notify_all();
  if (slow_refresher_.joinable()) slow_refresher_.join();
}

// SlowQueryLog::Recent() reads the table over the log's own connection and
// can block for the connect timeout when the database is down, but
// GetStats runs on a gRPC thread and must not block. So GetStats only copies
// the last list and, when it is older than kSlowQueryCacheAge, wakes this
// thread to fetch a new one for the next call. An idle server never queries
// the table; a failed fetch keeps the old list. The first GetStats after
// start therefore shows no slow queries.
void QueryServer::RunSlowQueryRefresher() {
  std::unique_lock<std::mutex> lock(slow_mu_);
  while (true) {
    slow_cv_.wait(lock, [this] { return slow_wanted_ || slow_stopping_; });
    if (slow_stopping_) return;
    lock.unlock();
    absl::StatusOr<std::vector<pg::SlowQuery>> recent =
        slow_log_->Recent(kRecentSlowQueries);
    lock.lock();
    if (recent.ok()) slow_cache_ = *std::move(recent);
    // Also after a failure, so a dead database is asked at most once per
    // kSlowQueryCacheAge.
    slow_fetched_ = absl::Now();
    slow_wanted_ = false;
  }
}

void QueryServer::FillStats(v1::Stats* stats) {
  if (query_cache_ != nullptr) {
    QueryCacheStats c = query_cache_->stats();
    v1::QueryCacheStats* cache = stats->mutable_query_cache();
    cache->set_hits(c.hits);
    cache->set_misses(c.misses);
    cache->set_stores(c.stores);
    cache->set_errors(c.errors);
    cache->set_bumps(c.bumps);
    cache->set_bump_errors(c.bump_errors);
    cache->set_dirty_models(c.dirty_models);
  }
  pg::QueryTimerStats t = timer_->stats();
  v1::TimerStats* timer = stats->mutable_timer();
  timer->set_count(static_cast<int64_t>(t.count));
  timer->set_total_ms(Millis(t.total));
  timer->set_average_ms(Millis(t.average));
  timer->set_in_flight(t.in_flight);

  pg::HeartbeatStats h = heartbeat_->stats();
  v1::HeartbeatStats* heartbeat = stats->mutable_heartbeat();
  heartbeat->set_healthy(h.healthy);
  heartbeat->set_total_beats(static_cast<int64_t>(h.beats));
  heartbeat->set_failures(static_cast<int64_t>(h.failures));
  heartbeat->set_consecutive_failures(static_cast<int64_t>(h.consecutive_failures));
  heartbeat->set_uptime_ratio(h.uptime_ratio);
  heartbeat->set_last_beat_unix_ms(
      h.last_beat == absl::InfinitePast() ? 0 : absl::ToUnixMillis(h.last_beat));
  heartbeat->set_average_latency_ms(Millis(h.average_latency));
  heartbeat->set_p99_latency_ms(Millis(h.p99_latency));

  std::lock_guard<std::mutex> lock(slow_mu_);
  for (const pg::SlowQuery& q : slow_cache_) {
    v1::SlowQuery* out = stats->add_recent_slow_queries();
    out->set_sql(q.sql);
    out->set_params(q.params);
    out->set_duration_ms(q.duration_ms);
    out->set_at_unix_ms(q.at_micros / 1000);
  }
  if (!slow_wanted_ && absl::Now() - slow_fetched_ >= kSlowQueryCacheAge) {
    slow_wanted_ = true;
    slow_cv_.notify_one();
  }
}

void QueryServer::RegisterMetrics() {
  // One collector, so each scrape takes one consistent snapshot per source.
  // The statement latency histogram is registered with the timer.
  registry_.AddCollector([this](std::string* out) {
    pg::PoolStats p = pool_->stats();
    metrics::AppendSample(out, "hyper_query_pool_size", "gauge",
                 "Connections open (in use + idle).", p.size);
    metrics::AppendSample(out, "hyper_query_pool_in_use", "gauge", "Connections leased out.",
                 p.in_use);
    metrics::AppendSample(out, "hyper_query_pool_idle", "gauge", "Connections idle in the pool.",
                 p.idle);
    metrics::AppendSample(out, "hyper_query_pool_waiters", "gauge",
                 "Threads waiting for a connection.", p.waiters);
    metrics::AppendSample(out, "hyper_query_pool_max_connections", "gauge",
                 "The pool's size limit (pool_size).", pool_->options().size);
    metrics::AppendSample(out, "hyper_query_pool_acquires_total", "counter",
                 "Connections handed out.", static_cast<double>(p.acquires));
    metrics::AppendSample(out, "hyper_query_pool_acquire_timeouts_total", "counter",
                 "Acquires that hit acquire_timeout.", static_cast<double>(p.timeouts));
    metrics::AppendSample(out, "hyper_query_pool_reconnects_total", "counter",
                 "Connections opened to replace a broken one.",
                 static_cast<double>(p.reconnects));
    metrics::AppendSample(out, "hyper_query_pool_connect_failures_total", "counter",
                 "Failed attempts to open a connection.",
                 static_cast<double>(p.connect_failures));
    metrics::AppendSample(out, "hyper_query_statement_cache_hits_total", "counter",
                 "Statements run from a prepared statement (returned connections only).",
                 static_cast<double>(p.statement_cache_hits));
    metrics::AppendSample(out, "hyper_query_statement_cache_misses_total", "counter",
                 "Statements prepared first (returned connections only).",
                 static_cast<double>(p.statement_cache_misses));
    metrics::AppendSample(out, "hyper_query_statement_cache_evictions_total", "counter",
                 "Prepared statements evicted (returned connections only).",
                 static_cast<double>(p.statement_cache_evictions));

    pg::QueryTimerStats t = timer_->stats();
    metrics::AppendSample(out, "hyper_query_statements_total", "counter",
                 "Pooled statements finished, errors and heartbeats included.",
                 static_cast<double>(t.count));
    metrics::AppendSample(out, "hyper_query_statement_errors_total", "counter",
                 "Pooled statements that finished with an error.",
                 static_cast<double>(t.errors));
    metrics::AppendSample(out, "hyper_query_statements_in_flight", "gauge",
                 "Pooled statements started and not finished.",
                 static_cast<double>(t.in_flight));

    pg::SlowQueryLogStats s = slow_log_->stats();
    metrics::AppendSample(out, "hyper_query_slow_queries_total", "counter",
                 "Statements over the slow-query threshold.",
                 static_cast<double>(s.recorded));
    metrics::AppendSample(out, "hyper_query_slow_queries_dropped_total", "counter",
                 "Slow queries not written to hyper_slow_queries.",
                 static_cast<double>(s.dropped));

    pg::HeartbeatStats h = heartbeat_->stats();
    metrics::AppendSample(out, "hyper_query_heartbeat_healthy", "gauge",
                 "1 while the database answers the heartbeat.", h.healthy ? 1 : 0);
    metrics::AppendSample(out, "hyper_query_heartbeat_beats_total", "counter",
                 "Heartbeats run.", static_cast<double>(h.beats));
    metrics::AppendSample(out, "hyper_query_heartbeat_failures_total", "counter",
                 "Heartbeats that failed.", static_cast<double>(h.failures));
    metrics::AppendSample(out, "hyper_query_heartbeat_consecutive_failures", "gauge",
                 "Heartbeats failed in a row.", static_cast<double>(h.consecutive_failures));
    metrics::AppendSample(out, "hyper_query_heartbeat_latency_p99_seconds", "gauge",
                 "p99 heartbeat latency over the last 100 good beats.",
                 Seconds(h.p99_latency));

    if (query_cache_ != nullptr) {
      QueryCacheStats c = query_cache_->stats();
      metrics::AppendSample(out, "hyper_query_cache_hits_total", "counter",
                   "Reads answered by the query cache.", static_cast<double>(c.hits));
      metrics::AppendSample(out, "hyper_query_cache_misses_total", "counter",
                   "Cached-model reads that ran the query.", static_cast<double>(c.misses));
      metrics::AppendSample(out, "hyper_query_cache_errors_total", "counter",
                   "Cache service lookups that failed (served from the database).",
                   static_cast<double>(c.errors));
      metrics::AppendSample(out, "hyper_query_cache_bumps_total", "counter",
                   "Table version bumps after writes.", static_cast<double>(c.bumps));
      metrics::AppendSample(out, "hyper_query_cache_bump_errors_total", "counter",
                   "Version bumps that failed (retried in the background).",
                   static_cast<double>(c.bump_errors));
      metrics::AppendSample(out, "hyper_query_cache_dirty_models", "gauge",
                   "Models not cached here until a failed bump is retried.",
                   static_cast<double>(c.dirty_models));
    }
  });
}

}  // namespace hyper::query
