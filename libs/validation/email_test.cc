#include "libs/validation/email.h"

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace hyper::validation {
namespace {

struct Case {
  std::string address;
  bool valid;
  const char* why;
};

std::string Repeat(char c, size_t n) { return std::string(n, c); }

TEST(IsEmailTest, Table) {
  const std::string label63 = Repeat('d', 63);
  const Case cases[] = {
      // Accepted.
      {"user@example.com", true, "plain"},
      {"first.last@example.com", true, "dots between atoms"},
      {"first.last+tag@mail.example.co.uk", true, "plus tag, many labels"},
      {"x@ex.io", true, "one-letter local"},
      {"o'brien@example.ie", true, "apostrophe is atext"},
      {"!#$%&'*+-/=?^_`{|}~@example.com", true, "every atext symbol"},
      {"user@xn--bcher-kva.example", true, "punycode label"},
      {"user@a-b.c-d.com", true, "inner hyphens"},
      {"user@1st.example.com", true, "label starting with a digit"},
      {"USER@EXAMPLE.COM", true, "upper case"},
      {"user@example.c0m", true, "TLD with a letter and a digit"},
      {Repeat('l', 64) + "@example.com", true, "64-byte local part"},
      {"u@" + label63 + ".com", true, "63-byte label"},
      // Refused: local part.
      {"", false, "empty"},
      {"@example.com", false, "empty local part"},
      {".user@example.com", false, "leading dot"},
      {"user.@example.com", false, "trailing dot"},
      {"us..er@example.com", false, "double dot (regexes often allow)"},
      {Repeat('l', 65) + "@example.com", false, "65-byte local part"},
      {"us er@example.com", false, "space"},
      {"us\"er@example.com", false, "bare quote"},
      {"\"john doe\"@example.com", false, "quoted local part (decided: refused)"},
      {"user(comment)@example.com", false, "comment"},
      {"us\\er@example.com", false, "backslash"},
      {"usér@example.com", false, "non-ASCII local part (no SMTPUTF8)"},
      {"user@@example.com", false, "two @"},
      {"a@b@example.com", false, "@ in local part"},
      {"user", false, "no @"},
      {"user@", false, "empty domain"},
      // Refused: domain.
      {"user@localhost", false, "single label (decided: refused)"},
      {"user@example", false, "no dot"},
      {"user@.example.com", false, "leading dot in domain"},
      {"user@example.com.", false, "trailing dot in domain"},
      {"user@example..com", false, "empty label"},
      {"user@-example.com", false, "label starts with hyphen"},
      {"user@example-.com", false, "label ends with hyphen (regexes often allow)"},
      {"user@example.-com", false, "TLD starts with hyphen"},
      {"user@example.com-", false, "TLD ends with hyphen"},
      {"user@exa_mple.com", false, "underscore in hostname"},
      {"user@1.2.3.4", false, "numeric TLD: an IPv4 address, not a domain"},
      {"user@example.123", false, "all-digit TLD"},
      {"user@[192.0.2.1]", false, "IP literal (decided: refused)"},
      {"user@[IPv6:2001:db8::1]", false, "IPv6 literal (decided: refused)"},
      {"u@" + Repeat('d', 64) + ".com", false, "64-byte label"},
      {"user@exam ple.com", false, "space in domain"},
      {"user@example.com\n", false, "trailing newline (a classic $ regex bug)"},
      {"user@example.com\r\nBcc: x@y.z", false, "header injection"},
      {"user@éxample.com", false, "non-ASCII domain (use punycode)"},
      {std::string("user@exa\0mple.com", 17), false, "NUL byte"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(IsEmail(c.address), c.valid) << c.why << ": " << c.address;
  }
}

TEST(IsEmailTest, LengthLimits) {
  // 254 bytes in all is the most; labels of 63 keep the domain legal.
  const std::string local = Repeat('l', 64);
  std::string domain;
  while (local.size() + 1 + domain.size() + 64 <= 254) domain += Repeat('d', 63) + ".";
  const size_t left = 254 - local.size() - 1 - domain.size();  // for the TLD
  ASSERT_GE(left, 2u);
  ASSERT_LE(left, 63u);
  const std::string at_limit = local + "@" + domain + Repeat('t', left);
  ASSERT_EQ(at_limit.size(), 254u);
  EXPECT_TRUE(IsEmail(at_limit));
  EXPECT_FALSE(IsEmail(local + "@" + domain + Repeat('t', left + 1)));  // 255
  EXPECT_FALSE(IsEmail(std::string(1000, 'a') + "@example.com"));
}

// The rules of email.h said plainly, to check both implementations against.
std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> parts(1);
  for (char c : s) {
    if (c == sep) {
      parts.emplace_back();
    } else {
      parts.back() += c;
    }
  }
  return parts;
}
bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAtext(char c) {
  return IsLetter(c) || IsDigit(c) || (c != '\0' && std::strchr("!#$%&'*+-/=?^_`{|}~", c));
}
bool IsLabelChar(char c) { return IsLetter(c) || IsDigit(c) || c == '-'; }

bool ReferenceIsEmail(const std::string& address) {
  const size_t at = address.find('@');
  if (address.size() > 254 || at == std::string::npos) return false;
  const std::string local = address.substr(0, at);
  const std::string domain = address.substr(at + 1);
  if (local.empty() || local.size() > 64 || domain.size() > 255) return false;
  for (const std::string& atom : Split(local, '.')) {
    if (atom.empty() || !std::all_of(atom.begin(), atom.end(), IsAtext)) return false;
  }
  const std::vector<std::string> labels = Split(domain, '.');
  if (labels.size() < 2) return false;
  for (const std::string& label : labels) {
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-' ||
        !std::all_of(label.begin(), label.end(), IsLabelChar)) {
      return false;
    }
  }
  return std::any_of(labels.back().begin(), labels.back().end(), IsLetter);
}

void ExpectAllAgree(const std::string& address) {
  const bool want = ReferenceIsEmail(address);
  ASSERT_EQ(IsEmail(address), want) << address.size() << " bytes: " << address;
  ASSERT_EQ(internal::IsEmailScalar(address), want) << address.size() << " bytes: " << address;
}

// Valid addresses of every length from 5 to 80 bytes (IsEmail judges up to
// 64 at once, in pieces of 16 and 32), made of varied parts.
std::vector<std::string> ValidOfEveryLength() {
  std::vector<std::string> out;
  for (size_t n = 5; n <= 80; ++n) {
    const size_t domain_size = std::max<size_t>(3, n / 3);
    std::string label(domain_size - 2, 'e');
    if (label.size() >= 3) label[1] = '-';
    std::string local;
    for (size_t i = 0; local.size() + 1 + domain_size < n; ++i) local += "ab.c+1~_"[i % 8];
    if (local.back() == '.') local.back() = 'z';
    out.push_back(local + "@" + label + ".c");
  }
  return out;
}

TEST(IsEmailTest, EveryByteAtEveryPositionAgreesWithTheReference) {
  for (const std::string& valid : ValidOfEveryLength()) {
    ASSERT_TRUE(ReferenceIsEmail(valid)) << valid;
    ExpectAllAgree(valid);
    for (size_t at = 0; at < valid.size(); ++at) {
      for (int byte = 0; byte < 256; ++byte) {
        std::string changed = valid;
        changed[at] = static_cast<char>(byte);
        ExpectAllAgree(changed);
      }
    }
  }
}

TEST(IsEmailTest, RandomAddressesAgreeWithTheReference) {
  std::mt19937 rng(17);
  const std::string alphabet =
      "abcxyzABCXYZ0189.-@+_~!#$%&'*/=?^`{|}\"(),:;<>[]\\ \x7f\x80\xc3\xa9";
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  std::uniform_int_distribution<int> length(0, 90);
  const std::string locals[] = {"a", "first.last", "x+tag", "o'brien", "a..b", ".a", "a.", "",
                                "~_~", std::string(64, 'l')};
  const char* const domains[] = {"example.com", "a.b.c.d.io", "-x.com", "x-.com", "x..com",
                                 "x.com.", "1.2.3.4", "x.c0m", "localhost", "xn--p1ai.ru",
                                 "a-b.c-d.com"};
  for (int round = 0; round < 200000; ++round) {
    std::string address;
    if (round % 2 == 0) {
      const int n = length(rng);
      for (int i = 0; i < n; ++i) address += alphabet[pick(rng)];
    } else {
      // Near-valid: a local part, '@' and a domain, then one byte changed.
      address = locals[rng() % 10] + "@" + domains[rng() % 11];
      if (rng() % 2 == 0 && !address.empty()) address[rng() % address.size()] = alphabet[pick(rng)];
    }
    ExpectAllAgree(address);
  }
}

TEST(IsEmailTest, LengthLimitsAroundWholeAddressJudging) {
  // 64 bytes and under are judged at once; the limits are the scalar's past it.
  for (size_t local = 1; local <= 70; ++local) {
    for (size_t label = 1; label <= 66; ++label) {
      ExpectAllAgree(std::string(local, 'l') + "@" + std::string(label, 'd') + ".io");
      ExpectAllAgree(std::string(local, 'l') + "@io." + std::string(label, 'd'));
    }
  }
}

}  // namespace
}  // namespace hyper::validation
