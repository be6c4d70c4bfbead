// The 14 queries of `bench explain`, each with the access path it must take.
//
// A query is parameterized SQL against the hyper_bench schema (values are
// bound, so PostgreSQL plans for them exactly as for an application's
// query). Its declaration lists the indexes the plan must use -- every one of
// them -- and the plan must contain no Seq Scan. `why` says why that is the
// right path, and, where the planner legitimately prefers something other
// than the obvious index, what it prefers and why.
//
// Example:
//   const std::vector<BenchQuery>& qs = BenchQueries();
//   // qs.size() == 14, qs[0].name == "front_page_hot"
//   // qs[0].declared_indexes == {"posts_hot_idx"}
//   PathTaken(qs[0], {"posts_hot_idx"}, {})          // true
//   PathTaken(qs[0], {"posts_hot_idx"}, {"posts"})   // false: a Seq Scan
#ifndef HYPER_SERVICES_BENCH_EXPLAIN_QUERIES_H_
#define HYPER_SERVICES_BENCH_EXPLAIN_QUERIES_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "proto/hyper/query/v1/query.pb.h"

namespace hyper::bench {

// Values the queries need that depend on the seeded data, looked up once per
// run (never timed).
struct Fixtures {
  int64_t post_id = 0;          // a live post near the middle
  int64_t author_id = 0;        // the most prolific author
  int64_t vote_user_id = 0;     // a (user, post) pair that has a vote
  int64_t vote_post_id = 0;
  double cursor_hot_score = 0;  // the 101st post of the hot feed
  int64_t cursor_id = 0;
  int64_t min_votes = 20;       // controversial: at least this many votes
  int64_t rising_since_micros = 0;  // rising: created after this
};

struct BenchQuery {
  std::string name;
  std::string sql;
  // $1..$n for `sql`.
  std::function<std::vector<query::v1::Value>(const Fixtures&)> params;
  std::vector<std::string> declared_indexes;  // all must be used
  std::string why;
};

const std::vector<BenchQuery>& BenchQueries();

// Whether a plan that used `indexes` and read `seq_scan_tables` took the
// declared path: every declared index used, and no Seq Scan.
bool PathTaken(const BenchQuery& query, const std::vector<std::string>& indexes,
               const std::vector<std::string>& seq_scan_tables);

// The statements that look the fixtures up (their results are read by
// position; see explain_suite.cc).
inline constexpr char kFixturePostSql[] =
    "SELECT id FROM hyper_bench.posts WHERE NOT is_deleted AND id >= $1 ORDER BY id LIMIT 1";
inline constexpr char kFixtureAuthorSql[] =
    "SELECT author_id FROM hyper_bench.posts GROUP BY author_id ORDER BY count(*) DESC, "
    "author_id LIMIT 1";
inline constexpr char kFixtureVoteSql[] =
    "SELECT user_id, post_id FROM hyper_bench.votes WHERE post_id = $1 ORDER BY user_id LIMIT 1";
inline constexpr char kFixtureCursorSql[] =
    "SELECT hot_score, id FROM hyper_bench.posts WHERE NOT is_deleted "
    "ORDER BY hot_score DESC, id DESC OFFSET $1 LIMIT 1";

}  // namespace hyper::bench

#endif  // HYPER_SERVICES_BENCH_EXPLAIN_QUERIES_H_
