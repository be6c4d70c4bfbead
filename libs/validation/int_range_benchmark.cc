// Batch int64 range checks, in L1 (2048 values = 16 KB), every value in range
// (the common, full-scan case). Items are ints checked.
#include <cstdint>
#include <random>
#include <vector>

#include "benchmark/benchmark.h"
#include "libs/validation/int_range.h"

namespace hyper::validation {
namespace {

std::vector<int64_t> InRange(size_t n) {
  std::mt19937_64 rng(1);
  std::vector<int64_t> v(n);
  for (int64_t& x : v) x = static_cast<int64_t>(rng() % 1000);
  return v;
}

template <internal::RangeImpl kImpl>
void BM_FirstOutOfRange(benchmark::State& state) {
  const std::vector<int64_t> v = InRange(static_cast<size_t>(state.range(0)));
  if (!internal::SetRangeImplForTesting(kImpl)) {
    state.SkipWithError("no AVX2 on this CPU");
    return;
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(FirstOutOfRange(v.data(), v.size(), 0, 999));
  }
  internal::SetRangeImplForTesting(internal::RangeImpl::kAuto);
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_FirstOutOfRange<internal::RangeImpl::kAuto>)->Arg(2048);
BENCHMARK(BM_FirstOutOfRange<internal::RangeImpl::kScalar>)->Arg(2048);

void BM_CountOutOfRange(benchmark::State& state) {
  const std::vector<int64_t> v = InRange(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    benchmark::DoNotOptimize(CountOutOfRange(v.data(), v.size(), 0, 999));
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_CountOutOfRange)->Arg(2048);

}  // namespace
}  // namespace hyper::validation
