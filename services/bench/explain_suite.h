// ExplainSuite: `bench explain`, the query-plan regression tool. Talks to the
// query service only (gRPC): seeds the hyper_bench schema through Execute
// and CopyIn (skipped when the schema already holds that seed), runs the 14
// queries of explain_queries.h through Explain(ANALYZE, BUFFERS) `repeat`
// times each, keeps the medians, checks each declared access path, and
// compares against a baseline file (explain_baseline.h).
//
// Example:
//   absl::StatusOr<ExplainRun> run = RunExplainSuite(
//       {.address = "127.0.0.1:50051", .posts = 50000, .repeat = 5,
//        .baseline_path = ".hyper.benchmark.json"});
//   // run->results.size() == 14, run->comparison.failed() == false
//   std::cout << FormatExplainTable(*run);
//
// Errors: Unavailable (the query service cannot be reached, or its database
// cannot), InvalidArgument (an option out of range, naming its flag; a
// malformed baseline file), FailedPrecondition (a baseline of another seed
// size; a hyper_bench schema that this tool did not create).
#ifndef HYPER_SERVICES_BENCH_EXPLAIN_SUITE_H_
#define HYPER_SERVICES_BENCH_EXPLAIN_SUITE_H_

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/bench/explain_baseline.h"

namespace hyper::bench {

// The smallest seed on which every declared path is the planner's choice.
inline constexpr int64_t kMinPosts = 5000;

struct ExplainOptions {
  std::string address;   // query service, host:port
  absl::Duration connect_timeout = absl::Seconds(10);
  int64_t posts = 50000; // seed size; >= kMinPosts
  int repeat = 5;        // Explain runs per query; 1..100
  // Drop the hyper_bench schema and do nothing else.
  bool drop = false;
  // Compare against this file when it exists; with save_baseline, write it.
  std::string baseline_path = ".hyper.benchmark.json";
  bool save_baseline = false;
  CompareOptions compare;
  // Progress and notes go here (a bar when it is a terminal).
  std::FILE* log = stderr;
};

struct ExplainRun {
  std::string database;  // host:port/dbname, as the server reports it
  SeedSize seed;
  int repeat = 0;
  std::string baseline_path;
  bool reseeded = false;     // false: the schema already held this seed
  double seed_seconds = 0;   // 0 when not reseeded
  double queries_seconds = 0;  // wall time of every Explain call
  std::vector<QueryResult> results;  // BenchQueries() order
  std::optional<Baseline> baseline;  // the one compared against, if any
  Comparison comparison;
  bool baseline_saved = false;
  bool dropped = false;  // options.drop: the schema was dropped, nothing ran
};

absl::StatusOr<ExplainRun> RunExplainSuite(const ExplainOptions& options);

// The table: query, exec ms, planning ms, rows, root node, indexes used,
// declared path taken; then findings and a summary line.
std::string FormatExplainTable(const ExplainRun& run);

// The same as one JSON object (machine-readable; see --help).
std::string FormatExplainJson(const ExplainRun& run);

}  // namespace hyper::bench

#endif  // HYPER_SERVICES_BENCH_EXPLAIN_SUITE_H_
