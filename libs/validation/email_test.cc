#include "libs/validation/email.h"

#include <string>

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

}  // namespace
}  // namespace hyper::validation
