#include "services/edge/view_cache.h"

#include <string>

#include "gtest/gtest.h"
#include "libs/http/parser.h"

namespace hyper::edge {
namespace {

// `bytes` must outlive the head, which points into it.
http::RequestHead Head(const std::string& bytes) {
  http::RequestHead head;
  http::ParseError error = http::ParseHead(bytes, http::Limits(), &head);
  EXPECT_TRUE(error.ok()) << error.reason;
  return head;
}

View Page() {
  View view;
  view.status = 200;
  view.content_type = "text/html; charset=utf-8";
  view.headers = {{"Cache-Control", "max-age=30"}, {"X-Empty", ""}};
  view.body = std::string("<p>caf\xc3\xa9</p>\0tail", 17);
  return view;
}

TEST(ViewEncodingTest, RoundTrips) {
  std::optional<View> back = DecodeView(EncodeView(Page()));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->status, 200);
  EXPECT_EQ(back->content_type, "text/html; charset=utf-8");
  EXPECT_EQ(back->headers, Page().headers);
  EXPECT_EQ(back->body, Page().body);
}

TEST(ViewEncodingTest, RejectsAnythingButAWholeEncoding) {
  std::string bytes = EncodeView(Page());
  EXPECT_FALSE(DecodeView("").has_value());
  EXPECT_FALSE(DecodeView("not a view at all").has_value());
  for (size_t cut : {size_t{3}, size_t{10}, bytes.size() - 1}) {
    EXPECT_FALSE(DecodeView(bytes.substr(0, cut)).has_value()) << cut;
  }
  EXPECT_FALSE(DecodeView(bytes + "x").has_value());
}

TEST(ViewCacheKeyTest, PathQueryAndVaryHeaders) {
  const std::string a_bytes = "GET /posts?page=2 HTTP/1.1\r\nHost: x\r\nAccept-Language: fr\r\n\r\n";
  const std::string b_bytes = "HEAD /posts?page=2 HTTP/1.1\r\nHost: x\r\naccept-language: de\r\n\r\n";
  const std::string c_bytes = "GET /posts?page=3 HTTP/1.1\r\nHost: x\r\nAccept-Language: fr\r\n\r\n";
  http::RequestHead a = Head(a_bytes);
  http::RequestHead b = Head(b_bytes);
  http::RequestHead c = Head(c_bytes);
  EXPECT_EQ(ViewCache::Key(a, {}), "GET /posts?page=2");
  EXPECT_EQ(ViewCache::Key(a, {}), ViewCache::Key(b, {})) << "HEAD is served by GET";
  EXPECT_NE(ViewCache::Key(a, {}), ViewCache::Key(c, {}));
  EXPECT_NE(ViewCache::Key(a, {"accept-language"}), ViewCache::Key(b, {"accept-language"}));
  EXPECT_EQ(ViewCache::Key(a, {"accept-language"}), "GET /posts?page=2\naccept-language: fr");
}

TEST(ViewCacheTest, StoresOnly200sWithinTheSizeLimit) {
  ViewCache cache({.l1_bytes = 1 << 20, .max_view_bytes = 1024});
  cache.Store("ok", Page(), absl::Minutes(1));
  View missing = Page();
  missing.status = 404;
  cache.Store("404", missing, absl::Minutes(1));
  View big = Page();
  big.body.assign(2000, 'x');
  cache.Store("big", big, absl::Minutes(1));
  cache.Store("no ttl", Page(), absl::ZeroDuration());
  EXPECT_TRUE(cache.GetLocal("ok").has_value());
  EXPECT_FALSE(cache.GetLocal("404").has_value());
  EXPECT_FALSE(cache.GetLocal("big").has_value());
  EXPECT_FALSE(cache.GetLocal("no ttl").has_value());
  EXPECT_EQ(cache.stats().stores, 1u);
  EXPECT_EQ(cache.stats().l1_hits, 1u);
  EXPECT_FALSE(cache.has_remote());
}

}  // namespace
}  // namespace hyper::edge
