#include "services/bench/explain_queries.h"

#include <algorithm>

#include "services/bench/query_values.h"

namespace hyper::bench {
namespace {

namespace v1 = ::hyper::query::v1;

using Params = std::vector<v1::Value>;

std::vector<BenchQuery> Build() {
  const std::string feed =
      "SELECT id, title, author_id, score, num_comments, created_at FROM hyper_bench.posts ";
  return {
      {"front_page_hot",
       feed + "WHERE NOT is_deleted ORDER BY hot_score DESC, id DESC LIMIT 25",
       [](const Fixtures&) { return Params{}; },
       {"posts_hot_idx"},
       "read backwards, 25 entries, no sort; the index is partial on NOT is_deleted "
       "and the query says NOT is_deleted, so the planner can use it"},
      {"front_page_new",
       feed + "WHERE NOT is_deleted ORDER BY created_at DESC, id DESC LIMIT 25",
       [](const Fixtures&) { return Params{}; },
       {"posts_new_idx"},
       "newest first: the (created_at, id) index read backwards"},
      {"front_page_top",
       feed + "WHERE NOT is_deleted ORDER BY score DESC, id DESC LIMIT 25",
       [](const Fixtures&) { return Params{}; },
       {"posts_top_idx"},
       "highest score first: the (score, id) index read backwards"},
      {"controversial",
       feed + "WHERE NOT is_deleted AND upvotes + downvotes >= $1 "
              "ORDER BY controversy_score DESC, id DESC LIMIT 25",
       [](const Fixtures& f) { return Params{Int(f.min_votes)}; },
       {"posts_controversy_idx"},
       "the (controversy_score, id) index read backwards; the minimum vote count is "
       "a filter on the rows it returns, cheap because a high controversy score "
       "needs many votes of both kinds"},
      {"rising",
       feed + "WHERE NOT is_deleted AND created_at >= $1 ORDER BY velocity DESC LIMIT 25",
       [](const Fixtures& f) { return Params{Timestamp(f.rising_since_micros)}; },
       {"posts_rising_idx"},
       "the velocity index read backwards with created_at as a filter, not a range "
       "scan of posts_new_idx: velocity divides by age, so the fastest posts are the "
       "recent ones and the first 25 entries almost all pass the filter, while the "
       "last 24 hours hold ~1/30 of all posts, which would then have to be sorted"},
      {"post_by_pk",
       "SELECT * FROM hyper_bench.posts WHERE id = $1",
       [](const Fixtures& f) { return Params{Int(f.post_id)}; },
       {"posts_pkey"},
       "primary key lookup"},
      {"post_comments",
       "SELECT id, author_id, score, body, created_at FROM hyper_bench.comments "
       "WHERE post_id = $1 ORDER BY score DESC LIMIT 50",
       [](const Fixtures& f) { return Params{Int(f.post_id)}; },
       {"comments_post_score_idx"},
       "(post_id, score): equality on the first column, order from the second"},
      {"user_posts",
       feed + "WHERE author_id = $1 AND NOT is_deleted ORDER BY created_at DESC LIMIT 25",
       [](const Fixtures& f) { return Params{Int(f.author_id)}; },
       {"posts_author_idx"},
       "(author_id, created_at): equality then order, for the most prolific author"},
      {"vote_check",
       "SELECT value FROM hyper_bench.votes WHERE user_id = $1 AND post_id = $2",
       [](const Fixtures& f) { return Params{Int(f.vote_user_id), Int(f.vote_post_id)}; },
       {"votes_pkey"},
       "the (user_id, post_id) primary key INCLUDEs value: an index-only scan"},
      {"hot_page_keyset",
       feed + "WHERE NOT is_deleted AND (hot_score, id) < ($1, $2) "
              "ORDER BY hot_score DESC, id DESC LIMIT 25",
       [](const Fixtures& f) { return Params{Float(f.cursor_hot_score), Int(f.cursor_id)}; },
       {"posts_hot_idx"},
       "keyset pagination: the row comparison is an index condition on (hot_score, id), "
       "so page 5 costs what page 1 costs (OFFSET would read every earlier row)"},
      {"count_posts",
       "SELECT count(*) FROM hyper_bench.posts WHERE NOT is_deleted",
       [](const Fixtures&) { return Params{}; },
       {"posts_rising_idx"},
       "count(*) reads no column, so the planner picks the narrowest index whose "
       "predicate is NOT is_deleted -- posts_rising_idx, one float8 column -- as an "
       "index-only scan (the seed's VACUUM sets the visibility map); any index over "
       "live posts would do, and this is the one it must pick while it is the smallest"},
      {"title_search",
       "SELECT id, title, score, upvotes FROM hyper_bench.posts WHERE NOT is_deleted "
       "AND title ILIKE $1 ORDER BY upvotes DESC, id DESC LIMIT 25",
       [](const Fixtures&) { return Params{Text("%quokka%")}; },
       {"posts_title_trgm_idx"},
       "case-insensitive substring: a pg_trgm GIN index (bitmap scan), then a top-25 "
       "sort of the few matches (the word is in one title in 1,000). Sorted by votes, "
       "an order no index gives: sorted by hot_score, the planner now and then walked "
       "posts_hot_idx filtering every title (27 ms instead of 0.2 ms), whenever "
       "ANALYZE's 100-title histogram happened to hold the word and the estimate "
       "rose from 0.1% to 1%"},
      {"top_authors",
       "SELECT author_id, sum(score) AS total_score, count(*) AS posts "
       "FROM hyper_bench.posts WHERE NOT is_deleted GROUP BY author_id "
       "ORDER BY total_score DESC LIMIT 10",
       [](const Fixtures&) { return Params{}; },
       {"posts_author_idx"},
       "every live post is read, but from posts_author_idx, which INCLUDEs score: an "
       "index-only scan already in author order feeds a GroupAggregate with no hash "
       "table and no heap access"},
      {"post_with_author",
       "SELECT p.id, p.title, p.score, p.created_at, u.username, u.karma "
       "FROM hyper_bench.posts p JOIN hyper_bench.users u ON u.id = p.author_id "
       "WHERE p.id = $1",
       [](const Fixtures& f) { return Params{Int(f.post_id)}; },
       {"posts_pkey", "users_pkey"},
       "a nested loop of two primary key lookups"},
  };
}

}  // namespace

const std::vector<BenchQuery>& BenchQueries() {
  static const auto* queries = new std::vector<BenchQuery>(Build());
  return *queries;
}

bool PathTaken(const BenchQuery& query, const std::vector<std::string>& indexes,
               const std::vector<std::string>& seq_scan_tables) {
  if (!seq_scan_tables.empty()) return false;
  for (const std::string& declared : query.declared_indexes) {
    if (std::find(indexes.begin(), indexes.end(), declared) == indexes.end()) return false;
  }
  return true;
}

}  // namespace hyper::bench
