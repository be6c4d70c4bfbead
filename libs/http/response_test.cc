#include "libs/http/response.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace hyper::http {
namespace {

std::string Expected(absl::string_view status_line, absl::string_view rest) {
  return absl::StrCat(status_line, "\r\nServer: hyper\r\n", CurrentDateLine(), rest);
}

TEST(FormatHttpDateTest, IsImfFixdate) {
  EXPECT_EQ(FormatHttpDate(absl::FromUnixSeconds(784111777)),
            "Sun, 06 Nov 1994 08:49:37 GMT");
}

TEST(CurrentDateLineTest, LooksLikeADateHeader) {
  absl::string_view line = CurrentDateLine();
  EXPECT_TRUE(absl::StartsWith(line, "Date: "));
  EXPECT_TRUE(absl::EndsWith(line, " GMT\r\n"));
  EXPECT_EQ(line.size(), 6 + 29 + 2);
}

TEST(ResponseWriterTest, PlainResponseWithContentLength) {
  std::string out;
  ResponseWriter w(&out, {});
  w.Start(200);
  EXPECT_TRUE(w.AddHeader("Content-Type", "text/plain"));
  w.Finish("Hello, World!");
  EXPECT_EQ(out, Expected("HTTP/1.1 200 OK",
                          "Content-Type: text/plain\r\nContent-Length: 13\r\n\r\n"
                          "Hello, World!"));
  EXPECT_TRUE(w.finished());
  EXPECT_EQ(w.body_bytes(), 13u);
  EXPECT_FALSE(w.closes_connection());
}

TEST(ResponseWriterTest, CloseAndHttp10KeepAlive) {
  std::string out;
  ResponseWriter close(&out, {.keep_alive = false});
  close.Start(404);
  close.Finish("");
  EXPECT_EQ(out, Expected("HTTP/1.1 404 Not Found",
                          "Content-Length: 0\r\nConnection: close\r\n\r\n"));
  EXPECT_TRUE(close.closes_connection());

  out.clear();
  ResponseWriter old(&out, {.keep_alive = true, .version_minor = 0});
  old.Start(200);
  old.Finish("x");
  EXPECT_EQ(out, Expected("HTTP/1.0 200 OK",
                          "Content-Length: 1\r\nConnection: keep-alive\r\n\r\nx"));
}

TEST(ResponseWriterTest, HeadKeepsContentLengthButSendsNoBody) {
  std::string out;
  ResponseWriter w(&out, {.head_request = true});
  w.Start(200);
  w.Finish("Hello, World!");
  EXPECT_EQ(out, Expected("HTTP/1.1 200 OK", "Content-Length: 13\r\n\r\n"));
  EXPECT_EQ(w.body_bytes(), 0u);
}

TEST(ResponseWriterTest, NoBodyFor204And304) {
  std::string out;
  ResponseWriter no_content(&out, {});
  no_content.Start(204);
  no_content.Finish("ignored");
  EXPECT_EQ(out, Expected("HTTP/1.1 204 No Content", "\r\n"));

  out.clear();
  ResponseWriter not_modified(&out, {});
  not_modified.Start(304);
  not_modified.Finish("ignored");
  EXPECT_EQ(out, Expected("HTTP/1.1 304 Not Modified", "Content-Length: 7\r\n\r\n"));
}

TEST(ResponseWriterTest, RefusesHeaderInjection) {
  std::string out;
  ResponseWriter w(&out, {});
  w.Start(200);
  EXPECT_FALSE(w.AddHeader("X-Evil", "a\r\nSet-Cookie: x=1"));
  EXPECT_FALSE(w.AddHeader("Bad Name", "v"));
  EXPECT_FALSE(w.AddHeader("", "v"));
  EXPECT_FALSE(w.AddHeader("X-Nul", absl::string_view("a\0b", 3)));
  EXPECT_TRUE(w.AddHeader("X-Ok", "fine"));
  w.Finish("");
  EXPECT_FALSE(absl::StrContains(out, "Set-Cookie"));
  EXPECT_FALSE(absl::StrContains(out, "Bad Name"));
  EXPECT_TRUE(absl::StrContains(out, "X-Ok: fine\r\n"));
}

TEST(ResponseWriterTest, ChunkedStream) {
  std::string out;
  ResponseWriter w(&out, {});
  w.Start(200);
  w.StartStream();
  w.WriteChunk("Wiki");
  w.WriteChunk("");  // empty pieces are skipped: they would end the body
  w.WriteChunk(std::string(26, 'p'));
  w.FinishStream();
  EXPECT_EQ(out, Expected("HTTP/1.1 200 OK",
                          absl::StrCat("Transfer-Encoding: chunked\r\n\r\n"
                                       "4\r\nWiki\r\n1a\r\n",
                                       std::string(26, 'p'), "\r\n0\r\n\r\n")));
  EXPECT_EQ(w.body_bytes(), 30u);
}

TEST(ResponseWriterTest, Http10StreamIsCloseDelimited) {
  std::string out;
  ResponseWriter w(&out, {.keep_alive = true, .version_minor = 0});
  w.Start(200);
  w.StartStream();
  w.WriteChunk("abc");
  w.FinishStream();
  EXPECT_EQ(out, Expected("HTTP/1.0 200 OK", "Connection: close\r\n\r\nabc"));
  EXPECT_TRUE(w.closes_connection());
}

TEST(StatusReasonTest, KnownAndUnknown) {
  EXPECT_EQ(StatusReason(431), "Request Header Fields Too Large");
  EXPECT_EQ(StatusReason(505), "HTTP Version Not Supported");
  EXPECT_EQ(StatusReason(299), "Unknown");
}

}  // namespace
}  // namespace hyper::http
