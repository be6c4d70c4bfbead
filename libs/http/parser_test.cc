#include "libs/http/parser.h"

#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"

namespace hyper::http {
namespace {

using internal::ScanImpl;

// The outcome of HeadScanner + ParseHead on one buffer.
struct Outcome {
  int status = 0;        // 0: parsed; -1: the scanner wants more bytes
  std::string reason;
  size_t head_len = 0;
};

Outcome ScanAndParse(absl::string_view request, RequestHead* head,
                     const Limits& limits = Limits()) {
  Outcome out;
  HeadScanner scanner;
  ParseError err;
  out.head_len = scanner.FindHeadEnd(request, limits, &err);
  if (!err.ok()) {
    out.status = err.status;
    out.reason = std::string(err.reason);
    return out;
  }
  if (out.head_len == 0) {
    out.status = -1;
    return out;
  }
  err = ParseHead(request.substr(0, out.head_len), limits, head);
  out.status = err.status;
  out.reason = std::string(err.reason);
  return out;
}

int StatusOf(absl::string_view request, const Limits& limits = Limits()) {
  RequestHead head;
  return ScanAndParse(request, &head, limits).status;
}

// ParseHead alone, for what the scanner would already have refused.
int ParseOnly(absl::string_view head_bytes, const Limits& limits = Limits()) {
  RequestHead head;
  return ParseHead(head_bytes, limits, &head).status;
}

std::string Get(absl::string_view headers) {
  return absl::StrCat("GET / HTTP/1.1\r\nHost: h\r\n", headers, "\r\n");
}

// A request line with `target` and a Host field.
std::string Target(absl::string_view method, absl::string_view target) {
  return absl::StrCat(method, " ", target, " HTTP/1.1\r\nHost: h\r\n\r\n");
}

// Expects HeadScanner + ParseHead to answer each request with `status`.
void ExpectStatus(int status, const std::vector<std::string>& requests,
                  const Limits& limits = Limits()) {
  for (const std::string& request : requests) {
    EXPECT_EQ(StatusOf(request, limits), status) << absl::CEscape(request);
  }
}

// The same for ParseHead alone.
void ExpectParseOnlyStatus(int status, const std::vector<std::string>& heads) {
  for (const std::string& bytes : heads) {
    EXPECT_EQ(ParseOnly(bytes), status) << absl::CEscape(bytes);
  }
}

// Every test runs once per scanner implementation, so the SIMD and scalar
// code paths are held to the same expectations.
class ParserTest : public ::testing::TestWithParam<ScanImpl> {
 protected:
  void SetUp() override {
    if (!internal::SetScanImplForTesting(GetParam())) {
      GTEST_SKIP() << "this CPU cannot run the implementation";
    }
  }
  void TearDown() override { internal::SetScanImplForTesting(ScanImpl::kAuto); }
};

INSTANTIATE_TEST_SUITE_P(
    Scan, ParserTest, ::testing::Values(ScanImpl::kScalar, ScanImpl::kAvx2),
    [](const ::testing::TestParamInfo<ScanImpl>& info) {
      return info.param == ScanImpl::kScalar ? "Scalar" : "Avx2";
    });

// ----- Valid requests ------------------------------------------------------

TEST_P(ParserTest, HeaderExample) {
  const absl::string_view buf = "GET /users/7?x=1 HTTP/1.1\r\nHost: a\r\n\r\n";
  RequestHead head;
  const Outcome out = ScanAndParse(buf, &head);
  ASSERT_EQ(out.status, 0) << out.reason;
  EXPECT_EQ(out.head_len, 38u);
  EXPECT_EQ(head.method, Method::kGet);
  EXPECT_EQ(head.method_name, "GET");
  EXPECT_EQ(head.target, "/users/7?x=1");
  EXPECT_EQ(head.path, "/users/7");
  EXPECT_EQ(head.query, "x=1");
  EXPECT_EQ(head.version_minor, 1);
  EXPECT_TRUE(head.keep_alive);
  EXPECT_FALSE(head.expect_continue);
  EXPECT_EQ(head.body_kind, BodyKind::kNone);
  ASSERT_EQ(head.headers.size(), 1u);
  EXPECT_EQ(head.headers.Get("host"), "a");
  EXPECT_EQ(head.headers.Get("HOST"), "a");
  EXPECT_EQ(head.headers.Get("missing"), std::nullopt);
}

TEST_P(ParserTest, ViewsPointIntoTheBuffer) {
  const std::string buf =
      "POST /a/b?c=d&e HTTP/1.1\r\nHost: example.com\r\nContent-Length: 3\r\n"
      "X-Empty:\r\nX-Spaces: \t  in  side \t \r\n\r\n";
  RequestHead head;
  ASSERT_EQ(ScanAndParse(buf, &head).status, 0);
  const char* begin = buf.data();
  const char* end = buf.data() + buf.size();
  auto inside = [&](absl::string_view v) {
    return v.data() >= begin && v.data() + v.size() <= end;
  };
  EXPECT_TRUE(inside(head.method_name));
  EXPECT_TRUE(inside(head.path));
  EXPECT_TRUE(inside(head.query));
  for (size_t i = 0; i < head.headers.size(); ++i) {
    EXPECT_TRUE(inside(head.headers[i].name));
    EXPECT_TRUE(inside(head.headers[i].value));
  }
  EXPECT_EQ(head.headers.Get("x-empty"), "");
  EXPECT_EQ(head.headers.Get("x-spaces"), "in  side");
  EXPECT_EQ(head.headers[0].name, "Host");  // case preserved
  EXPECT_EQ(head.body_kind, BodyKind::kContentLength);
  EXPECT_EQ(head.content_length, 3u);
}

TEST_P(ParserTest, KnownAndOtherMethods) {
  const std::pair<const char*, Method> cases[] = {
      {"GET", Method::kGet},         {"HEAD", Method::kHead},
      {"POST", Method::kPost},       {"PUT", Method::kPut},
      {"DELETE", Method::kDelete},   {"PATCH", Method::kPatch},
      {"OPTIONS", Method::kOptions}, {"TRACE", Method::kTrace},
      {"PURGE", Method::kOther},     {"get", Method::kOther},
      {"M-SEARCH", Method::kOther},  {"X!#$%&'*+-.^_`|~9", Method::kOther},
  };
  for (const auto& [name, method] : cases) {
    RequestHead head;
    const std::string req = absl::StrCat(name, " / HTTP/1.1\r\nHost: h\r\n\r\n");
    ASSERT_EQ(ScanAndParse(req, &head).status, 0) << name;
    EXPECT_EQ(head.method, method) << name;
    EXPECT_EQ(head.method_name, name);
  }
  EXPECT_EQ(MethodName(Method::kDelete), "DELETE");
  EXPECT_EQ(MethodName(Method::kOther), "OTHER");
}

TEST_P(ParserTest, TargetForms) {
  RequestHead head;
  ASSERT_EQ(ScanAndParse("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", &head).status,
            0);
  EXPECT_EQ(head.path, "*");
  EXPECT_EQ(head.query, "");

  ASSERT_EQ(ScanAndParse("GET http://example.com:8080/a/b?q=1 HTTP/1.1\r\n"
                         "Host: example.com:8080\r\n\r\n",
                         &head)
                .status,
            0);
  EXPECT_EQ(head.path, "http://example.com:8080/a/b?q=1");
  EXPECT_EQ(head.query, "q=1");
  EXPECT_EQ(StatusOf("GET HTTPS://[::1]:443 HTTP/1.1\r\nHost: h\r\n\r\n"), 0);
  EXPECT_EQ(StatusOf("GET http://h?x HTTP/1.1\r\nHost: h\r\n\r\n"), 0);

  ASSERT_EQ(ScanAndParse("CONNECT example.com:443 HTTP/1.1\r\n"
                         "Host: example.com:443\r\n\r\n",
                         &head)
                .status,
            0);
  EXPECT_EQ(head.method, Method::kConnect);
  EXPECT_EQ(head.path, "example.com:443");

  ASSERT_EQ(ScanAndParse("GET /?only=query&x= HTTP/1.1\r\nHost: h\r\n\r\n",
                         &head)
                .status,
            0);
  EXPECT_EQ(head.path, "/");
  EXPECT_EQ(head.query, "only=query&x=");
  ASSERT_EQ(ScanAndParse("GET /a? HTTP/1.1\r\nHost: h\r\n\r\n", &head).status,
            0);
  EXPECT_EQ(head.path, "/a");
  EXPECT_EQ(head.query, "");
  // VCHAR that URIs do not allow is still accepted (clients send it).
  EXPECT_EQ(StatusOf("GET /a|b{c}\"^`\\ HTTP/1.1\r\nHost: h\r\n\r\n"), 0);
}

TEST_P(ParserTest, BadTargetForms) {
  ExpectStatus(400, {Target("GET", "*"), Target("OPTIONS", "**"),
                     Target("GET", "example.com:80"), Target("CONNECT", "/"),
                     Target("CONNECT", "example.com"), Target("CONNECT", ":443"),
                     Target("CONNECT", "h:123456"), Target("GET", "ftp://h/x"),
                     Target("GET", "http://"), Target("GET", "http:///x"),
                     Target("GET", "http://u@h/"), Target("GET", "a/b"),
                     Target("GET", "/a#frag")});
}

TEST_P(ParserTest, KeepAliveSemantics) {
  RequestHead head;
  ASSERT_EQ(ScanAndParse("GET / HTTP/1.1\r\nHost: h\r\n\r\n", &head).status, 0);
  EXPECT_TRUE(head.keep_alive);
  ASSERT_EQ(ScanAndParse(Get("Connection: close\r\n"), &head).status, 0);
  EXPECT_FALSE(head.keep_alive);
  ASSERT_EQ(ScanAndParse(Get("Connection: Upgrade, CLOSE\r\n"), &head).status,
            0);
  EXPECT_FALSE(head.keep_alive);
  ASSERT_EQ(ScanAndParse(Get("Connection: keep-alive\r\n"), &head).status, 0);
  EXPECT_TRUE(head.keep_alive);

  ASSERT_EQ(ScanAndParse("GET / HTTP/1.0\r\n\r\n", &head).status, 0);
  EXPECT_EQ(head.version_minor, 0);
  EXPECT_FALSE(head.keep_alive);
  ASSERT_EQ(
      ScanAndParse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", &head)
          .status,
      0);
  EXPECT_TRUE(head.keep_alive);
  ASSERT_EQ(ScanAndParse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n"
                         "Connection: close\r\n\r\n",
                         &head)
                .status,
            0);
  EXPECT_FALSE(head.keep_alive);
}

TEST_P(ParserTest, ExpectContinue) {
  RequestHead head;
  ASSERT_EQ(ScanAndParse(Get("Expect: 100-Continue\r\nContent-Length: 5\r\n"),
                         &head)
                .status,
            0);
  EXPECT_TRUE(head.expect_continue);
  ASSERT_EQ(ScanAndParse(Get("Expect: something-else\r\n"), &head).status, 0);
  EXPECT_FALSE(head.expect_continue);
  // RFC 9110 10.1.1: a 100-continue in an HTTP/1.0 request is ignored.
  ASSERT_EQ(
      ScanAndParse("POST / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n", &head)
          .status,
      0);
  EXPECT_FALSE(head.expect_continue);
}

TEST_P(ParserTest, ContentLength) {
  RequestHead head;
  ASSERT_EQ(ScanAndParse(Get("Content-Length: 0\r\n"), &head).status, 0);
  EXPECT_EQ(head.body_kind, BodyKind::kContentLength);
  EXPECT_EQ(head.content_length, 0u);
  // Identical repeated values are allowed (RFC 9110 8.6), as a list or as
  // repeated fields, leading zeros or not.
  ASSERT_EQ(ScanAndParse(Get("Content-Length: 5, 5\r\n"), &head).status, 0);
  EXPECT_EQ(head.content_length, 5u);
  ASSERT_EQ(ScanAndParse(Get("content-length: 5\r\nCONTENT-LENGTH: 005\r\n"),
                         &head)
                .status,
            0);
  EXPECT_EQ(head.content_length, 5u);
  ASSERT_EQ(ScanAndParse(Get("Content-Length: 8388608\r\n"), &head).status, 0);
  EXPECT_EQ(head.content_length, 8388608u);
}

TEST_P(ParserTest, BadContentLength) {
  auto cl = [](absl::string_view value) {
    return Get(absl::StrCat("Content-Length: ", value, "\r\n"));
  };
  ExpectStatus(400, {cl("abc"), cl("-5"), cl("+5"), cl("5a"), cl("0x5"),
                     cl("5 5"), cl("5,,5"), cl("5,"), cl(",5"), cl("5, 6"),
                     cl("1.0"), cl("\xd9\xa5"), cl(""),
                     cl("5\r\nContent-Length: 6")});
  ExpectStatus(413, {cl("8388609"), cl("18446744073709551615"),
                     cl("99999999999999999999999999")});
  Limits small;
  small.max_body_bytes = 10;
  ExpectStatus(0, {cl("10")}, small);
  ExpectStatus(413, {cl("11")}, small);
}

TEST_P(ParserTest, TransferEncoding) {
  RequestHead head;
  ASSERT_EQ(ScanAndParse(Get("Transfer-Encoding: chunked\r\n"), &head).status,
            0);
  EXPECT_EQ(head.body_kind, BodyKind::kChunked);
  ASSERT_EQ(ScanAndParse(Get("transfer-encoding:  Chunked \r\n"), &head).status,
            0);
  EXPECT_EQ(head.body_kind, BodyKind::kChunked);

  auto te = [](absl::string_view fields) {
    return Get(absl::StrCat("Transfer-Encoding: ", fields, "\r\n"));
  };
  ExpectStatus(501, {te("gzip"), te("gzip, chunked"),
                     te("gzip\r\nTransfer-Encoding: chunked"),
                     te("foo;q=1, chunked")});
  // RFC 9112 6.3: chunked not last is 400, whatever follows it.
  ExpectStatus(400, {te("chunked, gzip"),
                     te("chunked\r\nTransfer-Encoding: identity"),
                     te("chunked, chunked"), te("chunked;x=1"), te(""),
                     te(", chunked"), te("chunked,"), te("\"chunked\""),
                     te("chunk ed")});
  // Both framings at once (request smuggling), and chunked in HTTP/1.0.
  ExpectStatus(400, {Get("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"),
                     Get("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n"),
                     "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"});
}

TEST_P(ParserTest, Host) {
  auto with = [](absl::string_view version, absl::string_view fields) {
    return absl::StrCat("GET / ", version, "\r\n", fields, "\r\n");
  };
  ExpectStatus(0, {with("HTTP/1.0", ""),
                   with("HTTP/1.1", "Host:\r\n"),  // RFC 9110 7.2
                   with("HTTP/1.1", "Host: [::1]:8080\r\n")});
  ExpectStatus(400, {with("HTTP/1.1", ""),
                     with("HTTP/1.1", "Host: a\r\nhost: a\r\n"),
                     with("HTTP/1.0", "Host: a\r\nHOST: b\r\n"),
                     with("HTTP/1.1", "Host: a b\r\n"),
                     with("HTTP/1.1", "Host: a/b\r\n"),
                     with("HTTP/1.1", "Host: u@a\r\n")});
}

TEST_P(ParserTest, LeadingEmptyLinesAreSkipped) {
  RequestHead head;
  const Outcome out =
      ScanAndParse("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", &head);
  ASSERT_EQ(out.status, 0);
  EXPECT_EQ(out.head_len, 31u);
  EXPECT_EQ(head.path, "/");
}

TEST_P(ParserTest, FieldValueBytes) {
  RequestHead head;
  // obs-text and HTAB inside a value are allowed.
  const std::string req = Get("X-Name: caf\xc3\xa9\tand \x80\xff\r\n");
  ASSERT_EQ(ScanAndParse(req, &head).status, 0);
  EXPECT_EQ(head.headers.Get("x-name"), "caf\xc3\xa9\tand \x80\xff");
  const std::string long_value(5000, 'v');
  const std::string cookie = Get(absl::StrCat("Cookie: ", long_value, "\r\n"));
  ASSERT_EQ(ScanAndParse(cookie, &head).status, 0);
  EXPECT_EQ(head.headers.Get("cookie"), long_value);
}

// ----- Rejections ----------------------------------------------------------

TEST_P(ParserTest, ObsFoldIsRejected) {
  ExpectStatus(400, {Get("X-A: one\r\n two\r\n"), Get("X-A: one\r\n\ttwo\r\n"),
                     "GET / HTTP/1.1\r\n Host: h\r\n\r\n"});
}

TEST_P(ParserTest, BareCrIsRejected) {
  ExpectStatus(400, {Get("X-A: a\rb\r\n"), Get("X-A\r: b\r\n"),
                     Get("X-A: b\r\r\n"), Target("GET", "/\r"),
                     "GET / HTTP/1.1\r\r\nHost: h\r\n\r\n",
                     "GET / HTTP/1.1\r\nHost: h\r\n\r\r\n\r\n"});
  ExpectParseOnlyStatus(400, {"GET / HTTP/1.1\r\nHost: h\r\n\rX"});
}

TEST_P(ParserTest, BareLfIsRejected) {
  // The scanner refuses first...
  ExpectStatus(400, {"GET / HTTP/1.1\nHost: h\n\n",
                     "GET / HTTP/1.1\r\nHost: h\n\r\n",
                     "GET / HTTP/1.1\r\nHost: h\r\n\n",
                     "\nGET / HTTP/1.1\r\nHost: h\r\n\r\n"});
  // ...and ParseHead does too, on its own.
  ExpectParseOnlyStatus(400, {"GET / HTTP/1.1\nHost: h\r\n\r\n",
                              "GET / HTTP/1.1\r\nHost: h\nX: y\r\n\r\n",
                              "GET / HTTP/1.1\r\nHost: h\r\n\n\r\n",
                              "GET / HTTP/1.1\r\nHost\n: h\r\n\r\n"});
}

TEST_P(ParserTest, ControlBytesInRequestLineAndNames) {
  using std::string_literals::operator""s;
  for (const std::string& bad : {"\0"s, "\x01"s, "\x1f"s, "\x7f"s, "\t"s}) {
    ExpectStatus(400, {Target("G" + bad + "ET", "/"), Target("GET", "/a" + bad),
                       Get("X-" + bad + "A: b\r\n")});
    if (bad != "\t") ExpectStatus(400, {Get("X-A: b" + bad + "c\r\n")});
  }
  ExpectStatus(400, {Target("GET", "/\xc3\xa9"), Target("G(T", "/"),
                     Target("GET/", "/"), Get("X(A): b\r\n"), Get(": b\r\n"),
                     Get("X-A b\r\n"), Get("X-\xc3\xa9: b\r\n")});
}

TEST_P(ParserTest, WhitespaceBeforeColon) {
  EXPECT_EQ(StatusOf("GET / HTTP/1.1\r\nHost : h\r\n\r\n"), 400);
  EXPECT_EQ(StatusOf(Get("Content-Length\t: 5\r\n")), 400);
  RequestHead head;
  const Outcome out =
      ScanAndParse("GET / HTTP/1.1\r\nHost : h\r\n\r\n", &head);
  EXPECT_EQ(out.reason, "whitespace between field name and colon");
}

TEST_P(ParserTest, RequestLineSyntax) {
  auto line = [](absl::string_view request_line) {
    return absl::StrCat(request_line, "\r\nHost: h\r\n\r\n");
  };
  ExpectStatus(400, {line("GET  / HTTP/1.1"), line("GET /  HTTP/1.1"),
                     line("GET / HTTP/1.1 "), line(" GET / HTTP/1.1"),
                     line("GET\t/ HTTP/1.1"), line("GET /"), line("GET"),
                     line("GET "), line("GET / "), line("/ HTTP/1.1")});
}

TEST_P(ParserTest, Versions) {
  auto version = [](absl::string_view v) {
    return absl::StrCat("GET / ", v, "\r\nHost: h\r\n\r\n");
  };
  ExpectStatus(505, {version("HTTP/2.0"), version("HTTP/0.9"),
                     version("HTTP/1.2"), version("HTTP/3.1"),
                     "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"});
  ExpectStatus(400, {version("HTTP/1.1x"), version("HTTPS/1.1"),
                     version("http/1.1"), version("HTTP/1"), version("HTTP/1."),
                     version("HTTP/11"), version("HTTP/1.10"),
                     version("HTTP/a.1"), version("HTTP/1,1"),
                     version("HTTP 1.1"), version("HTTP/1.1\t"),
                     version("XTTP/1.1")});
}

TEST_P(ParserTest, RequestLineLimit) {
  Limits limits;
  limits.max_request_line = 64;
  const std::string fits = "GET /" + std::string(64 - 14, 'a') + " HTTP/1.1";
  ASSERT_EQ(fits.size(), 64u);
  EXPECT_EQ(StatusOf(fits + "\r\nHost: h\r\n\r\n", limits), 0);
  EXPECT_EQ(StatusOf("GET /a" + fits.substr(5) + "\r\nHost: h\r\n\r\n", limits),
            414);
  EXPECT_EQ(ParseOnly("GET /a" + fits.substr(5) + "\r\nHost: h\r\n\r\n", limits),
            414);
  EXPECT_EQ(ParseOnly(fits + "\r\nHost: h\r\n\r\n", limits), 0);
}

TEST_P(ParserTest, HugeTargetIs414) {
  const std::string req = "GET /" + std::string(200 * 1024, 'a') +
                          " HTTP/1.1\r\nHost: h\r\n\r\n";
  EXPECT_EQ(StatusOf(req), 414);
  EXPECT_EQ(ParseOnly(req), 414);
}

TEST_P(ParserTest, HugeHeaderIs431) {
  const std::string req =
      Get(absl::StrCat("X-Big: ", std::string(200 * 1024, 'b'), "\r\n"));
  EXPECT_EQ(StatusOf(req), 431);
  EXPECT_EQ(ParseOnly(req), 431);
}

TEST_P(ParserTest, TwentyThousandTinyHeadersIs431) {
  std::string fields;
  for (int i = 0; i < 20000; ++i) fields += "a:b\r\n";
  EXPECT_EQ(StatusOf(Get(fields)), 431);
  EXPECT_EQ(ParseOnly(Get(fields)), 431);
  // Under the byte limit, the field count limit still applies.
  Limits limits;
  limits.max_head_bytes = 1 << 20;
  EXPECT_EQ(StatusOf(Get(fields), limits), 431);
}

TEST_P(ParserTest, HeadSizeLimitBoundary) {
  Limits limits;
  limits.max_head_bytes = 100;
  std::string req = Get("X: " + std::string(68, 'x') + "\r\n");
  ASSERT_EQ(req.size(), 100u);
  EXPECT_EQ(StatusOf(req, limits), 0);
  EXPECT_EQ(ParseOnly(req, limits), 0);
  req.insert(req.size() - 5, "y");
  EXPECT_EQ(StatusOf(req, limits), 431);
  EXPECT_EQ(ParseOnly(req, limits), 431);
}

TEST_P(ParserTest, HeaderCountLimitBoundary) {
  Limits limits;
  limits.max_headers = 3;
  EXPECT_EQ(StatusOf(Get("A: 1\r\nB: 2\r\n"), limits), 0);
  EXPECT_EQ(StatusOf(Get("A: 1\r\nB: 2\r\nC: 3\r\n"), limits), 431);
}

TEST_P(ParserTest, MoreHeadersThanInlineCapacity) {
  Limits limits;
  limits.max_headers = 300;
  std::string fields;
  for (int i = 0; i < 299; ++i) absl::StrAppend(&fields, "X-", i, ": v", i, "\r\n");
  const std::string req = Get(fields);
  RequestHead head;
  ASSERT_EQ(ScanAndParse(req, &head, limits).status, 0);
  ASSERT_EQ(head.headers.size(), 300u);
  EXPECT_EQ(head.headers[0].name, "Host");
  for (int i = 0; i < 299; ++i) {
    EXPECT_EQ(head.headers[i + 1].name, absl::StrCat("X-", i));
    EXPECT_EQ(head.headers[i + 1].value, absl::StrCat("v", i));
  }
  EXPECT_EQ(head.headers.Get("x-250"), "v250");
  // The head (and its overflow storage) can be reused.
  const std::string small = Get("A: 1\r\n");
  ASSERT_EQ(ScanAndParse(small, &head, limits).status, 0);
  EXPECT_EQ(head.headers.size(), 2u);
  EXPECT_EQ(head.headers.Get("x-250"), std::nullopt);
}

TEST(HeaderListTest, MoveKeepsInlineAndOverflow) {
  std::vector<std::string> names;
  for (int i = 0; i < 40; ++i) names.push_back(absl::StrCat("n", i));
  HeaderList list;
  for (const std::string& n : names) list.Add({n, "v"});
  HeaderList moved(std::move(list));
  EXPECT_EQ(list.size(), 0u);  // NOLINT(bugprone-use-after-move)
  ASSERT_EQ(moved.size(), 40u);
  EXPECT_EQ(moved[3].name, "n3");
  EXPECT_EQ(moved[39].name, "n39");
  HeaderList assigned;
  assigned.Add({"x", "y"});
  assigned = std::move(moved);
  ASSERT_EQ(assigned.size(), 40u);
  EXPECT_EQ(assigned.Get("N35"), "v");
}

TEST_P(ParserTest, ParseHeadWantsExactlyOneHead) {
  ExpectParseOnlyStatus(400, {"", "\r\n", "GET / HTTP/1.1\r\nHost: h\r\n",
                              "GET / HTTP/1.1\r\nHost: h",
                              "GET / HTTP/1.1\r\nHost",
                              "GET / HTTP/1.1\r\nHost: h\r\n\r\nbody"});
  ExpectParseOnlyStatus(0, {"GET / HTTP/1.1\r\nHost: h\r\n\r\n"});
  EXPECT_EQ(ParseOnly(absl::string_view()), 400);  // null data
}

// ----- HeadScanner ---------------------------------------------------------

TEST_P(ParserTest, PipelinedRequests) {
  const std::string first =
      "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\n";
  const std::string second = "GET /b HTTP/1.1\r\nHost: h\r\n\r\n";
  const std::string buf = first + "body" + second;
  Limits limits;
  HeadScanner scanner;
  ParseError err;
  const size_t len = scanner.FindHeadEnd(buf, limits, &err);
  ASSERT_TRUE(err.ok());
  ASSERT_EQ(len, first.size());
  RequestHead head;
  ASSERT_TRUE(ParseHead(absl::string_view(buf).substr(0, len), limits, &head).ok());
  EXPECT_EQ(head.path, "/a");
  EXPECT_EQ(head.content_length, 4u);

  scanner.Reset();
  const absl::string_view rest = absl::string_view(buf).substr(len + 4);
  const size_t len2 = scanner.FindHeadEnd(rest, limits, &err);
  ASSERT_EQ(len2, second.size());
  ASSERT_TRUE(ParseHead(rest.substr(0, len2), limits, &head).ok());
  EXPECT_EQ(head.path, "/b");
}

// Feeds `request` one byte at a time; returns what the scanner and parser
// say at the first call that decides (head length or error).
Outcome Trickle(absl::string_view request, const Limits& limits) {
  HeadScanner scanner;
  Outcome out;
  out.status = -1;
  for (size_t n = 1; n <= request.size(); ++n) {
    ParseError err;
    const size_t len = scanner.FindHeadEnd(request.substr(0, n), limits, &err);
    if (!err.ok()) {
      out.status = err.status;
      out.reason = std::string(err.reason);
      return out;
    }
    if (len != 0) {
      EXPECT_EQ(len, n) << "the head end is found as soon as it arrives";
      out.head_len = len;
      RequestHead head;
      err = ParseHead(request.substr(0, len), limits, &head);
      out.status = err.status;
      out.reason = std::string(err.reason);
      return out;
    }
  }
  return out;
}

TEST_P(ParserTest, ByteAtATimeMatchesAllAtOnce) {
  Limits limits;
  limits.max_request_line = 40;
  limits.max_head_bytes = 120;
  const std::string requests[] = {
      "GET /users/7?x=1 HTTP/1.1\r\nHost: a\r\n\r\nNEXT",
      "\r\n\r\nPOST / HTTP/1.0\r\nContent-Length: 2\r\n\r\nab",
      "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      "GET /" + std::string(60, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n",   // 414
      Get("X: " + std::string(150, 'x') + "\r\n"),                        // 431
      "GET / HTTP/1.1\nHost: a\n\n",                                      // 400
      "GET / HTTP/1.1\r\nHost: a\r\n x\r\n\r\n",                          // 400
      "GET / HTTP/2.0\r\nHost: a\r\n\r\n",                                // 505
  };
  for (const std::string& req : requests) {
    RequestHead head;
    const Outcome whole = ScanAndParse(req, &head, limits);
    const Outcome trickled = Trickle(req, limits);
    EXPECT_EQ(trickled.status, whole.status) << req;
    EXPECT_EQ(trickled.head_len, whole.head_len) << req;
    EXPECT_EQ(trickled.reason, whole.reason) << req;
  }
}

TEST(HeadScannerTest, IncompleteThenComplete) {
  Limits limits;
  HeadScanner scanner;
  ParseError err;
  const std::string req = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
  EXPECT_EQ(scanner.FindHeadEnd(absl::string_view(req).substr(0, 10), limits, &err), 0u);
  EXPECT_TRUE(err.ok());
  EXPECT_EQ(scanner.FindHeadEnd(absl::string_view(req).substr(0, 26), limits, &err), 0u);
  EXPECT_TRUE(err.ok());
  EXPECT_EQ(scanner.FindHeadEnd(req, limits, &err), req.size());
  EXPECT_TRUE(err.ok());
  // Until Reset(), the same head end is reported again.
  EXPECT_EQ(scanner.FindHeadEnd(req + "GET", limits, &err), req.size());
  EXPECT_TRUE(err.ok());
  EXPECT_EQ(scanner.FindHeadEnd("", limits, nullptr), 0u);  // a new buffer
}

TEST(HeadScannerTest, RequestLineLimitFiresAsSoonAsExceeded) {
  Limits limits;
  limits.max_request_line = 20;
  HeadScanner scanner;
  ParseError err;
  const std::string line = "GET /" + std::string(100, 'a');
  EXPECT_EQ(scanner.FindHeadEnd(absl::string_view(line).substr(0, 20), limits, &err), 0u);
  EXPECT_TRUE(err.ok());
  // A CR at the end may still be the line's own CRLF.
  EXPECT_EQ(scanner.FindHeadEnd(line.substr(0, 20) + "\r", limits, &err), 0u);
  EXPECT_TRUE(err.ok());
  scanner.Reset();
  EXPECT_EQ(scanner.FindHeadEnd(absl::string_view(line).substr(0, 21), limits, &err), 0u);
  EXPECT_EQ(err.status, 414);
  // Errors are reported again until Reset().
  EXPECT_EQ(scanner.FindHeadEnd(line, limits, &err), 0u);
  EXPECT_EQ(err.status, 414);
  // The limit does not apply to header lines.
  scanner.Reset();
  EXPECT_EQ(scanner.FindHeadEnd(
                Get("X: " + std::string(100, 'x') + "\r\n"), limits, &err),
            Get("X: " + std::string(100, 'x') + "\r\n").size());
  EXPECT_TRUE(err.ok());
}

TEST(HeadScannerTest, HeadLimitFiresAsSoonAsExceeded) {
  Limits limits;
  limits.max_head_bytes = 50;
  const std::string req = Get("X: " + std::string(100, 'x') + "\r\n");
  HeadScanner scanner;
  ParseError err;
  EXPECT_EQ(scanner.FindHeadEnd(absl::string_view(req).substr(0, 49), limits, &err), 0u);
  EXPECT_TRUE(err.ok());
  EXPECT_EQ(scanner.FindHeadEnd(absl::string_view(req).substr(0, 50), limits, &err), 0u);
  EXPECT_EQ(err.status, 431);
}

TEST(HeadScannerTest, TrickledLargeHeadIsLinear) {
  // 60 KB one byte at a time: quadratic rescanning would take seconds of
  // memchr; the scanner looks at each byte once.
  std::string fields;
  while (fields.size() < 60 * 1024) fields += "X-Field: some value here\r\n";
  const std::string req = Get(fields);
  Limits limits;
  HeadScanner scanner;
  ParseError err;
  size_t len = 0;
  for (size_t n = 1; n <= req.size() && len == 0; ++n) {
    len = scanner.FindHeadEnd(absl::string_view(req).substr(0, n), limits, &err);
    ASSERT_TRUE(err.ok());
  }
  EXPECT_EQ(len, req.size());
}

// ----- SIMD and scalar agree -----------------------------------------------

// Everything ParseHead reports, as comparable text.
std::string Describe(const ParseError& err, const RequestHead& h) {
  if (!err.ok()) return absl::StrCat("error ", err.status, " ", err.reason);
  std::string out = absl::StrCat(
      static_cast<int>(h.method), "|", h.method_name, "|", h.target, "|",
      h.path, "|", h.query, "|", h.version_minor, "|", h.keep_alive, "|",
      h.expect_continue, "|", static_cast<int>(h.body_kind), "|",
      h.content_length);
  for (size_t i = 0; i < h.headers.size(); ++i) {
    absl::StrAppend(&out, "|", h.headers[i].name, "=", h.headers[i].value);
  }
  return out;
}

TEST(ScanImplTest, RandomizedDifferential) {
  if (!internal::ScanImplAvailable(ScanImpl::kAvx2)) {
    GTEST_SKIP() << "no AVX2 on this CPU";
  }
  const std::string pieces[] = {
      "GET", "POST", " ", "/", "/path/seg", "?q=1&r", "#", "*", "http://h/x",
      " HTTP/1.1", " HTTP/1.0", "\r\n", "\r", "\n", "Host: h\r\n", "Host",
      ":", "Content-Length: 12\r\n", "Transfer-Encoding: chunked\r\n",
      "Connection: close\r\n", "\t", "\x7f", std::string(1, '\0'), "\x80\xff",
      "X-Long: " + std::string(70, 'L') + "\r\n",
      std::string(33, 'n'), "abcdefghijklmnopqrstuvwxyz0123456789", "()",
      "\r\n\r\n",
  };
  std::mt19937 rng(20240611);
  Limits limits;
  size_t compared = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    // Start from a valid request and splice random pieces and bytes in.
    std::string req = "GET /index.html?a=b HTTP/1.1\r\nHost: example.com\r\n"
                      "User-Agent: differential-test/1.0 (with a long value)\r\n"
                      "Accept: */*\r\n\r\n";
    const int edits = static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const size_t at = rng() % (req.size() + 1);
      switch (rng() % 3) {
        case 0:
          req.insert(at, pieces[rng() % std::size(pieces)]);
          break;
        case 1:
          if (at < req.size()) req[at] = static_cast<char>(rng() & 0xff);
          break;
        default:
          req.erase(at, rng() % 8);
          break;
      }
    }
    // Parse every prefix that ends a line, so head ends vary as well.
    for (size_t end = 1; end <= req.size(); ++end) {
      if (req[end - 1] != '\n' && end != req.size()) continue;
      const absl::string_view bytes = absl::string_view(req).substr(0, end);
      RequestHead scalar_head, avx2_head;
      internal::SetScanImplForTesting(ScanImpl::kScalar);
      const ParseError scalar = ParseHead(bytes, limits, &scalar_head);
      internal::SetScanImplForTesting(ScanImpl::kAvx2);
      const ParseError avx2 = ParseHead(bytes, limits, &avx2_head);
      ASSERT_EQ(Describe(scalar, scalar_head), Describe(avx2, avx2_head))
          << absl::CEscape(bytes);
      ++compared;
    }
  }
  internal::SetScanImplForTesting(ScanImpl::kAuto);
  EXPECT_GT(compared, 20000u);
}

}  // namespace
}  // namespace hyper::http
