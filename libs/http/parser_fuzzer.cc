// libFuzzer target for the request parser: HeadScanner, ParseHead and
// ChunkedDecoder on arbitrary bytes, checking invariants that must hold for
// every input (any violation aborts):
//   - every view in a parsed head lies inside the head bytes;
//   - a head is never longer than the input or Limits::max_head_bytes, and
//     the limits on fields and Content-Length hold for accepted heads;
//   - feeding the scanner and the decoder one byte at a time gives the same
//     answer as all at once;
//   - the scalar and AVX2 scanners give identical results;
//   - the decoder never reports more decoded than consumed bytes, and leaves
//     the bytes after a finished body untouched.
//
// Outside Bazel, from the workspace root (one command line):
//   clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -I.
//     libs/http/parser_fuzzer.cc libs/http/parser.cc libs/http/chunked.cc
//     -o /tmp/parser_fuzzer && /tmp/parser_fuzzer testdata/http/corpus
// In Bazel, parser_fuzzer_test replays the seed corpus through this target.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "absl/strings/string_view.h"
#include "libs/http/chunked.h"
#include "libs/http/parser.h"

namespace hyper::http {
namespace {

using internal::ScanImpl;

#define FUZZ_CHECK(cond)                                              \
  do {                                                                \
    if (!(cond)) {                                                    \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, \
                   __LINE__, #cond);                                  \
      std::abort();                                                   \
    }                                                                 \
  } while (0)

// A heap copy of exactly `size` bytes, so that ASan flags any overread.
std::unique_ptr<char[]> Copy(const char* data, size_t size) {
  std::unique_ptr<char[]> copy(new char[size == 0 ? 1 : size]);
  if (size != 0) std::memcpy(copy.get(), data, size);
  return copy;
}

bool Inside(absl::string_view view, absl::string_view whole) {
  return view.empty() || (view.data() >= whole.data() &&
                          view.data() + view.size() <= whole.data() + whole.size());
}

bool SameError(const ParseError& a, const ParseError& b) {
  return a.status == b.status && a.reason == b.reason;
}

bool SameHead(const RequestHead& a, const RequestHead& b) {
  if (a.method != b.method || a.method_name != b.method_name ||
      a.target != b.target || a.path != b.path || a.query != b.query ||
      a.version_minor != b.version_minor || a.keep_alive != b.keep_alive ||
      a.expect_continue != b.expect_continue || a.body_kind != b.body_kind ||
      a.content_length != b.content_length ||
      a.headers.size() != b.headers.size()) {
    return false;
  }
  for (size_t i = 0; i < a.headers.size(); ++i) {
    if (a.headers[i].name != b.headers[i].name ||
        a.headers[i].value != b.headers[i].value) {
      return false;
    }
  }
  return true;
}

void CheckHead(absl::string_view bytes, const Limits& limits,
               const RequestHead& head) {
  FUZZ_CHECK(Inside(head.method_name, bytes) && !head.method_name.empty());
  FUZZ_CHECK(Inside(head.target, bytes) && !head.target.empty());
  FUZZ_CHECK(Inside(head.path, head.target) && Inside(head.query, head.target));
  FUZZ_CHECK(head.version_minor == 0 || head.version_minor == 1);
  FUZZ_CHECK(head.method == Method::kOther ||
             MethodName(head.method) == head.method_name);
  FUZZ_CHECK(head.headers.size() <= limits.max_headers);
  for (size_t i = 0; i < head.headers.size(); ++i) {
    FUZZ_CHECK(!head.headers[i].name.empty());
    FUZZ_CHECK(Inside(head.headers[i].name, bytes));
    FUZZ_CHECK(Inside(head.headers[i].value, bytes));
  }
  FUZZ_CHECK(head.body_kind == BodyKind::kContentLength ||
             head.content_length == 0);
  FUZZ_CHECK(head.content_length <= limits.max_body_bytes);
  FUZZ_CHECK(head.version_minor == 1 || !head.expect_continue);
  FUZZ_CHECK(head.version_minor == 1 || head.body_kind != BodyKind::kChunked);
}

// ParseHead with every available scanner; they must agree.
ParseError ParseEverywhere(absl::string_view bytes, const Limits& limits,
                           RequestHead* head) {
  internal::SetScanImplForTesting(ScanImpl::kScalar);
  const ParseError err = ParseHead(bytes, limits, head);
  if (err.ok()) CheckHead(bytes, limits, *head);
  if (internal::SetScanImplForTesting(ScanImpl::kAvx2)) {
    RequestHead other;
    const ParseError other_err = ParseHead(bytes, limits, &other);
    FUZZ_CHECK(SameError(err, other_err));
    FUZZ_CHECK(!err.ok() || SameHead(*head, other));
  }
  internal::SetScanImplForTesting(ScanImpl::kAuto);
  return err;
}

// All at once versus one byte at a time.
size_t ScanHead(absl::string_view input, const Limits& limits) {
  HeadScanner scanner;
  ParseError err;
  const size_t len = scanner.FindHeadEnd(input, limits, &err);
  FUZZ_CHECK(len <= input.size() && len <= limits.max_head_bytes);
  FUZZ_CHECK(err.ok() || len == 0);

  HeadScanner trickle;
  bool trickle_failed = false;
  for (size_t n = 1; n <= input.size(); ++n) {
    ParseError step_err;
    const size_t step = trickle.FindHeadEnd(absl::string_view(input.data(), n),
                                            limits, &step_err);
    if (!step_err.ok()) {
      trickle_failed = true;
      break;
    }
    if (step != 0) {
      FUZZ_CHECK(err.ok() && step == len && n == len);
      break;
    }
    FUZZ_CHECK(len == 0 || n < len);
  }
  FUZZ_CHECK(trickle_failed == !err.ok());
  return len;
}

void DecodeBody(absl::string_view region, const Limits& limits) {
  std::unique_ptr<char[]> whole = Copy(region.data(), region.size());
  ChunkedDecoder decoder;
  const ChunkedDecoder::Result r =
      decoder.Decode(whole.get(), region.size(), limits);
  FUZZ_CHECK(r.decoded <= r.consumed && r.consumed <= region.size());
  FUZZ_CHECK(r.decoded <= limits.max_body_bytes);
  FUZZ_CHECK((r.state == ChunkedDecoder::State::kError) == !r.error.ok());
  if (r.state == ChunkedDecoder::State::kDone) {
    FUZZ_CHECK(std::memcmp(whole.get() + r.consumed, region.data() + r.consumed,
                           region.size() - r.consumed) == 0);
  }

  std::unique_ptr<char[]> grown = Copy(region.data(), region.size());
  ChunkedDecoder trickle;
  ChunkedDecoder::Result t;
  for (size_t n = 1; n <= region.size(); ++n) {
    t = trickle.Decode(grown.get(), n, limits);
    if (t.state != ChunkedDecoder::State::kNeedMore) break;
  }
  if (region.empty()) t = trickle.Decode(grown.get(), 0, limits);
  FUZZ_CHECK(t.state == r.state && t.decoded == r.decoded &&
             t.consumed == r.consumed && SameError(t.error, r.error));
  FUZZ_CHECK(std::memcmp(grown.get(), whole.get(), r.decoded) == 0);
}

void FuzzOnce(absl::string_view input, const Limits& limits) {
  RequestHead head;
  // ParseHead must cope with bytes the scanner did not delimit.
  ParseEverywhere(input, limits, &head);

  const size_t head_len = ScanHead(input, limits);
  absl::string_view body = input;
  if (head_len != 0) {
    const ParseError err =
        ParseEverywhere(absl::string_view(input.data(), head_len), limits, &head);
    body = absl::string_view(input.data() + head_len, input.size() - head_len);
    if (err.ok() && head.body_kind == BodyKind::kContentLength) {
      FUZZ_CHECK(head.content_length <= limits.max_body_bytes);
    }
  }
  // The body after a head, or else the whole input, as a chunked body.
  DecodeBody(body, limits);
}

}  // namespace
}  // namespace hyper::http

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using hyper::http::Limits;
  std::unique_ptr<char[]> copy =
      hyper::http::Copy(reinterpret_cast<const char*>(data), size);
  const absl::string_view input(copy.get(), size);

  hyper::http::FuzzOnce(input, Limits());
  Limits tight;
  tight.max_request_line = 64;
  tight.max_head_bytes = 256;
  tight.max_headers = 8;
  tight.max_body_bytes = 64;
  hyper::http::FuzzOnce(input, tight);
  return 0;
}
