// The regression logic of `bench explain`: what one benchmark query measured,
// the baseline file (.hyper.benchmark.json) that stores a run, and the
// comparison of a run against a baseline. Pure: no I/O beyond the file
// helpers, so every rule is tested on synthetic results.
//
// Rules (Compare):
//   - a query whose declared access path was not taken fails;
//   - a query with a Seq Scan where its baseline had none fails;
//   - a query slower than threshold x its baseline execution time fails,
//     unless the difference is under noise_ms (sub-millisecond timings
//     jitter by 2x from run to run on a busy machine);
//   - a query faster than improvement x baseline is reported as an
//     improvement (it never fails);
//   - a baseline query missing from the run, and a run query missing from
//     the baseline, are reported (they never fail: the suite changed).
//   - a baseline of another seed size is refused (FailedPrecondition): times
//     of different data sets do not compare.
//
// Example:
//   QueryResult base{.name = "count_posts", .execution_ms = 2.0, .path_taken = true};
//   QueryResult now = base; now.execution_ms = 5.0;
//   Baseline b{.seed = {.posts = 50000}, .queries = {base}};
//   absl::StatusOr<Comparison> c = Compare({now}, {.posts = 50000}, &b, {});
//   // c->failed() == true
//   // c->findings[0].kind == FindingKind::kSlower
//   // c->findings[0].message == "count_posts: 5.00 ms vs baseline 2.00 ms (2.50x, limit 2.00x)"
#ifndef HYPER_SERVICES_BENCH_EXPLAIN_BASELINE_H_
#define HYPER_SERVICES_BENCH_EXPLAIN_BASELINE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hyper::bench {

// Rows of each table in the bench schema.
struct SeedSize {
  int64_t users = 0;
  int64_t posts = 0;
  int64_t comments = 0;
  int64_t votes = 0;
};

// One query's measurement: medians over the repeats, and the plan of the
// last repeat (plans of the same statement on unchanged data agree).
struct QueryResult {
  std::string name;
  double execution_ms = 0;  // median "Execution Time"
  double planning_ms = 0;   // median "Planning Time"
  int64_t rows = 0;         // rows the plan's root returned
  std::string root_node;    // "Limit", "Aggregate", ...
  std::vector<std::string> indexes;          // index names used anywhere
  std::vector<std::string> seq_scan_tables;  // tables read by a Seq Scan
  bool path_taken = false;  // the declared access path was used
};

// A saved run.
struct Baseline {
  int version = 1;
  std::string timestamp;  // RFC 3339, UTC
  std::string database;   // host:port/dbname, never credentials
  SeedSize seed;
  int repeat = 0;
  std::vector<QueryResult> queries;
};

enum class FindingKind {
  kPathNotTaken,  // fails
  kNewSeqScan,    // fails
  kSlower,        // fails
  kFaster,        // reported
  kMissing,       // in the baseline, not in the run; reported
  kNew,           // in the run, not in the baseline; reported
};

// "path_not_taken", "new_seq_scan", "slower", "faster", "missing", "new".
absl::string_view FindingKindName(FindingKind kind);

struct Finding {
  std::string query;
  FindingKind kind;
  bool failure = false;
  std::string message;  // one line, starts with the query name
};

struct CompareOptions {
  double threshold = 2.0;    // slower than this x baseline fails; > 1
  double improvement = 0.5;  // faster than this x baseline is reported; < 1
  double noise_ms = 0.5;     // smaller differences are neither
};

struct Comparison {
  std::vector<Finding> findings;  // run order, then missing queries
  bool failed() const;
  int count(FindingKind kind) const;
};

// Checks `run` (seeded with `seed`) on its own, and against `baseline` when
// it is not null. InvalidArgument when the options are out of range
// (threshold <= 1, improvement outside (0, 1), noise_ms < 0), naming the
// flag; FailedPrecondition when the baseline's seed size differs.
absl::StatusOr<Comparison> Compare(const std::vector<QueryResult>& run, const SeedSize& seed,
                                   const Baseline* baseline, const CompareOptions& options);

// The baseline as JSON (2-space indented, one query per line group).
std::string BaselineToJson(const Baseline& baseline);

// Parses a baseline. InvalidArgument naming the offending field for
// anything malformed: not JSON, a missing or mistyped field
// ("queries[2].execution_ms: expected a number"), an unknown version, a
// negative time, a duplicated query name.
absl::StatusOr<Baseline> BaselineFromJson(absl::string_view json);

// Reads and parses `path`. NotFound when the file does not exist; the
// parse errors of BaselineFromJson prefixed with the path otherwise.
absl::StatusOr<Baseline> ReadBaselineFile(const std::string& path);

// Writes `baseline` to `path` (through a temporary file and a rename, so a
// crash never leaves half a baseline). Internal with errno's text on failure.
absl::Status WriteBaselineFile(const std::string& path, const Baseline& baseline);

}  // namespace hyper::bench

#endif  // HYPER_SERVICES_BENCH_EXPLAIN_BASELINE_H_
