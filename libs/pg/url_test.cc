#include "libs/pg/url.h"

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace hyper::pg {
namespace {

TEST(ParseUrlTest, SplitsOurParamsFromLibpqs) {
  absl::StatusOr<ParsedUrl> p = ParseUrl(
      "postgres://app:pw@db:5433/shop?pool_size=20&min_size=2&"
      "acquire_timeout_ms=5000&statement_cache=256&sslmode=disable&busy_wait_us=200");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->conninfo, "postgres://app:pw@db:5433/shop?sslmode=disable");
  EXPECT_EQ(p->pool.size, 20);
  EXPECT_EQ(p->pool.min_size, 2);
  EXPECT_EQ(p->pool.acquire_timeout, absl::Milliseconds(5000));
  EXPECT_EQ(p->pool.connection.statement_cache_capacity, 256);
  EXPECT_EQ(p->pool.connection.busy_wait, absl::Microseconds(200));
}

TEST(ParseUrlTest, PostgresqlSchemeAndDefaults) {
  absl::StatusOr<ParsedUrl> p = ParseUrl("postgresql://u@h/d?statement_cache=0");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->conninfo, "postgresql://u@h/d");
  EXPECT_EQ(p->pool.size, PoolOptions().size);
  EXPECT_EQ(p->pool.connection.statement_cache_capacity, 0);
  EXPECT_EQ(p->pool.connection.busy_wait, absl::ZeroDuration());
}

TEST(ParseUrlTest, NamesTheBadParameter) {
  for (const char* bad : {"pool_size=abc", "pool_size=0", "min_size=-1",
                          "acquire_timeout_ms=x", "statement_cache=1e3",
                          "busy_wait_us=-1", "busy_wait_us=1000001"}) {
    absl::StatusOr<ParsedUrl> p =
        ParseUrl(std::string("postgres://h/d?") + bad);
    ASSERT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    std::string name(bad, std::string(bad).find('='));
    EXPECT_TRUE(absl::StrContains(p.status().message(), name))
        << p.status();
  }
}

TEST(ParseUrlTest, MinSizeAboveSizeIsRejected) {
  absl::StatusOr<ParsedUrl> p = ParseUrl("postgres://h/d?pool_size=2&min_size=3");
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(p.status().message(), "min_size"));
}

TEST(ParseUrlTest, RejectsOtherSchemes) {
  EXPECT_EQ(ParseUrl("mysql://h/d").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseUrl("postgres://h/d?pool_size").status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace hyper::pg
