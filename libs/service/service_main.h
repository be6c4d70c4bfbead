// RunGrpcService: the body of a gRPC service's main(). Starts a GrpcServer,
// announces where it listens on stdout, waits for SIGINT/SIGTERM, then shuts
// down gracefully.
//
// The announcement is one line, which `./hyper up` and the integration tests
// read to find the real port when started with --port=0:
//   hyper query: serving grpc on 127.0.0.1:50051
//
// Example (a whole main.cc):
//   ABSL_FLAG(std::string, host, "0.0.0.0", "address to bind");
//   ABSL_FLAG(int, port, 50051, "gRPC port; 0 picks a free one");
//   int main(int argc, char** argv) {
//     hyper::service::BlockShutdownSignals();
//     absl::ParseCommandLine(argc, argv);
//     return hyper::service::RunGrpcService({.service_name = "query", ...});
//   }
#ifndef HYPER_LIBS_SERVICE_SERVICE_MAIN_H_
#define HYPER_LIBS_SERVICE_SERVICE_MAIN_H_

#include "absl/time/time.h"
#include "libs/service/grpc_server.h"

namespace hyper::service {

// `grace` bounds the wait for calls in flight; note that gRPC also waits, up
// to `grace`, for connected clients to hang up after it says goodbye (about
// 5 s in practice with an idle client).
//
// Returns the process exit code: 0 after a clean shutdown, 1 when the server
// could not start (the reason is printed to stderr). The caller must have
// called BlockShutdownSignals() before starting any thread.
int RunGrpcService(GrpcServerOptions options,
                   absl::Duration grace = absl::Seconds(10));

}  // namespace hyper::service

#endif  // HYPER_LIBS_SERVICE_SERVICE_MAIN_H_
