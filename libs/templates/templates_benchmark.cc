// Compile and render of testdata/templates/bench_page.tpl: 5 variables, an
// if, a loop over 10 items, auto-escaping on. The same page in Jinja2 is
// timed by tools/bench/templates_vs_jinja2.sh.
//
//   bazel run //libs/templates:templates_benchmark
#include <fstream>
#include <sstream>
#include <string>

#include <ctemplate/template_cache.h>

#include "benchmark/benchmark.h"
#include "libs/templates/bench_page_testing.h"
#include "libs/templates/internal/syntax.h"
#include "libs/templates/templates.h"

namespace hyper::templates {
namespace {

// Run from the runfiles root (bazel run/test do; the bench script cds there).
constexpr char kDir[] = "testdata/templates";
constexpr char kPage[] = "bench_page.tpl";

std::string ReadPage() {
  std::ifstream in(std::string(kDir) + "/" + kPage, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// What Templates does on a load, from text in memory (as Jinja2's
// from_string): the policy/marker scan, then ctemplate's parse and compile.
void BM_Compile(benchmark::State& state) {
  const std::string text = ReadPage();
  ctemplate::TemplateCache cache;
  const ctemplate::TemplateString key("bench");
  for (auto _ : state) {
    if (!internal::CheckTemplateText(kPage, text).ok() ||
        !cache.StringToTemplateCache(key, ctemplate::TemplateString(text.data(), text.size()),
                                     ctemplate::DO_NOT_STRIP)) {
      state.SkipWithError("compile failed");
      break;
    }
    cache.Delete(key);
  }
}
BENCHMARK(BM_Compile);

// Templates::Load from the file with a zero budget: read, scan, compile,
// evict, every iteration.
void BM_LoadFromFile(benchmark::State& state) {
  Templates templates({.root = kDir, .max_cache_bytes = 0});
  for (auto _ : state) {
    if (!templates.Load(kPage).ok()) {
      state.SkipWithError("load failed");
      break;
    }
  }
}
BENCHMARK(BM_LoadFromFile);

// A cached template: fill the dictionary, render into a reused buffer.
void BM_Render(benchmark::State& state) {
  Templates templates({.root = kDir});
  std::string out;
  for (auto _ : state) {
    Dictionary data;
    FillBenchPage(data);
    out.clear();
    if (!templates.Render(kPage, data, &out).ok()) {
      state.SkipWithError("render failed");
      break;
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * out.size()));
}
BENCHMARK(BM_Render);

// Render alone, the dictionary built once.
void BM_RenderPrebuiltDictionary(benchmark::State& state) {
  Templates templates({.root = kDir});
  Dictionary data;
  FillBenchPage(data);
  std::string out;
  for (auto _ : state) {
    out.clear();
    if (!templates.Render(kPage, data, &out).ok()) {
      state.SkipWithError("render failed");
      break;
    }
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_RenderPrebuiltDictionary);

}  // namespace
}  // namespace hyper::templates
