// pg_load: the load generator behind tools/bench/pg_vs_peers.sh. Runs
// pgbench's select-only statement (SELECT abalance FROM pgbench_accounts
// WHERE aid = $1, random aid) on ONE connection for --seconds and prints
// `ops_per_sec <n>`.
//
//   pg_load --url=postgresql://... --mode=sequential|pipelined --seconds=10
//           [--depth=64] [--busy_wait_us=0]
// sequential: one statement per round trip (like pgbench -M prepared -c 1).
// pipelined:  batches of --depth statements in one pipeline.
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/time/clock.h"
#include "libs/pg/connection.h"

ABSL_FLAG(std::string, url, "", "database URL or libpq conninfo");
ABSL_FLAG(std::string, mode, "sequential", "sequential or pipelined");
ABSL_FLAG(int, seconds, 10, "how long to run");
ABSL_FLAG(int, depth, 64, "statements in flight in pipelined mode");
ABSL_FLAG(int, busy_wait_us, 0,
          "poll for each reply this long before sleeping (ConnectionOptions::busy_wait)");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  using hyper::pg::Connection;
  using hyper::pg::Value;
  auto conn = Connection::Connect(
      absl::GetFlag(FLAGS_url),
      {.busy_wait = absl::Microseconds(absl::GetFlag(FLAGS_busy_wait_us))});
  if (!conn.ok()) {
    std::fprintf(stderr, "pg_load: %s\n", conn.status().ToString().c_str());
    return 1;
  }
  auto count = (*conn)->Exec("SELECT count(*) FROM pgbench_accounts");
  if (!count.ok() || count->rows[0][0].int64() == 0) {
    std::fprintf(stderr, "pg_load: no pgbench_accounts (run pgbench -i)\n");
    return 1;
  }
  const int64_t accounts = count->rows[0][0].int64();
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<int64_t> aid(1, accounts);
  const std::string sql = "SELECT abalance FROM pgbench_accounts WHERE aid = $1";
  const bool pipelined = absl::GetFlag(FLAGS_mode) == "pipelined";
  const int depth = pipelined ? absl::GetFlag(FLAGS_depth) : 1;
  const absl::Time end = absl::Now() + absl::Seconds(absl::GetFlag(FLAGS_seconds));
  const absl::Time start = absl::Now();
  int64_t ops = 0;
  std::vector<hyper::pg::Statement> batch(depth, {sql, {Value()}});
  while (absl::Now() < end) {
    if (!pipelined) {
      auto r = (*conn)->Exec(sql, {Value::Int64(aid(rng))});
      if (!r.ok() || r->rows.size() != 1) {
        std::fprintf(stderr, "pg_load: %s\n", r.status().ToString().c_str());
        return 1;
      }
      ++ops;
      continue;
    }
    for (auto& st : batch) st.params[0] = Value::Int64(aid(rng));
    auto rs = (*conn)->ExecPipelined(batch);
    for (const auto& r : rs) {
      if (!r.ok() || r->rows.size() != 1) {
        std::fprintf(stderr, "pg_load: %s\n", r.status().ToString().c_str());
        return 1;
      }
    }
    ops += depth;
  }
  double secs = absl::ToDoubleSeconds(absl::Now() - start);
  std::printf("ops_per_sec %.0f\n", ops / secs);
  return 0;
}
