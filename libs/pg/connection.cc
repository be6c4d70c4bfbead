#include "libs/pg/connection.h"

#include <poll.h>
#include <postgresql/libpq-fe.h>

#include <errno.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/types/span.h"

namespace hyper::pg {
namespace {

constexpr absl::string_view kSqlStatePayload = "type.hyper.dev/pg.sqlstate";

bool IsWordChar(char c) { return absl::ascii_isalnum(c) || c == '_'; }

// Whether `sql` may share a sync segment (one implicit transaction) with
// its neighbours in a pipeline: a SELECT with no locking clause (no word
// FOR at all, to be safe). Reads that share a segment cost the server one
// transaction and one flush instead of one each, which is most of the
// pipeline's gain; writes keep a segment of their own so that a batch of
// unrelated callers never holds row locks for each other.
bool SharesSegment(absl::string_view sql) {
  sql = absl::StripLeadingAsciiWhitespace(sql);
  if (sql.size() < 7 || !absl::StartsWithIgnoreCase(sql, "select") ||
      IsWordChar(sql[6])) {
    return false;
  }
  for (size_t i = 0; i + 3 <= sql.size(); ++i) {
    if ((sql[i] | 0x20) == 'f' && (sql[i + 1] | 0x20) == 'o' &&
        (sql[i + 2] | 0x20) == 'r' && (i == 0 || !IsWordChar(sql[i - 1])) &&
        (i + 3 == sql.size() || !IsWordChar(sql[i + 3]))) {
      return false;
    }
  }
  return true;
}

// Parameters in the shape libpq wants; the strings live here.
struct Params {
  explicit Params(const std::vector<Value>& values) {
    texts.reserve(values.size());
    types.reserve(values.size());
    for (const Value& v : values) {
      texts.push_back(v.ToParam());
      types.push_back(v.ParamType());
    }
    pointers.reserve(values.size());
    for (const std::optional<std::string>& t : texts) {
      pointers.push_back(t ? t->c_str() : nullptr);
    }
  }
  int size() const { return static_cast<int>(pointers.size()); }
  const char* const* values() const { return pointers.data(); }

  // Inline for the usual handful of parameters: no allocation for them.
  absl::InlinedVector<std::optional<std::string>, 8> texts;
  absl::InlinedVector<Oid, 8> types;
  absl::InlinedVector<const char*, 8> pointers;
};

// The statement cache's key for `sql` with parameter `types`, built in *key
// (whose capacity is reused: no allocation once it is large enough).
void CacheKey(absl::string_view sql, absl::Span<const Oid> types, std::string* key) {
  key->assign(sql.data(), sql.size());
  key->push_back('\0');
  for (Oid t : types) absl::StrAppend(key, t, ",");
}

absl::string_view Field(const PGresult* result, int code) {
  if (result == nullptr) return {};
  const char* f = PQresultErrorField(result, code);
  return f == nullptr ? absl::string_view() : absl::string_view(f);
}

absl::Status WithSqlState(absl::Status status, absl::string_view sqlstate) {
  status.SetPayload(kSqlStatePayload, absl::Cord(sqlstate));
  return status;
}

absl::Status MapSqlState(absl::string_view code, const std::string& message,
                         absl::string_view constraint) {
  std::string named = constraint.empty()
                          ? message
                          : absl::StrCat("constraint \"", constraint,
                                         "\": ", message);
  if (code == "23505") return absl::AlreadyExistsError(named);
  if (code == "23503") return absl::FailedPreconditionError(named);
  if (absl::StartsWith(code, "23")) return absl::FailedPreconditionError(named);
  if (code == "57014") {
    if (absl::StrContains(message, "statement timeout")) {
      return absl::DeadlineExceededError(message);
    }
    return absl::CancelledError(message);
  }
  if (absl::StartsWith(code, "42") || absl::StartsWith(code, "22") ||
      code == "26000") {
    return absl::InvalidArgumentError(message);
  }
  if (absl::StartsWith(code, "08") || code == "57P01" || code == "57P02" ||
      code == "57P03") {
    return absl::UnavailableError(message);
  }
  if (code == "40001" || code == "40P01") return absl::AbortedError(message);
  if (absl::StartsWith(code, "53")) return absl::ResourceExhaustedError(message);
  if (absl::StartsWith(code, "25")) return absl::FailedPreconditionError(message);
  return absl::InternalError(message);
}

std::string TrimmedError(PGconn* conn) {
  return std::string(absl::StripTrailingAsciiWhitespace(PQerrorMessage(conn)));
}

Result BuildResult(const PGresult* res) {
  Result out;
  int cols = PQnfields(res);
  int rows = PQntuples(res);
  out.column_names.reserve(cols);
  out.column_types.reserve(cols);
  for (int c = 0; c < cols; ++c) {
    out.column_names.emplace_back(PQfname(res, c));
    out.column_types.push_back(PQftype(res, c));
  }
  out.rows.resize(rows);
  for (int r = 0; r < rows; ++r) {
    std::vector<Value>& row = out.rows[r];
    row.reserve(cols);
    for (int c = 0; c < cols; ++c) {
      if (PQgetisnull(res, r, c)) {
        row.emplace_back();
      } else {
        row.push_back(Value::FromCell(
            out.column_types[c],
            absl::string_view(PQgetvalue(res, r, c), PQgetlength(res, r, c))));
      }
    }
  }
  const char* tuples = PQcmdTuples(const_cast<PGresult*>(res));
  int64_t affected = 0;
  if (tuples != nullptr && *tuples != '\0' &&
      absl::SimpleAtoi(tuples, &affected)) {
    out.rows_affected = affected;
  }
  return out;
}

bool IsOk(const PGresult* res) {
  ExecStatusType s = PQresultStatus(res);
  return s == PGRES_TUPLES_OK || s == PGRES_COMMAND_OK;
}

// Whether re-preparing may fix the error (the server lost or invalidated
// the statement).
bool StaleStatement(const absl::Status& status) {
  std::optional<std::string> code = SqlStateOf(status);
  if (!code) return false;
  return *code == "26000" ||
         (*code == "0A000" &&
          absl::StrContains(status.message(), "cached plan must not change"));
}

}  // namespace

int Result::ColumnIndex(absl::string_view name) const {
  for (size_t i = 0; i < column_names.size(); ++i) {
    if (column_names[i] == name) return static_cast<int>(i);
  }
  return -1;
}

std::optional<std::string> SqlStateOf(const absl::Status& status) {
  auto payload = status.GetPayload(kSqlStatePayload);
  if (!payload) return std::nullopt;
  return std::string(*payload);
}

absl::StatusOr<std::unique_ptr<Connection>> Connection::Connect(
    const std::string& conninfo, ConnectionOptions options) {
  int64_t seconds = std::max<int64_t>(
      2, static_cast<int64_t>(std::ceil(absl::ToDoubleSeconds(options.connect_timeout))));
  std::string timeout = absl::StrCat(seconds);
  const char* keys[] = {"dbname", "connect_timeout", nullptr};
  const char* values[] = {conninfo.c_str(), timeout.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (conn == nullptr) return absl::UnavailableError("libpq: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    absl::Status s =
        absl::UnavailableError(absl::StrCat("cannot connect: ", TrimmedError(conn)));
    PQfinish(conn);
    return s;
  }
  PGresult* res = PQexec(conn, "SET TimeZone TO 'UTC'; SET DateStyle TO 'ISO, MDY'");
  bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
  PQclear(res);
  if (!ok) {
    absl::Status s = absl::UnavailableError(
        absl::StrCat("cannot set up session: ", TrimmedError(conn)));
    PQfinish(conn);
    return s;
  }
  return std::unique_ptr<Connection>(new Connection(conn, options));
}

Connection::Connection(PGconn* conn, ConnectionOptions options)
    : conn_(conn), options_(options), cancel_(PQgetCancel(conn)) {}

Connection::~Connection() {
  {
    std::lock_guard<std::mutex> lock(cancel_mu_);
    if (cancel_ != nullptr) PQfreeCancel(cancel_);
    cancel_ = nullptr;
  }
  PQfinish(conn_);
}

bool Connection::ok() const { return PQstatus(conn_) == CONNECTION_OK; }

bool Connection::CheckAlive() {
  if (PQstatus(conn_) != CONNECTION_OK) return false;
  if (in_copy_) return true;
  if (!PQconsumeInput(conn_)) return false;
  // Drain anything the server pushed while idle (its termination notice).
  while (!PQisBusy(conn_)) {
    PGresult* res = PQgetResult(conn_);
    if (res == nullptr) break;
    PQclear(res);
  }
  return PQstatus(conn_) == CONNECTION_OK;
}

int Connection::backend_pid() const { return PQbackendPID(conn_); }

absl::Status Connection::Cancel() {
  std::lock_guard<std::mutex> lock(cancel_mu_);
  if (cancel_ == nullptr) return absl::UnavailableError("no cancel handle");
  char err[256] = {0};
  if (!PQcancel(cancel_, err, sizeof(err))) {
    return absl::UnavailableError(absl::StrCat("cancel failed: ", err));
  }
  return absl::OkStatus();
}

absl::Status Connection::CheckUsable() const {
  if (in_copy_) {
    return absl::FailedPreconditionError("a COPY is in progress on this connection");
  }
  if (PQstatus(conn_) != CONNECTION_OK) {
    return absl::UnavailableError(
        absl::StrCat("connection lost: ", TrimmedError(conn_)));
  }
  return absl::OkStatus();
}

absl::Status Connection::ConnectionError(absl::string_view what) const {
  return absl::UnavailableError(
      absl::StrCat(what, ": connection lost: ", TrimmedError(conn_)));
}

absl::Status Connection::ErrorFrom(const PGresult* result) const {
  absl::string_view code = Field(result, PG_DIAG_SQLSTATE);
  if (code.empty()) {
    if (PQstatus(conn_) != CONNECTION_OK) return ConnectionError("query failed");
    std::string msg = result != nullptr ? PQresultErrorMessage(result) : "";
    if (msg.empty()) msg = TrimmedError(conn_);
    return absl::InternalError(
        absl::StrCat("query failed: ", absl::StripTrailingAsciiWhitespace(msg)));
  }
  std::string message(Field(result, PG_DIAG_MESSAGE_PRIMARY));
  absl::string_view detail = Field(result, PG_DIAG_MESSAGE_DETAIL);
  if (!detail.empty()) absl::StrAppend(&message, " (", detail, ")");
  absl::StrAppend(&message, " [SQLSTATE ", code, "]");
  absl::Status status = MapSqlState(code, message, Field(result, PG_DIAG_CONSTRAINT_NAME));
  if (PQstatus(conn_) != CONNECTION_OK && status.code() != absl::StatusCode::kUnavailable) {
    status = absl::UnavailableError(absl::StrCat("connection lost: ", message));
  }
  return WithSqlState(std::move(status), code);
}

void Connection::NotifyStart() {
  for (QueryObserver* o : observers_) o->OnQueryStart();
}

void Connection::NotifyDone(const Statement& statement, absl::Duration elapsed,
                            const absl::Status& status) {
  for (QueryObserver* o : observers_) o->OnQueryDone(statement, elapsed, status);
}

void Connection::MakeRoom() {
  while (!lru_.empty() &&
         lru_.size() >= static_cast<size_t>(options_.statement_cache_capacity)) {
    pending_deallocate_.push_back(lru_.back().name);
    index_.erase(lru_.back().key);
    lru_.pop_back();
    ++cache_stats_.evictions;
  }
  cache_stats_.size = lru_.size();
}

void Connection::Forget(const std::string& key) {
  auto it = index_.find(key);
  if (it == index_.end()) return;
  lru_.erase(it->second);
  index_.erase(it);
  cache_stats_.size = lru_.size();
}

void Connection::FlushDeallocations() {
  if (pending_deallocate_.empty() || PQstatus(conn_) != CONNECTION_OK ||
      PQtransactionStatus(conn_) == PQTRANS_INERROR ||
      PQpipelineStatus(conn_) != PQ_PIPELINE_OFF) {
    return;
  }
  std::string sql;
  for (const std::string& name : pending_deallocate_) {
    absl::StrAppend(&sql, "DEALLOCATE ", name, ";");
  }
  // Best effort: a failure (statement already gone) is not the caller's
  // problem, and retrying would fail the same way.
  PGresult* res = PQexec(conn_, sql.c_str());
  PQclear(res);
  pending_deallocate_.clear();
}

absl::StatusOr<std::string> Connection::Prepare(absl::string_view sql,
                                                absl::Span<const Oid> types) {
  std::string key;
  CacheKey(sql, types, &key);
  if (const CacheEntry* cached = FindCached(key)) return cached->name;
  const CacheEntry& added = AddCached(std::move(key), sql);
  FlushDeallocations();  // what AddCached evicted
  std::string sql_z(sql);
  PGresult* res = PQprepare(conn_, added.name.c_str(), sql_z.c_str(),
                            static_cast<int>(types.size()), types.data());
  if (PQresultStatus(res) != PGRES_COMMAND_OK) {
    absl::Status s = ErrorFrom(res);
    PQclear(res);
    Forget(added.key);  // never created on the server
    return s;
  }
  PQclear(res);
  return added.name;
}

const Connection::CacheEntry* Connection::FindCached(const std::string& key) {
  auto it = index_.find(key);
  if (it == index_.end()) {
    ++cache_stats_.misses;
    return nullptr;
  }
  lru_.splice(lru_.begin(), lru_, it->second);
  ++cache_stats_.hits;
  return &lru_.front();
}

const Connection::CacheEntry& Connection::AddCached(std::string key, absl::string_view sql) {
  MakeRoom();
  lru_.push_front(
      CacheEntry{std::move(key), absl::StrCat("hs_", next_statement_++), SharesSegment(sql)});
  index_[lru_.front().key] = lru_.begin();
  cache_stats_.size = lru_.size();
  return lru_.front();
}

bool Connection::BusyWait(absl::Time until) {
  if (options_.busy_wait <= absl::ZeroDuration()) return true;
  const absl::Time stop = std::min(until, absl::Now() + options_.busy_wait);
  for (;;) {
    if (!PQconsumeInput(conn_)) return false;
    if (!PQisBusy(conn_) || absl::Now() >= stop) return true;
  }
}

PGresult* Connection::AwaitSent(bool sent) {
  if (!sent) return nullptr;
  // A broken connection (and any error the server sent before it) shows in
  // the results themselves.
  (void)BusyWait(absl::InfiniteFuture());
  // As libpq's own PQexec* do: keep the last result, stopping at a COPY
  // (the caller goes on with the copy) or a lost connection.
  PGresult* last = nullptr;
  while (PGresult* result = PQgetResult(conn_)) {
    PQclear(last);
    last = result;
    const ExecStatusType status = PQresultStatus(result);
    if (status == PGRES_COPY_IN || status == PGRES_COPY_OUT || status == PGRES_COPY_BOTH ||
        PQstatus(conn_) == CONNECTION_BAD) {
      break;
    }
  }
  return last;
}

absl::StatusOr<Result> Connection::ExecOnce(absl::string_view sql,
                                            const std::vector<Value>& values) {
  Params params(values);
  PGresult* res;
  // Only from an idle connection: libpq's PQexec* first clear what an
  // earlier COPY left behind, and a sent query would fail behind it.
  const bool busy_wait = options_.busy_wait > absl::ZeroDuration() &&
                         PQtransactionStatus(conn_) != PQTRANS_ACTIVE;
  if (options_.statement_cache_capacity <= 0) {
    std::string sql_z(sql);
    res = busy_wait ? AwaitSent(PQsendQueryParams(conn_, sql_z.c_str(), params.size(),
                                                  params.types.data(), params.values(),
                                                  nullptr, nullptr, 0))
                    : PQexecParams(conn_, sql_z.c_str(), params.size(), params.types.data(),
                                   params.values(), nullptr, nullptr, 0);
  } else {
    absl::StatusOr<std::string> name = Prepare(sql, params.types);
    if (!name.ok()) return name.status();
    res = busy_wait ? AwaitSent(PQsendQueryPrepared(conn_, name->c_str(), params.size(),
                                                    params.values(), nullptr, nullptr, 0))
                    : PQexecPrepared(conn_, name->c_str(), params.size(), params.values(),
                                     nullptr, nullptr, 0);
  }
  absl::StatusOr<Result> out =
      IsOk(res) ? absl::StatusOr<Result>(BuildResult(res))
                : absl::StatusOr<Result>(ErrorFrom(res));
  PQclear(res);
  return out;
}

absl::StatusOr<Result> Connection::Exec(const Statement& statement) {
  if (statement.deadline == absl::InfiniteFuture()) {
    return Exec(statement.sql, statement.params);
  }
  // Only the pipeline waits for a result with a timeout, so a statement
  // with a deadline goes that way.
  std::vector<absl::StatusOr<Result>> results = RunPipeline({statement}, false);
  return std::move(results[0]);
}

absl::StatusOr<Result> Connection::Exec(absl::string_view sql,
                                        const std::vector<Value>& params) {
  Statement statement{std::string(sql), params};
  absl::Time start = absl::Now();
  NotifyStart();
  absl::Status usable = CheckUsable();
  absl::StatusOr<Result> out = absl::UnknownError("not run");
  if (!usable.ok()) {
    out = usable;
  } else {
    out = ExecOnce(sql, params);
    if (!out.ok() && StaleStatement(out.status()) &&
        PQtransactionStatus(conn_) == PQTRANS_IDLE) {
      std::vector<Oid> types;
      for (const Value& v : params) types.push_back(v.ParamType());
      std::string key;
      CacheKey(sql, types, &key);
      auto it = index_.find(key);
      if (it != index_.end() && *SqlStateOf(out.status()) != "26000") {
        pending_deallocate_.push_back(it->second->name);
      }
      Forget(key);
      out = ExecOnce(sql, params);
    }
    FlushDeallocations();
  }
  NotifyDone(statement, absl::Now() - start, out.status());
  return out;
}

namespace {

enum class OpKind { kPrepare, kExec, kControl, kSync };

struct Op {
  OpKind kind;
  int index;        // statement index; -1 for control/sync
  std::string key;  // cache key, for kPrepare
};

absl::Status DeadlineError(bool sent) {
  return absl::DeadlineExceededError(
      sent ? "deadline exceeded: the statement was cancelled on the server"
           : "deadline exceeded before the statement was sent");
}

}  // namespace

void Connection::PipelinePass(const std::vector<Statement>& statements,
                              const std::vector<size_t>& which, bool atomic,
                              bool share_segments, absl::Time start,
                              PipelineState& state) {
  const size_t n = which.size();
  const absl::Time now = absl::Now();
  // A statement whose caller has given up is not sent at all; in an atomic
  // batch that fails the batch.
  std::vector<size_t> send;
  send.reserve(n);
  for (size_t i : which) {
    if (statements[i].deadline <= now) {
      state.results[i] = DeadlineError(/*sent=*/false);
      state.elapsed[i] = now - start;
      if (atomic && state.first_error.ok()) {
        state.first_error = state.results[i].status();
        state.first_error_index = static_cast<int>(i);
      }
    } else {
      send.push_back(i);
    }
  }
  if (send.empty() || (atomic && !state.first_error.ok())) return;
  if (!PQenterPipelineMode(conn_)) {
    absl::Status err = absl::InternalError(
        absl::StrCat("cannot enter pipeline mode: ", TrimmedError(conn_)));
    for (size_t i : send) state.results[i] = err;
    return;
  }
  PQsetnonblocking(conn_, 1);

  std::vector<Op> ops;
  ops.reserve(send.size() * 3 + 3);
  // segment_of[k]: the sync segment of send[k]; a segment that fails
  // midway rolled back its other statements, which then run again.
  std::vector<int> segment_of(statements.size(), -1);
  std::vector<int> segment_size;
  bool send_ok = true;
  auto send_control = [&](const char* sql) {
    if (send_ok && PQsendQueryParams(conn_, sql, 0, nullptr, nullptr, nullptr,
                                     nullptr, 0)) {
      ops.push_back(Op{OpKind::kControl, -1, {}});
    } else {
      send_ok = false;
    }
  };
  auto send_sync = [&]() {
    if (send_ok && PQpipelineSync(conn_)) {
      ops.push_back(Op{OpKind::kSync, -1, {}});
    } else {
      send_ok = false;
    }
  };

  if (atomic) send_control("BEGIN");
  bool last_shares = false;  // the previous statement may share its segment
  for (size_t k = 0; k < send.size() && send_ok; ++k) {
    const size_t i = send[k];
    const Statement& st = statements[i];
    Params params(st.params);
    // The cached statement, found (or made) first: it knows whether the
    // SQL may share a segment.
    const CacheEntry* cached = nullptr;
    bool prepare = false;
    if (options_.statement_cache_capacity > 0) {
      CacheKey(st.sql, params.types, &key_scratch_);
      cached = FindCached(key_scratch_);
      if (cached == nullptr) {
        cached = &AddCached(key_scratch_, st.sql);
        prepare = true;
      }
    }
    const bool shares = cached != nullptr ? cached->shares_segment : SharesSegment(st.sql);
    // A sync ends the open segment unless this statement may join it.
    const bool joins = !atomic && share_segments && k > 0 && last_shares && shares;
    if (!atomic && k > 0 && !joins) send_sync();
    if (!joins) segment_size.push_back(0);
    segment_of[i] = static_cast<int>(segment_size.size()) - 1;
    ++segment_size.back();
    last_shares = shares;
    if (cached == nullptr) {
      send_ok = send_ok && PQsendQueryParams(conn_, st.sql.c_str(), params.size(),
                                             params.types.data(), params.values(), nullptr,
                                             nullptr, 0);
    } else {
      if (prepare) {
        send_ok = send_ok && PQsendPrepare(conn_, cached->name.c_str(), st.sql.c_str(),
                                           params.size(), params.types.data());
        if (!send_ok) {
          Forget(cached->key);  // never sent, so never created
          break;
        }
        ops.push_back(Op{OpKind::kPrepare, static_cast<int>(i), cached->key});
      }
      send_ok = send_ok && PQsendQueryPrepared(conn_, cached->name.c_str(), params.size(),
                                               params.values(), nullptr, nullptr, 0);
    }
    if (!send_ok) break;
    ops.push_back(Op{OpKind::kExec, static_cast<int>(i), {}});
  }
  if (atomic) send_control("COMMIT");
  send_sync();

  // Deadlines: the server may run any statement not yet answered (in a
  // shared segment nothing is flushed before the sync), so when the
  // earliest of their deadlines passes, whatever runs is cancelled. A
  // statement cancelled that way before its own deadline runs again.
  bool any_deadline = false;
  for (size_t i : send) any_deadline |= statements[i].deadline != absl::InfiniteFuture();
  size_t answered = 0;  // statements with a result, in send order
  absl::Time cancelled_up_to = absl::InfinitePast();
  bool cancel_sent = false;
  auto watched_deadline = [&]() {
    absl::Time earliest = absl::InfiniteFuture();
    if (!any_deadline) return earliest;
    for (size_t k = answered; k < send.size(); ++k) {
      absl::Time d = statements[send[k]].deadline;
      if (d > cancelled_up_to && d < earliest) earliest = d;
    }
    return earliest;
  };
  bool lost = false;
  // Reads one result, flushing our output and reading input as needed so
  // that neither side's socket buffer can deadlock the pipeline.
  auto next = [&]() -> PGresult* {
    for (;;) {
      int flushed = PQflush(conn_);
      if (flushed < 0) {
        lost = true;
        return nullptr;
      }
      if (!PQisBusy(conn_)) return PQgetResult(conn_);
      const absl::Time deadline = watched_deadline();
      if (!flushed) {
        if (!BusyWait(deadline)) {
          lost = true;
          return nullptr;
        }
        if (!PQisBusy(conn_)) continue;
      }
      int timeout_ms = -1;
      if (deadline != absl::InfiniteFuture()) {
        absl::Duration left = deadline - absl::Now();
        if (left <= absl::ZeroDuration()) {
          // Best effort: if the cancel cannot be sent, the statement runs on.
          (void)Cancel();
          cancel_sent = true;
          cancelled_up_to = deadline;
          continue;
        }
        timeout_ms = static_cast<int>(std::min<int64_t>(
            absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1))), 1 << 30));
      }
      pollfd pfd{PQsocket(conn_), static_cast<short>(POLLIN | (flushed ? POLLOUT : 0)), 0};
      if (poll(&pfd, 1, timeout_ms) < 0 && errno != EINTR) {
        lost = true;
        return nullptr;
      }
      if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
        if (!PQconsumeInput(conn_)) {
          lost = true;
          return nullptr;
        }
      }
    }
  };

  std::vector<absl::Status> prepare_errors(statements.size());
  std::vector<int> segment_failed_at(segment_size.size(), -1);
  std::vector<size_t> wrongly_cancelled;
  for (const Op& op : ops) {
    if (lost) break;
    PGresult* res = next();
    if (lost) {
      PQclear(res);
      break;
    }
    if (op.kind == OpKind::kSync) {
      if (PQresultStatus(res) != PGRES_PIPELINE_SYNC) lost = true;
      PQclear(res);
      continue;
    }
    bool aborted = PQresultStatus(res) == PGRES_PIPELINE_ABORTED;
    absl::Status status =
        IsOk(res) ? absl::OkStatus()
                  : (aborted ? absl::AbortedError("not run: an earlier statement failed")
                             : ErrorFrom(res));
    if (op.kind == OpKind::kPrepare) {
      if (!status.ok()) {
        Forget(op.key);  // never created on the server
        prepare_errors[op.index] = status;
      }
    } else if (op.kind == OpKind::kExec) {
      const size_t i = static_cast<size_t>(op.index);
      ++answered;
      if (!prepare_errors[i].ok()) {
        status = prepare_errors[i];  // its own failure, not an earlier one's
        aborted = false;
      }
      if (status.code() == absl::StatusCode::kCancelled && cancel_sent) {
        if (atomic || statements[i].deadline <= absl::Now()) {
          status = DeadlineError(/*sent=*/true);
        } else {
          wrongly_cancelled.push_back(i);  // the cancel was for a later one
        }
      }
      state.elapsed[i] = absl::Now() - start;
      if (status.ok()) {
        state.results[i] = BuildResult(res);
      } else {
        state.results[i] = status;
      }
      const int seg = segment_of[i];
      if (!status.ok() && !aborted && seg >= 0 && segment_size[seg] > 1 &&
          segment_failed_at[seg] < 0) {
        segment_failed_at[seg] = op.index;
      }
    }
    if (!status.ok() && !aborted && state.first_error.ok()) {
      state.first_error = status;
      state.first_error_index = op.index;
    }
    PQclear(res);
    // Each result is followed by a NULL marking the end of that query.
    PGresult* end = next();
    if (end != nullptr) {
      PQclear(end);
      lost = true;
    }
  }
  if (lost || !send_ok) {
    absl::Status gone = ConnectionError("pipeline");
    for (size_t i : send) {
      if (state.results[i].status().message() == "not run") {
        state.results[i] = gone;
        state.elapsed[i] = absl::Now() - start;
      }
    }
    if (state.first_error.ok()) {
      state.first_error = gone;
      state.first_error_index = 0;
    }
    return;
  }
  PQexitPipelineMode(conn_);
  PQsetnonblocking(conn_, 0);
  if (atomic && PQtransactionStatus(conn_) != PQTRANS_IDLE) {
    PGresult* res = PQexec(conn_, "ROLLBACK");
    PQclear(res);
  }
  FlushDeallocations();
  // What runs again: the rest of each segment that failed midway (its
  // implicit transaction rolled back even the statements that answered),
  // and statements a late cancel hit by mistake.
  state.rerun = std::move(wrongly_cancelled);
  for (size_t i : send) {
    const int seg = segment_of[i];
    if (seg >= 0 && segment_failed_at[seg] >= 0 &&
        segment_failed_at[seg] != static_cast<int>(i)) {
      state.rerun.push_back(i);
    }
  }
  std::sort(state.rerun.begin(), state.rerun.end());
  state.rerun.erase(std::unique(state.rerun.begin(), state.rerun.end()), state.rerun.end());
}

std::vector<absl::StatusOr<Result>> Connection::RunPipeline(
    const std::vector<Statement>& statements, bool atomic) {
  const size_t n = statements.size();
  PipelineState state;
  state.results.assign(n, absl::StatusOr<Result>(absl::UnavailableError("not run")));
  state.elapsed.assign(n, absl::ZeroDuration());
  if (n == 0) return std::move(state.results);
  absl::Status usable = CheckUsable();
  if (usable.ok() && atomic && PQtransactionStatus(conn_) != PQTRANS_IDLE) {
    usable = absl::FailedPreconditionError(
        "ExecAtomic called inside a transaction");
  }
  if (!usable.ok()) {
    for (auto& r : state.results) r = usable;
    return std::move(state.results);
  }
  const absl::Time start = absl::Now();
  for (size_t i = 0; i < n; ++i) NotifyStart();
  std::vector<size_t> which(n);
  for (size_t i = 0; i < n; ++i) which[i] = i;
  // Each pass settles at least one statement for good (the one that failed
  // its segment, or the one whose deadline sent the cancel), so this ends.
  bool share_segments = !atomic;
  while (!which.empty()) {
    state.rerun.clear();
    PipelinePass(statements, which, atomic, share_segments, start, state);
    which = std::move(state.rerun);
    share_segments = false;
  }
  for (size_t i = 0; i < n; ++i) {
    NotifyDone(statements[i], state.elapsed[i], state.results[i].status());
  }
  if (atomic && !state.first_error.ok()) {
    const absl::Status& first = state.first_error;
    absl::Status err(first.code(),
                     state.first_error_index >= 0
                         ? absl::StrCat("statement ", state.first_error_index, ": ",
                                        first.message())
                         : std::string(first.message()));
    std::optional<std::string> code = SqlStateOf(first);
    if (code) err = WithSqlState(std::move(err), *code);
    for (auto& r : state.results) r = err;
  }
  return std::move(state.results);
}

std::vector<absl::StatusOr<Result>> Connection::ExecPipelined(
    const std::vector<Statement>& statements) {
  return RunPipeline(statements, /*atomic=*/false);
}

absl::StatusOr<std::vector<Result>> Connection::ExecAtomic(
    const std::vector<Statement>& statements) {
  std::vector<absl::StatusOr<Result>> results = RunPipeline(statements, true);
  std::vector<Result> out;
  out.reserve(results.size());
  for (auto& r : results) {
    if (!r.ok()) return r.status();
    out.push_back(*std::move(r));
  }
  return out;
}

absl::Status Connection::BeginCopy(absl::string_view table_sql,
                                   const std::vector<std::string>& columns) {
  absl::Status usable = CheckUsable();
  if (!usable.ok()) return usable;
  std::string sql = absl::StrCat("COPY ", table_sql);
  if (!columns.empty()) {
    std::vector<std::string> quoted;
    for (const std::string& c : columns) {
      char* q = PQescapeIdentifier(conn_, c.data(), c.size());
      if (q == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat("bad column name: ", TrimmedError(conn_)));
      }
      quoted.emplace_back(q);
      PQfreemem(q);
    }
    absl::StrAppend(&sql, " (", absl::StrJoin(quoted, ", "), ")");
  }
  absl::StrAppend(&sql, " FROM STDIN");
  PGresult* res = PQexec(conn_, sql.c_str());
  if (PQresultStatus(res) != PGRES_COPY_IN) {
    absl::Status s = ErrorFrom(res);
    PQclear(res);
    return s;
  }
  PQclear(res);
  in_copy_ = true;
  return absl::OkStatus();
}

absl::Status Connection::PutRows(const std::vector<std::vector<Value>>& rows) {
  if (!in_copy_) return absl::FailedPreconditionError("no COPY in progress");
  std::string buf;
  for (const std::vector<Value>& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      if (i > 0) buf.push_back('\t');
      AppendCopyField(row[i], &buf);
    }
    buf.push_back('\n');
  }
  return PutCopyData(buf);
}

absl::Status Connection::PutCopyData(absl::string_view rows) {
  if (!in_copy_) return absl::FailedPreconditionError("no COPY in progress");
  // libpq takes an int length: send huge buffers in pieces.
  constexpr size_t kPiece = size_t{1} << 30;
  for (size_t at = 0; at < rows.size(); at += kPiece) {
    size_t n = std::min(kPiece, rows.size() - at);
    if (PQputCopyData(conn_, rows.data() + at, static_cast<int>(n)) != 1) {
      return ConnectionError("COPY");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> Connection::EndCopy() {
  if (!in_copy_) return absl::FailedPreconditionError("no COPY in progress");
  in_copy_ = false;
  if (PQputCopyEnd(conn_, nullptr) != 1) return ConnectionError("COPY");
  absl::StatusOr<int64_t> out = absl::InternalError("COPY returned no result");
  bool first = true;
  while (PGresult* res = PQgetResult(conn_)) {
    if (first) {
      if (PQresultStatus(res) == PGRES_COMMAND_OK) {
        out = BuildResult(res).rows_affected;
      } else {
        out = ErrorFrom(res);
      }
      first = false;
    }
    PQclear(res);
  }
  return out;
}

absl::Status Connection::AbortCopy(absl::string_view reason) {
  if (!in_copy_) return absl::FailedPreconditionError("no COPY in progress");
  in_copy_ = false;
  std::string why(reason.empty() ? "aborted by client" : reason);
  if (PQputCopyEnd(conn_, why.c_str()) != 1) return ConnectionError("COPY");
  while (PGresult* res = PQgetResult(conn_)) PQclear(res);
  return absl::OkStatus();
}

absl::StatusOr<int64_t> Connection::CopyIn(
    absl::string_view table_sql, const std::vector<std::string>& columns,
    const std::vector<std::vector<Value>>& rows) {
  Statement statement{absl::StrCat("COPY ", table_sql, " FROM STDIN"), {}};
  absl::Time start = absl::Now();
  NotifyStart();
  absl::Status begun = BeginCopy(table_sql, columns);
  absl::StatusOr<int64_t> out = absl::UnknownError("not run");
  if (!begun.ok()) {
    out = begun;
  } else {
    absl::Status put = PutRows(rows);
    if (put.ok()) {
      out = EndCopy();
    } else {
      AbortCopy(put.message()).IgnoreError();
      out = put;
    }
  }
  NotifyDone(statement, absl::Now() - start, out.status());
  return out;
}

}  // namespace hyper::pg
