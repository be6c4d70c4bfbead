// hyper cache: the cache service (the shared cache tier).
// Flags, signals, start: everything else lives in libraries.
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "libs/service/service_main.h"
#include "libs/service/signals.h"

ABSL_FLAG(std::string, host, "0.0.0.0", "Address to bind the gRPC server to.");
ABSL_FLAG(int, port, 50052, "gRPC port; 0 picks a free port.");

int main(int argc, char** argv) {
  hyper::service::BlockShutdownSignals();
  absl::SetProgramUsageMessage("hyper cache: the cache service (the shared cache tier)");
  absl::ParseCommandLine(argc, argv);
  return hyper::service::RunGrpcService({
      .service_name = "cache",
      .host = absl::GetFlag(FLAGS_host),
      .port = absl::GetFlag(FLAGS_port),
  });
}
