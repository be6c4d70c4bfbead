#include "libs/validation/email.h"

#include <array>
#include <cstdint>
#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HYPER_EMAIL_AVX2 1
#include <immintrin.h>
#endif

namespace hyper::validation {
namespace {

enum : uint8_t {
  kAtext = 1,   // may appear in a dot-atom local part
  kLabel = 2,   // letter, digit or hyphen: may appear in a domain label
  kLetter = 4,
};

constexpr std::array<uint8_t, 256> MakeClasses() {
  std::array<uint8_t, 256> t{};
  for (int c = 'a'; c <= 'z'; ++c) t[c] = kAtext | kLabel | kLetter;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = kAtext | kLabel | kLetter;
  for (int c = '0'; c <= '9'; ++c) t[c] = kAtext | kLabel;
  for (char c : "!#$%&'*+/=?^_`{|}~") {
    if (c != '\0') t[static_cast<unsigned char>(c)] = kAtext;
  }
  t['-'] = kAtext | kLabel;
  return t;
}

constexpr std::array<uint8_t, 256> kClasses = MakeClasses();

#if defined(HYPER_EMAIL_AVX2)
// Addresses of 5 to 64 bytes (nearly all) are judged whole: each byte is
// classified with two 16-entry table lookups (vpshufb on its low and high
// nibble, ANDed), the classes become one bit per byte, and the rules are bit
// arithmetic on those masks, without a branch per byte. The length limits
// cannot be reached below 65 bytes.
//
// Class bits, each the set of bytes whose low nibble is in one set and high
// nibble in another (ASCII rows 2..7; bytes >= 0x80 get none):
//   0: A-O a-o   (rows 4, 6; columns 1-F)      1: P-Z p-z (rows 5, 7; 0-A)
//   2: 0-9       (row 3; 0-9)                   3: ! # $ % & ' * + - / (row 2)
//   4: ? _       (rows 3, 5; F)                 5: = }     (rows 3, 7; D)
//   6: ^ ~       (rows 5, 7; E)                 7: ` { | k l p (rows 6, 7; 0 B C)
// So atext is "any bit", letters bits 0-1, letters and digits bits 0-2.
struct NibbleSets {
  uint16_t low;   // bit c: low nibble c is in the set
  uint8_t rows;   // bit r: high nibble r is in the set
};
constexpr NibbleSets kClassSets[8] = {
    {0xFFFE, 0x50}, {0x07FF, 0xA0}, {0x03FF, 0x08}, {0xACFA, 0x04},
    {0x8000, 0x28}, {0x2000, 0x88}, {0x4000, 0xA0}, {0x1801, 0xC0},
};

constexpr std::array<uint8_t, 16> NibbleTable(bool high) {
  std::array<uint8_t, 16> table{};
  for (int nibble = 0; nibble < 16; ++nibble) {
    for (int bit = 0; bit < 8; ++bit) {
      const bool in = high ? nibble < 8 && ((kClassSets[bit].rows >> nibble) & 1)
                           : (kClassSets[bit].low >> nibble) & 1;
      if (in) table[nibble] |= static_cast<uint8_t>(1 << bit);
    }
  }
  return table;
}
constexpr std::array<uint8_t, 16> kLowTable = NibbleTable(false);
constexpr std::array<uint8_t, 16> kHighTable = NibbleTable(true);

// The nibble tables give the same classes as kClasses, for every byte.
constexpr bool NibbleTablesAgree() {
  for (int c = 0; c < 256; ++c) {
    const int cls = c >= 0x80 ? 0 : kLowTable[c & 0xF] & kHighTable[c >> 4];
    if ((cls != 0) != ((kClasses[c] & kAtext) != 0)) return false;
    if (((cls & 3) != 0) != ((kClasses[c] & kLetter) != 0)) return false;
    if (((cls & 7) != 0) != ((kClasses[c] & kLabel) != 0 && c != '-')) return false;
  }
  return true;
}
static_assert(NibbleTablesAgree());

// Shuffle controls that move 16 bytes up or down by k: load 16 bytes at
// kSlideUp + 16 - k, or at kSlideDown + k (0x80 gives a zero byte).
constexpr std::array<uint8_t, 32> Slide(bool up) {
  std::array<uint8_t, 32> t{};
  for (int i = 0; i < 32; ++i) {
    const bool zero = up ? i < 16 : i >= 16;
    t[i] = zero ? 0x80 : static_cast<uint8_t>(up ? i - 16 : i);
  }
  return t;
}
constexpr std::array<uint8_t, 32> kSlideUp = Slide(true);
constexpr std::array<uint8_t, 32> kSlideDown = Slide(false);

// One bit per byte of the address (bit i: byte i).
struct Masks {
  uint64_t bad_local;   // neither atext nor '.'
  uint64_t bad_domain;  // neither letter, digit, '-' nor '.'
  uint64_t letter;
  uint64_t dot;
  uint64_t hyphen;
  uint64_t at;
};

__attribute__((target("avx2"))) inline __m128i Load(const unsigned char* p) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}

// s[0, n) in a vector, zeros after; 5 <= n <= 16. Two overlapping pieces,
// the second moved up into place, so nothing past s + n is read.
__attribute__((target("avx2"))) inline __m128i LoadShort(const unsigned char* s, size_t n) {
  __m128i first, last;
  size_t piece;
  if (n >= 8) {
    first = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(s));
    last = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(s + n - 8));
    piece = 8;
  } else {
    uint32_t a, b;
    std::memcpy(&a, s, 4);
    std::memcpy(&b, s + n - 4, 4);
    first = _mm_cvtsi32_si128(static_cast<int>(a));
    last = _mm_cvtsi32_si128(static_cast<int>(b));
    piece = 4;
  }
  const __m128i up = Load(kSlideUp.data() + 16 - (n - piece));
  return _mm_or_si128(first, _mm_shuffle_epi8(last, up));
}

// s[from, n) in a vector, zeros after; n >= 16 and 0 <= n - from <= 16.
__attribute__((target("avx2"))) inline __m128i LoadTail(const unsigned char* s, size_t n,
                                                        size_t from) {
  const __m128i down = Load(kSlideDown.data() + 16 - (n - from));
  return _mm_shuffle_epi8(Load(s + n - 16), down);
}

// The top bit of each byte, as bits shift and up.
__attribute__((target("avx2"))) inline uint64_t Bits(__m256i v, int shift) {
  return static_cast<uint64_t>(static_cast<uint32_t>(_mm256_movemask_epi8(v))) << shift;
}

__attribute__((target("avx2"))) inline void Classify(__m256i x, int shift, Masks& m) {
  const __m256i low_table = _mm256_broadcastsi128_si256(Load(kLowTable.data()));
  const __m256i high_table = _mm256_broadcastsi128_si256(Load(kHighTable.data()));
  const __m256i nibble = _mm256_set1_epi8(0x0F);
  const __m256i low = _mm256_shuffle_epi8(low_table, x);  // 0 for bytes >= 0x80
  const __m256i high =
      _mm256_shuffle_epi8(high_table, _mm256_and_si256(_mm256_srli_epi16(x, 4), nibble));
  const __m256i cls = _mm256_and_si256(low, high);
  const __m256i zero = _mm256_setzero_si256();
  const uint64_t dot = Bits(_mm256_cmpeq_epi8(x, _mm256_set1_epi8('.')), shift);
  const uint64_t hyphen = Bits(_mm256_cmpeq_epi8(x, _mm256_set1_epi8('-')), shift);
  m.dot |= dot;
  m.hyphen |= hyphen;
  m.at |= Bits(_mm256_cmpeq_epi8(x, _mm256_set1_epi8('@')), shift);
  m.bad_local |= Bits(_mm256_cmpeq_epi8(cls, zero), shift) & ~dot;
  const __m256i alnum = _mm256_and_si256(cls, _mm256_set1_epi8(7));
  m.bad_domain |= Bits(_mm256_cmpeq_epi8(alnum, zero), shift) & ~dot & ~hyphen;
  const __m256i letter = _mm256_and_si256(cls, _mm256_set1_epi8(3));
  m.letter |= Bits(_mm256_cmpeq_epi8(letter, zero), shift) ^ (uint64_t{0xFFFFFFFF} << shift);
}

// The rules of email.h on the masks of an address of n bytes, 5 <= n <= 64.
inline bool CheckMasks(const Masks& m, size_t n) {
  const uint64_t all = n == 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1;
  const uint64_t at = m.at & all;
  if (at == 0) return false;
  const int i = __builtin_ctzll(at);  // the first '@' ends the local part
  if (i == 0 || static_cast<size_t>(i) + 2 > n) return false;
  const uint64_t local = (uint64_t{1} << i) - 1;
  const uint64_t domain = all & ~((uint64_t{2} << i) - 1);
  const uint64_t local_dots = m.dot & local;
  const uint64_t dots = m.dot & domain;
  const uint64_t label_start = (uint64_t{2} << i) | (dots << 1);
  const uint64_t label_end = (uint64_t{1} << (n - 1)) | (dots >> 1);
  const uint64_t broken =
      (m.bad_local & local) |
      // A dot first, last or doubled in the local part.
      (local_dots & (1 | (uint64_t{1} << (i - 1)) | (local_dots >> 1))) |
      // Any other byte in the domain (a second '@' too), an empty label,
      // a label starting or ending with '-'.
      (m.bad_domain & domain) | (dots & (label_start | label_end)) |
      (m.hyphen & domain & (label_start | label_end));
  // Two labels at least, and a letter in the last.
  const int last_dot = 63 - __builtin_clzll(dots | 1);
  return broken == 0 && dots != 0 && ((m.letter & domain) >> (last_dot + 1)) != 0;
}

__attribute__((target("avx2"))) bool IsShortEmailAvx2(const unsigned char* s, size_t n) {
  Masks m{};
  if (n <= 16) {
    Classify(_mm256_zextsi128_si256(LoadShort(s, n)), 0, m);
  } else if (n <= 32) {
    Classify(_mm256_set_m128i(LoadTail(s, n, 16), Load(s)), 0, m);
  } else {
    Classify(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(s)), 0, m);
    Classify(n <= 48 ? _mm256_zextsi128_si256(LoadTail(s, n, 32))
                     : _mm256_set_m128i(LoadTail(s, n, 48), Load(s + 32)),
             32, m);
  }
  return CheckMasks(m, n);
}

bool HasAvx2() {
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
}
#endif  // HYPER_EMAIL_AVX2

}  // namespace

namespace internal {

bool IsEmailScalar(absl::string_view address) {
  const size_t n = address.size();
  if (n > kMaxEmailLength) return false;
  const auto* s = reinterpret_cast<const unsigned char*>(address.data());

  // Local part: atext runs separated by single dots.
  size_t i = 0;
  bool after_dot = true;  // a dot may not come first
  for (; i < n; ++i) {
    const unsigned char c = s[i];
    if (kClasses[c] & kAtext) {
      after_dot = false;
    } else if (c == '.') {
      if (after_dot) return false;
      after_dot = true;
    } else {
      break;
    }
  }
  if (i == 0 || i == n || s[i] != '@' || after_dot) return false;
  if (i > kMaxEmailLocalLength) return false;

  // Domain: labels of letters, digits and inner hyphens; the last has a letter.
  const size_t domain_start = i + 1;
  if (n - domain_start > kMaxEmailDomainLength) return false;
  size_t label_start = domain_start;
  bool label_has_letter = false;
  int dots = 0;
  for (size_t j = domain_start; j < n; ++j) {
    const unsigned char c = s[j];
    const uint8_t cls = kClasses[c];
    if (cls & kLabel) {
      if (c == '-' && j == label_start) return false;
      label_has_letter |= (cls & kLetter) != 0;
    } else if (c == '.') {
      const size_t len = j - label_start;
      if (len == 0 || len > kMaxDomainLabelLength || s[j - 1] == '-') return false;
      ++dots;
      label_start = j + 1;
      label_has_letter = false;
    } else {
      return false;
    }
  }
  const size_t last_len = n - label_start;
  return dots > 0 && last_len > 0 && last_len <= kMaxDomainLabelLength &&
         s[n - 1] != '-' && label_has_letter;
}

}  // namespace internal

bool IsEmail(absl::string_view address) {
#if defined(HYPER_EMAIL_AVX2)
  const size_t n = address.size();
  if (n <= 64 && HasAvx2()) {
    // Below 5 bytes ("a@b.c") nothing is an address.
    return n >= 5 &&
           IsShortEmailAvx2(reinterpret_cast<const unsigned char*>(address.data()), n);
  }
#endif
  return internal::IsEmailScalar(address);
}

}  // namespace hyper::validation
