// Run: bazel run -c opt //libs/cache:locmem_cache_benchmark
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "libs/cache/locmem_cache.h"

namespace hyper::cache {
namespace {

constexpr int kKeys = 10'000;

std::vector<std::string> Keys() {
  std::vector<std::string> keys;
  keys.reserve(kKeys);
  for (int i = 0; i < kKeys; ++i) keys.push_back(absl::StrCat("key:", i));
  return keys;
}

void BM_GetHit(benchmark::State& state) {
  LocMemCache cache;
  const std::vector<std::string> keys = Keys();
  for (const std::string& key : keys) cache.Set(key, std::string(100, 'v')).IgnoreError();
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(cache.Get(keys[i++ % kKeys]));
  }
}
BENCHMARK(BM_GetHit);

void BM_Set(benchmark::State& state) {
  LocMemCache cache;
  const std::vector<std::string> keys = Keys();
  const std::string value(100, 'v');
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(cache.Set(keys[i++ % kKeys], value));
  }
}
BENCHMARK(BM_Set);

// 90% Get, 10% Set on one cache shared by the benchmark's threads.
void BM_Mixed90_10(benchmark::State& state) {
  static LocMemCache* const cache = new LocMemCache();
  static const std::vector<std::string>* const keys = new std::vector<std::string>(Keys());
  const std::string value(100, 'v');
  uint64_t i = static_cast<uint64_t>(state.thread_index()) * 7919;
  for (auto _ : state) {
    const std::string& key = (*keys)[i % kKeys];
    if (i % 10 == 0) {
      benchmark::DoNotOptimize(cache->Set(key, value));
    } else {
      benchmark::DoNotOptimize(cache->Get(key));
    }
    ++i;
  }
}
BENCHMARK(BM_Mixed90_10)->Threads(2)->UseRealTime();

}  // namespace
}  // namespace hyper::cache
