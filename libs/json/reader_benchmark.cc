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

}  // namespace
}  // namespace hyper::json
