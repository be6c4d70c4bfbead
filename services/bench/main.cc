// hyper bench: benchmarks against Hyper's services, over the wire only.
// Flags, dispatch and exit codes; each subcommand's logic is a library
// beside its test. A new subcommand is one entry in kCommands.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/bench/db_load.h"
#include "services/bench/explain_suite.h"

// Shared.
ABSL_FLAG(std::string, query_addr, "127.0.0.1:50051", "Query service address (explain, db).");
ABSL_FLAG(int, concurrency, 64, "db: calls in flight.");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(10), "db: how long to run (not copy).");
// db
ABSL_FLAG(std::string, suite, "pk", "db suite: pk, range, update or copy.");
ABSL_FLAG(int64_t, accounts, 1000000, "db: rows in pgbench_accounts (scale x 100000).");
ABSL_FLAG(int64_t, rows, 1000000, "db copy: rows to send.");
// explain
ABSL_FLAG(int64_t, posts, 50000, "explain: posts to seed (comments 5x, votes 4x, users 1,000).");
ABSL_FLAG(int, repeat, 5, "explain: EXPLAIN ANALYZE runs per query; the median is kept.");
ABSL_FLAG(bool, save_baseline, false,
          "explain: write the results to --baseline (only when every declared path is taken).");
ABSL_FLAG(std::string, baseline, ".hyper.benchmark.json",
          "explain: the baseline file, relative to the directory bench was started from.");
ABSL_FLAG(double, threshold, 2.0, "explain: slower than this x the baseline fails.");
ABSL_FLAG(double, noise_ms, 0.5,
          "explain: execution-time differences smaller than this are neither regressions nor "
          "improvements (sub-millisecond timings jitter).");
ABSL_FLAG(bool, json, false, "explain: print the results as JSON on stdout (progress on stderr).");
ABSL_FLAG(bool, drop, false, "explain: drop the hyper_bench schema and exit.");

namespace {

constexpr char kUsage[] = R"(hyper bench: benchmarks against Hyper's services

  bench explain [--query_addr=H:P] [--posts=50000] [--repeat=5] [--save-baseline]
                [--baseline=.hyper.benchmark.json] [--threshold=2.0] [--json] [--drop]
      The query-plan regression tool (`./hyper benchmark`). Seeds the hyper_bench
      schema through the query service (skipped when it already holds --posts),
      runs 14 queries through Explain(ANALYZE, BUFFERS) --repeat times, prints the
      median times, rows, root node, indexes used, and whether each query took the
      access path it declares. With a baseline file it fails on: a query slower
      than --threshold x its baseline (differences under --noise_ms excepted), a
      Seq Scan the baseline did not have, a declared path not taken. Faster than
      0.5x is reported as an improvement; queries missing on either side are
      reported. --save-baseline writes the baseline (timestamp, database without
      credentials, seed size, per-query results).
  bench db --query_addr=H:P --suite=pk|range|update|copy [--concurrency=64] [--duration=10s]
      Load suites against the query service: ops/s and p50/p90/p99/p99.9.

Exit codes:
  0  pass
  1  regression: a declared path not taken, a new Seq Scan, a query slower than
     the threshold (explain); failed calls (db)
  2  usage error, bad flag value, malformed baseline file, baseline of another
     seed size, or the service / database could not be reached
)";

// `bazel run` starts binaries in their runfiles; resolve relative paths
// against the directory the user ran from.
std::string UserPath(const std::string& path) {
  const char* dir = std::getenv("BUILD_WORKING_DIRECTORY");
  if (path.empty() || path[0] == '/' || dir == nullptr) return path;
  return absl::StrCat(dir, "/", path);
}

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "bench: %s\n", std::string(status.message()).c_str());
  return 2;
}

int RunExplain() {
  absl::StatusOr<hyper::bench::ExplainRun> run = hyper::bench::RunExplainSuite({
      .address = absl::GetFlag(FLAGS_query_addr),
      .posts = absl::GetFlag(FLAGS_posts),
      .repeat = absl::GetFlag(FLAGS_repeat),
      .drop = absl::GetFlag(FLAGS_drop),
      .baseline_path = UserPath(absl::GetFlag(FLAGS_baseline)),
      .save_baseline = absl::GetFlag(FLAGS_save_baseline),
      .compare = {.threshold = absl::GetFlag(FLAGS_threshold),
                  .noise_ms = absl::GetFlag(FLAGS_noise_ms)},
  });
  if (!run.ok()) return Fail(run.status());
  if (run->dropped) return 0;
  if (absl::GetFlag(FLAGS_json)) {
    std::fputs(hyper::bench::FormatExplainJson(*run).c_str(), stdout);
  } else {
    std::fputs(hyper::bench::FormatExplainTable(*run).c_str(), stdout);
  }
  if (absl::GetFlag(FLAGS_save_baseline) && !run->baseline_saved) {
    std::fprintf(stderr, "bench: baseline not saved: the run failed\n");
  }
  return run->comparison.failed() ? 1 : 0;
}

int RunDb() {
  auto result = hyper::bench::RunDbLoad({
      .address = absl::GetFlag(FLAGS_query_addr),
      .suite = absl::GetFlag(FLAGS_suite),
      .in_flight = absl::GetFlag(FLAGS_concurrency),
      .duration = absl::GetFlag(FLAGS_duration),
      .accounts = absl::GetFlag(FLAGS_accounts),
      .rows = absl::GetFlag(FLAGS_rows),
  });
  if (!result.ok()) return Fail(result.status());
  std::printf("%s\n", hyper::bench::FormatResult(absl::GetFlag(FLAGS_suite), *result).c_str());
  return result->errors == 0 ? 0 : 1;
}

struct Command {
  const char* name;
  int (*run)();
};

constexpr Command kCommands[] = {
    {"explain", RunExplain},
    {"db", RunDb},
};

// Accepts the spelling of the issue (--save-baseline) as well as absl's
// (--save_baseline): absl flags cannot contain '-'.
std::vector<char*> NormalizeDashes(int argc, char** argv, std::vector<std::string>* storage) {
  storage->reserve(argc);
  std::vector<char*> out;
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    if (i > 0 && absl::StartsWith(arg, "--")) {
      size_t end = arg.find('=');
      if (end == std::string::npos) end = arg.size();
      for (size_t j = 2; j < end; ++j) {
        if (arg[j] == '-') arg[j] = '_';
      }
    }
    storage->push_back(arg);
    out.push_back(storage->back().data());
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(kUsage);
  std::vector<std::string> storage;
  std::vector<char*> normalized = NormalizeDashes(argc, argv, &storage);
  std::vector<char*> args =
      absl::ParseCommandLine(static_cast<int>(normalized.size()), normalized.data());
  std::string names;
  for (const Command& c : kCommands) {
    absl::StrAppend(&names, names.empty() ? "" : ", ", c.name);
    if (args.size() == 2 && args[1] == std::string(c.name)) return c.run();
  }
  std::fprintf(stderr, "usage: bench <%s> [flags]  (bench --help for flags and exit codes)\n",
               names.c_str());
  return 2;
}
