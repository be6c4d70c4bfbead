// hyper bench: load suites against Hyper's services.
//   bench db --query_addr=127.0.0.1:50051 --suite=pk --concurrency=64 --duration=10s
// (The query-plan regression tool, `explain`, and the http/cache suites come
// with their own issue.)
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/time/time.h"
#include "services/bench/db_load.h"

ABSL_FLAG(std::string, query_addr, "127.0.0.1:50051", "Query service address.");
ABSL_FLAG(std::string, suite, "pk", "db suite: pk, range, update or copy.");
ABSL_FLAG(int, concurrency, 64, "Calls in flight.");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(10), "How long to run (not copy).");
ABSL_FLAG(int64_t, accounts, 1000000, "Rows in pgbench_accounts (scale x 100000).");
ABSL_FLAG(int64_t, rows, 1000000, "copy: rows to send.");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "hyper bench db --query_addr=HOST:PORT --suite=pk|range|update|copy");
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (args.size() == 2 && std::string(args[1]) == "explain") {
    std::fprintf(stderr,
                 "bench: the EXPLAIN regression tool (bench explain) is not built yet; "
                 "`bench db` runs the load suites\n");
    return 2;
  }
  if (args.size() != 2 || std::string(args[1]) != "db") {
    std::fprintf(stderr, "usage: bench db [flags]  (see --help)\n");
    return 2;
  }
  auto result = hyper::bench::RunDbLoad({
      .address = absl::GetFlag(FLAGS_query_addr),
      .suite = absl::GetFlag(FLAGS_suite),
      .in_flight = absl::GetFlag(FLAGS_concurrency),
      .duration = absl::GetFlag(FLAGS_duration),
      .accounts = absl::GetFlag(FLAGS_accounts),
      .rows = absl::GetFlag(FLAGS_rows),
  });
  if (!result.ok()) {
    std::fprintf(stderr, "bench: %s\n", result.status().ToString().c_str());
    return 2;
  }
  std::printf("%s\n", hyper::bench::FormatResult(absl::GetFlag(FLAGS_suite), *result).c_str());
  return result->errors == 0 ? 0 : 1;
}
