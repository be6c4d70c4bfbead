// hyper query: PostgreSQL through a QuerySet-style gRPC API.
// Flags, signals, start: the wiring lives in query_server.
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/service/signals.h"
#include "services/query/query_server.h"

ABSL_FLAG(std::string, database, "",
          "PostgreSQL URL, e.g. postgres://user@host:5432/db?pool_size=20 "
          "(default: $DATABASE_URL).");
ABSL_FLAG(std::string, host, "0.0.0.0", "Address to bind the gRPC and admin HTTP servers to.");
ABSL_FLAG(int, port, 50051, "gRPC port; 0 picks a free port.");
ABSL_FLAG(int, executor_threads, 0,
          "Threads running statements (one connection each, pipelined); 0 = half the cores.");
ABSL_FLAG(std::optional<int>, admin_port, std::nullopt,
          "Admin HTTP port (GET /metrics, GET /healthz) on --host; 0 picks a free "
          "port, -1 turns it off. Unset: 9051, or 0 when --port=0.");
ABSL_FLAG(int, slow_query_ms, 100,
          "Statements taking at least this many milliseconds are logged to "
          "the hyper_slow_queries table.");
ABSL_FLAG(absl::Duration, heartbeat_interval, absl::Seconds(1),
          "How often the database is probed with SELECT 1 (e.g. 1s, 200ms).");
ABSL_FLAG(int, heartbeat_failures, 3,
          "Failed heartbeats in a row before gRPC health turns NOT_SERVING "
          "and /healthz 503.");
ABSL_FLAG(std::string, cache_addr, "",
          "Cache service host:port. With it, writes bump table versions there and the "
          "models given a cache_ttl in --models are cached there. Empty: no query cache.");
ABSL_FLAG(std::string, models, "",
          "Per-model options, text format (hyper.query.v1.ModelsConfig), e.g. "
          "`model { name: \"posts\" cache_ttl_ms: 30000 }`. Needs --cache_addr.");
ABSL_FLAG(absl::Duration, cache_timeout, absl::Milliseconds(200),
          "Deadline of each call to the cache service; past it the database answers.");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "On SIGTERM, calls in flight get this long to finish.");

int main(int argc, char** argv) {
  hyper::service::BlockShutdownSignals();
  // Debian builds abseil without NDEBUG, so every absl::Mutex (gRPC's
  // locks) would also keep a deadlock-detection graph: 2-3% of a service's
  // CPU in profiles. The checks help in debug builds, not here.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::SetProgramUsageMessage("hyper query: PostgreSQL through a QuerySet-style gRPC API");
  absl::ParseCommandLine(argc, argv);
  std::string url = absl::GetFlag(FLAGS_database);
  if (url.empty() && std::getenv("DATABASE_URL") != nullptr) url = std::getenv("DATABASE_URL");

  auto server = hyper::query::QueryServer::Start({
      .database_url = url,
      .host = absl::GetFlag(FLAGS_host),
      .port = absl::GetFlag(FLAGS_port),
      .executor_threads = absl::GetFlag(FLAGS_executor_threads),
      .slow_query = absl::Milliseconds(absl::GetFlag(FLAGS_slow_query_ms)),
      .heartbeat_interval = absl::GetFlag(FLAGS_heartbeat_interval),
      .heartbeat_failures = absl::GetFlag(FLAGS_heartbeat_failures),
      .admin_port = absl::GetFlag(FLAGS_admin_port),
      .cache_address = absl::GetFlag(FLAGS_cache_addr),
      .models_path = absl::GetFlag(FLAGS_models),
      .cache_timeout = absl::GetFlag(FLAGS_cache_timeout),
  });
  if (!server.ok()) {
    std::fprintf(stderr, "hyper query: cannot start: %s\n", server.status().ToString().c_str());
    return 1;
  }
  std::printf("hyper query: serving grpc on %s\n", (*server)->address().c_str());
  if ((*server)->admin_port() >= 0) {
    std::printf("hyper query: serving http on %s\n", (*server)->admin_address().c_str());
  }
  std::fflush(stdout);
  int signal = hyper::service::WaitForShutdownSignal();
  std::printf("hyper query: signal %d, shutting down\n", signal);
  std::fflush(stdout);
  (*server)->Shutdown(absl::GetFlag(FLAGS_shutdown_grace));
  std::printf("hyper query: stopped in time\n");
  return 0;
}
