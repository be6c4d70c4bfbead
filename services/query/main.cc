// hyper query: PostgreSQL through a QuerySet-style gRPC API.
// Flags, signals, start: the wiring lives in query_server.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/time/time.h"
#include "libs/service/signals.h"
#include "services/query/query_server.h"

ABSL_FLAG(std::string, database, "",
          "PostgreSQL URL, e.g. postgres://user@host:5432/db?pool_size=20 "
          "(default: $DATABASE_URL).");
ABSL_FLAG(std::string, host, "0.0.0.0", "Address to bind the gRPC server to.");
ABSL_FLAG(int, port, 50051, "gRPC port; 0 picks a free port.");
ABSL_FLAG(int, executor_threads, 0,
          "Threads running statements (one connection each); 0 = pool size.");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "On SIGTERM, calls in flight get this long to finish.");

int main(int argc, char** argv) {
  hyper::service::BlockShutdownSignals();
  absl::SetProgramUsageMessage("hyper query: PostgreSQL through a QuerySet-style gRPC API");
  absl::ParseCommandLine(argc, argv);
  std::string url = absl::GetFlag(FLAGS_database);
  if (url.empty() && std::getenv("DATABASE_URL") != nullptr) url = std::getenv("DATABASE_URL");

  auto server = hyper::query::QueryServer::Start({
      .database_url = url,
      .host = absl::GetFlag(FLAGS_host),
      .port = absl::GetFlag(FLAGS_port),
      .executor_threads = absl::GetFlag(FLAGS_executor_threads),
  });
  if (!server.ok()) {
    std::fprintf(stderr, "hyper query: cannot start: %s\n", server.status().ToString().c_str());
    return 1;
  }
  std::printf("hyper query: serving grpc on %s\n", (*server)->address().c_str());
  std::fflush(stdout);
  int signal = hyper::service::WaitForShutdownSignal();
  std::printf("hyper query: signal %d, shutting down\n", signal);
  std::fflush(stdout);
  (*server)->Shutdown(absl::GetFlag(FLAGS_shutdown_grace));
  std::printf("hyper query: stopped in time\n");
  return 0;
}
