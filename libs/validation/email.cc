#include "libs/validation/email.h"

#include <array>
#include <cstdint>

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

}  // namespace

bool IsEmail(absl::string_view address) {
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

}  // namespace hyper::validation
