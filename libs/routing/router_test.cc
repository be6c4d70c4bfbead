#include "libs/routing/router.h"

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <iterator>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/routing/github_routes.h"

// Every allocation in this test binary is counted, so that the steady-state
// lookup test can assert it makes none. All forms of new and delete are
// replaced, so that each pair matches (sanitizers check that). Out of line,
// or GCC inlines a delete into gtest's code and warns that free() pairs
// with `new`.
namespace {
std::atomic<size_t> g_allocations{0};

__attribute__((noinline)) void* CountedAlloc(size_t size, size_t align) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  size = size == 0 ? 1 : size;
  if (align > alignof(std::max_align_t)) {
    return std::aligned_alloc(align, (size + align - 1) / align * align);
  }
  return std::malloc(size);
}

void* CountedNew(size_t size, size_t align = 0) {
  if (void* p = CountedAlloc(size, align)) return p;
  throw std::bad_alloc();
}
}  // namespace

__attribute__((noinline)) void* operator new(size_t n) {
  return CountedNew(n);
}
__attribute__((noinline)) void* operator new[](size_t n) {
  return CountedNew(n);
}
__attribute__((noinline)) void* operator new(size_t n, std::align_val_t a) {
  return CountedNew(n, static_cast<size_t>(a));
}
__attribute__((noinline)) void* operator new[](size_t n, std::align_val_t a) {
  return CountedNew(n, static_cast<size_t>(a));
}
__attribute__((noinline)) void* operator new(size_t n,
                                             const std::nothrow_t&) noexcept {
  return CountedAlloc(n, 0);
}
__attribute__((noinline)) void* operator new[](size_t n,
                                               const std::nothrow_t&) noexcept {
  return CountedAlloc(n, 0);
}
__attribute__((noinline)) void operator delete(void* p) noexcept {
  std::free(p);
}
__attribute__((noinline)) void operator delete[](void* p) noexcept {
  std::free(p);
}
__attribute__((noinline)) void operator delete(void* p, size_t) noexcept {
  std::free(p);
}
__attribute__((noinline)) void operator delete[](void* p, size_t) noexcept {
  std::free(p);
}
__attribute__((noinline)) void operator delete(void* p,
                                               std::align_val_t) noexcept {
  std::free(p);
}
__attribute__((noinline)) void operator delete[](void* p,
                                                 std::align_val_t) noexcept {
  std::free(p);
}
__attribute__((noinline)) void operator delete(void* p, size_t,
                                               std::align_val_t) noexcept {
  std::free(p);
}
__attribute__((noinline)) void operator delete[](void* p, size_t,
                                                 std::align_val_t) noexcept {
  std::free(p);
}
__attribute__((noinline)) void operator delete(void* p,
                                               const std::nothrow_t&) noexcept {
  std::free(p);
}
__attribute__((noinline)) void operator delete[](
    void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}

namespace hyper::routing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

class RouterTest : public ::testing::Test {
 protected:
  void Add(absl::string_view method, absl::string_view pattern, uint32_t id) {
    absl::Status s = router_.Add(method, pattern, id);
    ASSERT_TRUE(s.ok()) << s;
  }

  // Routes one request and describes the result in one line:
  //   "7 id=42"                  kFound, handler 7, its parameters
  //   "7 head-via-get"           kFound for HEAD served by GET
  //   "405 GET, HEAD, OPTIONS"   kMethodNotAllowed with its Allow value
  //   "OPTIONS GET, OPTIONS"     kOptions with its Allow value
  //   "404", "400"
  std::string Route(absl::string_view method, absl::string_view path) {
    Match m = router_.Find(method, path, &params_);
    if (m.kind != Match::kFound) {
      EXPECT_TRUE(params_.empty()) << path;
    }
    switch (m.kind) {
      case Match::kFound: {
        std::string out = absl::StrCat(m.handler_id);
        if (m.head_via_get) absl::StrAppend(&out, " head-via-get");
        for (const Param& p : params_) {
          absl::StrAppend(&out, " ", p.name, "=", p.value);
        }
        return out;
      }
      case Match::kNotFound:
        return "404";
      case Match::kMethodNotAllowed:
        return absl::StrCat("405 ", m.allow);
      case Match::kOptions:
        return absl::StrCat("OPTIONS ", m.allow);
      case Match::kBadRequest:
        return "400";
    }
    return "?";
  }

  Router router_;
  Params params_;
};

TEST_F(RouterTest, StaticRoutes) {
  Add("GET", "/", 1);
  Add("GET", "/users", 2);
  Add("GET", "/users/", 3);
  Add("GET", "/user", 4);
  Add("GET", "/users/new", 5);
  EXPECT_EQ(Route("GET", "/"), "1");
  EXPECT_EQ(Route("GET", "/users"), "2");
  EXPECT_EQ(Route("GET", "/users/"), "3");  // trailing slash: another path
  EXPECT_EQ(Route("GET", "/user"), "4");
  EXPECT_EQ(Route("GET", "/users/new"), "5");
  EXPECT_EQ(Route("GET", "/users/ne"), "404");
  EXPECT_EQ(Route("GET", "/users/newer"), "404");
  EXPECT_EQ(Route("GET", "/users/new/"), "404");
  EXPECT_EQ(Route("GET", "/Users"), "404");
  EXPECT_EQ(Route("GET", "//"), "404");
}

TEST_F(RouterTest, PathMustStartWithSlash) {
  Add("GET", "/{p...}", 1);
  EXPECT_EQ(Route("GET", "/"), "1 p=");
  EXPECT_EQ(Route("GET", ""), "404");
  EXPECT_EQ(Route("OPTIONS", "*"), "404");
  EXPECT_EQ(Route("GET", "http://a/b"), "404");
  EXPECT_EQ(Route("GET", "users"), "404");
}

TEST_F(RouterTest, ParametersMatchOneNonEmptySegment) {
  Add("GET", "/users/{name}", 1);
  Add("GET", "/users/{name}/repos/{repo}", 2);
  EXPECT_EQ(Route("GET", "/users/ann"), "1 name=ann");
  EXPECT_EQ(Route("GET", "/users/ann/repos/hyper"), "2 name=ann repo=hyper");
  EXPECT_EQ(Route("GET", "/users/"), "404");
  EXPECT_EQ(Route("GET", "/users/ann/"), "404");
  EXPECT_EQ(Route("GET", "/users//repos/x"), "404");
  EXPECT_EQ(Route("GET", "/users/ann/repos/"), "404");
  EXPECT_EQ(Route("GET", "/users/a/b"), "404");
}

TEST_F(RouterTest, ParamsGetAndIteration) {
  Add("GET", "/a/{x}/b/{y}", 1);
  ASSERT_EQ(router_.Find("GET", "/a/1/b/2", &params_).kind, Match::kFound);
  ASSERT_EQ(params_.size(), 2u);
  EXPECT_EQ(params_[0].name, "x");
  EXPECT_EQ(params_[0].value, "1");
  EXPECT_EQ(params_[1].name, "y");
  EXPECT_EQ(params_.Get("y"), "2");
  EXPECT_EQ(params_.Get("z"), "");
  // A miss clears the previous parameters.
  EXPECT_EQ(router_.Find("GET", "/nope", &params_).kind, Match::kNotFound);
  EXPECT_TRUE(params_.empty());
  EXPECT_EQ(params_.Get("x"), "");
}

TEST_F(RouterTest, TypedIntEdgeCases) {
  Add("GET", "/n/{v:int}", 1);
  EXPECT_EQ(Route("GET", "/n/0"), "1 v=0");
  EXPECT_EQ(Route("GET", "/n/42"), "1 v=42");
  EXPECT_EQ(Route("GET", "/n/-42"), "1 v=-42");
  EXPECT_EQ(Route("GET", "/n/007"), "1 v=007");  // leading zeros are fine
  EXPECT_EQ(Route("GET", "/n/-0"), "1 v=-0");
  EXPECT_EQ(Route("GET", "/n/9223372036854775807"),
            "1 v=9223372036854775807");
  EXPECT_EQ(Route("GET", "/n/-9223372036854775808"),
            "1 v=-9223372036854775808");
  EXPECT_EQ(Route("GET", "/n/0000000000000000000000000001"),
            "1 v=0000000000000000000000000001");
  EXPECT_EQ(Route("GET", "/n/9223372036854775808"), "404");  // overflow
  EXPECT_EQ(Route("GET", "/n/-9223372036854775809"), "404");
  EXPECT_EQ(Route("GET", "/n/99999999999999999999"), "404");
  EXPECT_EQ(Route("GET", "/n/-"), "404");
  EXPECT_EQ(Route("GET", "/n/--1"), "404");
  EXPECT_EQ(Route("GET", "/n/+1"), "404");
  EXPECT_EQ(Route("GET", "/n/1-"), "404");
  EXPECT_EQ(Route("GET", "/n/12a"), "404");
  EXPECT_EQ(Route("GET", "/n/1.5"), "404");
  EXPECT_EQ(Route("GET", "/n/%31"), "404");  // checked on the raw segment
  EXPECT_EQ(Route("GET", "/n/"), "404");
}

TEST_F(RouterTest, IntBeatsUntypedParamWithBacktracking) {
  Add("GET", "/u/{id:int}", 1);
  Add("GET", "/u/{name}", 2);
  Add("GET", "/u/{id:int}/x", 3);
  Add("GET", "/u/{name}/y", 4);
  EXPECT_EQ(Route("GET", "/u/42"), "1 id=42");
  EXPECT_EQ(Route("GET", "/u/ann"), "2 name=ann");
  EXPECT_EQ(Route("GET", "/u/9223372036854775808"),
            "2 name=9223372036854775808");
  EXPECT_EQ(Route("GET", "/u/42/x"), "3 id=42");
  EXPECT_EQ(Route("GET", "/u/42/y"), "4 name=42");  // int branch failed
  EXPECT_EQ(Route("GET", "/u/ann/x"), "404");
}

TEST_F(RouterTest, StaticBeatsParamBeatsCatchAll) {
  Add("GET", "/a/b", 1);
  Add("GET", "/a/{x}", 2);
  Add("GET", "/a/{rest...}", 3);
  EXPECT_EQ(Route("GET", "/a/b"), "1");
  EXPECT_EQ(Route("GET", "/a/c"), "2 x=c");
  EXPECT_EQ(Route("GET", "/a/bb"), "2 x=bb");
  EXPECT_EQ(Route("GET", "/a/c/d"), "3 rest=c/d");
  EXPECT_EQ(Route("GET", "/a/b/d"), "3 rest=b/d");
  EXPECT_EQ(Route("GET", "/a/"), "3 rest=");
}

TEST_F(RouterTest, BacktracksFromStaticToParam) {
  Add("GET", "/a/{x}/c", 1);
  Add("GET", "/a/b/d", 2);
  EXPECT_EQ(Route("GET", "/a/b/c"), "1 x=b");
  EXPECT_EQ(Route("GET", "/a/b/d"), "2");
  EXPECT_EQ(Route("GET", "/a/z/c"), "1 x=z");
  EXPECT_EQ(Route("GET", "/a/z/d"), "404");
}

TEST_F(RouterTest, BacktracksSeveralLevels) {
  Add("GET", "/s/a/b/c/d", 1);
  Add("GET", "/s/a/{p}/c/e", 2);
  Add("GET", "/s/{q}/b/c/f", 3);
  Add("GET", "/s/{rest...}", 4);
  EXPECT_EQ(Route("GET", "/s/a/b/c/d"), "1");
  EXPECT_EQ(Route("GET", "/s/a/b/c/e"), "2 p=b");
  EXPECT_EQ(Route("GET", "/s/a/b/c/f"), "3 q=a");
  EXPECT_EQ(Route("GET", "/s/a/b/c/g"), "4 rest=a/b/c/g");
}

TEST_F(RouterTest, StaticSharingBytesWithParamSegment) {
  // A byte-level radix tree shares "ab" between these; matching must
  // still be per whole segment.
  Add("GET", "/x/abc/1", 1);
  Add("GET", "/x/abd", 2);
  Add("GET", "/x/{p}/2", 3);
  EXPECT_EQ(Route("GET", "/x/abc/1"), "1");
  EXPECT_EQ(Route("GET", "/x/abc/2"), "3 p=abc");
  EXPECT_EQ(Route("GET", "/x/ab/2"), "3 p=ab");
  EXPECT_EQ(Route("GET", "/x/abd"), "2");
  EXPECT_EQ(Route("GET", "/x/abdx/2"), "3 p=abdx");
}

TEST_F(RouterTest, CatchAll) {
  Add("GET", "/files/{path...}", 1);
  Add("GET", "/files/readme", 2);
  Add("GET", "/{all...}", 3);
  EXPECT_EQ(Route("GET", "/files/"), "1 path=");
  EXPECT_EQ(Route("GET", "/files/a"), "1 path=a");
  EXPECT_EQ(Route("GET", "/files/a/b/c.txt"), "1 path=a/b/c.txt");
  EXPECT_EQ(Route("GET", "/files/a//b/"), "1 path=a//b/");
  EXPECT_EQ(Route("GET", "/files/readme"), "2");
  EXPECT_EQ(Route("GET", "/files/readme/x"), "1 path=readme/x");
  EXPECT_EQ(Route("GET", "/files"), "3 all=files");
  EXPECT_EQ(Route("GET", "/"), "3 all=");
}

TEST_F(RouterTest, MethodNotAllowedListsSortedAllow) {
  Add("POST", "/r", 1);
  Add("GET", "/r", 2);
  Add("PURGE", "/r", 3);
  Add("DELETE", "/only-delete", 4);
  EXPECT_EQ(Route("PUT", "/r"), "405 GET, HEAD, OPTIONS, POST, PURGE");
  EXPECT_EQ(Route("get", "/r"), "405 GET, HEAD, OPTIONS, POST, PURGE");
  EXPECT_EQ(Route("PURGE", "/r"), "3");
  EXPECT_EQ(Route("GET", "/only-delete"), "405 DELETE, OPTIONS");
  EXPECT_EQ(Route("HEAD", "/only-delete"), "405 DELETE, OPTIONS");
  EXPECT_EQ(Route("PUT", "/missing"), "404");
}

TEST_F(RouterTest, MethodNotAllowedReportsPatternAndAllow) {
  Add("GET", "/u/{id}", 1);
  Match m = router_.Find("DELETE", "/u/7", &params_);
  EXPECT_EQ(m.kind, Match::kMethodNotAllowed);
  EXPECT_EQ(m.pattern, "/u/{id}");
  EXPECT_EQ(m.allow, "GET, HEAD, OPTIONS");
  m = router_.Find("GET", "/u/7", &params_);
  EXPECT_EQ(m.kind, Match::kFound);
  EXPECT_EQ(m.pattern, "/u/{id}");
  m = router_.Find("GET", "/v", &params_);
  EXPECT_EQ(m.kind, Match::kNotFound);
  EXPECT_EQ(m.pattern, "");
  EXPECT_EQ(m.allow, "");
}

TEST_F(RouterTest, MethodIsChosenAfterThePath) {
  // The highest-priority path match decides; no backtracking on method.
  Add("POST", "/a/b", 1);
  Add("GET", "/a/{x}", 2);
  EXPECT_EQ(Route("GET", "/a/b"), "405 OPTIONS, POST");
  EXPECT_EQ(Route("GET", "/a/c"), "2 x=c");
}

TEST_F(RouterTest, SameShapeDifferentMethodsKeepTheirOwnNames) {
  Add("GET", "/u/{id}", 1);
  Add("PUT", "/u/{user}", 2);
  EXPECT_EQ(Route("GET", "/u/7"), "1 id=7");
  EXPECT_EQ(Route("PUT", "/u/7"), "2 user=7");
  EXPECT_EQ(Route("POST", "/u/7"), "405 GET, HEAD, OPTIONS, PUT");
}

TEST_F(RouterTest, HeadIsServedByGet) {
  Add("GET", "/a", 1);
  Add("GET", "/b", 2);
  Add("HEAD", "/b", 3);
  EXPECT_EQ(Route("HEAD", "/a"), "1 head-via-get");
  EXPECT_EQ(Route("HEAD", "/b"), "3");
  EXPECT_EQ(Route("GET", "/b"), "2");
  Match m = router_.Find("HEAD", "/a", &params_);
  EXPECT_TRUE(m.head_via_get);
  EXPECT_EQ(m.pattern, "/a");
  EXPECT_FALSE(router_.Find("GET", "/a", &params_).head_via_get);
}

TEST_F(RouterTest, AutomaticOptions) {
  Add("GET", "/a", 1);
  Add("POST", "/a", 2);
  Add("OPTIONS", "/b", 3);
  Add("GET", "/b", 4);
  EXPECT_EQ(Route("OPTIONS", "/a"), "OPTIONS GET, HEAD, OPTIONS, POST");
  EXPECT_EQ(Route("OPTIONS", "/b"), "3");  // explicit route wins
  EXPECT_EQ(Route("PUT", "/b"), "405 GET, HEAD, OPTIONS");
  EXPECT_EQ(Route("OPTIONS", "/c"), "404");
  Match m = router_.Find("OPTIONS", "/a", &params_);
  EXPECT_EQ(m.kind, Match::kOptions);
  EXPECT_EQ(m.pattern, "/a");
}

TEST_F(RouterTest, PercentDecodesParameterValues) {
  Add("GET", "/p/{a}/{b}/{c}", 1);
  Add("GET", "/f/{path...}", 2);
  EXPECT_EQ(Route("GET", "/p/a%2Fb/j%20doe/x"), "1 a=a/b b=j doe c=x");
  EXPECT_EQ(Route("GET", "/p/%2f/%41%42/%e2%82%ac"), "1 a=/ b=AB c=\u20ac");
  EXPECT_EQ(Route("GET", "/p/a+b/%2B/%25"), "1 a=a+b b=+ c=%");
  EXPECT_EQ(Route("GET", "/f/a%20b/c%2Fd"), "2 path=a b/c/d");
  // Decoded values stay valid even when the buffer grows during a lookup.
  std::string big(300, 'x');
  EXPECT_EQ(Route("GET", absl::StrCat("/p/%41", big, "/%42", big, "/%43")),
            absl::StrCat("1 a=A", big, " b=B", big, " c=C"));
}

TEST_F(RouterTest, BadEscapesAreBadRequest) {
  Add("GET", "/p/{a}", 1);
  Add("GET", "/f/{path...}", 2);
  Add("GET", "/q/x%zz", 3);
  EXPECT_EQ(Route("GET", "/p/%zz"), "400");
  EXPECT_EQ(Route("GET", "/p/%4"), "400");
  EXPECT_EQ(Route("GET", "/p/ab%"), "400");
  EXPECT_EQ(Route("GET", "/p/%%41"), "400");
  EXPECT_EQ(Route("GET", "/p/%g0"), "400");
  EXPECT_EQ(Route("GET", "/f/ok/%2"), "400");
  Match m = router_.Find("GET", "/p/%zz", &params_);
  EXPECT_EQ(m.kind, Match::kBadRequest);
  EXPECT_EQ(m.pattern, "/p/{a}");
  // Static segments are raw bytes: never decoded, never rejected.
  EXPECT_EQ(Route("GET", "/q/x%zz"), "3");
  // A bad escape only matters in a value that the request would get.
  EXPECT_EQ(Route("POST", "/p/%zz"), "405 GET, HEAD, OPTIONS");
}

TEST_F(RouterTest, StaticSegmentsAreComparedRaw) {
  Add("GET", "/a~b", 1);
  Add("GET", "/a%20b", 2);
  EXPECT_EQ(Route("GET", "/a~b"), "1");
  EXPECT_EQ(Route("GET", "/a%7Eb"), "404");  // not decoded to "/a~b"
  EXPECT_EQ(Route("GET", "/a%20b"), "2");
  EXPECT_EQ(Route("GET", "/a b"), "404");
  EXPECT_EQ(Route("GET", "/a%2520b"), "404");
}

TEST_F(RouterTest, SixteenParametersAtMost) {
  std::string pattern, path, want = "1";
  for (int i = 0; i < 16; ++i) {
    absl::StrAppend(&pattern, "/{p", i, "}");
    absl::StrAppend(&path, "/v", i);
    absl::StrAppend(&want, " p", i, "=v", i);
  }
  Add("GET", pattern, 1);
  EXPECT_EQ(Route("GET", path), want);
  absl::Status s = router_.Add("GET", absl::StrCat(pattern, "/{p16}"), 2);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("more than 16 parameters"));
}

TEST_F(RouterTest, ChildrenSharingTheirFirstByte) {
  Add("GET", "/r/issues", 1);
  Add("GET", "/r/import", 2);
  Add("GET", "/r/i", 3);
  Add("GET", "/user", 4);
  Add("GET", "/users", 5);
  Add("GET", "/users/{id}", 6);
  EXPECT_EQ(Route("GET", "/r/issues"), "1");
  EXPECT_EQ(Route("GET", "/r/import"), "2");
  EXPECT_EQ(Route("GET", "/r/i"), "3");
  EXPECT_EQ(Route("GET", "/r/im"), "404");
  EXPECT_EQ(Route("GET", "/user"), "4");
  EXPECT_EQ(Route("GET", "/users"), "5");
  EXPECT_EQ(Route("GET", "/users/7"), "6 id=7");
  EXPECT_EQ(Route("GET", "/userss"), "404");
}

TEST_F(RouterTest, EmptySegments) {
  Add("GET", "/", 1);
  Add("GET", "/a/", 2);
  Add("GET", "/a/{x}/", 3);
  EXPECT_EQ(Route("GET", "/"), "1");
  EXPECT_EQ(Route("GET", "//"), "404");
  EXPECT_EQ(Route("GET", "/a/"), "2");
  EXPECT_EQ(Route("GET", "/a//"), "404");
  EXPECT_EQ(Route("GET", "/a/b/"), "3 x=b");
  EXPECT_EQ(Route("GET", "/a/b//"), "404");
}

TEST_F(RouterTest, ManyStaticChildren) {
  // Over 32 children takes the vector dispatch; all share the byte 'c'
  // across several 16-byte blocks.
  for (int i = 0; i < 40; ++i) Add("GET", absl::StrCat("/c", i), i);
  Add("GET", "/{x}", 100);
  for (int i = 0; i < 40; ++i) {
    EXPECT_EQ(Route("GET", absl::StrCat("/c", i)), absl::StrCat(i));
  }
  EXPECT_EQ(Route("GET", "/c40"), "100 x=c40");
  EXPECT_EQ(Route("GET", "/d"), "100 x=d");
}

TEST_F(RouterTest, SegmentsOfEveryLength) {
  // Segment ends are found 16 bytes at a time: try values on both sides of
  // each block boundary, in short and long paths, last or not.
  Add("GET", "/{a}", 1);
  Add("GET", "/{a}/{b}", 2);
  Add("GET", "/s/{a}/t", 3);
  for (int n = 1; n <= 40; ++n) {
    std::string v(n, 'v');
    EXPECT_EQ(Route("GET", "/" + v), "1 a=" + v);
    EXPECT_EQ(Route("GET", "/" + v + "/w"), "2 a=" + v + " b=w");
    EXPECT_EQ(Route("GET", "/w/" + v), "2 a=w b=" + v);
    EXPECT_EQ(Route("GET", "/s/" + v + "/t"), "3 a=" + v);
    EXPECT_EQ(Route("GET", "/s/" + v + "/u"), "404");
  }
}

TEST_F(RouterTest, PercentAnywhereInValuesOfEveryLength) {
  Add("GET", "/{a}/x/{b}", 1);
  for (int n = 0; n <= 40; ++n) {
    for (int at = 0; at <= n; at += (n < 20 ? 1 : 7)) {
      std::string raw = std::string(at, 'a') + "%41" + std::string(n - at, 'b');
      std::string decoded =
          std::string(at, 'a') + "A" + std::string(n - at, 'b');
      EXPECT_EQ(Route("GET", "/" + raw + "/x/" + raw),
                "1 a=" + decoded + " b=" + decoded);
      std::string plain(n + 1, 'p');
      EXPECT_EQ(Route("GET", "/" + plain + "/x/" + raw),
                "1 a=" + plain + " b=" + decoded);
    }
  }
}

TEST_F(RouterTest, IntsOfEveryLengthAndByte) {
  // Short values are checked a word at a time: try each length on both
  // sides of 8, with a bad byte at each position, as the last segment of
  // short and long paths and followed by more path.
  Add("GET", "/n/{v:int}", 1);
  Add("GET", "/n/{v:int}/x", 2);
  Add("GET", "/n/{s}", 3);
  Add("GET", "/n/{s}/x", 4);
  for (int n = 1; n <= 18; ++n) {
    for (absl::string_view sign : {"", "-"}) {
      std::string v = absl::StrCat(sign, std::string(n, '9'));
      EXPECT_EQ(Route("GET", "/n/" + v), "1 v=" + v);
      EXPECT_EQ(Route("GET", "/n/" + v + "/x"), "2 v=" + v);
      std::string pad(30, 'p');
      EXPECT_EQ(Route("GET", "/n/" + v + "/x" + pad), "404");
      for (int at = 0; at < n; ++at) {
        for (char bad : absl::string_view(".:@ a-\xb9\x3f")) {
          std::string w = v;
          w[sign.size() + at] = bad;
          if (w[0] == '-' && w.size() > 1 && w.find('-', 1) == w.npos &&
              w.find_first_not_of("-9") == w.npos) {
            continue;  // a leading '-' made another valid int
          }
          EXPECT_EQ(Route("GET", "/n/" + w), "3 s=" + w) << w;
          EXPECT_EQ(Route("GET", "/n/" + w + "/x"), "4 s=" + w) << w;
        }
      }
    }
  }
}

TEST_F(RouterTest, StaticTextsOfEveryLength) {
  // Static children are matched on the path's next 8 bytes, then the rest:
  // try texts of each length, alone and merged into longer runs, against
  // paths that stop short, end right after them, or go on.
  for (int n = 1; n <= 20; ++n) {
    std::string text(n, 'a' + n % 26);
    Add("GET", "/" + text, 100 + n);
    Add("GET", "/" + text + "/deeper/run", 200 + n);
    Add("GET", "/" + text + "/{p}", 300 + n);
  }
  Add("GET", "/{x}", 1);
  for (int n = 1; n <= 20; ++n) {
    std::string text(n, 'a' + n % 26);
    EXPECT_EQ(Route("GET", "/" + text), absl::StrCat(100 + n));
    EXPECT_EQ(Route("GET", "/" + text + "/deeper/run"), absl::StrCat(200 + n));
    EXPECT_EQ(Route("GET", "/" + text + "/deeper"),
              absl::StrCat(300 + n, " p=deeper"));
    EXPECT_EQ(Route("GET", "/" + text + "/deeper/ru"), "404");
    EXPECT_EQ(Route("GET", "/" + text + "x"), "1 x=" + text + "x");
    EXPECT_EQ(Route("GET", "/" + text.substr(1)),
              n == 1 ? "404" : "1 x=" + text.substr(1));
    std::string with_nul = "/" + text + std::string(1, '\0');
    EXPECT_EQ(Route("GET", with_nul), "1 x=" + with_nul.substr(1));
  }
}

TEST_F(RouterTest, StaticTextsEndingInAnEmptySegment) {
  // "/a" then "/" merge into the text "/a/": the end of the path, which a
  // lookup reads as a '/', must not stand for its last byte.
  for (int n = 1; n <= 20; ++n) {
    Add("GET", "/" + std::string(n, 'a' + n) + "/", n);
  }
  for (int n = 1; n <= 20; ++n) {
    const std::string text = "/" + std::string(n, 'a' + n);
    EXPECT_EQ(Route("GET", text + "/"), absl::StrCat(n));
    EXPECT_EQ(Route("GET", text), "404");
    EXPECT_EQ(Route("GET", text + "//"), "404");
    EXPECT_EQ(Route("GET", text + "/x"), "404");
  }
}

TEST_F(RouterTest, NamesOfSharedParametersFollowTheMatchedPattern) {
  // A parameter node keeps the name that the first pattern through it gave;
  // a pattern that named it otherwise still gets its own names.
  Add("GET", "/a/{x}/b", 1);
  Add("GET", "/a/{y}/c", 2);
  Add("GET", "/a/{x}/{n:int}", 3);
  Add("GET", "/a/{z}/{m:int}/d", 4);
  EXPECT_EQ(Route("GET", "/a/1/b"), "1 x=1");
  EXPECT_EQ(Route("GET", "/a/1/c"), "2 y=1");
  EXPECT_EQ(Route("GET", "/a/1/b"), "1 x=1");
  EXPECT_EQ(Route("GET", "/a/1/2"), "3 x=1 n=2");
  EXPECT_EQ(Route("GET", "/a/1/2/d"), "4 z=1 m=2");
  EXPECT_EQ(Route("GET", "/a/1/2"), "3 x=1 n=2");
}

TEST_F(RouterTest, EscapesAreDecodedInTheMatchedValuesOnly) {
  Add("GET", "/a%41/{x}", 1);
  Add("GET", "/s/v%41/q", 2);
  Add("GET", "/s/{a}/t", 3);
  Add("GET", "/n/{v:int}/x", 4);
  Add("GET", "/n/{s}/y", 5);
  // An escape in a static segment leaves the values as they are.
  EXPECT_EQ(Route("GET", "/a%41/v"), "1 x=v");
  EXPECT_EQ(Route("GET", "/a%41/v%42"), "1 x=vB");
  // Found again after backtracking from a static or an int child.
  EXPECT_EQ(Route("GET", "/s/v%41/q"), "2");
  EXPECT_EQ(Route("GET", "/s/v%41/t"), "3 a=vA");
  EXPECT_EQ(Route("GET", "/n/%31/y"), "5 s=1");
  EXPECT_EQ(Route("GET", "/n/12/y"), "5 s=12");
  EXPECT_EQ(Route("GET", "/n/12/x"), "4 v=12");
  EXPECT_EQ(Route("GET", "/n/%31/x"), "404");  // ints are checked raw
  // Paths under 16 bytes and values past the first 16 bytes of a segment.
  EXPECT_EQ(Route("GET", "/s/%41/t"), "3 a=A");
  const std::string pad(40, 'p');
  EXPECT_EQ(Route("GET", "/s/" + pad + "%41/t"), "3 a=" + pad + "A");
  EXPECT_EQ(Route("GET", "/s/" + pad + "/t"), "3 a=" + pad);
}

TEST_F(RouterTest, LongPathsAndValues) {
  Add("GET", "/l/{a}/{b:int}/{c}", 1);
  Add("GET", "/l/{a}/{rest...}", 2);
  const std::string value(1000, 'v');
  const std::string digits16(16, '9');
  const std::string digits19 = "9223372036854775807";
  EXPECT_EQ(Route("GET", "/l/" + value + "/" + digits16 + "/c"),
            "1 a=" + value + " b=" + digits16 + " c=c");
  EXPECT_EQ(Route("GET", "/l/x/" + digits19 + "/" + value),
            "1 a=x b=" + digits19 + " c=" + value);
  EXPECT_EQ(Route("GET", "/l/x/" + digits19 + "0/" + value),
            "2 a=x rest=" + digits19 + "0/" + value);
  std::string deep;
  for (int i = 0; i < 200; ++i) absl::StrAppend(&deep, "/s", i);
  EXPECT_EQ(Route("GET", "/l/x" + deep), "2 a=x rest=" + deep.substr(1));
  EXPECT_EQ(Route("GET", "/l/" + value + "%41/7/c%42"),
            "1 a=" + value + "A b=7 c=cB");
}

TEST(RouterExampleTest, TheHeaderExampleHolds) {
  Router router;
  EXPECT_TRUE(router.Add("GET", "/users/{id:int}", 1).ok());
  EXPECT_TRUE(router.Add("GET", "/users/{name}", 2).ok());
  EXPECT_TRUE(router.Add("POST", "/users/{name}", 3).ok());
  EXPECT_TRUE(router.Add("GET", "/files/{path...}", 4).ok());
  absl::Status s = router.Add("GET", "/users/{login}", 5);
  EXPECT_EQ(s, absl::AlreadyExistsError(
                   "route GET /users/{login} conflicts with GET "
                   "/users/{name}: both match the same paths"));
  Params params;
  Match m = router.Find("GET", "/users/42", &params);
  EXPECT_EQ(m.kind, Match::kFound);
  EXPECT_EQ(m.handler_id, 1u);
  EXPECT_EQ(m.pattern, "/users/{id:int}");
  EXPECT_EQ(params.Get("id"), "42");
  m = router.Find("GET", "/users/j%20doe", &params);
  EXPECT_EQ(m.handler_id, 2u);
  EXPECT_EQ(params.Get("name"), "j doe");
  m = router.Find("HEAD", "/users/ann", &params);
  EXPECT_EQ(m.kind, Match::kFound);
  EXPECT_EQ(m.handler_id, 2u);
  EXPECT_TRUE(m.head_via_get);
  m = router.Find("DELETE", "/users/ann", &params);
  EXPECT_EQ(m.kind, Match::kMethodNotAllowed);
  EXPECT_EQ(m.allow, "GET, HEAD, OPTIONS, POST");
  m = router.Find("OPTIONS", "/users/ann", &params);
  EXPECT_EQ(m.kind, Match::kOptions);
  EXPECT_EQ(m.allow, "GET, HEAD, OPTIONS, POST");
  m = router.Find("GET", "/files/a/b%2Fc", &params);
  EXPECT_EQ(m.handler_id, 4u);
  EXPECT_EQ(params.Get("path"), "a/b/c");
  EXPECT_EQ(router.Find("GET", "/files/%zz", &params).kind,
            Match::kBadRequest);
  EXPECT_EQ(router.Find("GET", "/nope", &params).kind, Match::kNotFound);
}

TEST(RouterExampleTest, MovedRouterStillRoutes) {
  Router a;
  ASSERT_TRUE(a.Add("GET", "/x/{y}", 7).ok());
  Router b = std::move(a);
  Params params;
  EXPECT_EQ(b.Find("GET", "/x/1", &params).handler_id, 7u);
  EXPECT_EQ(params.Get("y"), "1");
}

TEST(RouterAddTest, MalformedPatternsNameThePatternAndTheProblem) {
  struct Case {
    const char* pattern;
    const char* problem;
  };
  const Case cases[] = {
      {"", "must start with '/'"},
      {"users", "must start with '/'"},
      {"/a//b", "empty segment"},
      {"/a/{id", "unclosed '{'"},
      {"/a/{id/b}", "unclosed '{'"},
      {"/a/x{id}", "must be a whole segment"},
      {"/a/{id}x", "must be a whole segment"},
      {"/a/id}", "unmatched '}'"},
      {"/a/{}", "empty parameter name"},
      {"/a/{:int}", "empty parameter name"},
      {"/a/{...}", "empty parameter name"},
      {"/a/{1x}", "bad parameter name"},
      {"/a/{a-b}", "bad parameter name"},
      {"/a/{id:uuid}", "unknown parameter type \"uuid\""},
      {"/a/{id:}", "unknown parameter type \"\""},
      {"/a/{{id}}", "stray brace"},
      {"/a/{rest...}/b", "must be the last segment"},
      {"/a/{rest...}/", "must be the last segment"},
      {"/a/{id}/b/{id}", "repeated parameter name \"id\""},
      {"/a/{id}/{id:int}", "repeated parameter name \"id\""},
      {"/a?x=1", "'?'"},
      {"/a#top", "'#'"},
      {"/a b", "whitespace"},
  };
  for (const Case& c : cases) {
    Router router;
    absl::Status s = router.Add("GET", c.pattern, 1);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.pattern;
    EXPECT_THAT(s.message(),
                AllOf(HasSubstr(absl::StrCat("\"", c.pattern, "\"")),
                      HasSubstr(c.problem)))
        << c.pattern;
  }
}

TEST(RouterAddTest, BadMethodTokens) {
  Router router;
  for (const char* method : {"", "GE T", "GET\r\n", "G(ET)", "GET/"}) {
    absl::Status s = router.Add(method, "/a", 1);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << method;
    EXPECT_THAT(s.message(), HasSubstr("invalid method")) << method;
  }
  EXPECT_TRUE(router.Add("M-SEARCH", "/a", 1).ok());
}

TEST(RouterAddTest, DuplicatesAndAmbiguitiesNameBothPatterns) {
  struct Case {
    const char* first;
    const char* second;
  };
  const Case cases[] = {
      {"/u", "/u"},
      {"/u/{id}", "/u/{name}"},
      {"/u/{id:int}", "/u/{n:int}"},
      {"/f/{path...}", "/f/{rest...}"},
      {"/a/{x}/b/{y}", "/a/{p}/b/{q}"},
  };
  for (const Case& c : cases) {
    Router router;
    ASSERT_TRUE(router.Add("GET", c.first, 1).ok());
    absl::Status s = router.Add("GET", c.second, 2);
    EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists) << c.second;
    EXPECT_THAT(s.message(),
                AllOf(HasSubstr(absl::StrCat("GET ", c.first)),
                      HasSubstr(absl::StrCat("GET ", c.second))));
    // The same shape under another method, or another shape, is fine.
    EXPECT_TRUE(router.Add("POST", c.second, 3).ok()) << c.second;
  }
  Router router;
  ASSERT_TRUE(router.Add("GET", "/u/{id}", 1).ok());
  EXPECT_TRUE(router.Add("GET", "/u/{id:int}", 2).ok());
  EXPECT_TRUE(router.Add("GET", "/u/{id...}", 3).ok());
  EXPECT_TRUE(router.Add("GET", "/u/{id}/", 4).ok());
  EXPECT_TRUE(router.Add("GET", "/u/id", 5).ok());
}

TEST(RouterGithubTest, EveryRouteResolvesToItself) {
  Router router;
  for (uint32_t i = 0; i < std::size(kGithubRoutes); ++i) {
    absl::Status s =
        router.Add(kGithubRoutes[i].method, kGithubRoutes[i].pattern, i);
    ASSERT_TRUE(s.ok()) << s;
  }
  Params params;
  const std::vector<std::string> paths = GithubExamplePaths();
  for (uint32_t i = 0; i < std::size(kGithubRoutes); ++i) {
    const GithubRoute& r = kGithubRoutes[i];
    const std::string& path = paths[i];
    Match m = router.Find(r.method, path, &params);
    EXPECT_EQ(m.kind, Match::kFound) << r.method << " " << path;
    EXPECT_EQ(m.handler_id, i) << r.method << " " << path;
    EXPECT_EQ(m.pattern, r.pattern);
  }
  // "/tags" is a static route with no children: backtrack to the params.
  EXPECT_EQ(router.Find("GET", "/repos/o/r/tags/v1", &params).pattern,
            "/repos/{owner}/{repo}/{archive_format}/{ref}");
  EXPECT_EQ(params.Get("archive_format"), "tags");
}

TEST(RouterAllocationTest, WarmLookupsAllocateNothing) {
  const Router router = GithubRouter();
  std::vector<std::string> paths = GithubExamplePaths();
  paths.push_back("/repos/a%20b/c%2Fd/issues/42/comments");  // decodes
  paths.push_back("/repos/a/b/contents/%zz");                  // 400
  paths.push_back("/nowhere");                                 // 404
  Params params;
  auto run = [&] {
    size_t found = 0;
    for (const std::string& path : paths) {
      for (absl::string_view method : {"GET", "HEAD", "OPTIONS", "DELETE"}) {
        found += router.Find(method, path, &params).kind == Match::kFound;
      }
    }
    return found;
  };
  size_t warm = run();
  size_t before = g_allocations.load();
  size_t found = 0;
  for (int i = 0; i < 100; ++i) found += run();
  size_t allocations = g_allocations.load() - before;
  EXPECT_EQ(allocations, 0u);
  EXPECT_EQ(found, 100 * warm);
  EXPECT_GT(warm, std::size(kGithubRoutes));
}

TEST(RouterConcurrencyTest, ManyThreadsLookUpAtOnce) {
  const Router router = GithubRouter();
  const std::vector<std::string> paths = GithubExamplePaths();
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      Params params;
      for (int round = 0; round < 200; ++round) {
        for (size_t k = 0; k < paths.size(); ++k) {
          // Each thread walks the table in its own order.
          size_t i = (k * (2 * t + 1) + round) % paths.size();
          Match m = router.Find(kGithubRoutes[i].method, paths[i], &params);
          bool ok = m.kind == Match::kFound && m.handler_id == i &&
                    m.pattern == kGithubRoutes[i].pattern;
          // ExamplePath() values: "42" for ints, else "x-<name>...".
          for (const Param& p : params) {
            ok = ok && (p.value == "42" ||
                        absl::StartsWith(p.value, absl::StrCat("x-", p.name)));
          }
          if (!ok) wrong.fetch_add(1);
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace hyper::routing
