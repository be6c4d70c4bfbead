// CacheServer: the cache service's wiring, shared by main.cc and the
// integration tests. A sharded LRU memory store under a byte budget
// (LocMemCache, each entry's bookkeeping counted), optionally over a
// DatabaseCache tier (--database: writes go to both, a memory miss reads the
// database and promotes the hit), the table versions, the gRPC server (with
// health, reflection and Admin) and the admin HTTP port (/metrics,
// /healthz).
//
// Example:
//   auto server = CacheServer::Start({.host = "127.0.0.1", .port = 0,
//                                     .memory_bytes = 256 << 20});
//   // (*server)->address() serves hyper.cache.v1.CacheService.
#ifndef HYPER_SERVICES_CACHE_CACHE_SERVER_H_
#define HYPER_SERVICES_CACHE_CACHE_SERVER_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/cache/cache.h"
#include "libs/cache/locmem_cache.h"
#include "libs/cache/two_tier_cache.h"
#include "libs/metrics/metrics.h"
#include "libs/service/admin_http.h"
#include "libs/service/grpc_server.h"
#include "libs/service/servers.h"
#include "services/cache/cache_service.h"
#include "services/cache/table_versions.h"

namespace hyper::pg {
class Pool;
}

namespace hyper::cache {

inline constexpr int kDefaultAdminPort = 9052;

struct CacheServerOptions {
  std::string host = "0.0.0.0";
  int port = 50052;
  // The memory store's budget: keys, values and per-entry bookkeeping.
  size_t memory_bytes = 256 << 20;
  size_t max_value_bytes = 1 << 20;
  // Shards of the memory store (each its own lock and LRU).
  size_t shards = 64;
  // postgres://... : keep a DatabaseCache tier beneath memory. Empty: none.
  std::string database_url;
  // With a database tier, the longest an entry stays in memory: one read
  // back from the database (whose remaining ttl memory does not know), and
  // any write too (memory then re-reads the table, the source of truth).
  absl::Duration database_promote_ttl = absl::Seconds(30);
  // Admin HTTP port: 0 picks, -1 turns it off. Unset: kDefaultAdminPort, or
  // 0 when `port` is 0.
  std::optional<int> admin_port;
};

class CacheServer {
 public:
  // InvalidArgument for a bad option (naming it), Unavailable when a port
  // cannot be bound or the database cannot be reached.
  static absl::StatusOr<std::unique_ptr<CacheServer>> Start(CacheServerOptions options);
  ~CacheServer();

  int port() const { return grpc_->port(); }
  std::string address() const { return grpc_->address(); }
  int admin_port() const { return admin_ != nullptr ? admin_->port() : -1; }
  std::string admin_address() const {
    return admin_ != nullptr ? admin_->address() : std::string();
  }
  std::string RenderMetrics() const { return registry_.Render(); }

  // Stops the admin port and gRPC (calls in flight get up to `grace`).
  // Idempotent.
  void Shutdown(absl::Duration grace);

 private:
  CacheServer() = default;
  void RegisterMetrics();

  metrics::Registry registry_;
  std::unique_ptr<LocMemCache> memory_;
  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<Cache> database_;
  std::unique_ptr<TwoTierCache> tiers_;
  TableVersions versions_;
  std::unique_ptr<CacheServiceImpl> service_;
  std::unique_ptr<service::AdminHttp> admin_;
  std::unique_ptr<service::GrpcServer> grpc_;
};

}  // namespace hyper::cache

#endif  // HYPER_SERVICES_CACHE_CACHE_SERVER_H_
