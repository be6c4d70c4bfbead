// From driver results (pg::Result) to API responses, and API values to
// driver parameters. select_related cells become nested rows, prefetched
// child rows are attached to their parents, the keyset cursor is read off the
// last row, and on request the whole result is written as a JSON array.
#ifndef HYPER_SERVICES_QUERY_RESULT_MAPPING_H_
#define HYPER_SERVICES_QUERY_RESULT_MAPPING_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/pg/connection.h"
#include "libs/pg/value.h"
#include "proto/hyper/query/v1/query.pb.h"
#include "services/query/sql_compiler.h"
#include "services/query/values.h"

namespace hyper::query {

// The driver statement; past `deadline` the driver cancels it.
pg::Statement ToPg(const SqlStatement& statement,
                   absl::Time deadline = absl::InfiniteFuture());

// The distinct non-NULL parent keys a prefetch needs, in row order.
std::vector<v1::Value> PrefetchKeys(const PrefetchPlan& plan, const pg::Result& parents);

// Builds into *response (empty; it may live on the call's arena) the reply
// of a compiled query from its main result and, in the order of
// compiled.prefetch, each prefetch's result. RESOURCE_EXHAUSTED when the
// result is over kMaxRows.
absl::Status BuildQueryResponse(const CompiledQuery& compiled, const pg::Result& main,
                                const std::vector<pg::Result>& prefetched,
                                v1::ResultFormat format, v1::QueryResponse* response);

// Rows of a RETURNING (or Execute) result with their columns.
void AppendRows(const pg::Result& result, google::protobuf::RepeatedPtrField<v1::Column>* columns,
                google::protobuf::RepeatedPtrField<v1::Row>* rows);

}  // namespace hyper::query

#endif  // HYPER_SERVICES_QUERY_RESULT_MAPPING_H_
