#include "services/cache/cache_server.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "libs/cache/database_cache.h"
#include "libs/pg/pool.h"
#include "libs/pg/url.h"

namespace hyper::cache {
namespace {

// What one entry costs beyond its key and value (see LocMemCache's
// entry_overhead_bytes): about 90 bytes, about 154 with a ttl, and 160
// leaves a little room for the index's doubling. Counted so --memory_mb
// bounds the process.
constexpr size_t kEntryOverheadBytes = 160;

}  // namespace

absl::StatusOr<std::unique_ptr<CacheServer>> CacheServer::Start(CacheServerOptions options) {
  if (options.memory_bytes < (1 << 20)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "memory_mb: must be at least 1 (got ", options.memory_bytes, " bytes)"));
  }
  if (options.max_value_bytes == 0 || options.max_value_bytes > options.memory_bytes / 16) {
    return absl::InvalidArgumentError(absl::StrCat(
        "max_value_bytes: must be between 1 and memory_mb/16 (",
        options.memory_bytes / 16, "), got ", options.max_value_bytes));
  }
  if (options.shards == 0 || options.shards > 4096) {
    return absl::InvalidArgumentError(
        absl::StrCat("shards: must be between 1 and 4096, got ", options.shards));
  }
  absl::StatusOr<int> admin_port =
      service::ResolveAdminPort(options.admin_port, options.port, kDefaultAdminPort);
  if (!admin_port.ok()) return admin_port.status();

  std::unique_ptr<CacheServer> server(new CacheServer());
  // A shard must hold the largest value with room to spare, so the budget
  // caps the shard count.
  size_t shards = std::min(options.shards,
                           std::max<size_t>(1, options.memory_bytes / (options.max_value_bytes * 4)));
  server->memory_ = std::make_unique<LocMemCache>(LocMemCache::Options{
      .shards = shards,
      .max_entries = options.memory_bytes / kEntryOverheadBytes,
      .max_bytes = options.memory_bytes,
      .max_value_bytes = options.max_value_bytes,
      .entry_overhead_bytes = kEntryOverheadBytes,
  });
  Cache* store = server->memory_.get();
  if (!options.database_url.empty()) {
    absl::StatusOr<pg::ParsedUrl> url = pg::ParseUrl(options.database_url);
    if (!url.ok()) return url.status();
    server->pool_ = std::make_unique<pg::Pool>(url->conninfo, url->pool);
    if (absl::Status warm = server->pool_->Warm(); !warm.ok()) {
      return absl::UnavailableError(absl::StrCat("database: cannot connect: ", warm.message()));
    }
    absl::StatusOr<std::unique_ptr<DatabaseCache>> database =
        DatabaseCache::Create(server->pool_.get(),
                              DatabaseCache::Options{.max_value_bytes = options.max_value_bytes});
    if (!database.ok()) return database.status();
    server->database_ = std::move(*database);
    // Memory in front, the table beneath: a memory miss reads the table
    // and promotes the hit; writes go to both; a database error is a miss.
    server->tiers_ = std::make_unique<TwoTierCache>(server->memory_.get(),
                                                    server->database_.get(),
                                                    options.database_promote_ttl);
    store = server->tiers_.get();
  }
  server->service_ = std::make_unique<CacheServiceImpl>(
      store, &server->versions_,
      CacheServiceOptions{.max_value_bytes = options.max_value_bytes,
                          .memory_budget_bytes = options.memory_bytes,
                          .tiers = server->tiers_.get()},
      &server->registry_);
  server->RegisterMetrics();

  absl::StatusOr<service::Servers> servers = service::StartServers(
      {.service_name = "cache",
       .host = options.host,
       .port = options.port,
       .services = {server->service_.get()}},
      *admin_port, &server->registry_, [] { return true; });
  if (!servers.ok()) return servers.status();
  server->admin_ = std::move(servers->admin);
  server->grpc_ = std::move(servers->grpc);
  return server;
}

CacheServer::~CacheServer() { Shutdown(absl::ZeroDuration()); }

void CacheServer::Shutdown(absl::Duration grace) {
  if (admin_ != nullptr) admin_->Shutdown(grace);
  if (grpc_ != nullptr) grpc_->Shutdown(grace);
}

void CacheServer::RegisterMetrics() {
  registry_.AddCollector([this](std::string* out) {
    v1::StatsResponse s = service_->Snapshot();
    const struct {
      const char* name;
      const char* type;
      const char* help;
      uint64_t value;
    } samples[] = {
        {"hyper_cache_hits_total", "counter", "Lookups that found a live entry.", s.hits()},
        {"hyper_cache_misses_total", "counter", "Lookups that found nothing.", s.misses()},
        {"hyper_cache_sets_total", "counter", "Entries stored.", s.sets()},
        {"hyper_cache_evictions_total", "counter", "Entries removed to make room.",
         s.evictions()},
        {"hyper_cache_expirations_total", "counter", "Entries removed after their ttl.",
         s.expirations()},
        {"hyper_cache_entries", "gauge", "Entries held in memory.", s.entries()},
        {"hyper_cache_bytes", "gauge", "Memory held: keys, values and bookkeeping.",
         s.bytes()},
        {"hyper_cache_memory_budget_bytes", "gauge", "The memory store's budget.",
         s.memory_budget_bytes()},
        {"hyper_cache_version_bumps_total", "counter", "Table version bumps.",
         s.version_bumps()},
        {"hyper_cache_database_hits_total", "counter",
         "Memory misses answered by the database tier.", s.database_hits()},
        {"hyper_cache_database_errors_total", "counter",
         "Database tier calls that failed (served as misses).", s.database_errors()},
    };
    for (const auto& sample : samples) {
      metrics::AppendSample(out, sample.name, sample.type, sample.help,
                            static_cast<double>(sample.value));
    }
  });
}

}  // namespace hyper::cache
