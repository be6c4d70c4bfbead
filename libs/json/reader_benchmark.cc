// JsonReader on a realistic 2 KB request body (testdata/validation/
// doc_2kb.json, also parsed by tools/bench/validation_vs_python.sh's Python
// side). Run from the runfiles root: `bazel run -c opt //libs/json:reader_benchmark`.
#include <fstream>
#include <iterator>
#include <string>

#include "benchmark/benchmark.h"
#include "libs/json/reader.h"

namespace hyper::json {
namespace {

std::string ReadFileOrDie(const char* path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s (run from the runfiles root)\n", path);
    std::abort();
  }
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void BM_ParseDoc2KB(benchmark::State& state) {
  const std::string doc = ReadFileOrDie("testdata/validation/doc_2kb.json");
  JsonReader reader;
  for (auto _ : state) {
    auto root = reader.Parse(doc);
    if (!root.ok()) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(root);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(doc.size()));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseDoc2KB);

// The same parse on each simdjson kernel this CPU runs (BM_ParseDoc2KB uses
// the one simdjson picks at run time): the library's ceiling for this
// document, e.g. `--benchmark_filter=Kernel`.
void BM_ParseDoc2KBKernel(benchmark::State& state, const simdjson::implementation* kernel) {
  const simdjson::implementation* picked = simdjson::get_active_implementation();
  simdjson::get_active_implementation() = kernel;
  BM_ParseDoc2KB(state);  // the reader's parser is made with `kernel`
  simdjson::get_active_implementation() = picked;
}

const bool kKernelsRegistered = [] {
  for (const simdjson::implementation* kernel : simdjson::get_available_implementations()) {
    if (!kernel->supported_by_runtime_system()) continue;
    benchmark::RegisterBenchmark(("BM_ParseDoc2KBKernel/" + kernel->name()).c_str(),
                                 BM_ParseDoc2KBKernel, kernel);
  }
  return true;
}();

}  // namespace
}  // namespace hyper::json
