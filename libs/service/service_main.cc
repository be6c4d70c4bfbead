#include "libs/service/service_main.h"

#include <cstdio>
#include <string>
#include <utility>

#include "libs/service/signals.h"

namespace hyper::service {

int RunGrpcService(GrpcServerOptions options, absl::Duration grace) {
  std::string name = options.service_name;
  absl::StatusOr<std::unique_ptr<GrpcServer>> server =
      GrpcServer::Start(std::move(options));
  if (!server.ok()) {
    std::fprintf(stderr, "hyper %s: cannot start: %s\n", name.c_str(),
                 server.status().ToString().c_str());
    return 1;
  }
  std::printf("hyper %s: serving grpc on %s\n", name.c_str(),
              (*server)->address().c_str());
  std::fflush(stdout);
  int signal = WaitForShutdownSignal();
  std::printf("hyper %s: signal %d, shutting down\n", name.c_str(), signal);
  std::fflush(stdout);
  absl::Time start = absl::Now();
  (*server)->Shutdown(grace);
  std::printf("hyper %s: stopped in %s\n", name.c_str(),
              absl::FormatDuration(absl::Now() - start).c_str());
  std::fflush(stdout);
  return 0;
}

}  // namespace hyper::service
