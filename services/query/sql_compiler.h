// The QuerySet compiler: turns API requests into one parameterized SQL
// statement each (plus, for prefetch_related, the plan of a second query),
// validated against the Catalog. Identifiers come only from the catalog and
// are always quoted; every value becomes a $n parameter. Nothing here talks
// to the database, so every rule is unit-testable.
//
// Example:
//   QueryRequest: model "posts", filter {author__name icontains "ann"},
//                 order_by [-score], limit 10
//   CompileQuery(...) ->
//     SELECT t0."id", t0."title", t0."author_id", t0."score" FROM "public"."posts" AS t0
//     LEFT JOIN "public"."users" AS t1 ON t1."id" = t0."author_id"
//     WHERE t1."name" ILIKE $1 ORDER BY t0."score" DESC LIMIT $2
//   with params ["%ann%", 10]
#ifndef HYPER_SERVICES_QUERY_SQL_COMPILER_H_
#define HYPER_SERVICES_QUERY_SQL_COMPILER_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/hyper/query/v1/query.pb.h"
#include "services/query/catalog.h"

namespace hyper::query {

// Most rows a Query returns; more is RESOURCE_EXHAUSTED.
inline constexpr int64_t kMaxRows = 100000;
// PostgreSQL's limit on parameters in one statement.
inline constexpr size_t kMaxParams = 65535;

struct SqlStatement {
  std::string sql;
  std::vector<v1::Value> params;  // $1..$n
  // For reads (Query, Count, Exists): every model the SQL reads, the root
  // first, then each joined one once. The query cache keys results by their
  // versions.
  std::vector<std::string> reads;
};

// Columns of one select_related relation inside a result row.
struct RelatedBlock {
  std::string path;          // "author", "author__team"
  const ModelInfo* model;
  size_t first;              // position of its first column in the row
  std::vector<v1::Column> columns;
};

// How to run one prefetch_related relation after the main query.
struct PrefetchPlan {
  std::string relation;          // "posts"
  const ModelInfo* child;        // the referencing model
  std::string child_column;      // its foreign key column ("author_id")
  size_t child_column_position;  // that column's position in child rows
  size_t parent_key_position;    // the referenced key in the main rows
  std::string key_pg_type;       // the key's type, for the array parameter
  std::vector<v1::Column> columns;  // child row columns
};

struct CompiledQuery {
  SqlStatement statement;
  std::vector<v1::Column> columns;      // the visible root columns
  std::vector<RelatedBlock> related;    // select_related blocks, in order
  std::vector<PrefetchPlan> prefetch;
  // Positions of the order_by fields (for next_cursor); they may be hidden
  // columns appended after everything visible.
  std::vector<size_t> cursor_positions;
  size_t row_width = 0;                 // all selected columns
  int64_t limit = 0;                    // as requested (0: none)
};

struct CompiledWrite {
  SqlStatement statement;
  std::vector<v1::Column> returning;    // RETURNING columns, if any
};

absl::StatusOr<CompiledQuery> CompileQuery(const Catalog& catalog,
                                           const v1::QueryRequest& request);

// The second query of a prefetch: the child rows whose foreign key is in
// `parent_keys` (one array parameter, however many parents), ordered by
// that key and the child's primary key.
SqlStatement CompilePrefetch(const PrefetchPlan& plan,
                             const std::vector<v1::Value>& parent_keys);

absl::StatusOr<SqlStatement> CompileCount(const Catalog& catalog,
                                          const v1::CountRequest& request);
absl::StatusOr<SqlStatement> CompileExists(const Catalog& catalog,
                                           const v1::ExistsRequest& request);
absl::StatusOr<CompiledWrite> CompileUpdate(const Catalog& catalog,
                                            const v1::UpdateRequest& request);
absl::StatusOr<SqlStatement> CompileDelete(const Catalog& catalog,
                                           const v1::DeleteRequest& request);
// One INSERT per batch, each under kMaxParams parameters and 1,000 rows.
absl::StatusOr<std::vector<CompiledWrite>> CompileBulkCreate(
    const Catalog& catalog, const v1::BulkCreateRequest& request);

// A PostgreSQL array literal ('{"a","b",NULL}') of the values' text forms.
std::string ArrayLiteral(const std::vector<v1::Value>& values);

}  // namespace hyper::query

#endif  // HYPER_SERVICES_QUERY_SQL_COMPILER_H_
