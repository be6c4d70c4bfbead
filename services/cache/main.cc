// hyper cache: the cache service (the shared cache tier).
// Flags, signals, start: the wiring lives in cache_server.
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/service/signals.h"
#include "services/cache/cache_server.h"

ABSL_FLAG(std::string, host, "0.0.0.0", "Address to bind the gRPC and admin HTTP servers to.");
ABSL_FLAG(int, port, 50052, "gRPC port; 0 picks a free port.");
ABSL_FLAG(int64_t, memory_mb, 256,
          "Memory budget of the store in MiB (keys, values and per-entry bookkeeping); "
          "least recently used entries are evicted beyond it.");
ABSL_FLAG(int64_t, max_value_bytes, 1 << 20, "Larger values are refused (INVALID_ARGUMENT).");
ABSL_FLAG(std::string, database, "",
          "PostgreSQL URL: keep a DatabaseCache tier (UNLOGGED table hyper_cache) beneath "
          "memory. Empty: memory only.");
ABSL_FLAG(absl::Duration, database_promote_ttl, absl::Seconds(30),
          "With --database: the longest an entry stays in memory (written, or read back "
          "from the database tier) before memory asks the table again.");
ABSL_FLAG(std::optional<int>, admin_port, std::nullopt,
          "Admin HTTP port (GET /metrics, GET /healthz) on --host; 0 picks a free "
          "port, -1 turns it off. Unset: 9052, or 0 when --port=0.");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(5),
          "On SIGTERM, calls in flight get this long to finish.");

int main(int argc, char** argv) {
  hyper::service::BlockShutdownSignals();
  // Debian builds abseil without NDEBUG, so every absl::Mutex (gRPC's
  // locks) would also keep a deadlock-detection graph: 2-3% of a service's
  // CPU in profiles. The checks help in debug builds, not here.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::SetProgramUsageMessage("hyper cache: the cache service (the shared cache tier)");
  absl::ParseCommandLine(argc, argv);
  const int64_t memory_mb = absl::GetFlag(FLAGS_memory_mb);
  const int64_t max_value_bytes = absl::GetFlag(FLAGS_max_value_bytes);
  if (memory_mb < 1 || memory_mb > (int64_t{1} << 30)) {
    std::fprintf(stderr, "hyper cache: --memory_mb must be between 1 and 2^30, got %lld\n",
                 static_cast<long long>(memory_mb));
    return 1;
  }
  if (max_value_bytes < 1) {
    std::fprintf(stderr, "hyper cache: --max_value_bytes must be positive, got %lld\n",
                 static_cast<long long>(max_value_bytes));
    return 1;
  }
  auto server = hyper::cache::CacheServer::Start({
      .host = absl::GetFlag(FLAGS_host),
      .port = absl::GetFlag(FLAGS_port),
      .memory_bytes = static_cast<size_t>(memory_mb) << 20,
      .max_value_bytes = static_cast<size_t>(max_value_bytes),
      .database_url = absl::GetFlag(FLAGS_database),
      .database_promote_ttl = absl::GetFlag(FLAGS_database_promote_ttl),
      .admin_port = absl::GetFlag(FLAGS_admin_port),
  });
  if (!server.ok()) {
    std::fprintf(stderr, "hyper cache: cannot start: %s\n", server.status().ToString().c_str());
    return 1;
  }
  std::printf("hyper cache: serving grpc on %s\n", (*server)->address().c_str());
  if ((*server)->admin_port() >= 0) {
    std::printf("hyper cache: serving http on %s\n", (*server)->admin_address().c_str());
  }
  std::fflush(stdout);
  int signal = hyper::service::WaitForShutdownSignal();
  std::printf("hyper cache: signal %d, shutting down\n", signal);
  std::fflush(stdout);
  (*server)->Shutdown(absl::GetFlag(FLAGS_shutdown_grace));
  std::printf("hyper cache: stopped in time\n");
  return 0;
}
