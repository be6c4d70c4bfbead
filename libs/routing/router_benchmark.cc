// Router::Find on the GitHub-shaped table (github_routes.h, 233 routes):
// one static route, one parameter, five parameters, a miss, the whole
// table in random order, and building the table. Real numbers, on one line:
//   bazel run -c opt //libs/routing:router_benchmark --
//   --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <cstdlib>
#include <iterator>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "libs/routing/github_routes.h"
#include "libs/routing/router.h"

namespace hyper::routing {
namespace {

const Router& Table() {
  static const Router* router = new Router(GithubRouter());
  return *router;
}

// Resolves one request per iteration; aborts if the result is not `want`.
void Resolve(benchmark::State& state, absl::string_view method,
             absl::string_view path, Match::Kind want) {
  const Router& router = Table();
  Params params;
  if (router.Find(method, path, &params).kind != want) std::abort();
  for (auto _ : state) {
    Match m = router.Find(method, path, &params);
    benchmark::DoNotOptimize(m);
    benchmark::DoNotOptimize(params);
  }
}

void BM_Static(benchmark::State& state) {
  Resolve(state, "GET", "/user/repos", Match::kFound);
}
BENCHMARK(BM_Static);

void BM_OneParam(benchmark::State& state) {
  Resolve(state, "GET", "/users/octocat", Match::kFound);
}
BENCHMARK(BM_OneParam);

void BM_FiveParams(benchmark::State& state) {
  Resolve(state, "DELETE",
          "/orgs/github/teams/justice-league/discussions/42/comments/7/"
          "reactions/1001",
          Match::kFound);
}
BENCHMARK(BM_FiveParams);

void BM_Miss(benchmark::State& state) {
  Resolve(state, "GET", "/users/octocat/nonexistent", Match::kNotFound);
}
BENCHMARK(BM_Miss);

// The whole table in a fixed pseudo-random order, too long for the branch
// predictor to learn: closer to real traffic than repeating one path.
void BM_AllRoutes(benchmark::State& state) {
  const Router& router = Table();
  const std::vector<std::string> paths = GithubExamplePaths();
  std::vector<uint32_t> order(8192);
  uint32_t x = 12345;
  for (uint32_t& i : order) {
    x = x * 1103515245 + 12345;
    i = (x >> 8) % paths.size();
  }
  Params params;
  size_t k = 0;
  for (auto _ : state) {
    uint32_t i = order[k];
    Match m = router.Find(kGithubRoutes[i].method, paths[i], &params);
    benchmark::DoNotOptimize(m);
    if (++k == order.size()) k = 0;
  }
}
BENCHMARK(BM_AllRoutes);

// Startup cost: Add() of the whole table (each Add rebuilds the arrays).
void BM_BuildTable(benchmark::State& state) {
  for (auto _ : state) {
    Router router;
    for (uint32_t i = 0; i < std::size(kGithubRoutes); ++i) {
      benchmark::DoNotOptimize(
          router.Add(kGithubRoutes[i].method, kGithubRoutes[i].pattern, i));
    }
  }
}
BENCHMARK(BM_BuildTable)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace hyper::routing
