// EXPLAIN for the query service: builds the EXPLAIN statement around a
// compiled SqlStatement, runs it with the statement's bound parameters, and
// turns PostgreSQL's `EXPLAIN (FORMAT JSON ...)` output into an
// ExplainResponse (a PlanNode tree plus the flags a client checks first:
// did anything scan a whole table, which indexes were used).
//
// Example:
//   SqlStatement s{"SELECT * FROM items WHERE k = $1", {Int(42)}};
//   absl::StatusOr<v1::ExplainResponse> r = RunExplain(conn, s, true, false);
//   // r->root().node_type() == "Index Scan"
//   // r->index_scans() == {"items_k_idx"}, r->has_seq_scan() == false
//   // r->execution_ms() > 0, r->root().actual_rows() == 1
//   // r->sql() == "SELECT * FROM items WHERE k = $1"
//
//   ExplainSql("SELECT 1", true, true);   // "EXPLAIN (FORMAT JSON, ANALYZE, BUFFERS) SELECT 1"
//   ExplainSql("SELECT 1", false, true);  // InvalidArgument
#ifndef HYPER_SERVICES_QUERY_EXPLAIN_PLAN_H_
#define HYPER_SERVICES_QUERY_EXPLAIN_PLAN_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/strings/string_view.h"
#include "libs/pg/connection.h"
#include "proto/hyper/query/v1/query.pb.h"
#include "services/query/sql_compiler.h"

namespace hyper::query {

// Parses the output of `EXPLAIN (FORMAT JSON[, ANALYZE[, BUFFERS]])`: an
// array holding one object with "Plan" (nested through "Plans"), and with
// ANALYZE "Planning Time" / "Execution Time". Fills every ExplainResponse
// field but `sql`; raw_json is `json` verbatim. Fields PostgreSQL leaves out
// (actual_* without ANALYZE, blocks without BUFFERS) stay 0; unknown keys are
// ignored. seq_scan_tables and index_scans are distinct, in plan order
// (depth first, parent before children). index_scans lists the "Index Name"
// of every node that has one (Index Scan, Index Only Scan, Bitmap Index
// Scan). Internal, with the reason, when `json` is not JSON or not shaped
// like EXPLAIN output (no "Plan", a known key of the wrong type).
absl::StatusOr<v1::ExplainResponse> ParseExplainJson(absl::string_view json);

// "EXPLAIN (FORMAT JSON[, ANALYZE[, BUFFERS]]) <sql>". InvalidArgument when
// `buffers` is set without `analyze` (block counts need a real execution).
absl::StatusOr<std::string> ExplainSql(const std::string& sql, bool analyze, bool buffers);

// Explains `statement` on `conn` with its parameters bound ($1..$n, never
// inlined; PostgreSQL plans for those values). Without `analyze` nothing
// executes and the EXPLAIN is the only statement sent. With `analyze` the
// statement really runs, once, so it is wrapped in BEGIN ... ROLLBACK: a write leaves no rows behind (sequences advanced
// by nextval() and other non-transactional effects do stay). The ROLLBACK is
// sent even when the EXPLAIN fails, so `conn` is idle again afterwards.
// Must not be called inside a transaction of the caller's: the ROLLBACK
// would end it. Sets response.sql to statement.sql.
//
// Errors: InvalidArgument (buffers without analyze; the statement's own
// errors as the driver reports them, e.g. an unknown column), the driver's
// other errors unchanged (Unavailable, Cancelled, ...), Internal when the
// server's output does not parse. If the EXPLAIN succeeded but the ROLLBACK
// failed, the ROLLBACK's error is returned (the connection's state is then
// unknown and the caller should discard it). Past `deadline` the statement
// is cancelled (DeadlineExceeded).
absl::StatusOr<v1::ExplainResponse> RunExplain(
    pg::Connection& conn, const SqlStatement& statement, bool analyze, bool buffers,
    absl::Time deadline = absl::InfiniteFuture());

}  // namespace hyper::query

#endif  // HYPER_SERVICES_QUERY_EXPLAIN_PLAN_H_
