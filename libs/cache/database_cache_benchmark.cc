// DatabaseCache round trips against a real server: one Get, one Set, and
// GetMany of 64 keys (one statement) vs 64 single Gets. Needs HYPER_PG_URL
// (the benchmarks make their own database there, like the tests); without
// it nothing is registered and the binary says so.
//
//   HYPER_PG_URL=... bazel run -c opt //libs/cache:database_cache_benchmark
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "libs/cache/database_cache.h"
#include "libs/pg/pool.h"
#include "libs/testing/test_database.h"

namespace hyper::cache {
namespace {

constexpr int kKeys = 64;

// One database, pool and cache for the whole run, with kKeys entries.
struct Fixture {
  std::unique_ptr<hyper::testing::TestDatabase> db;  // declared first: dropped last
  std::unique_ptr<pg::Pool> pool;
  std::unique_ptr<DatabaseCache> cache;
  std::vector<std::string> keys;
  std::vector<absl::string_view> key_views;  // of keys
  std::string error;
};

Fixture MakeFixture() {
  Fixture f;
  absl::StatusOr<std::unique_ptr<hyper::testing::TestDatabase>> db =
      hyper::testing::TestDatabase::Create();
  if (!db.ok()) {
    f.error = std::string(db.status().message());
    return f;
  }
  f.db = *std::move(db);
  f.pool = std::make_unique<pg::Pool>(f.db->conninfo(), pg::PoolOptions{.size = 2});
  absl::StatusOr<std::unique_ptr<DatabaseCache>> cache =
      DatabaseCache::Create(f.pool.get());
  if (!cache.ok()) {
    f.error = std::string(cache.status().message());
    return f;
  }
  f.cache = *std::move(cache);
  for (int i = 0; i < kKeys; ++i) f.keys.push_back(absl::StrCat("key:", i));
  f.key_views.assign(f.keys.begin(), f.keys.end());
  const std::string value(100, 'v');
  std::vector<Cache::KeyValue> entries;
  for (absl::string_view key : f.key_views) entries.emplace_back(key, value);
  if (absl::Status s = f.cache->SetMany(entries); !s.ok()) {
    f.error = std::string(s.message());
  }
  return f;
}

// Destroyed at exit, in reverse member order: cache, pool, then the
// database is dropped.
Fixture& Shared() {
  static Fixture fixture = MakeFixture();
  return fixture;
}

// The shared cache, or nullptr after reporting why there is none.
DatabaseCache* CacheOrSkip(benchmark::State& state) {
  Fixture& f = Shared();
  if (!f.error.empty()) {
    state.SkipWithError(f.error.c_str());
    return nullptr;
  }
  return f.cache.get();
}

void BM_GetHit(benchmark::State& state) {
  DatabaseCache* cache = CacheOrSkip(state);
  if (cache == nullptr) return;
  for (auto _ : state) {
    if (!cache->Get("key:7").ok()) {
      state.SkipWithError("Get failed");
      break;
    }
  }
}

void BM_Set(benchmark::State& state) {
  DatabaseCache* cache = CacheOrSkip(state);
  if (cache == nullptr) return;
  const std::string value(100, 's');
  for (auto _ : state) {
    if (!cache->Set("bench:set", value, absl::Seconds(60)).ok()) {
      state.SkipWithError("Set failed");
      break;
    }
  }
}

void BM_GetMany64(benchmark::State& state) {
  DatabaseCache* cache = CacheOrSkip(state);
  if (cache == nullptr) return;
  const std::vector<absl::string_view>& keys = Shared().key_views;
  for (auto _ : state) {
    if (!cache->GetMany(keys).ok()) {
      state.SkipWithError("GetMany failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * kKeys);
}

void BM_Get64OneByOne(benchmark::State& state) {
  DatabaseCache* cache = CacheOrSkip(state);
  if (cache == nullptr) return;
  const std::vector<std::string>& keys = Shared().keys;
  for (auto _ : state) {
    for (const std::string& key : keys) {
      if (!cache->Get(key).ok()) {
        state.SkipWithError("Get failed");
        return;
      }
    }
  }
  state.SetItemsProcessed(state.iterations() * kKeys);
}

const bool kRegistered = [] {
  if (std::getenv("HYPER_PG_URL") == nullptr) {
    std::fprintf(stderr,
                 "database_cache_benchmark: HYPER_PG_URL is unset; no benchmarks "
                 "registered\n");
    return false;
  }
  benchmark::RegisterBenchmark("BM_GetHit", BM_GetHit);
  benchmark::RegisterBenchmark("BM_Set", BM_Set);
  benchmark::RegisterBenchmark("BM_GetMany64", BM_GetMany64);
  benchmark::RegisterBenchmark("BM_Get64OneByOne", BM_Get64OneByOne);
  return true;
}();

}  // namespace
}  // namespace hyper::cache
