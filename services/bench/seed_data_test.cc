// The generated data: deterministic, within the documented shapes.
#include "services/bench/seed_data.h"

#include <set>
#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace hyper::bench {
namespace {

TEST(SeedDataTest, SameIdSameRow) {
  SeedData a(SeedSizeFor(50000)), b(SeedSizeFor(50000));
  for (int64_t id : {1, 2, 777, 50000}) {
    EXPECT_EQ(a.Post(id).title, b.Post(id).title);
    EXPECT_EQ(a.Post(id).created_at, b.Post(id).created_at);
    EXPECT_EQ(a.User(id % 1000 + 1).username, b.User(id % 1000 + 1).username);
  }
}

TEST(SeedDataTest, SizesFollowThePostCount) {
  SeedSize s = SeedSizeFor(50000);
  EXPECT_EQ(s.users, 1000);
  EXPECT_EQ(s.comments, 250000);
  EXPECT_EQ(s.votes, 200000);
}

TEST(SeedDataTest, PostsAreSkewedRecentAndScored) {
  SeedData data(SeedSizeFor(20000));
  int64_t by_user_1 = 0, deleted = 0, with_search_word = 0;
  for (int64_t id = 1; id <= 20000; ++id) {
    PostRow p = data.Post(id);
    ASSERT_GE(p.author_id, 1);
    ASSERT_LE(p.author_id, 1000);
    ASSERT_LE(p.created_at, kReferenceTime);
    ASSERT_GE(p.created_at, kReferenceTime - absl::Hours(24 * 30));
    ASSERT_EQ(p.score, p.upvotes - p.downvotes);
    ASSERT_DOUBLE_EQ(p.hot_score, SeedData::HotScore(p.score, p.created_at));
    by_user_1 += p.author_id == 1 ? 1 : 0;
    deleted += p.is_deleted ? 1 : 0;
    with_search_word += absl::StrContains(p.title, kSearchWord) ? 1 : 0;
  }
  // User 1 of 1,000 writes ~10% (u^3 skew), far above a uniform 0.1%.
  EXPECT_GT(by_user_1, 1000);
  EXPECT_GT(deleted, 100);   // ~1%
  EXPECT_LT(deleted, 400);
  EXPECT_GT(with_search_word, 5);  // ~0.1%
  EXPECT_LT(with_search_word, 60);
}

TEST(SeedDataTest, SearchWordIsNoOtherWordsSubstring) {
  const auto& words = SeedData::Words();
  ASSERT_EQ(words.back(), kSearchWord);
  std::set<absl::string_view> distinct(words.begin(), words.end());
  EXPECT_EQ(distinct.size(), words.size());
  for (size_t i = 0; i + 1 < words.size(); ++i) {
    EXPECT_FALSE(absl::StrContains(words[i], kSearchWord)) << words[i];
  }
}

TEST(SeedDataTest, CommentsAndVotesBelongToTheirPost) {
  SeedData data(SeedSizeFor(5000));
  PostRow p = data.Post(42);
  auto comments = data.Comments(p);
  for (int i = 0; i < kCommentsPerPost; ++i) {
    EXPECT_EQ(comments[i].id, 41 * kCommentsPerPost + i + 1);
    EXPECT_EQ(comments[i].post_id, 42);
    EXPECT_GE(comments[i].created_at, p.created_at);
  }
  std::set<int64_t> voters;
  for (const VoteRow& v : data.Votes(p)) {
    EXPECT_EQ(v.post_id, 42);
    EXPECT_TRUE(v.value == 1 || v.value == -1);
    voters.insert(v.user_id);
  }
  EXPECT_EQ(voters.size(), static_cast<size_t>(kVotesPerPost));  // the primary key holds
}

TEST(SeedDataTest, Scores) {
  EXPECT_DOUBLE_EQ(SeedData::ControversyScore(10, 0), 0);
  EXPECT_DOUBLE_EQ(SeedData::ControversyScore(10, 10), 20);
  EXPECT_DOUBLE_EQ(SeedData::ControversyScore(10, 5), std::pow(15.0, 0.5));
  EXPECT_GT(SeedData::Velocity(100, kReferenceTime - absl::Hours(1)),
            SeedData::Velocity(100, kReferenceTime - absl::Hours(20)));
  EXPECT_GT(SeedData::HotScore(10, kReferenceTime), SeedData::HotScore(10, kReferenceTime - absl::Hours(24)));
}

}  // namespace
}  // namespace hyper::bench
