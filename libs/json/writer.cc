#include "libs/json/writer.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace hyper::json {

namespace {

// Bytes that go out as they are: printable ASCII but '"' and '\\'.
constexpr std::array<bool, 256> SafeBytes(bool script_safe) {
  std::array<bool, 256> safe{};
  for (int c = 0x20; c < 0x7F; ++c) safe[c] = true;
  safe['"'] = safe['\\'] = false;
  if (script_safe) safe['<'] = safe['>'] = safe['&'] = false;
  return safe;
}
constexpr std::array<bool, 256> kSafeBytes = SafeBytes(false);
constexpr std::array<bool, 256> kScriptSafeBytes = SafeBytes(true);

// The length of the valid UTF-8 sequence at p (>= 0x80), or 0 if invalid.
int Utf8Length(const unsigned char* p, const unsigned char* end) {
  unsigned char c = *p;
  int extra;
  uint32_t cp;
  if (c >= 0xC2 && c <= 0xDF) {
    extra = 1;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    extra = 2;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    extra = 3;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (end - p <= extra) return 0;
  for (int i = 1; i <= extra; ++i) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  if ((extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) || cp > 0x10FFFF ||
      (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  return extra + 1;
}

// --- Runs of bytes that need no escaping ----------------------------------

#if defined(__SSE2__)
// Bit i set when byte i of x needs escaping or checking: '"', '\\', below
// 0x20, 0x7F, non-ASCII (negative as signed), and '<' '>' '&' if script-safe.
template <bool kScriptSafe>
inline uint32_t UnsafeMask(__m128i x) {
  __m128i m = _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')),
                           _mm_cmpeq_epi8(x, _mm_set1_epi8('\\')));
  m = _mm_or_si128(m, _mm_cmplt_epi8(x, _mm_set1_epi8(0x20)));
  m = _mm_or_si128(m, _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7F)));
  if constexpr (kScriptSafe) {
    m = _mm_or_si128(m, _mm_cmpeq_epi8(x, _mm_set1_epi8('<')));
    m = _mm_or_si128(m, _mm_cmpeq_epi8(x, _mm_set1_epi8('>')));
    m = _mm_or_si128(m, _mm_cmpeq_epi8(x, _mm_set1_epi8('&')));
  }
  return static_cast<uint32_t>(_mm_movemask_epi8(m));
}

// Two pieces of kHalf bytes (8 or 4), from the start of s and from its end
// (they may overlap), judged as one vector; returns the count of safe bytes
// at the start of s[0, n) and copies s to out. n in [kHalf, 2 * kHalf].
template <bool kScriptSafe, int kHalf>
inline size_t CopySafeSmall(char* out, const unsigned char* s, size_t n) {
  uint64_t lo = 0, hi = 0;
  std::memcpy(&lo, s, kHalf);
  std::memcpy(&hi, s + n - kHalf, kHalf);
  std::memcpy(out, &lo, kHalf);
  std::memcpy(out + n - kHalf, &hi, kHalf);
  const __m128i x = _mm_set_epi64x(static_cast<int64_t>(hi), static_cast<int64_t>(lo));
  // Bytes past kHalf in each 8-byte half are zero, which counts as unsafe:
  // mask them off.
  constexpr uint32_t kPiece = (1u << kHalf) - 1;
  const uint32_t m = UnsafeMask<kScriptSafe>(x);
  const uint64_t bits = (m & kPiece) | (static_cast<uint64_t>((m >> 8) & kPiece) << (n - kHalf));
  return bits == 0 ? n : static_cast<size_t>(__builtin_ctzll(bits));
}
#endif

// Copies the bytes at the start of s[0, n) that go out as they are to out
// and returns their count. May store up to n bytes at out whatever it
// returns (what is past the count is garbage).
template <bool kScriptSafe>
size_t CopySafe(char* out, const unsigned char* s, size_t n) {
#if defined(__SSE2__)
  if (n >= 16) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
      const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), x);
      const uint32_t m = UnsafeMask<kScriptSafe>(x);
      if (m != 0) return i + static_cast<size_t>(__builtin_ctz(m));
    }
    if (i == n) return n;
    // The last, partial block: the 16 bytes ending at n, overlapping.
    const size_t j = n - 16;
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + j));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + j), x);
    const uint32_t m = UnsafeMask<kScriptSafe>(x) >> (i - j);
    return m == 0 ? n : i + static_cast<size_t>(__builtin_ctz(m));
  }
  if (n >= 8) return CopySafeSmall<kScriptSafe, 8>(out, s, n);
  if (n >= 4) return CopySafeSmall<kScriptSafe, 4>(out, s, n);
#endif
  const std::array<bool, 256>& safe = kScriptSafe ? kScriptSafeBytes : kSafeBytes;
  size_t i = 0;
  for (; i < n && safe[s[i]]; ++i) out[i] = static_cast<char>(s[i]);
  return i;
}

// --- Numbers ---------------------------------------------------------------

constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

template <size_t kCount>
constexpr std::array<uint64_t, kCount> Powers(uint64_t base) {
  std::array<uint64_t, kCount> powers{};
  uint64_t power = 1;
  for (uint64_t& p : powers) {
    p = power;
    power *= base;
  }
  return powers;
}
constexpr std::array<uint64_t, 20> kPow10Int = Powers<20>(10);  // up to 10^19
constexpr std::array<uint64_t, 23> kPow5 = Powers<23>(5);

int DigitCount(uint64_t u) {
  u |= 1;  // the same count, and a bit to find
  const int guess = ((64 - __builtin_clzll(u)) * 1233) >> 12;  // ~log10(2^bits)
  return guess + (u >= kPow10Int[guess]);
}

// v < 100 as two digits.
void Put2(char* p, uint64_t v) { std::memcpy(p, kDigitPairs + 2 * v, 2); }
// v < 10^4 as four digits.
void Put4(char* p, uint64_t v) {
  Put2(p, v / 100);
  Put2(p + 2, v % 100);
}

// v < 10^width, width in [1, 4], as exactly `width` digits.
inline void PutUpTo4(char* p, uint64_t v, int width) {
  if (width == 2) {
    Put2(p, v);
  } else if (width == 1) {
    *p = static_cast<char>('0' + v);
  } else if (width == 4) {
    Put4(p, v);
  } else {
    *p = static_cast<char>('0' + v / 100);
    Put2(p + 1, v % 100);
  }
}

// v < 10^width, width in [1, 20], as exactly `width` digits.
char* PutFixed(char* p, uint64_t v, int width) {
  char* const end = p + width;
  for (; width > 4; width -= 4) {
    Put4(p + width - 4, v % 10000);
    v /= 10000;
  }
  PutUpTo4(p, v, width);
  return end;
}

// The count of u's digits when u < 10^4.
inline int SmallWidth(uint64_t u) { return u < 10 ? 1 : u < 100 ? 2 : u < 1000 ? 3 : 4; }

// u's digits, no leading zeros.
inline char* PutUint(char* p, uint64_t u) {
  if (u < 10000) {
    PutUpTo4(p, u, SmallWidth(u));
    return p + SmallWidth(u);
  }
  if (u >= 100000000) return PutFixed(p, u, DigitCount(u));  // rare
  const uint64_t high = u / 10000;
  const int width = SmallWidth(high);
  PutUpTo4(p, high, width);
  Put4(p + width, u % 10000);
  return p + width + 4;
}

constexpr double kPow10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                               1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                               1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
constexpr uint64_t kMaxShortDigits = uint64_t{1} << 50;
// The largest odd with odd * 5^k < 2^50, per k (a division made ahead).
constexpr std::array<uint64_t, 23> MaxOddTimesPow5() {
  std::array<uint64_t, 23> max{};
  for (size_t k = 0; k < max.size(); ++k) max[k] = (kMaxShortDigits - 1) / kPow5[k];
  return max;
}
constexpr std::array<uint64_t, 23> kMaxOdd = MaxOddTimesPow5();

// How std::to_chars writes a shortest decimal d * 10^e (d without trailing
// zeros, n digits, leading digit at x = e + n - 1): plain or scientific,
// whichever is shorter, plain on a tie. Plain takes n + 1 - x bytes when
// x < 0 ("0.00ddd"), x + 1 when n <= x + 1 ("ddd00"), else n + 1
// ("dd.ddd"); scientific n + (n > 1) + 4 ("d.dde+xx"). So "dd.ddd" always
// wins, "ddd00" while it has at most 4 zeros (5 when n > 1), and "0.00ddd"
// while -x <= 3 (4 when n > 1).

// d * 10^x with d a single digit or, when n > 1, d's n digits written as
// "d.ddd"; |x| < 100.
char* PutScientific(char* p, uint64_t d, int n, int x) {
  const uint64_t scale = kPow10Int[n - 1];
  const uint64_t lead = d / scale;
  *p = static_cast<char>('0' + lead);
  p[1] = '.';
  p = n > 1 ? PutFixed(p + 2, d - lead * scale, n - 1) : p + 1;
  const int e = x < 0 ? -x : x;
  const char text[4] = {'e', x < 0 ? '-' : '+', kDigitPairs[2 * e], kDigitPairs[2 * e + 1]};
  std::memcpy(p, text, 4);
  return p + 4;
}

// An integer v < 2^50 (its own digits are the shortest).
char* PutWhole(char* p, uint64_t v) {
  if (v < 100000 || v % 100000 != 0) return PutUint(p, v);  // at most 4 zeros
  int zeros = 5;
  uint64_t d = v / 100000;
  while (d % 10 == 0) {
    d /= 10;
    ++zeros;
  }
  if (zeros == 5 && d >= 10) return PutUint(p, v);
  const int n = DigitCount(d);
  return PutScientific(p, d, n, zeros + n - 1);
}

// a = d / 10^places (d without trailing zeros, places >= 1, d < 2^50).
char* PutFraction(char* p, double a, uint64_t d, int places) {
  if (a >= 1) {  // dd.ddd; the integer part is a's, as a is no integer
    const uint64_t whole = static_cast<uint64_t>(a);
    p = PutUint(p, whole);
    *p++ = '.';
    return PutFixed(p, d - whole * kPow10Int[places], places);
  }
  const int n = DigitCount(d);
  const int x = n - 1 - places;
  if (-x > 3 + (n > 1)) return PutScientific(p, d, n, x);
  static constexpr char kZeros[] = "0.0000";
  std::memcpy(p, kZeros, 6);  // "0." and up to 4 zeros
  return PutFixed(p + 1 - x, d, n);
}

// Writes a > 0 as std::to_chars would when the shortest decimal that reads
// back as `a` is d / 10^places with d < 2^50 and places <= 22 (most numbers
// people write); returns nullptr, writing nothing, for the others.
//
// Why it is the shortest: with p = a * 10^places < 2^50, a decimal
// N / 10^places reads back as `a` only within half an ulp of a, that is
// within p * 2^-53 < 1/8 of p, so at most one such N exists. Every decimal
// with fewer significant digits lies on a coarser grid, so it would be that
// same N: stripping N's trailing zeros gives the shortest digits, and they
// are unique, as std::to_chars' are.
char* PutShortDouble(char* p, double a) {
  // a = odd * 2^shift exactly.
  uint64_t bits;
  std::memcpy(&bits, &a, sizeof(bits));
  const int biased = static_cast<int>(bits >> 52);
  uint64_t odd = bits & ((uint64_t{1} << 52) - 1);
  int shift = biased - 1075;
  if (biased != 0) {
    odd |= uint64_t{1} << 52;
  } else {
    shift = -1074;  // subnormal
  }
  const int zeros = __builtin_ctzll(odd);
  odd >>= zeros;
  shift += zeros;
  if (shift >= 0) {
    if (shift >= 50 || odd >= (kMaxShortDigits >> shift)) return nullptr;
    return PutWhole(p, odd << shift);
  }
  // Exactly odd * 5^k / 10^k with k = -shift places: N = odd * 5^k is odd
  // (no trailing zero), so when it is below 2^50 it is the answer.
  const int k = -shift;
  if (k <= 22 && odd <= kMaxOdd[k]) return PutFraction(p, a, odd * kPow5[k], k);
  // Not a short binary fraction (0.1, 12.34): try 1, 2, ... places, checking
  // each integral fl(a * 10^places) by reading it back.
  for (int places = 1; places < 23; ++places) {
    const double scaled = a * kPow10[places];
    if (!(scaled < static_cast<double>(kMaxShortDigits))) return nullptr;
    const int64_t n = static_cast<int64_t>(scaled);
    if (static_cast<double>(n) != scaled || n == 0) continue;
    if (static_cast<double>(n) / kPow10[places] != a) continue;
    uint64_t d = static_cast<uint64_t>(n);
    int e = places;
    while (d % 10 == 0) {  // a is no integer, so e stays >= 1
      d /= 10;
      --e;
    }
    return PutFraction(p, a, d, e);
  }
  return nullptr;
}

// Input bytes escaped per step at most, so a step's room stays bounded.
constexpr size_t kStep = 4096;

}  // namespace

char* JsonWriter::PutInt(char* p, int64_t value) {
  uint64_t u = static_cast<uint64_t>(value);
  if (value < 0) {
    *p++ = '-';
    u = 0 - u;
  }
  return PutUint(p, u);
}

char* JsonWriter::PutDouble(char* p, double value) {
  if (!std::isfinite(value)) {
    std::memcpy(p, "null", 4);
    return p + 4;
  }
  if (value == 0) {
    *p = '-';
    p += std::signbit(value);
    *p = '0';
    return p + 1;
  }
  char* sign = p;
  *sign = '-';
  if (char* end = PutShortDouble(p + (value < 0), std::fabs(value))) return end;
  return std::to_chars(sign, sign + kMaxDoubleSize, value).ptr;
}

bool IsValidUtf8(absl::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const unsigned char* end = p + text.size();
  while (p < end) {
#if defined(__SSE2__)
    // ASCII 16 bytes at a time.
    while (end - p >= 16 &&
           _mm_movemask_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))) == 0) {
      p += 16;
    }
    if (p == end) break;
#endif
    if (*p < 0x80) {
      ++p;
      continue;
    }
    int length = Utf8Length(p, end);
    if (length == 0) return false;
    p += length;
  }
  return true;
}

JsonWriter::Name::Name(absl::string_view name) {
  for (int mode = 0; mode < 2; ++mode) {
    std::string& text = text_[mode];
    text.push_back(',');  // empty before
    JsonWriter w(&text, Options{.script_safe = mode == 1});
    w.String(name);
    text.push_back(':');
    size_[mode] = text.size();
    text.append(kBlock, '\0');
    valid_ = w.ok();
  }
  max_size_ = std::max(size_[0], size_[1]);
}

void JsonWriter::Open(Span& s, size_t n) {
  const size_t size = out_->size();
  out_->resize(size + n);
  s.p = out_->data() + size;
  s.end = out_->data() + out_->size();
}

void JsonWriter::Grow(Span& s, size_t n) {
  const size_t used = static_cast<size_t>(s.p - out_->data());
  out_->resize(used + n + 64);
  s.p = out_->data() + used;
  s.end = out_->data() + out_->size();
}

void JsonWriter::PutString(Span& s, absl::string_view value) {
  const std::array<bool, 256>& safe = options_.script_safe ? kScriptSafeBytes : kSafeBytes;
  const auto* p = reinterpret_cast<const unsigned char*>(value.data());
  const unsigned char* end = p + value.size();
  Reserve(s, std::min(value.size(), kStep) + 2);
  if (value.size() <= kStep) {  // the common case: nothing to escape
    if (char* end = PutSafeString(s.p, value, options_.script_safe)) {
      s.p = end;
      return;
    }
  }
  const size_t mark = static_cast<size_t>(s.p - out_->data());
  *s.p++ = '"';
  while (p < end) {
    // Bytes that go out as they are...
    const size_t step = std::min(static_cast<size_t>(end - p), kStep);
    Reserve(s, step + 1);
    const size_t n = options_.script_safe ? CopySafe<true>(s.p, p, step)
                                          : CopySafe<false>(s.p, p, step);
    s.p += n;
    p += n;
    if (n == step) continue;
    // ...then those that do not, one at a time.
    static constexpr char kHex[] = "0123456789abcdef";
    while (p < end && !safe[*p]) {
      Reserve(s, 7);
      const unsigned char c = *p;
      if (c >= 0x80) {
        const int length = Utf8Length(p, end);
        if (length == 0) {
          s.p = out_->data() + mark;
          std::memcpy(s.p, "\"\"", 2);
          s.p += 2;
          ok_ = false;
          return;
        }
        // U+2028/U+2029 end a line in JavaScript: escaped in script-safe mode.
        if (options_.script_safe && length == 3 && c == 0xE2 && p[1] == 0x80 &&
            (p[2] == 0xA8 || p[2] == 0xA9)) {
          std::memcpy(s.p, p[2] == 0xA8 ? "\\u2028" : "\\u2029", 6);
          s.p += 6;
        } else {
          std::memcpy(s.p, p, static_cast<size_t>(length));
          s.p += length;
        }
        p += length;
        continue;
      }
      char* o = s.p;
      o[0] = '\\';
      switch (c) {
        case '"': o[1] = '"'; break;
        case '\\': o[1] = '\\'; break;
        case '\n': o[1] = 'n'; break;
        case '\r': o[1] = 'r'; break;
        case '\t': o[1] = 't'; break;
        case '\b': o[1] = 'b'; break;
        case '\f': o[1] = 'f'; break;
        default: {
          const char u[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
          std::memcpy(o, u, 6);
          s.p += 4;
        }
      }
      s.p += 2;
      ++p;
    }
  }
  Reserve(s, 1);
  *s.p++ = '"';
}

char* JsonWriter::PutSafeString(char* p, absl::string_view value, size_t script_safe) {
  const auto* in = reinterpret_cast<const unsigned char*>(value.data());
  const size_t n = script_safe ? CopySafe<true>(p + 1, in, value.size())
                               : CopySafe<false>(p + 1, in, value.size());
  if (n != value.size()) return nullptr;
  p[0] = '"';
  p[n + 1] = '"';
  return p + n + 2;
}

void JsonWriter::StartObject() {
  if (CommaBefore()) out_->push_back(',');
  out_->push_back('{');
  Push();
}

void JsonWriter::EndObject() {
  out_->push_back('}');
  Pop();
}

void JsonWriter::StartArray() {
  if (CommaBefore()) out_->push_back(',');
  out_->push_back('[');
  Push();
}

void JsonWriter::EndArray() {
  out_->push_back(']');
  Pop();
}

void JsonWriter::Key(absl::string_view key) {
  String(key);
  out_->push_back(':');
  after_key_ = true;
}

void JsonWriter::Key(const Name& key) {
  const bool skip_comma = !CommaBefore();
  const std::string& text = key.text_[options_.script_safe];
  out_->append(text.data() + skip_comma, key.size_[options_.script_safe] - skip_comma);
  if (!key.valid_) ok_ = false;
  after_key_ = true;
}

void JsonWriter::String(absl::string_view value) {
  Span s;
  Open(s, std::min(value.size(), kStep) + 3);
  *s.p = ',';
  s.p += CommaBefore();
  PutString(s, value);
  Close(s);
}

void JsonWriter::Int(int64_t value) {
  char buffer[1 + kMaxIntSize + kSlack];
  buffer[0] = ',';
  char* p = buffer + CommaBefore();
  p = PutInt(p, value);
  out_->append(buffer, static_cast<size_t>(p - buffer));
}

void JsonWriter::Double(double value) {
  char buffer[1 + kMaxDoubleSize + kSlack];
  buffer[0] = ',';
  char* p = buffer + CommaBefore();
  p = PutDouble(p, value);
  out_->append(buffer, static_cast<size_t>(p - buffer));
}

void JsonWriter::Raw(absl::string_view json) {
  if (CommaBefore()) out_->push_back(',');
  out_->append(json.data(), json.size());
}

void JsonWriter::Bool(bool value) {
  if (CommaBefore()) out_->push_back(',');
  out_->append(value ? "true" : "false");
}

void JsonWriter::Null() {
  if (CommaBefore()) out_->push_back(',');
  out_->append("null");
}

JsonWriter::Members::Members(JsonWriter* w) : w_(w), mode_(w->options_.script_safe) {
  buffer_[0] = ',';
  start_ = w->CommaBefore();
  buffer_[start_++] = '{';
  w->Push();
}

char* JsonWriter::Members::Flush(char* p) {
  w_->out_->append(buffer_, static_cast<size_t>(p - buffer_));
  return buffer_;
}

char* JsonWriter::Members::KeyAfterFlush(char* p, const Name& name) {
  Flush(p);
  const size_t skip_comma = skip_comma_;
  skip_comma_ = 0;
  w_->out_->append(name.text_[mode_].data() + skip_comma, name.size_[mode_] - skip_comma);
  if (!name.valid_) w_->ok_ = false;
  return buffer_;
}

char* JsonWriter::Members::EscapeString(char* p, absl::string_view value) {
  Flush(p);
  Span s;
  w_->Open(s, std::min(value.size(), kStep) + 2);
  w_->PutString(s, value);
  w_->Close(s);
  return buffer_;
}

JsonWriter* JsonWriter::Members::Pause(char* p) {
  Flush(p);
  w_->has_member_ = skip_comma_ == 0;
  return w_;
}

void JsonWriter::Members::Finish(char* p) {
  if (p == buffer_ + kBufferSize) p = Flush(p);
  *p++ = '}';
  Flush(p);
  w_->Pop();
}

}  // namespace hyper::json
