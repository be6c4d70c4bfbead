#include "services/cache/table_versions.h"

#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hyper::cache {
namespace {

using ::testing::ElementsAre;

TableVersions::Tables Tables(std::vector<std::string> names) {
  return TableVersions::Tables(names.begin(), names.end());
}

TEST(TableVersionsTest, UnknownTablesAreZeroAndBumpsGrow) {
  TableVersions versions(42);
  EXPECT_EQ(versions.Read(Tables({"posts", "users"})).epoch, 42u);
  EXPECT_THAT(versions.Read(Tables({"posts", "users"})).versions, ElementsAre(0, 0));
  EXPECT_THAT(versions.Bump(Tables({"posts"})).versions, ElementsAre(1));
  EXPECT_THAT(versions.Bump(Tables({"posts"})).versions, ElementsAre(2));
  EXPECT_THAT(versions.Read(Tables({"users", "posts"})).versions, ElementsAre(0, 2));
  EXPECT_EQ(versions.bumps(), 2u);
  EXPECT_EQ(versions.tables(), 1u);
}

TEST(TableVersionsTest, ATableListedTwiceIsBumpedOnce) {
  TableVersions versions(1);
  EXPECT_THAT(versions.Bump(Tables({"posts", "posts", "users"})).versions,
              ElementsAre(1, 1, 1));
  EXPECT_EQ(versions.bumps(), 2u);
}

TEST(TableVersionsTest, StampChangesWithEveryBumpOfAnyListedTable) {
  TableVersions versions(0xabc);
  const std::string before = versions.Stamp("q", Tables({"posts", "users"}));
  EXPECT_EQ(before, std::string("q\0vabc:0.0", 10));
  versions.Bump(Tables({"comments"}));  // not listed: same stamp
  EXPECT_EQ(versions.Stamp("q", Tables({"posts", "users"})), before);
  versions.Bump(Tables({"users"}));
  EXPECT_EQ(versions.Stamp("q", Tables({"posts", "users"})), std::string("q\0vabc:0.1", 10));
}

TEST(TableVersionsTest, EpochsDifferBetweenInstances) {
  // A restarted service must not reproduce an old stamp: 64 random bits.
  TableVersions a, b;
  EXPECT_NE(a.epoch(), b.epoch());
  EXPECT_NE(a.Stamp("k", Tables({"t"})), b.Stamp("k", Tables({"t"})));
}

TEST(TableVersionsTest, ConcurrentBumpsAreAllCounted) {
  TableVersions versions(7);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) versions.Bump(Tables({"posts"}));
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_THAT(versions.Read(Tables({"posts"})).versions, ElementsAre(4000));
}

}  // namespace
}  // namespace hyper::cache
