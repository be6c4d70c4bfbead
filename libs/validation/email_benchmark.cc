// IsEmail over a realistic mix (testdata/validation/emails.txt: two thirds
// valid addresses, one third the usual mistakes), the same list that
// tools/bench/validation_vs_python.sh gives Python's regex. Items are
// addresses: ns per address = 1e9 / items_per_second.
#include <fstream>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "libs/validation/email.h"

namespace hyper::validation {
namespace {

std::vector<std::string> ReadLinesOrDie(const char* path) {
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "cannot read %s (run from the runfiles root)\n", path);
    std::abort();
  }
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

void BM_EmailMix(benchmark::State& state) {
  const std::vector<std::string> emails = ReadLinesOrDie("testdata/validation/emails.txt");
  std::vector<absl::string_view> views(emails.begin(), emails.end());
  size_t valid = 0;
  for (auto _ : state) {
    for (absl::string_view e : views) valid += IsEmail(e);
    benchmark::DoNotOptimize(valid);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(views.size()));
}
BENCHMARK(BM_EmailMix);

}  // namespace
}  // namespace hyper::validation
