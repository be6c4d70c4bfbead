// hyper edge: the HTTP/1.1 edge server.
// Flags, signals, start: everything else lives in edge_server and libs/http.
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/service/signals.h"
#include "services/edge/edge_server.h"

ABSL_FLAG(std::string, host, "0.0.0.0", "IPv4 address to listen on.");
ABSL_FLAG(int, port, 8080, "HTTP port; 0 picks a free port.");
ABSL_FLAG(int, threads, 0, "Event loops (one thread each); 0 = one per core.");
ABSL_FLAG(int, max_connections, 10000, "Open connections beyond this get 503.");
ABSL_FLAG(int64_t, max_request_line, 8 * 1024, "Longest request line (414).");
ABSL_FLAG(int64_t, max_head_bytes, 64 * 1024, "Largest request head (431).");
ABSL_FLAG(int64_t, max_headers, 100, "Most header fields (431).");
ABSL_FLAG(int64_t, max_body_bytes, 8 << 20, "Largest request body (413).");
ABSL_FLAG(absl::Duration, request_timeout, absl::Seconds(10),
          "A request must arrive whole within this (408).");
ABSL_FLAG(absl::Duration, idle_timeout, absl::Seconds(60),
          "Idle keep-alive connections close after this.");
ABSL_FLAG(std::string, cache_addr, "",
          "Cache service host:port, the shared tier of the view cache. Empty: "
          "views are cached in this process only.");
ABSL_FLAG(int64_t, view_cache_mb, 64, "In-process view cache budget, MiB.");
ABSL_FLAG(absl::Duration, cache_timeout, absl::Milliseconds(50),
          "Deadline of each cache service call; past it the view runs.");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "On SIGTERM, in-flight requests get this long to finish.");

int main(int argc, char** argv) {
  hyper::service::BlockShutdownSignals();
  // Debian builds abseil without NDEBUG, so every absl::Mutex (gRPC's
  // locks) would also keep a deadlock-detection graph: 2-3% of a service's
  // CPU in profiles. The checks help in debug builds, not here.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::SetProgramUsageMessage("hyper edge: the HTTP/1.1 edge server");
  absl::ParseCommandLine(argc, argv);

  hyper::edge::EdgeOptions options;
  options.http.host = absl::GetFlag(FLAGS_host);
  options.http.port = absl::GetFlag(FLAGS_port);
  options.http.threads = absl::GetFlag(FLAGS_threads);
  options.http.max_connections = absl::GetFlag(FLAGS_max_connections);
  options.http.limits.max_request_line = absl::GetFlag(FLAGS_max_request_line);
  options.http.limits.max_head_bytes = absl::GetFlag(FLAGS_max_head_bytes);
  options.http.limits.max_headers = absl::GetFlag(FLAGS_max_headers);
  options.http.limits.max_body_bytes = absl::GetFlag(FLAGS_max_body_bytes);
  options.http.request_timeout = absl::GetFlag(FLAGS_request_timeout);
  options.http.idle_timeout = absl::GetFlag(FLAGS_idle_timeout);
  options.cache_address = absl::GetFlag(FLAGS_cache_addr);
  options.cache_timeout = absl::GetFlag(FLAGS_cache_timeout);
  const int64_t view_cache_mb = absl::GetFlag(FLAGS_view_cache_mb);
  if (view_cache_mb < 1 || view_cache_mb > (int64_t{1} << 20)) {
    std::fprintf(stderr, "hyper edge: --view_cache_mb must be between 1 and 2^20, got %lld\n",
                 static_cast<long long>(view_cache_mb));
    return 1;
  }
  options.view_cache_bytes = static_cast<size_t>(view_cache_mb) << 20;
  for (int64_t limit : {absl::GetFlag(FLAGS_max_request_line),
                        absl::GetFlag(FLAGS_max_head_bytes),
                        absl::GetFlag(FLAGS_max_headers),
                        absl::GetFlag(FLAGS_max_body_bytes)}) {
    if (limit <= 0) {
      std::fprintf(stderr,
                   "hyper edge: --max_request_line, --max_head_bytes, "
                   "--max_headers and --max_body_bytes must be > 0\n");
      return 1;
    }
  }

  auto edge = hyper::edge::EdgeServer::Start(std::move(options));
  if (!edge.ok()) {
    std::fprintf(stderr, "hyper edge: cannot start: %s\n",
                 edge.status().ToString().c_str());
    return 1;
  }
  std::printf("hyper edge: serving http on %s:%d\n",
              absl::GetFlag(FLAGS_host).c_str(), (*edge)->port());
  std::fflush(stdout);
  int signal = hyper::service::WaitForShutdownSignal();
  std::printf("hyper edge: signal %d, shutting down\n", signal);
  std::fflush(stdout);
  (*edge)->Shutdown(absl::GetFlag(FLAGS_shutdown_grace));
  std::printf("hyper edge: stopped\n");
  return 0;
}
