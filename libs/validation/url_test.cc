#include "libs/validation/url.h"

#include <string>

#include "gtest/gtest.h"

namespace hyper::validation {
namespace {

TEST(IsHttpUrlTest, Table) {
  const struct {
    const char* url;
    bool valid;
  } cases[] = {
      {"http://example.com", true},
      {"https://example.com/", true},
      {"HTTPS://Example.COM/a/b?q=1&r=%20#top", true},
      {"https://example.com:8443/x", true},
      {"http://localhost:8080", true},
      {"http://192.0.2.1/", true},
      {"http://[2001:db8::1]:80/", true},
      {"https://example.com?q", true},
      {"ftp://example.com/", false},
      {"javascript:alert(1)", false},
      {"//example.com", false},
      {"http://", false},
      {"http:///path", false},
      {"http://:80/", false},
      {"http://user:pw@example.com/", false},
      {"http://exa mple.com/", false},
      {"http://example.com/a b", false},
      {"http://example.com:0/", false},
      {"http://example.com:65536/", false},
      {"http://example.com:/", false},
      {"http://-example.com/", false},
      {"http://example..com/", false},
      {"http://example.com/\x01", false},
      {"http://[zz::1]/", false},
      {"http://example.com/<script>", false},
  };
  for (const auto& c : cases) EXPECT_EQ(IsHttpUrl(c.url), c.valid) << c.url;
  EXPECT_FALSE(IsHttpUrl("http://example.com/" + std::string(3000, 'a')));
}

}  // namespace
}  // namespace hyper::validation
