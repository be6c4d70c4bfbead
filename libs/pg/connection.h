// Connection: one libpq connection with a prepared-statement cache,
// pipelining, atomic batches, COPY FROM STDIN and cross-thread cancel.
//
// Every statement is sent with bound parameters (never interpolated). The
// first Exec of a given SQL text (and parameter types) prepares it on the
// server as "hs_<n>"; later Execs reuse it. The cache is an LRU of
// `statement_cache_capacity` entries; an evicted statement is DEALLOCATEd on
// the server (right after the call that evicted it, unless the session is in
// a failed transaction, then at the next call that can).
//
// A Connection is used by one thread at a time (a Pool lease gives that);
// only Cancel() may be called from another thread.
//
// Errors: Unavailable (cannot connect, connection lost), AlreadyExists
// (23505 unique_violation; message names the constraint), FailedPrecondition
// (23503 foreign_key_violation naming the constraint, other integrity
// violations, failed transaction, misuse such as Exec during COPY),
// InvalidArgument (SQLSTATE class 42: syntax error, undefined table/column/
// function; class 22: bad data such as 'abc' for an int), Cancelled
// (57014 after Cancel()), DeadlineExceeded (57014 from statement_timeout),
// Aborted (40001 serialization failure, 40P01 deadlock), ResourceExhausted
// (class 53), Internal otherwise. Messages carry PostgreSQL's own message;
// SqlStateOf(status) returns the SQLSTATE.
//
// Example:
//   auto conn = Connection::Connect("postgresql://postgres@127.0.0.1:5432/app");
//   if (!conn.ok()) return conn.status();
//   absl::StatusOr<Result> r = (*conn)->Exec(
//       "SELECT id, name FROM users WHERE id = $1", {Value::Int64(7)});
//   // r->column_names == {"id", "name"}; r->rows[0][1].str() == "ada"
//   std::vector<absl::StatusOr<Result>> rs = (*conn)->ExecPipelined(
//       {{"SELECT 1", {}}, {"SELEC 2", {}}, {"SELECT 3", {}}});
//   // rs[0].ok(), rs[1] is InvalidArgument, rs[2].ok()
#ifndef HYPER_LIBS_PG_CONNECTION_H_
#define HYPER_LIBS_PG_CONNECTION_H_

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "libs/pg/options.h"
#include "libs/pg/value.h"

// libpq's opaque types, so that users need not include libpq-fe.h.
typedef struct pg_conn PGconn;
typedef struct pg_result PGresult;
typedef struct pg_cancel PGcancel;

namespace hyper::pg {

// One SQL statement with its bound parameters ($1, $2, ...).
struct Statement {
  std::string sql;
  std::vector<Value> params;
  // When the caller stops waiting. Past it the statement is not sent, or,
  // if the server is running it, cancelled there; either way it fails with
  // DeadlineExceeded.
  absl::Time deadline = absl::InfiniteFuture();
};

struct Result {
  std::vector<std::string> column_names;
  std::vector<Oid> column_types;
  // rows[i][j] is row i, column j (column_names[j]).
  std::vector<std::vector<Value>> rows;
  // PQcmdTuples: rows inserted/updated/deleted/selected/copied; 0 when the
  // command reports none (e.g. CREATE TABLE).
  int64_t rows_affected = 0;

  // Index of the first column named `name`, or -1.
  int ColumnIndex(absl::string_view name) const;
};

struct StatementCacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t evictions = 0;
  // Statements currently prepared through the cache.
  size_t size = 0;
};

// Sees every statement a connection runs (query timing, slow-query log).
// Called on the thread running the statement; must be thread-safe when
// shared between connections, and must not use the connection.
class QueryObserver {
 public:
  virtual ~QueryObserver() = default;
  // Before the statement is sent.
  virtual void OnQueryStart() {}
  // After its result (or error) arrived. For pipelined statements `elapsed`
  // runs from sending the batch to this statement's result.
  virtual void OnQueryDone(const Statement& statement, absl::Duration elapsed,
                           const absl::Status& status) = 0;
};

// The SQLSTATE that produced `status` ("23505"), if it came from the server.
std::optional<std::string> SqlStateOf(const absl::Status& status);

class Connection {
 public:
  // Connects and sets the session to TimeZone UTC and DateStyle ISO.
  // Unavailable (with libpq's message) when the server cannot be reached or
  // refuses, or nothing answered within options.connect_timeout.
  static absl::StatusOr<std::unique_ptr<Connection>> Connect(
      const std::string& conninfo, ConnectionOptions options = {});

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Runs one statement through the prepared-statement cache and returns
  // its rows. A statement that the server no longer knows (DISCARD ALL, a
  // changed result type after ALTER TABLE) is re-prepared once, when
  // outside a transaction. Errors as described at the top of this file.
  absl::StatusOr<Result> Exec(absl::string_view sql,
                              const std::vector<Value>& params = {});
  // Honours statement.deadline (see Statement).
  absl::StatusOr<Result> Exec(const Statement& statement);

  // Sends every statement in libpq pipeline mode, then reads the results in
  // order: one round trip for the whole batch. Neighbouring plain SELECTs
  // share a sync segment (one implicit transaction: the server's cost per
  // statement halves); every other statement is a segment of its own. An
  // error fails that statement only: the rest of a segment it broke runs
  // again, each statement on its own. If the connection is lost, the
  // statements without a result get Unavailable. Do not use BEGIN/COMMIT
  // inside: use ExecAtomic. Each statement's deadline is honoured.
  std::vector<absl::StatusOr<Result>> ExecPipelined(
      const std::vector<Statement>& statements);

  // BEGIN, all statements, COMMIT, sent as one pipeline (one round trip).
  // All or nothing: on the first error nothing is committed (ROLLBACK) and
  // that error is returned, its message prefixed with "statement <i>: ".
  // FailedPrecondition if already inside a transaction.
  absl::StatusOr<std::vector<Result>> ExecAtomic(
      const std::vector<Statement>& statements);

  // COPY `table_sql` (columns) FROM STDIN in text format, all rows, then
  // ends the COPY. All or nothing (COPY is one statement): a bad row fails
  // the whole COPY and nothing is written. Returns the rows written.
  // `table_sql` is used verbatim (it may be schema-qualified) and must be a
  // trusted identifier; column names are quoted here. No columns means all
  // of the table's columns, in table order.
  absl::StatusOr<int64_t> CopyIn(absl::string_view table_sql,
                                 const std::vector<std::string>& columns,
                                 const std::vector<std::vector<Value>>& rows);

  // Streaming COPY for a client stream: BeginCopy, PutRows any number of
  // times, then EndCopy (commit, returns rows written) or AbortCopy (nothing
  // is written). While a COPY is open every other call but Cancel() returns
  // FailedPrecondition. An error from PutRows leaves the COPY open: call
  // AbortCopy (or EndCopy, which then reports the server's error).
  absl::Status BeginCopy(absl::string_view table_sql,
                         const std::vector<std::string>& columns);
  absl::Status PutRows(const std::vector<std::vector<Value>>& rows);
  // Rows already in COPY text format (see AppendCopyField): whole rows,
  // each ending in a newline. The cheap path for callers that encode
  // straight from their own types.
  absl::Status PutCopyData(absl::string_view rows);
  absl::StatusOr<int64_t> EndCopy();
  absl::Status AbortCopy(absl::string_view reason);
  bool in_copy() const { return in_copy_; }

  // Asks the server to cancel the statement running on this connection, so
  // that it fails with Cancelled. Thread-safe; may be called while another
  // thread is inside Exec. Harmless when nothing runs (but a cancel racing
  // with the start of the next statement may cancel that one: PostgreSQL
  // protocol limitation). Unavailable if the cancel request could not be sent.
  absl::Status Cancel();

  // False once the connection is broken (PQstatus != CONNECTION_OK). Does
  // not probe the server; see CheckAlive().
  bool ok() const;
  // Reads whatever the server sent while idle (e.g. the notice that it is
  // terminating this session) without blocking; false if the connection is
  // now broken. Used by the pool before handing out an idle connection.
  bool CheckAlive();

  // The server process serving this connection (pg_backend_pid()).
  int backend_pid() const;
  StatementCacheStats cache_stats() const { return cache_stats_; }

  // Observers see every statement from now on; not owned; must outlive the
  // connection. Not thread-safe: call before sharing the connection.
  void AddObserver(QueryObserver* observer) { observers_.push_back(observer); }

 private:
  struct CacheEntry {
    std::string key;
    std::string name;
    bool shares_segment;  // a plain SELECT (see ExecPipelined)
  };
  // A statement as sent in a pipeline.
  struct Sent;

  Connection(PGconn* conn, ConnectionOptions options);

  absl::Status CheckUsable() const;
  // The cached statement name for `sql` + `types`, preparing it when
  // missing (blocking).
  absl::StatusOr<std::string> Prepare(absl::string_view sql, absl::Span<const Oid> types);
  // The cached statement for `key`, made the most recent, or nullptr;
  // counts the hit or the miss.
  const CacheEntry* FindCached(const std::string& key);
  // Makes room (queueing DEALLOCATEs), then caches `key` under a new name,
  // most recent. The caller prepares it, and forgets it if that fails.
  const CacheEntry& AddCached(std::string key, absl::string_view sql);
  void Forget(const std::string& key);
  // Evicts down to capacity - 1 and queues DEALLOCATEs.
  void MakeRoom();
  void FlushDeallocations();
  absl::StatusOr<Result> ExecOnce(absl::string_view sql,
                                  const std::vector<Value>& params);
  // Reads input without sleeping until a whole result is buffered,
  // options_.busy_wait has passed or `until` has (see ConnectionOptions).
  // False if the connection broke.
  bool BusyWait(absl::Time until);
  // After PQsendQuery* returned `sent`: BusyWait, then what PQexec* would
  // have returned, its last result (or the COPY one), which the caller
  // clears; nullptr if nothing was sent or nothing came.
  PGresult* AwaitSent(bool sent);
  std::vector<absl::StatusOr<Result>> RunPipeline(
      const std::vector<Statement>& statements, bool atomic);
  absl::Status ErrorFrom(const PGresult* result) const;
  absl::Status ConnectionError(absl::string_view what) const;
  void NotifyStart();
  void NotifyDone(const Statement& statement, absl::Duration elapsed,
                  const absl::Status& status);
  // What a pipeline has so far, indexed like its statements.
  struct PipelineState {
    std::vector<absl::StatusOr<Result>> results;
    std::vector<absl::Duration> elapsed;  // from the batch's start
    absl::Status first_error;
    int first_error_index = -1;
    std::vector<size_t> rerun;  // to send again, set by PipelinePass
  };
  // Sends statements[which] as one pipeline and reads their results.
  void PipelinePass(const std::vector<Statement>& statements,
                    const std::vector<size_t>& which, bool atomic,
                    bool share_segments, absl::Time start, PipelineState& state);

  PGconn* conn_;
  ConnectionOptions options_;
  // Guards cancel_ against a concurrent destructor-free reset; PQcancel
  // itself is thread-safe.
  std::mutex cancel_mu_;
  PGcancel* cancel_ = nullptr;

  // LRU, most recent first; index_ maps key -> position.
  std::list<CacheEntry> lru_;
  std::unordered_map<std::string, std::list<CacheEntry>::iterator> index_;
  std::vector<std::string> pending_deallocate_;
  std::string key_scratch_;  // reused to build cache keys without allocating
  uint64_t next_statement_ = 0;
  StatementCacheStats cache_stats_;

  bool in_copy_ = false;
  std::vector<QueryObserver*> observers_;
};

}  // namespace hyper::pg

#endif  // HYPER_LIBS_PG_CONNECTION_H_
