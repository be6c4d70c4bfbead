// The HTTP/1.1 request parser (RFC 9112): zero-copy, strict, incremental.
//
// A request is read in two steps. FindHeadEnd() scans only bytes it has not
// seen before for the blank line that ends the head, so a client trickling
// one byte at a time costs O(n) in total, never O(n^2). ParseHead() then
// parses the complete head into a RequestHead whose string views point into
// the caller's buffer (no copies). The body is framed by the head: a
// Content-Length body is a plain slice of the buffer; a chunked body is
// decoded in place by ChunkedDecoder (chunked.h).
//
// Every rejection carries the HTTP status the server answers with (always
// followed by `Connection: close`) and a short reason:
//   400  malformed request line or header field, obs-fold, bare CR, NUL or
//        control bytes in the method, target or header names, whitespace
//        between a field name and its colon, both Content-Length and
//        Transfer-Encoding, differing/non-numeric/negative Content-Length,
//        Host missing on HTTP/1.1 or repeated
//   501  a transfer coding other than `chunked` (alone, last)
//   505  an HTTP version other than 1.0 and 1.1
//   414  request line over Limits::max_request_line
//   431  head over Limits::max_head_bytes, or more than max_headers fields
//        (likewise a chunked body's trailer section, see chunked.h)
//   413  Content-Length over Limits::max_body_bytes (for a chunked body, the
//        decoded size, see chunked.h)
//
// Strictness decisions (RFC 9112 lets a recipient choose):
//   - Every line must end in CRLF. A bare LF is rejected (400), although
//     RFC 9112 section 2.2 allows accepting it, so that no proxy in front of
//     us can disagree with us about where a line ends.
//   - A repeated Content-Length is accepted only when every value is the
//     same number, also as a list in one field ("5, 5"; RFC 9110 section
//     8.6); any empty list element is rejected.
//   - The request line is `method SP target SP version` with single spaces.
//     The target may hold VCHAR except '#'; obs-text (bytes >= 0x80) in the
//     target is rejected. Absolute form must be http:// or https:// with a
//     host and no userinfo; `path` is then the whole target, and `query` the
//     part after the first '?'. CONNECT must use authority form (host:port;
//     `path` is the whole target) and no other method may; "*" is only for
//     OPTIONS. Methods are case-sensitive ("get" is kOther).
//   - Transfer-Encoding: "chunked" (case-insensitive, no parameters) must be
//     the last coding and appear once (else 400); any other coding is 501,
//     unless chunked is present but not last (400, as RFC 9112 6.3 says).
//   - The Host value may only hold characters of an RFC 3986 host and port;
//     an empty Host is valid. `Expect` values other than 100-continue are
//     ignored.
//   - ParseHead() rejects bytes after the blank line that ends the head.
//
// Example:
//   absl::string_view buf = "GET /users/7?x=1 HTTP/1.1\r\nHost: a\r\n\r\n";
//   Limits limits;
//   HeadScanner scanner;
//   ParseError err;
//   size_t head_len = scanner.FindHeadEnd(buf, limits, &err);
//   // head_len == 38 (0 would mean: more bytes needed, or err is set)
//   RequestHead head;
//   err = ParseHead(buf.substr(0, head_len), limits, &head);
//   // err.ok(); head.method == Method::kGet; head.path == "/users/7";
//   // head.query == "x=1"; head.version_minor == 1; head.keep_alive == true;
//   // head.body_kind == BodyKind::kNone; head.headers.Get("host") == "a"
#ifndef HYPER_LIBS_HTTP_PARSER_H_
#define HYPER_LIBS_HTTP_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <optional>

#include "absl/strings/string_view.h"

namespace hyper::http {

// Limits on what a client may send. Each is a server flag (libs/http/server).
struct Limits {
  size_t max_request_line = 8 * 1024;   // 414 beyond
  size_t max_head_bytes = 64 * 1024;    // 431 beyond (request line included)
  size_t max_headers = 100;             // 431 beyond
  uint64_t max_body_bytes = 8 << 20;    // 413 beyond (decoded size if chunked)
};

enum class Method : uint8_t {
  kGet,
  kHead,
  kPost,
  kPut,
  kDelete,
  kPatch,
  kOptions,
  kConnect,
  kTrace,
  kOther,  // a valid token we do not know; method_name has it
};

// "GET", "HEAD", ...; "OTHER" for kOther.
absl::string_view MethodName(Method method);

enum class BodyKind : uint8_t {
  kNone,           // no body (no Content-Length, no Transfer-Encoding)
  kContentLength,  // exactly content_length bytes follow the head
  kChunked,        // Transfer-Encoding: chunked; see ChunkedDecoder
};

struct Header {
  absl::string_view name;   // as sent (case preserved); never empty
  absl::string_view value;  // leading/trailing whitespace removed
};

// The header fields of one request, in order, without allocation for up to
// kInline fields (Limits::max_headers may be larger; the rest go to a heap
// array owned by the list).
class HeaderList {
 public:
  static constexpr size_t kInline = 32;

  HeaderList() = default;
  HeaderList(const HeaderList&) = delete;
  HeaderList& operator=(const HeaderList&) = delete;
  HeaderList(HeaderList&& other) noexcept;
  HeaderList& operator=(HeaderList&& other) noexcept;
  ~HeaderList();

  size_t size() const { return size_; }
  const Header& operator[](size_t i) const {
    return i < kInline ? inline_[i] : overflow_[i - kInline];
  }
  // The value of the first field named `name` (ASCII case-insensitive), or
  // nullopt.
  std::optional<absl::string_view> Get(absl::string_view name) const;

  void Clear() { size_ = 0; }
  void Add(Header header);

 private:
  Header inline_[kInline];
  Header* overflow_ = nullptr;
  size_t overflow_capacity_ = 0;
  size_t size_ = 0;
};

// A parsed request head. Views point into the buffer given to ParseHead and
// are valid while that buffer is.
struct RequestHead {
  Method method = Method::kGet;
  absl::string_view method_name;  // the token as sent, e.g. "GET"
  absl::string_view target;       // request-target as sent
  absl::string_view path;         // target before '?' (origin form), or the
                                  // whole target for "*" / absolute forms
  absl::string_view query;        // after '?', without it; empty if none
  int version_minor = 1;          // HTTP/1.<version_minor>: 0 or 1
  HeaderList headers;
  // Connection semantics after this request: HTTP/1.1 defaults to keep-alive
  // unless `Connection: close`; HTTP/1.0 defaults to close unless
  // `Connection: keep-alive`.
  bool keep_alive = true;
  bool expect_continue = false;   // `Expect: 100-continue` (1.1 only)
  BodyKind body_kind = BodyKind::kNone;
  uint64_t content_length = 0;    // for kContentLength

  void Clear();
};

// Why a request was refused. `status == 0` means no error.
struct ParseError {
  int status = 0;             // HTTP status to answer with: 400, 413, ...
  absl::string_view reason;   // static text, e.g. "bare CR in header field"

  bool ok() const { return status == 0; }
};

// Finds the end of a request head incrementally. Keep one per connection;
// call Reset() after each request.
class HeadScanner {
 public:
  // `buffer` holds the bytes received so far for the current request (it may
  // grow between calls; the prefix must not change). Returns the head length
  // including the final CRLF CRLF once complete, or 0 when more bytes are
  // needed. Sets *error (431 head too large / 414 request line too long /
  // 400 for a bare LF line ending policy violation) and returns 0 when the
  // limits are already exceeded. Leading empty lines before the request line
  // (RFC 9112 section 2.2) are tolerated and counted in the returned length.
  size_t FindHeadEnd(absl::string_view buffer, const Limits& limits,
                     ParseError* error);
  void Reset() { scanned_ = 0; line_start_ = 0; request_line_done_ = false; }

 private:
  size_t scanned_ = 0;
  size_t line_start_ = 0;
  bool request_line_done_ = false;
};

// Parses a complete head (as delimited by HeadScanner) into *head. Returns
// the error to answer with, or ok.
ParseError ParseHead(absl::string_view head_bytes, const Limits& limits,
                     RequestHead* head);

namespace internal {

// RFC 9110 section 5.6.2: tchar, the bytes of a token (method, field name,
// transfer coding, chunk extension name).
constexpr bool IsTokenChar(unsigned char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
      (c >= 'A' && c <= 'Z')) {
    return true;
  }
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'':
    case '*': case '+': case '-': case '.': case '^': case '_':
    case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

// RFC 9110 section 5.5: the bytes a field value may hold (VCHAR, obs-text,
// SP, HTAB); everything but the other control bytes and DEL.
constexpr bool IsFieldValueChar(unsigned char c) {
  return c == '\t' || (c >= 0x20 && c != 0x7f);
}

// Which byte-scanning code ParseHead() uses for request targets and field
// values. kAuto (the default) picks AVX2 when the CPU has it and the scalar
// code otherwise; every implementation gives identical results.
enum class ScanImpl : uint8_t { kAuto, kScalar, kAvx2 };

// Whether `impl` can run on this machine (kAuto and kScalar always can).
bool ScanImplAvailable(ScanImpl impl);

// Test and benchmark hook: forces `impl` for all later ParseHead() calls in
// the process. Returns false, changing nothing, if `impl` is unavailable.
// Not meant to be called while other threads parse.
bool SetScanImplForTesting(ScanImpl impl);

}  // namespace internal

}  // namespace hyper::http

#endif  // HYPER_LIBS_HTTP_PARSER_H_
