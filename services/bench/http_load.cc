#include "services/bench/http_load.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

extern char** environ;

namespace hyper::bench {
namespace {

// Prints the exact figures in one parseable line (latency in microseconds).
constexpr char kLuaDone[] = R"(done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "HYPER_WRK requests=%d duration_us=%d errors=%d non2xx=%d p50=%d p90=%d p99=%d p999=%d\n",
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9)))
end
)";

struct Output {
  int exit_code;
  std::string text;  // stdout and stderr
};

// Runs argv[0] (PATH lookup) without a shell; FailedPrecondition when it
// cannot be started.
absl::StatusOr<Output> Run(const std::vector<std::string>& args) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return absl::InternalError(std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid;
  int error = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (error != 0) {
    close(fds[0]);
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot run ", args[0], ": ", std::strerror(error), " (./hyper setup installs wrk)"));
  }
  Output out{0, ""};
  char buffer[4096];
  for (ssize_t n; (n = read(fds[0], buffer, sizeof(buffer))) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    out.text.append(buffer, static_cast<size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  // posix_spawnp reports a missing binary as exit 127 of the child.
  if (out.exit_code == 127) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot run ", args[0], " (./hyper setup installs wrk): ", out.text));
  }
  return out;
}

}  // namespace

absl::StatusOr<HttpLoadResult> ParseWrkSummary(absl::string_view wrk_output) {
  for (absl::string_view line : absl::StrSplit(wrk_output, '\n')) {
    if (!absl::StartsWith(line, "HYPER_WRK ")) continue;
    HttpLoadResult r;
    int64_t duration_us = -1, socket_errors = -1, non2xx = -1, p[4] = {-1, -1, -1, -1};
    for (absl::string_view field : absl::StrSplit(line.substr(10), ' ', absl::SkipEmpty())) {
      std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(field, '=');
      int64_t v = 0;
      if (!absl::SimpleAtoi(kv.second, &v)) {
        return absl::InvalidArgumentError(absl::StrCat("wrk summary: bad field '", field, "'"));
      }
      if (kv.first == "requests") r.requests = v;
      if (kv.first == "duration_us") duration_us = v;
      if (kv.first == "errors") socket_errors = v;
      if (kv.first == "non2xx") non2xx = v;
      if (kv.first == "p50") p[0] = v;
      if (kv.first == "p90") p[1] = v;
      if (kv.first == "p99") p[2] = v;
      if (kv.first == "p999") p[3] = v;
    }
    if (duration_us <= 0 || socket_errors < 0 || non2xx < 0 || p[3] < 0) {
      return absl::InvalidArgumentError(absl::StrCat("wrk summary: incomplete line '", line, "'"));
    }
    r.errors = socket_errors + non2xx;
    r.seconds = static_cast<double>(duration_us) / 1e6;
    r.ops_per_second = static_cast<double>(r.requests - non2xx) / r.seconds;
    r.p50 = absl::Microseconds(p[0]);
    r.p90 = absl::Microseconds(p[1]);
    r.p99 = absl::Microseconds(p[2]);
    r.p999 = absl::Microseconds(p[3]);
    return r;
  }
  return absl::InvalidArgumentError("wrk printed no HYPER_WRK summary line");
}

absl::StatusOr<std::vector<HttpLoadResult>> RunHttpLoad(const HttpLoadOptions& o) {
  if (!absl::StartsWith(o.url, "http://") || absl::StrContains(o.url.substr(7), "/")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--url: expected http://host:port without a path (routes go in --routes), got '",
        o.url, "'"));
  }
  if (o.routes.empty()) return absl::InvalidArgumentError("--routes: must name a route");
  for (const std::string& route : o.routes) {
    if (route.empty() || route[0] != '/') {
      return absl::InvalidArgumentError(
          absl::StrCat("--routes: each route starts with '/', got '", route, "'"));
    }
  }
  if (o.threads < 1 || o.connections < o.threads) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--threads and --connections: need 1 <= threads <= connections, got ", o.threads, " and ",
        o.connections));
  }
  int64_t seconds = absl::ToInt64Seconds(o.duration);
  if (seconds < 1 || o.duration != absl::Seconds(seconds)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--duration: wrk takes whole seconds >= 1s, got ", absl::FormatDuration(o.duration)));
  }
  char path[] = "/tmp/hyper-bench-wrk-XXXXXX.lua";
  int fd = mkstemps(path, 4);
  if (fd < 0) return absl::InternalError(absl::StrCat("mkstemps: ", std::strerror(errno)));
  bool written = write(fd, kLuaDone, sizeof(kLuaDone) - 1) ==
                 static_cast<ssize_t>(sizeof(kLuaDone) - 1);
  close(fd);
  std::vector<HttpLoadResult> results;
  absl::Status status = written ? absl::OkStatus() : absl::InternalError("cannot write Lua hook");
  for (size_t i = 0; status.ok() && i < o.routes.size(); ++i) {
    absl::StatusOr<Output> out =
        Run({o.wrk, "-t", absl::StrCat(o.threads), "-c", absl::StrCat(o.connections), "-d",
             absl::StrCat(seconds, "s"), "-s", path, "--latency", o.url + o.routes[i]});
    if (!out.ok()) {
      status = out.status();
      break;
    }
    absl::StatusOr<HttpLoadResult> r = ParseWrkSummary(out->text);
    if (out->exit_code != 0 || !r.ok()) {
      status = absl::InternalError(absl::StrCat("wrk on ", o.url, o.routes[i], " exited ",
                                                out->exit_code, ": ", out->text));
      break;
    }
    r->route = o.routes[i];
    results.push_back(*std::move(r));
  }
  unlink(path);
  if (!status.ok()) return status;
  return results;
}

std::string FormatHttpResult(const HttpLoadResult& r) {
  auto ms = [](absl::Duration d) { return absl::ToDoubleMilliseconds(d); };
  return absl::StrFormat("%s: %.0f ops/s, p50 %.2fms p90 %.2fms p99 %.2fms p99.9 %.2fms, %d errors",
                         r.route, r.ops_per_second, ms(r.p50), ms(r.p90), ms(r.p99), ms(r.p999),
                         r.errors);
}

}  // namespace hyper::bench
