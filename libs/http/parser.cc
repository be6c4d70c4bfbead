#include "libs/http/parser.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <utility>

#include "absl/strings/string_view.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define HYPER_HTTP_HAVE_AVX2_PATH 1
#else
#define HYPER_HTTP_HAVE_AVX2_PATH 0
#endif

namespace hyper::http {
namespace {

using internal::IsFieldValueChar;
using internal::IsTokenChar;
using internal::ScanImpl;

// ---------------------------------------------------------------------------
// Byte classes. The scalar scanners use one table; the AVX2 scanners compute
// the target and field-value classes with vector compares (and are tested to
// agree).

// request-target bytes: VCHAR without '#' (a fragment is never sent).
constexpr bool IsTargetChar(unsigned char c) {
  return c > 0x20 && c < 0x7f && c != '#';
}

// The bytes of an RFC 3986 host (reg-name, IPv4, IP-literal) and ":" port.
constexpr bool IsHostChar(unsigned char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
      (c >= 'A' && c <= 'Z')) {
    return true;
  }
  switch (c) {
    case '-': case '.': case '_': case '~': case '!': case '$': case '&':
    case '\'': case '(': case ')': case '*': case '+': case ',': case ';':
    case '=': case '%': case ':': case '[': case ']':
      return true;
    default:
      return false;
  }
}

enum : uint8_t { kTokenBit = 1, kValueBit = 2, kTargetBit = 4, kHostBit = 8 };

struct ByteClasses {
  uint8_t bits[256] = {};
};

constexpr ByteClasses MakeByteClasses() {
  ByteClasses t;
  for (int c = 0; c < 256; ++c) {
    const auto u = static_cast<unsigned char>(c);
    t.bits[c] = (IsTokenChar(u) ? kTokenBit : 0) |
                (IsFieldValueChar(u) ? kValueBit : 0) |
                (IsTargetChar(u) ? kTargetBit : 0) |
                (IsHostChar(u) ? kHostBit : 0);
  }
  return t;
}

constexpr ByteClasses kClasses = MakeByteClasses();

// Returns the first byte in [p, end) outside the class `kBit`, or end.
template <uint8_t kBit>
inline const char* SkipScalar(const char* p, const char* end) {
  while (end - p >= 4) {
    if (!(kClasses.bits[static_cast<unsigned char>(p[0])] & kBit)) return p;
    if (!(kClasses.bits[static_cast<unsigned char>(p[1])] & kBit)) return p + 1;
    if (!(kClasses.bits[static_cast<unsigned char>(p[2])] & kBit)) return p + 2;
    if (!(kClasses.bits[static_cast<unsigned char>(p[3])] & kBit)) return p + 3;
    p += 4;
  }
  while (p < end && (kClasses.bits[static_cast<unsigned char>(*p)] & kBit)) ++p;
  return p;
}

// A scanner returns the first byte in [p, end) outside its class, or end.
// `begin` <= p is the start of the buffer: bytes in [begin, end) may be read.
// Only targets and field values have a vector version: methods and field
// names are short, and a vector token scan (nibble lookup) measured ~8%
// slower than this scalar one on parser_benchmark's typical GET.
struct ScalarScan {
  static const char* Target(const char*, const char* p, const char* end) {
    return SkipScalar<kTargetBit>(p, end);
  }
  static const char* Value(const char*, const char* p, const char* end) {
    return SkipScalar<kValueBit>(p, end);
  }
};

#if HYPER_HTTP_HAVE_AVX2_PATH

// 32 bytes per step. The last partial block is read as the 32 bytes ending
// at `end` (overlapping bytes already scanned) when the buffer is that long,
// so no load ever leaves [begin, end); only buffers under 32 bytes fall back
// to scalar code. `Outside` maps 32 bytes to a mask of those outside the class.
template <uint8_t kBit, typename Outside>
__attribute__((target("avx2"), always_inline)) inline const char* SkipAvx2(
    const char* begin, const char* p, const char* end, Outside outside) {
  for (; end - p >= 32; p += 32) {
    const uint32_t mask =
        outside(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
    if (mask != 0) return p + __builtin_ctz(mask);
  }
  if (p == end) return end;
  if (end - begin < 32) return SkipScalar<kBit>(p, end);
  const char* block = end - 32;
  const uint32_t mask =
      outside(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(block))) >>
      (p - block);
  return mask != 0 ? p + __builtin_ctz(mask) : end;
}

__attribute__((target("avx2"))) inline const char* SkipTargetAvx2(
    const char* begin, const char* p, const char* end) {
  // c - 0x21 <= 0x5d (unsigned) is 0x21..0x7e; then '#' is taken out.
  const __m256i low = _mm256_set1_epi8(0x21);
  const __m256i span = _mm256_set1_epi8(0x5d);
  const __m256i hash = _mm256_set1_epi8('#');
  return SkipAvx2<kTargetBit>(
      begin, p, end, [&](__m256i v) __attribute__((target("avx2"))) {
        const __m256i shifted = _mm256_sub_epi8(v, low);
        const __m256i in_range =
            _mm256_cmpeq_epi8(_mm256_min_epu8(shifted, span), shifted);
        const __m256i ok =
            _mm256_andnot_si256(_mm256_cmpeq_epi8(v, hash), in_range);
        return ~static_cast<uint32_t>(_mm256_movemask_epi8(ok));
      });
}

__attribute__((target("avx2"))) inline const char* SkipValueAvx2(
    const char* begin, const char* p, const char* end) {
  // Outside the class: c <= 0x1f except HTAB, and DEL.
  const __m256i ctl_max = _mm256_set1_epi8(0x1f);
  const __m256i tab = _mm256_set1_epi8('\t');
  const __m256i del = _mm256_set1_epi8(0x7f);
  return SkipAvx2<kValueBit>(
      begin, p, end, [&](__m256i v) __attribute__((target("avx2"))) {
        const __m256i ctl = _mm256_cmpeq_epi8(_mm256_min_epu8(v, ctl_max), v);
        const __m256i out = _mm256_or_si256(
            _mm256_andnot_si256(_mm256_cmpeq_epi8(v, tab), ctl),
            _mm256_cmpeq_epi8(v, del));
        return static_cast<uint32_t>(_mm256_movemask_epi8(out));
      });
}

struct Avx2Scan {
  static const char* Target(const char* begin, const char* p,
                            const char* end) {
    return SkipTargetAvx2(begin, p, end);
  }
  static const char* Value(const char* begin, const char* p, const char* end) {
    return SkipValueAvx2(begin, p, end);
  }
};

bool CpuHasAvx2() {
  static const bool has_avx2 = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
  }();
  return has_avx2;
}

#else

bool CpuHasAvx2() { return false; }

#endif  // HYPER_HTTP_HAVE_AVX2_PATH

std::atomic<ScanImpl> g_scan_impl{ScanImpl::kAuto};

// ---------------------------------------------------------------------------
// Small helpers.

constexpr ParseError Error(int status, const char* reason) {
  return ParseError{status, reason};
}

constexpr bool IsDigit(char c) { return c >= '0' && c <= '9'; }
constexpr bool IsOws(char c) { return c == ' ' || c == '\t'; }
constexpr char ToLowerAscii(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
}

// ASCII case-insensitive equality.
inline bool EqualsIgnoreCase(absl::string_view a, absl::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ToLowerAscii(a[i]) != ToLowerAscii(b[i])) return false;
  }
  return true;
}

// s[pos, pos + n) for pos <= s.size(). Unlike absl::string_view::substr it
// has no out-of-range throw, so this file needs only absl's headers (the
// fuzzer builds it with clang and no abseil libraries).
absl::string_view Sub(absl::string_view s, size_t pos, size_t n = SIZE_MAX) {
  return absl::string_view(s.data() + pos, std::min(n, s.size() - pos));
}

absl::string_view TrimOws(absl::string_view s) {
  while (!s.empty() && IsOws(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsOws(s.back())) s.remove_suffix(1);
  return s;
}

// Splits a comma-separated field value into its elements, each trimmed of
// OWS; empty elements are reported as empty views.
class ListElements {
 public:
  explicit ListElements(absl::string_view value) : rest_(value) {}
  bool Next(absl::string_view* element) {
    if (done_) return false;
    const void* comma = std::memchr(rest_.data(), ',', rest_.size());
    if (comma == nullptr) {
      *element = TrimOws(rest_);
      done_ = true;
    } else {
      const size_t len = static_cast<const char*>(comma) - rest_.data();
      *element = TrimOws(Sub(rest_, 0, len));
      rest_.remove_prefix(len + 1);
    }
    return true;
  }

 private:
  absl::string_view rest_;
  bool done_ = false;
};

size_t SaturatingAdd(size_t a, size_t b) {
  return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

Method LookupMethod(absl::string_view m) {
  switch (m.size()) {
    case 3:
      if (m == "GET") return Method::kGet;
      if (m == "PUT") return Method::kPut;
      break;
    case 4:
      if (m == "POST") return Method::kPost;
      if (m == "HEAD") return Method::kHead;
      break;
    case 5:
      if (m == "PATCH") return Method::kPatch;
      if (m == "TRACE") return Method::kTrace;
      break;
    case 6:
      if (m == "DELETE") return Method::kDelete;
      break;
    case 7:
      if (m == "OPTIONS") return Method::kOptions;
      if (m == "CONNECT") return Method::kConnect;
      break;
    default:
      break;
  }
  return Method::kOther;
}

bool IsValidHost(absl::string_view host) {
  const char* end = host.data() + host.size();
  return SkipScalar<kHostBit>(host.data(), end) == end;
}

// authority-form (CONNECT only): host ":" port, port 1*5DIGIT.
bool IsAuthorityForm(absl::string_view target) {
  size_t colon = target.size();
  while (colon > 0 && target[colon - 1] != ':') --colon;
  if (colon <= 1) return false;  // no ':', or no host before it
  const absl::string_view port = Sub(target, colon);
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), IsDigit)) {
    return false;
  }
  return IsValidHost(Sub(target, 0, colon - 1));
}

// absolute-form: "http://" or "https://", a non-empty authority without
// userinfo, then path-abempty and query (already known to be target bytes).
bool IsAbsoluteForm(absl::string_view target) {
  size_t scheme_len;
  if (target.size() > 7 && EqualsIgnoreCase(Sub(target, 0, 7), "http://")) {
    scheme_len = 7;
  } else if (target.size() > 8 &&
             EqualsIgnoreCase(Sub(target, 0, 8), "https://")) {
    scheme_len = 8;
  } else {
    return false;
  }
  const absl::string_view rest = Sub(target, scheme_len);
  size_t authority_len = 0;
  while (authority_len < rest.size() && rest[authority_len] != '/' &&
         rest[authority_len] != '?') {
    ++authority_len;
  }
  return authority_len != 0 && IsValidHost(Sub(rest, 0, authority_len));
}

// Why a byte stopped a scan, for the error reason.
ParseError BadByteInRequestLine(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (c == '\r') return Error(400, "bare CR in request line");
  if (c == ' ') return Error(400, "extra whitespace in request line");
  if (u < 0x20 || u == 0x7f) return Error(400, "control byte in request line");
  if (u >= 0x80) return Error(400, "non-ASCII byte in request line");
  if (c == '#') return Error(400, "fragment in request target");
  return Error(400, "invalid character in method");
}

ParseError BadByteInFieldName(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (IsOws(c)) return Error(400, "whitespace between field name and colon");
  if (c == '\r') return Error(400, "bare CR in field name");
  if (c == '\n') return Error(400, "bare LF line ending");
  if (u < 0x20 || u == 0x7f) return Error(400, "control byte in field name");
  return Error(400, "invalid character in field name");
}

ParseError BadByteInFieldValue(char c) {
  if (c == '\n') return Error(400, "bare LF line ending");
  return Error(400, "control byte in field value");
}

// ---------------------------------------------------------------------------
// The head parser, instantiated once per scanner implementation.

template <typename Scan>
class HeadParser {
 public:
  HeadParser(absl::string_view bytes, const Limits& limits, RequestHead* head)
      : begin_(bytes.data()),
        p_(bytes.data()),
        end_(bytes.data() + bytes.size()),
        size_(bytes.size()),
        limits_(limits),
        head_(head) {}

  ParseError Parse() {
    head_->Clear();
    // RFC 9112 section 2.2: empty lines before the request line are ignored.
    while (end_ - p_ >= 2 && p_[0] == '\r' && p_[1] == '\n') p_ += 2;
    ParseError err = RequestLine();
    if (!err.ok()) return err;
    err = Fields();
    if (!err.ok()) return err;
    return Framing();
  }

 private:
  ParseError RequestLine() {
    const size_t avail = static_cast<size_t>(end_ - p_);
    const size_t window =
        std::min(avail, SaturatingAdd(limits_.max_request_line, 2));
    const char* lf =
        window == 0 ? nullptr
                    : static_cast<const char*>(std::memchr(p_, '\n', window));
    if (lf == nullptr) {
      if (avail >= SaturatingAdd(limits_.max_request_line, 2)) {
        return Error(414, "request line too long");
      }
      return Error(400, "incomplete request line");
    }
    const bool crlf = lf > p_ && lf[-1] == '\r';
    if (static_cast<size_t>(lf - p_) - (crlf ? 1 : 0) >
        limits_.max_request_line) {
      return Error(414, "request line too long");
    }
    if (!crlf) return Error(400, "bare LF line ending");
    if (size_ > limits_.max_head_bytes) {
      return Error(431, "request head too large");
    }
    const char* const line_end = lf - 1;

    const char* method_end = SkipScalar<kTokenBit>(p_, line_end);
    if (method_end == p_) {
      return method_end == line_end ? Error(400, "empty request line")
                                    : BadByteInRequestLine(*method_end);
    }
    if (method_end == line_end) return Error(400, "missing request target");
    if (*method_end != ' ') return BadByteInRequestLine(*method_end);

    const char* target_begin = method_end + 1;
    if (target_begin == line_end) return Error(400, "missing request target");
    const char* target_end = Scan::Target(begin_, target_begin, line_end);
    if (target_end == line_end) return Error(400, "missing HTTP version");
    if (target_end == target_begin || *target_end != ' ') {
      return BadByteInRequestLine(*target_end);
    }

    ParseError err = Version(target_end + 1, line_end);
    if (!err.ok()) return err;

    head_->method_name = absl::string_view(p_, method_end - p_);
    head_->method = LookupMethod(head_->method_name);
    head_->target = absl::string_view(target_begin, target_end - target_begin);
    err = TargetForm();
    if (!err.ok()) return err;
    p_ = lf + 1;
    return ParseError{};
  }

  ParseError Version(const char* v, const char* line_end) {
    if (line_end - v != 8 || std::memcmp(v, "HTTP/", 5) != 0 ||
        !IsDigit(v[5]) || v[6] != '.' || !IsDigit(v[7])) {
      return Error(400, "malformed HTTP version");
    }
    if (v[5] != '1' || v[7] > '1') {
      return Error(505, "HTTP version not supported");
    }
    head_->version_minor = v[7] - '0';
    return ParseError{};
  }

  ParseError TargetForm() {
    const absl::string_view target = head_->target;
    if (head_->method == Method::kConnect) {
      if (!IsAuthorityForm(target)) {
        return Error(400, "CONNECT needs an authority-form target");
      }
      head_->path = target;
      return ParseError{};
    }
    if (target.front() == '/') {
      SplitQuery(target);
      return ParseError{};
    }
    if (target == "*") {
      if (head_->method != Method::kOptions) {
        return Error(400, "'*' target is only for OPTIONS");
      }
      head_->path = target;
      return ParseError{};
    }
    if (IsAbsoluteForm(target)) {
      SplitQuery(target);
      head_->path = target;
      return ParseError{};
    }
    return Error(400, "invalid request target");
  }

  // path = before the first '?', query = after it.
  void SplitQuery(absl::string_view target) {
    const void* q = std::memchr(target.data(), '?', target.size());
    if (q == nullptr) {
      head_->path = target;
      return;
    }
    const size_t at = static_cast<const char*>(q) - target.data();
    head_->path = Sub(target, 0, at);
    head_->query = Sub(target, at + 1);
  }

  ParseError Fields() {
    for (;;) {
      if (p_ == end_) return Error(400, "incomplete head");
      if (*p_ == '\r') {
        if (end_ - p_ < 2 || p_[1] != '\n') {
          return Error(400, "bare CR in header section");
        }
        if (p_ + 2 != end_) return Error(400, "bytes after the end of the head");
        return ParseError{};
      }
      if (IsOws(*p_)) {
        return Error(400, "obs-fold or whitespace at start of a field line");
      }
      const char* name_end = SkipScalar<kTokenBit>(p_, end_);
      if (name_end == end_) return Error(400, "incomplete head");
      if (name_end == p_) {
        return *p_ == ':' ? Error(400, "empty field name")
                          : BadByteInFieldName(*p_);
      }
      if (*name_end != ':') return BadByteInFieldName(*name_end);

      const char* v = name_end + 1;
      while (v < end_ && IsOws(*v)) ++v;
      const char* v_end = Scan::Value(begin_, v, end_);
      if (v_end == end_) return Error(400, "incomplete head");
      if (*v_end != '\r') return BadByteInFieldValue(*v_end);
      if (end_ - v_end < 2 || v_end[1] != '\n') {
        return Error(400, "bare CR in field value");
      }
      const char* trimmed_end = v_end;
      while (trimmed_end > v && IsOws(trimmed_end[-1])) --trimmed_end;

      if (head_->headers.size() >= limits_.max_headers) {
        return Error(431, "too many header fields");
      }
      const Header header{absl::string_view(p_, name_end - p_),
                          absl::string_view(v, trimmed_end - v)};
      head_->headers.Add(header);
      ParseError err = KnownField(header);
      if (!err.ok()) return err;
      p_ = v_end + 2;
    }
  }

  // Records the fields that frame the message or set connection semantics.
  ParseError KnownField(const Header& h) {
    switch (h.name.size()) {
      case 4:
        if (EqualsIgnoreCase(h.name, "host")) {
          ++host_count_;
          if (!IsValidHost(h.value)) return Error(400, "invalid Host");
        }
        break;
      case 6:
        if (EqualsIgnoreCase(h.name, "expect") &&
            EqualsIgnoreCase(h.value, "100-continue")) {
          expect_continue_ = true;
        }
        break;
      case 10:
        if (EqualsIgnoreCase(h.name, "connection")) Connection(h.value);
        break;
      case 14:
        if (EqualsIgnoreCase(h.name, "content-length")) {
          return ContentLength(h.value);
        }
        break;
      case 17:
        if (EqualsIgnoreCase(h.name, "transfer-encoding")) {
          return TransferEncoding(h.value);
        }
        break;
      default:
        break;
    }
    return ParseError{};
  }

  void Connection(absl::string_view value) {
    ListElements list(value);
    absl::string_view option;
    while (list.Next(&option)) {
      if (EqualsIgnoreCase(option, "close")) connection_close_ = true;
      if (EqualsIgnoreCase(option, "keep-alive")) connection_keep_alive_ = true;
    }
  }

  // 1*DIGIT, or a list of them that are all the same number (RFC 9110 8.6),
  // also across repeated fields. Values are compared without leading zeros.
  ParseError ContentLength(absl::string_view value) {
    ListElements list(value);
    absl::string_view element;
    while (list.Next(&element)) {
      if (element.empty() ||
          !std::all_of(element.begin(), element.end(), IsDigit)) {
        return Error(400, "invalid Content-Length");
      }
      while (element.size() > 1 && element.front() == '0') {
        element.remove_prefix(1);
      }
      if (!have_content_length_) {
        have_content_length_ = true;
        content_length_digits_ = element;
      } else if (element != content_length_digits_) {
        return Error(400, "differing Content-Length values");
      }
    }
    return ParseError{};
  }

  // Transfer codings in order, also across repeated fields; see Framing().
  ParseError TransferEncoding(absl::string_view value) {
    have_transfer_encoding_ = true;
    ListElements list(value);
    absl::string_view coding;
    while (list.Next(&coding)) {
      const char* name_end =
          SkipScalar<kTokenBit>(coding.data(), coding.data() + coding.size());
      const absl::string_view name(coding.data(), name_end - coding.data());
      const absl::string_view params = TrimOws(Sub(coding, name.size()));
      if (name.empty() || (!params.empty() && params.front() != ';')) {
        return Error(400, "invalid Transfer-Encoding");
      }
      if (EqualsIgnoreCase(name, "chunked")) {
        if (!params.empty()) return Error(400, "parameters on chunked");
        ++chunked_count_;
        last_coding_chunked_ = true;
      } else {
        unknown_coding_ = true;
        last_coding_chunked_ = false;
      }
    }
    return ParseError{};
  }

  ParseError Framing() {
    RequestHead& h = *head_;
    if (host_count_ > 1) return Error(400, "more than one Host");
    if (host_count_ == 0 && h.version_minor == 1) {
      return Error(400, "missing Host");
    }
    if (have_transfer_encoding_) {
      if (have_content_length_) {
        return Error(400, "both Content-Length and Transfer-Encoding");
      }
      if (h.version_minor == 0) {
        return Error(400, "Transfer-Encoding in HTTP/1.0");
      }
      if (chunked_count_ > 1 || (chunked_count_ == 1 && !last_coding_chunked_)) {
        return Error(400, "chunked must be the final coding, once");
      }
      if (unknown_coding_) return Error(501, "unsupported transfer coding");
      h.body_kind = BodyKind::kChunked;
    } else if (have_content_length_) {
      uint64_t n = 0;
      for (char c : content_length_digits_) {
        const auto digit = static_cast<uint64_t>(c - '0');
        if (n > (UINT64_MAX - digit) / 10) {
          return Error(413, "Content-Length too large");
        }
        n = n * 10 + digit;
      }
      if (n > limits_.max_body_bytes) {
        return Error(413, "Content-Length too large");
      }
      h.body_kind = BodyKind::kContentLength;
      h.content_length = n;
    }
    h.keep_alive = h.version_minor == 1
                       ? !connection_close_
                       : connection_keep_alive_ && !connection_close_;
    h.expect_continue = h.version_minor == 1 && expect_continue_;
    return ParseError{};
  }

  const char* const begin_;
  const char* p_;
  const char* const end_;
  const size_t size_;
  const Limits& limits_;
  RequestHead* const head_;

  int host_count_ = 0;
  bool have_content_length_ = false;
  absl::string_view content_length_digits_;
  bool have_transfer_encoding_ = false;
  int chunked_count_ = 0;
  bool last_coding_chunked_ = false;
  bool unknown_coding_ = false;
  bool connection_close_ = false;
  bool connection_keep_alive_ = false;
  bool expect_continue_ = false;
};

}  // namespace

// ---------------------------------------------------------------------------

absl::string_view MethodName(Method method) {
  switch (method) {
    case Method::kGet: return "GET";
    case Method::kHead: return "HEAD";
    case Method::kPost: return "POST";
    case Method::kPut: return "PUT";
    case Method::kDelete: return "DELETE";
    case Method::kPatch: return "PATCH";
    case Method::kOptions: return "OPTIONS";
    case Method::kConnect: return "CONNECT";
    case Method::kTrace: return "TRACE";
    case Method::kOther: return "OTHER";
  }
  return "OTHER";
}

HeaderList::HeaderList(HeaderList&& other) noexcept { *this = std::move(other); }

HeaderList& HeaderList::operator=(HeaderList&& other) noexcept {
  if (this == &other) return *this;
  delete[] overflow_;
  std::copy(other.inline_, other.inline_ + std::min(other.size_, kInline),
            inline_);
  overflow_ = std::exchange(other.overflow_, nullptr);
  overflow_capacity_ = std::exchange(other.overflow_capacity_, 0);
  size_ = std::exchange(other.size_, 0);
  return *this;
}

HeaderList::~HeaderList() { delete[] overflow_; }

std::optional<absl::string_view> HeaderList::Get(absl::string_view name) const {
  for (size_t i = 0; i < size_; ++i) {
    const Header& h = (*this)[i];
    if (EqualsIgnoreCase(h.name, name)) return h.value;
  }
  return std::nullopt;
}

void HeaderList::Add(Header header) {
  if (size_ < kInline) {
    inline_[size_++] = header;
    return;
  }
  const size_t index = size_ - kInline;
  if (index == overflow_capacity_) {
    const size_t capacity = std::max<size_t>(kInline, overflow_capacity_ * 2);
    Header* grown = new Header[capacity];
    std::copy(overflow_, overflow_ + overflow_capacity_, grown);
    delete[] overflow_;
    overflow_ = grown;
    overflow_capacity_ = capacity;
  }
  overflow_[index] = header;
  ++size_;
}

void RequestHead::Clear() {
  method = Method::kGet;
  method_name = {};
  target = {};
  path = {};
  query = {};
  version_minor = 1;
  headers.Clear();
  keep_alive = true;
  expect_continue = false;
  body_kind = BodyKind::kNone;
  content_length = 0;
}

size_t HeadScanner::FindHeadEnd(absl::string_view buffer, const Limits& limits,
                                ParseError* error) {
  if (error != nullptr) *error = ParseError{};
  auto fail = [this, error](int status, const char* reason) -> size_t {
    if (error != nullptr) *error = Error(status, reason);
    scanned_ = SIZE_MAX;  // Asking again rescans and reports the same error.
    return 0;
  };
  const char* const data = buffer.data();
  const size_t size = buffer.size();
  if (size < scanned_) Reset();  // A different buffer: start over.

  // Each call looks only at bytes after scanned_, one memchr per line.
  while (scanned_ < size) {
    const void* hit = std::memchr(data + scanned_, '\n', size - scanned_);
    if (hit == nullptr) {
      scanned_ = size;
      break;
    }
    const size_t lf = static_cast<const char*>(hit) - data;
    scanned_ = lf + 1;
    const bool crlf = lf > line_start_ && data[lf - 1] == '\r';
    const size_t line_len = lf - line_start_ - (crlf ? 1 : 0);
    // Checks in the order a client trickling bytes would trigger them.
    if (!request_line_done_ && line_len > limits.max_request_line) {
      return fail(414, "request line too long");
    }
    if (lf >= limits.max_head_bytes) {
      return fail(431, "request head too large");
    }
    if (!crlf) return fail(400, "bare LF line ending");
    if (line_len == 0 && request_line_done_) {
      scanned_ = line_start_;  // Asking again, before Reset(), gives lf + 1.
      return lf + 1;
    }
    line_start_ = lf + 1;
    // An empty line before the request line is skipped (RFC 9112 2.2).
    if (line_len != 0) request_line_done_ = true;
  }

  if (!request_line_done_) {
    const size_t partial = size - line_start_;
    const bool cr_last = partial > 0 && data[size - 1] == '\r';
    if (partial - (cr_last ? 1 : 0) > limits.max_request_line) {
      return fail(414, "request line too long");
    }
  }
  // The head would end at size + 1 or later.
  if (size >= limits.max_head_bytes) {
    return fail(431, "request head too large");
  }
  return 0;
}

// One entry point per scanner, each with the whole parser inlined into it
// (the AVX2 one compiled for AVX2, so its vector code inlines too).
namespace {

__attribute__((flatten)) ParseError ParseHeadScalar(absl::string_view bytes,
                                                    const Limits& limits,
                                                    RequestHead* head) {
  return HeadParser<ScalarScan>(bytes, limits, head).Parse();
}

#if HYPER_HTTP_HAVE_AVX2_PATH
__attribute__((target("avx2"), flatten)) ParseError ParseHeadAvx2(
    absl::string_view bytes, const Limits& limits, RequestHead* head) {
  return HeadParser<Avx2Scan>(bytes, limits, head).Parse();
}
#endif

}  // namespace

ParseError ParseHead(absl::string_view head_bytes, const Limits& limits,
                     RequestHead* head) {
#if HYPER_HTTP_HAVE_AVX2_PATH
  const ScanImpl impl = g_scan_impl.load(std::memory_order_relaxed);
  if (impl == ScanImpl::kAvx2 || (impl == ScanImpl::kAuto && CpuHasAvx2())) {
    return ParseHeadAvx2(head_bytes, limits, head);
  }
#endif
  return ParseHeadScalar(head_bytes, limits, head);
}

namespace internal {

bool ScanImplAvailable(ScanImpl impl) {
  return impl != ScanImpl::kAvx2 || CpuHasAvx2();
}

bool SetScanImplForTesting(ScanImpl impl) {
  if (!ScanImplAvailable(impl)) return false;
  g_scan_impl.store(impl, std::memory_order_relaxed);
  return true;
}

}  // namespace internal
}  // namespace hyper::http
