// SeedData: the `hyper_bench` schema of `bench explain` and its rows,
// generated deterministically (the same size always gives the same rows, on
// any machine), so plans and times of two runs compare.
//
// Tables (all in schema hyper_bench, so no user table is touched):
//   users     1,000 rows; usernames from a word list, karma log-normal
//   posts     --posts rows; authors skewed (user 1 writes ~10%), titles of
//             4-10 words from a word list in which later words are rarer
//             (one title in 1,000 ends with "quokka", so a title search is
//             selective), created over the 30 days before
//             kReferenceTime, log-normal upvotes, hot/controversy/velocity
//             scores computed from them, 1% soft-deleted
//   comments  5 per post, skewed authors and scores
//   votes     4 per post, by 4 distinct users
//   seed_info one row: the sizes and generator version, written last, so a
//             seed cut short is recognised and redone
// Every row of a table is a pure function of (table, id), so rows can be
// produced in any order or chunk.
//
// Example:
//   SeedData data({.users = 1000, .posts = 50000, .comments = 250000, .votes = 200000});
//   PostRow p = data.Post(1);
//   // p.id == 1, 1 <= p.author_id <= 1000, !p.title.empty()
//   data.Post(1).title == p.title   // always the same
#ifndef HYPER_SERVICES_BENCH_SEED_DATA_H_
#define HYPER_SERVICES_BENCH_SEED_DATA_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/bench/explain_baseline.h"

namespace hyper::bench {

inline constexpr absl::string_view kBenchSchema = "hyper_bench";
// Bumped whenever the rows or the DDL change, so an older seed is redone.
inline constexpr int kGeneratorVersion = 2;
inline constexpr int64_t kUsers = 1000;
inline constexpr int64_t kCommentsPerPost = 5;
inline constexpr int64_t kVotesPerPost = 4;
// "Now" for the data set: posts are created in the 30 days before it.
inline const absl::Time kReferenceTime = absl::FromUnixSeconds(1735689600);  // 2025-01-01Z
// The word the title search looks for; last in the word list, and only in
// one title in 1,000.
inline constexpr absl::string_view kSearchWord = "quokka";

// The sizes for `posts` posts.
SeedSize SeedSizeFor(int64_t posts);

struct UserRow {
  int64_t id;
  std::string username;
  int64_t karma;
  absl::Time created_at;
};

struct PostRow {
  int64_t id;
  int64_t author_id;
  std::string title;
  std::string body;
  int64_t upvotes, downvotes, score, num_comments;
  double hot_score, controversy_score, velocity;
  bool is_deleted;
  absl::Time created_at;
};

struct CommentRow {
  int64_t id;
  int64_t post_id;
  int64_t author_id;
  int64_t score;
  std::string body;
  absl::Time created_at;
};

struct VoteRow {
  int64_t user_id;
  int64_t post_id;
  int64_t value;  // +1 or -1
  absl::Time created_at;
};

class SeedData {
 public:
  explicit SeedData(SeedSize size) : size_(size) {}

  const SeedSize& size() const { return size_; }
  // id in [1, size.users] etc.
  UserRow User(int64_t id) const;
  PostRow Post(int64_t id) const;
  // The comments of post `post_id`: ids (post_id-1)*5+1 .. (post_id-1)*5+5.
  std::array<CommentRow, kCommentsPerPost> Comments(const PostRow& post) const;
  // The votes of a post, by distinct users.
  std::array<VoteRow, kVotesPerPost> Votes(const PostRow& post) const;

  // The word list titles and bodies are drawn from; kSearchWord is last.
  static const std::vector<absl::string_view>& Words();

  // Reddit's hot rank: sign(score) * log10(max(|score|, 1)) + seconds since
  // 2005-12-08 / 45000.
  static double HotScore(int64_t score, absl::Time created_at);
  // (up + down) ^ (min / max); 0 without votes of both kinds.
  static double ControversyScore(int64_t up, int64_t down);
  // score / (age in hours + 2) ^ 1.5 (Hacker News gravity).
  static double Velocity(int64_t score, absl::Time created_at);

 private:
  SeedSize size_;
};

// DDL, each element one statement (the query service's Execute takes one).
// The tables, without keys or indexes (COPY into bare tables is fastest).
std::vector<std::string> CreateTablesSql();
// Primary keys, foreign keys and the indexes the queries declare.
// `trgm_schema` is where pg_trgm lives (its operator class is qualified).
std::vector<std::string> CreateIndexesSql(absl::string_view trgm_schema);
// The end of a seed: the seed_info row (complete = false); VACUUM ANALYZE
// (statistics, and the visibility map that index-only scans need), repeated
// until `all_visible` says every page of the four tables is all-visible (a
// transaction that was open during the load holds VACUUM back until it
// ends; seen now and then right after the load); then complete = true.
struct SeedCompletionSql {
  std::string mark_started;
  std::string vacuum;
  std::string all_visible;  // one bool
  std::string mark_complete;
};
SeedCompletionSql SeedCompletionSqlFor(const SeedSize& size);

}  // namespace hyper::bench

#endif  // HYPER_SERVICES_BENCH_SEED_DATA_H_
