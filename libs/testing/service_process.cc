#include "libs/testing/service_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

extern char** environ;

namespace hyper::testing {

std::string RunfilePath(absl::string_view workspace_path) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  if (srcdir == nullptr) return std::string(workspace_path);
  return absl::StrCat(srcdir, "/", workspace != nullptr ? workspace : "hyper",
                      "/", workspace_path);
}

absl::StatusOr<std::unique_ptr<ServiceProcess>> ServiceProcess::Start(
    absl::string_view workspace_path, const std::vector<std::string>& args) {
  std::string path = RunfilePath(workspace_path);
  if (access(path.c_str(), X_OK) != 0) {
    return absl::NotFoundError(absl::StrCat("no executable at ", path,
                                            " (is it in the test's data?)"));
  }
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return absl::InternalError("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
  // The child must not inherit a blocked SIGTERM from a test that blocked it.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);

  std::vector<char*> argv;
  argv.push_back(path.data());
  std::vector<std::string> copies = args;
  for (std::string& arg : copies) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, path.c_str(), &actions, &attr, argv.data(),
                       environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    return absl::InternalError(absl::StrCat("posix_spawn ", path, ": ", rc));
  }
  return std::unique_ptr<ServiceProcess>(new ServiceProcess(pid, fds[0]));
}

ServiceProcess::~ServiceProcess() {
  if (!exited_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  close(out_fd_);
}

bool ServiceProcess::ReadSome(absl::Duration wait) {
  pollfd pfd{out_fd_, POLLIN, 0};
  int ready = poll(&pfd, 1, static_cast<int>(absl::ToInt64Milliseconds(wait)));
  if (ready <= 0) return true;  // timeout (or EINTR): nothing yet
  char buffer[4096];
  ssize_t n = read(out_fd_, buffer, sizeof(buffer));
  if (n <= 0) return false;
  output_.append(buffer, static_cast<size_t>(n));
  return true;
}

absl::StatusOr<std::string> ServiceProcess::WaitForLine(
    absl::string_view needle, absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (true) {
    // Look at complete lines not yet scanned.
    size_t newline;
    while ((newline = output_.find('\n', scanned_)) != std::string::npos) {
      std::string line = output_.substr(scanned_, newline - scanned_);
      scanned_ = newline + 1;
      if (absl::StrContains(line, needle)) return line;
    }
    absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError(absl::StrCat(
          "no line containing '", needle, "' yet; output:\n", output_));
    }
    if (!ReadSome(std::min(left, absl::Milliseconds(100)))) {
      return absl::NotFoundError(absl::StrCat(
          "process exited before printing '", needle, "'; output:\n", output_));
    }
  }
}

absl::StatusOr<int> ServiceProcess::WaitForPort(absl::string_view kind,
                                                absl::Duration timeout) {
  std::string needle = absl::StrCat("serving ", kind, " on ");
  absl::StatusOr<std::string> line = WaitForLine(needle, timeout);
  if (!line.ok()) return line.status();
  size_t colon = line->rfind(':');
  int port = 0;
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(absl::string_view(*line).substr(colon + 1), &port)) {
    return absl::InternalError(absl::StrCat("no port in: ", *line));
  }
  return port;
}

absl::StatusOr<int> ServiceProcess::Wait(absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (!exited_) {
    int status = 0;
    pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      exited_ = true;
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status)
                                     : 128 + WTERMSIG(status);
      break;
    }
    if (absl::Now() > deadline) {
      kill(pid_, SIGKILL);
      return absl::DeadlineExceededError("process did not exit in time");
    }
    ReadSome(absl::Milliseconds(20));
  }
  while (ReadSome(absl::ZeroDuration()) && output_.size() < (64 << 20)) {
    pollfd pfd{out_fd_, POLLIN, 0};
    if (poll(&pfd, 1, 0) <= 0) break;
  }
  return exit_code_;
}

absl::StatusOr<int> ServiceProcess::Stop(int signal, absl::Duration timeout) {
  if (!exited_) kill(pid_, signal);
  return Wait(timeout);
}

}  // namespace hyper::testing
