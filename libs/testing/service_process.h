// ServiceProcess: runs one of our binaries as a child process for an
// integration test, the way a user would, and finds where it listens.
//
// The binary is looked up in the test's runfiles (declare it in `data`).
// Its stdout and stderr are read through a pipe; WaitForLine() returns the
// first line matching a pattern, which is how tests learn the real port of a
// server started with --port=0.
//
// Example:
//   auto query = ServiceProcess::Start("services/query/query",
//                                      {"--port=0", "--host=127.0.0.1"});
//   absl::StatusOr<int> port = (*query)->WaitForPort("grpc");  // e.g. 41877
//   ... call it over a real socket ...
//   absl::StatusOr<int> exit_code = (*query)->Stop();  // SIGTERM -> 0
#ifndef HYPER_LIBS_TESTING_SERVICE_PROCESS_H_
#define HYPER_LIBS_TESTING_SERVICE_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace hyper::testing {

// The runfiles path of a workspace-relative file ("services/query/query").
std::string RunfilePath(absl::string_view workspace_path);

class ServiceProcess {
 public:
  // Starts the binary at the runfiles path with `args`. NotFound when the
  // binary is missing, Internal when it cannot be spawned.
  static absl::StatusOr<std::unique_ptr<ServiceProcess>> Start(
      absl::string_view workspace_path, const std::vector<std::string>& args);

  ServiceProcess(const ServiceProcess&) = delete;
  ServiceProcess& operator=(const ServiceProcess&) = delete;

  // Kills the process (SIGKILL) if it still runs.
  ~ServiceProcess();

  // Reads output until a line contains `needle`; returns that line.
  // DeadlineExceeded after `timeout`; NotFound if the process exits (its
  // output so far is in the message).
  absl::StatusOr<std::string> WaitForLine(absl::string_view needle,
                                          absl::Duration timeout = absl::Seconds(30));

  // Waits for "serving <kind> on <host>:<port>" and returns the port.
  absl::StatusOr<int> WaitForPort(absl::string_view kind,
                                  absl::Duration timeout = absl::Seconds(30));

  // Sends `signal` and waits for the exit. Returns the exit code, or
  // 128 + signal number when it died of a signal; DeadlineExceeded (after a
  // SIGKILL) when it did not exit within `timeout`.
  absl::StatusOr<int> Stop(int signal = 15,
                           absl::Duration timeout = absl::Seconds(20));

  // Waits for the process to exit on its own; same results as Stop().
  absl::StatusOr<int> Wait(absl::Duration timeout = absl::Seconds(20));

  // Everything read from the process so far.
  const std::string& output() const { return output_; }
  pid_t pid() const { return pid_; }

 private:
  ServiceProcess(pid_t pid, int out_fd) : pid_(pid), out_fd_(out_fd) {}
  // Reads what is available, waiting up to `wait`. False at end of output.
  bool ReadSome(absl::Duration wait);

  pid_t pid_;
  int out_fd_;
  bool exited_ = false;
  int exit_code_ = 0;
  std::string output_;
  size_t scanned_ = 0;
};

}  // namespace hyper::testing

#endif  // HYPER_LIBS_TESTING_SERVICE_PROCESS_H_
