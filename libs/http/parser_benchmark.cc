// Request-head parsing cost: HeadScanner::FindHeadEnd + ParseHead per request,
// for a typical API GET and for a browser-sized request with a long cookie,
// each with the scalar and the AVX2 byte scanners.
//
//   bazel run -c opt //libs/http:parser_benchmark --
//       --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// (one command line).
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "benchmark/benchmark.h"
#include "libs/http/parser.h"

namespace hyper::http {
namespace {

using internal::ScanImpl;

// 200 bytes, 8 header fields.
constexpr absl::string_view kTypicalGet =
    "GET /api/v1/users/12345 HTTP/1.1\r\n"
    "Host: api.example.com\r\n"
    "User-Agent: curl/8.4.0\r\n"
    "Accept: */*\r\n"
    "Accept-Encoding: gzip\r\n"
    "Accept-Language: en\r\n"
    "Connection: keep-alive\r\n"
    "Pragma: no-cache\r\n"
    "X-Request-Id: 7f\r\n"
    "\r\n";
static_assert(kTypicalGet.size() == 200);

std::string BrowserRequest() {
  return "GET /dashboard/reports/2024/q3?tab=summary&sort=desc HTTP/1.1\r\n"
         "Host: app.example.com\r\n"
         "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 "
         "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36\r\n"
         "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,"
         "image/avif,image/webp,*/*;q=0.8\r\n"
         "Accept-Language: en-US,en;q=0.9,de;q=0.8\r\n"
         "Accept-Encoding: gzip, deflate, br\r\n"
         "Referer: https://app.example.com/dashboard/reports/2024/q2\r\n"
         "Cookie: session=" +
         std::string(600, 'c') + "; prefs=" + std::string(300, 'p') +
         "\r\n"
         "Connection: keep-alive\r\n"
         "Upgrade-Insecure-Requests: 1\r\n"
         "\r\n";
}

bool UseImpl(benchmark::State& state) {
  const auto impl = static_cast<ScanImpl>(state.range(0));
  if (!internal::SetScanImplForTesting(impl)) {
    state.SkipWithError("this CPU cannot run the implementation");
    return false;
  }
  state.SetLabel(impl == ScanImpl::kScalar ? "scalar" : "avx2");
  return true;
}

void ParseLoop(benchmark::State& state, absl::string_view request) {
  if (!UseImpl(state)) return;
  const Limits limits;
  HeadScanner scanner;
  RequestHead head;
  for (auto _ : state) {
    scanner.Reset();
    ParseError err;
    const size_t len = scanner.FindHeadEnd(request, limits, &err);
    err = ParseHead(request.substr(0, len), limits, &head);
    benchmark::DoNotOptimize(err);
    benchmark::DoNotOptimize(head.headers.size());
  }
  if (head.headers.size() < 8) state.SkipWithError("request did not parse");
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(request.size()));
  internal::SetScanImplForTesting(ScanImpl::kAuto);
}

void BM_TypicalGet(benchmark::State& state) { ParseLoop(state, kTypicalGet); }

void BM_BrowserRequest(benchmark::State& state) {
  const std::string request = BrowserRequest();
  ParseLoop(state, request);
}

// FindHeadEnd alone (memchr per line; no SIMD choice to make).
void BM_FindHeadEndOnly(benchmark::State& state) {
  const Limits limits;
  HeadScanner scanner;
  for (auto _ : state) {
    scanner.Reset();
    ParseError err;
    benchmark::DoNotOptimize(scanner.FindHeadEnd(kTypicalGet, limits, &err));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(kTypicalGet.size()));
}

constexpr int64_t kScalar = static_cast<int64_t>(ScanImpl::kScalar);
constexpr int64_t kAvx2 = static_cast<int64_t>(ScanImpl::kAvx2);

BENCHMARK(BM_TypicalGet)->Arg(kScalar)->Arg(kAvx2);
BENCHMARK(BM_BrowserRequest)->Arg(kScalar)->Arg(kAvx2);
BENCHMARK(BM_FindHeadEndOnly);

}  // namespace
}  // namespace hyper::http
