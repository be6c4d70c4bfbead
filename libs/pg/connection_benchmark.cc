// Benchmarks for the hot paths: value conversion, and (when HYPER_PG_URL
// names a server) one statement per round trip vs 64 pipelined.
//
//   bazel run -c opt //libs/pg:connection_benchmark -- (with HYPER_PG_URL set)
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "libs/pg/connection.h"
#include "libs/pg/value.h"

namespace hyper::pg {
namespace {

void BM_ValueFromCellInt(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(Value::FromCell(kInt8Oid, "1234567890"));
  }
}
BENCHMARK(BM_ValueFromCellInt);

void BM_ValueFromCellTimestamp(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        Value::FromCell(kTimestampTzOid, "2024-05-06 07:08:09.123456+00"));
  }
}
BENCHMARK(BM_ValueFromCellTimestamp);

void BM_CopyTextField(benchmark::State& state) {
  Value v = Value::Text("a line with\ttabs and \\ backslashes\n");
  for (auto _ : state) benchmark::DoNotOptimize(CopyTextField(v));
}
BENCHMARK(BM_CopyTextField);

std::unique_ptr<Connection> Connect(benchmark::State& state) {
  absl::StatusOr<std::unique_ptr<Connection>> conn =
      Connection::Connect(std::getenv("HYPER_PG_URL"));
  if (!conn.ok()) {
    state.SkipWithError(std::string(conn.status().message()).c_str());
    return nullptr;
  }
  return *std::move(conn);
}

void BM_ExecPrepared(benchmark::State& state) {
  std::unique_ptr<Connection> conn = Connect(state);
  if (conn == nullptr) return;
  int64_t i = 0;
  for (auto _ : state) {
    absl::StatusOr<Result> r = conn->Exec("SELECT $1::int8", {Value::Int64(i++)});
    if (!r.ok()) {
      state.SkipWithError(std::string(r.status().message()).c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_ExecPipelined(benchmark::State& state) {
  std::unique_ptr<Connection> conn = Connect(state);
  if (conn == nullptr) return;
  std::vector<Statement> batch;
  for (int i = 0; i < state.range(0); ++i) {
    batch.push_back({"SELECT $1::int8", {Value::Int64(i)}});
  }
  for (auto _ : state) {
    std::vector<absl::StatusOr<Result>> rs = conn->ExecPipelined(batch);
    if (!rs.back().ok()) {
      state.SkipWithError(std::string(rs.back().status().message()).c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

// Database benchmarks exist only when there is a database to talk to.
const bool kRegistered = [] {
  if (std::getenv("HYPER_PG_URL") == nullptr) {
    std::fprintf(stderr,
                 "connection_benchmark: HYPER_PG_URL is unset; skipping the "
                 "database benchmarks (value benchmarks still run)\n");
    return false;
  }
  benchmark::RegisterBenchmark("BM_ExecPrepared", BM_ExecPrepared);
  benchmark::RegisterBenchmark("BM_ExecPipelined", BM_ExecPipelined)->Arg(64);
  return true;
}();

}  // namespace
}  // namespace hyper::pg
