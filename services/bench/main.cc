// hyper bench: benchmarks against Hyper's services, over the wire only.
// Flags, dispatch and exit codes; each subcommand's logic is a library
// beside its test. A new subcommand is one entry in kCommands.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/bench/cache_load.h"
#include "services/bench/db_load.h"
#include "services/bench/explain_suite.h"
#include "services/bench/http_load.h"
#include "services/bench/report_html.h"

// Shared.
ABSL_FLAG(std::string, query_addr, "127.0.0.1:50051", "Query service address (explain, db).");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(10),
          "db, http: how long each suite or route runs (not db copy).");
ABSL_FLAG(std::string, report, "",
          "Also write a self-contained HTML page with charts to this path (every subcommand).");
// db
ABSL_FLAG(std::string, suite, "pk", "db suites, comma-separated: pk, range, update, copy.");
ABSL_FLAG(int, concurrency, 64, "db: calls in flight.");
ABSL_FLAG(int64_t, accounts, 1000000, "db: rows in pgbench_accounts (scale x 100000).");
ABSL_FLAG(int64_t, rows, 1000000, "db copy: rows to send.");
ABSL_FLAG(int, query_connections, 1,
          "db: TCP connections (gRPC channels) the calls in flight are spread over.");
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
// cache
ABSL_FLAG(std::string, cache_addr, "127.0.0.1:50052", "cache: the cache service address.");
ABSL_FLAG(std::string, cache_suite, "",
          "cache: suites, comma-separated: get, set, mix (90% get). Default: --suite when "
          "it names cache suites, else get,set.");
ABSL_FLAG(int64_t, keys, 100000, "cache: key space (filled before get and mix).");
ABSL_FLAG(int, value_bytes, 3, "cache: value size (redis-benchmark's -d).");
ABSL_FLAG(int, cache_connections, 1,
          "cache: TCP connections (gRPC channels) the calls in flight are spread over.");
ABSL_FLAG(bool, cache_pipeline, false,
          "cache: send the commands over Pipeline streams, one per call in flight, instead "
          "of unary calls.");
ABSL_FLAG(int, batch, 1, "cache: keys per call; > 1 uses GetMany/SetMany (ops/s counts keys).");
// http
ABSL_FLAG(std::string, url, "http://127.0.0.1:8080", "http: the edge, http://host:port.");
ABSL_FLAG(std::string, routes, "/plaintext,/json", "http: routes to load, comma-separated.");
ABSL_FLAG(int, connections, 64, "http: open connections (wrk -c).");
ABSL_FLAG(int, threads, 2, "http: wrk threads (wrk -t).");
ABSL_FLAG(std::string, wrk, "wrk", "http: the wrk binary.");

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
  bench db --query_addr=H:P --suite=pk[,range,update,copy] [--concurrency=64] [--duration=10s]
           [--query_connections=1]
      Load suites against the query service: ops/s and p50/p90/p99/p99.9.
  bench cache --cache_addr=H:P [--suite=get,set,mix] [--concurrency=50] [--batch=1]
              [--keys=100000] [--value_bytes=3] [--duration=10s] [--cache_connections=1]
              [--cache_pipeline]
      GET/SET mixes against the cache service (one key a call, or GetMany/SetMany of
      --batch keys; unary calls, or with --cache_pipeline one command at a time on each
      of --concurrency Pipeline streams): keys/s and per-call p50/p90/p99/p99.9.
  bench http --url=http://H:P [--routes=/plaintext,/json] [--connections=64] [--threads=2]
             [--duration=10s]
      Drives wrk against edge routes, one after another: ops/s and p50/p90/p99/p99.9.
  Every subcommand takes --report=out.html: one self-contained page (inline SVG, no
  network) with latency percentiles, ops/s, and per-query times against the baseline.

Exit codes:
  0  pass
  1  regression: a declared path not taken, a new Seq Scan, a query slower than
     the threshold (explain); failed calls or error responses (db, http)
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

// Writes --report when set; false (after saying why) when that fails.
bool MaybeReport(const hyper::bench::Report& report) {
  std::string path = absl::GetFlag(FLAGS_report);
  if (path.empty()) return true;
  path = UserPath(path);
  absl::Status s = hyper::bench::WriteReport(path, report);
  if (!s.ok()) {
    Fail(s);
    return false;
  }
  std::fprintf(stderr, "bench: report written to %s\n", path.c_str());
  return true;
}

hyper::bench::LoadSeries Series(const std::string& name, double ops, absl::Duration p50,
                                absl::Duration p90, absl::Duration p99, absl::Duration p999) {
  auto ms = [](absl::Duration d) { return absl::ToDoubleMilliseconds(d); };
  return {name, ops, ms(p50), ms(p90), ms(p99), ms(p999)};
}

// Runs each of the comma-separated `suites` with `run`, printing one line
// each (`format`), then the report. Exit code: 2 when a suite cannot run,
// 1 when calls failed, 0 otherwise.
template <typename RunSuite, typename Format>
int RunSuites(hyper::bench::Report report, const std::string& suites, RunSuite run,
              Format format) {
  bool errors = false;
  for (absl::string_view name : absl::StrSplit(suites, ',')) {
    const std::string suite(name);
    absl::StatusOr<hyper::bench::LoadResult> result = run(suite);
    if (!result.ok()) return Fail(result.status());
    std::string line = format(suite, *result);
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
    report.notes.push_back(line);
    report.loads.push_back(Series(suite, result->ops_per_second, result->p50, result->p90,
                                  result->p99, result->p999));
    errors = errors || result->errors > 0;
  }
  if (!MaybeReport(report)) return 2;
  return errors ? 1 : 0;
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
  hyper::bench::Report report{.title = "hyper benchmark (bench explain)"};
  report.notes.push_back(absl::StrFormat(
      "%s: %d/%d declared paths taken, %d queries x %d runs (medians) on %s posts, %s",
      run->comparison.failed() ? "FAIL" : "PASS",
      std::count_if(run->results.begin(), run->results.end(),
                    [](const auto& q) { return q.path_taken; }),
      run->results.size(), run->results.size(), run->repeat, absl::StrCat(run->seed.posts),
      run->database));
  report.notes.push_back(run->baseline.has_value()
                             ? absl::StrCat("baseline ", run->baseline_path, " of ",
                                            run->baseline->timestamp)
                             : "no baseline");
  for (const hyper::bench::Finding& f : run->comparison.findings) {
    report.notes.push_back(absl::StrCat(f.failure ? "FAIL " : "note ", f.message));
  }
  for (const hyper::bench::QueryResult& q : run->results) {
    hyper::bench::QueryTime t{.name = q.name, .execution_ms = q.execution_ms,
                              .path_taken = q.path_taken};
    if (run->baseline.has_value()) {
      for (const auto& b : run->baseline->queries) {
        if (b.name == q.name) t.baseline_ms = b.execution_ms;
      }
    }
    report.queries.push_back(t);
  }
  if (!MaybeReport(report)) return 2;
  return run->comparison.failed() ? 1 : 0;
}

int RunDb() {
  hyper::bench::Report report{.title = "bench db"};
  report.notes.push_back(absl::StrFormat("query service %s, %d calls in flight, %s per suite",
                                         absl::GetFlag(FLAGS_query_addr),
                                         absl::GetFlag(FLAGS_concurrency),
                                         absl::FormatDuration(absl::GetFlag(FLAGS_duration))));
  return RunSuites(std::move(report), absl::GetFlag(FLAGS_suite),
                   [](const std::string& suite) {
                     return hyper::bench::RunDbLoad({
                         .address = absl::GetFlag(FLAGS_query_addr),
                         .suite = suite,
                         .in_flight = absl::GetFlag(FLAGS_concurrency),
                         .duration = absl::GetFlag(FLAGS_duration),
                         .accounts = absl::GetFlag(FLAGS_accounts),
                         .rows = absl::GetFlag(FLAGS_rows),
                         .connections = absl::GetFlag(FLAGS_query_connections),
                     });
                   },
                   hyper::bench::FormatResult);
}

int RunHttp() {
  std::vector<std::string> routes = absl::StrSplit(absl::GetFlag(FLAGS_routes), ',');
  auto results = hyper::bench::RunHttpLoad({
      .url = absl::GetFlag(FLAGS_url),
      .routes = routes,
      .connections = absl::GetFlag(FLAGS_connections),
      .threads = absl::GetFlag(FLAGS_threads),
      .duration = absl::GetFlag(FLAGS_duration),
      .wrk = absl::GetFlag(FLAGS_wrk),
  });
  if (!results.ok()) return Fail(results.status());
  hyper::bench::Report report{.title = "bench http"};
  report.notes.push_back(absl::StrFormat("%s, wrk -t%d -c%d, %s per route",
                                         absl::GetFlag(FLAGS_url), absl::GetFlag(FLAGS_threads),
                                         absl::GetFlag(FLAGS_connections),
                                         absl::FormatDuration(absl::GetFlag(FLAGS_duration))));
  bool errors = false;
  for (const hyper::bench::HttpLoadResult& r : *results) {
    std::string line = hyper::bench::FormatHttpResult(r);
    std::printf("%s\n", line.c_str());
    report.notes.push_back(line);
    report.loads.push_back(Series(r.route, r.ops_per_second, r.p50, r.p90, r.p99, r.p999));
    errors = errors || r.errors > 0;
  }
  if (!MaybeReport(report)) return 2;
  return errors ? 1 : 0;
}

int RunCache() {
  std::string suites = absl::GetFlag(FLAGS_cache_suite);
  if (suites.empty()) {
    suites = absl::GetFlag(FLAGS_suite);
    if (suites == "pk") suites = "get,set";  // --suite's db default
  }
  hyper::bench::Report report{.title = "bench cache"};
  report.notes.push_back(absl::StrFormat(
      "cache service %s, %d %s in flight, %d key(s) a call, %s per suite",
      absl::GetFlag(FLAGS_cache_addr), absl::GetFlag(FLAGS_concurrency),
      absl::GetFlag(FLAGS_cache_pipeline) ? "Pipeline streams with a command" : "calls",
      absl::GetFlag(FLAGS_batch), absl::FormatDuration(absl::GetFlag(FLAGS_duration))));
  return RunSuites(std::move(report), suites,
                   [](const std::string& suite) {
                     return hyper::bench::RunCacheLoad({
                         .address = absl::GetFlag(FLAGS_cache_addr),
                         .suite = suite,
                         .in_flight = absl::GetFlag(FLAGS_concurrency),
                         .duration = absl::GetFlag(FLAGS_duration),
                         .keys = absl::GetFlag(FLAGS_keys),
                         .value_bytes = absl::GetFlag(FLAGS_value_bytes),
                         .batch = absl::GetFlag(FLAGS_batch),
                         .connections = absl::GetFlag(FLAGS_cache_connections),
                         .pipeline = absl::GetFlag(FLAGS_cache_pipeline),
                     });
                   },
                   hyper::bench::FormatLoad);
}

struct Command {
  const char* name;
  int (*run)();
};

constexpr Command kCommands[] = {
    {"explain", RunExplain},
    {"db", RunDb},
    {"http", RunHttp},
    {"cache", RunCache},
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
  // absl's --help exits 1, which here means "regression".
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h" || arg == "-help") {
      std::printf("%s\nEvery flag with its default: bench --helpshort\n", kUsage);
      return 0;
    }
  }
  absl::SetProgramUsageMessage(kUsage);
  // Debian builds abseil without NDEBUG, so every absl::Mutex (gRPC's
  // locks) would also keep a deadlock-detection graph: 2-3% of a service's
  // CPU in profiles. The checks help in debug builds, not here.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
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
