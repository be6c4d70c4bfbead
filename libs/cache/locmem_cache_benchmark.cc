// Run: bazel run -c opt //libs/cache:locmem_cache_benchmark
#include <cstdint>
#include <random>
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

// The cache service's shape: GetMany / SetMany of 16 random keys of 16
// bytes among 100,000, 3-byte values (tools/bench/cache_vs_redis.sh).
constexpr int kServiceKeys = 100'000;

// Writes key i into `key` in place, as a request parsed off the wire would
// hand it over: in the CPU's cache, unlike a copy of a stored string.
void ServiceKey(uint32_t i, std::string& key) {
  key.assign("key:000000000000");
  for (size_t d = key.size() - 1; i != 0; --d, i /= 10) key[d] = static_cast<char>('0' + i % 10);
}

void FillServiceKeys(LocMemCache& cache) {
  std::string key;
  for (uint32_t i = 0; i < kServiceKeys; ++i) {
    ServiceKey(i, key);
    cache.Set(key, "abc").IgnoreError();
  }
}

void BM_GetMany16(benchmark::State& state) {
  LocMemCache cache({.max_entries = 1'000'000});
  FillServiceKeys(cache);
  std::mt19937 rng(1);
  std::vector<std::string> batch(16);
  std::vector<absl::string_view> views(16);
  for (auto _ : state) {
    for (size_t i = 0; i < batch.size(); ++i) {
      ServiceKey(rng() % kServiceKeys, batch[i]);
      views[i] = batch[i];
    }
    benchmark::DoNotOptimize(cache.GetMany(views));
  }
  state.SetItemsProcessed(state.iterations() * 16);
}
BENCHMARK(BM_GetMany16);

void BM_SetMany16(benchmark::State& state) {
  LocMemCache cache({.max_entries = 1'000'000});
  FillServiceKeys(cache);
  std::mt19937 rng(1);
  std::vector<std::string> keys(16);
  std::vector<Cache::KeyValue> batch(16);
  for (auto _ : state) {
    for (size_t i = 0; i < keys.size(); ++i) {
      ServiceKey(rng() % kServiceKeys, keys[i]);
      batch[i] = {keys[i], "xyz"};
    }
    benchmark::DoNotOptimize(cache.SetMany(batch));
  }
  state.SetItemsProcessed(state.iterations() * 16);
}
BENCHMARK(BM_SetMany16);

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
