#include "libs/pg/slow_query_log.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"

namespace hyper::pg {
namespace {

constexpr size_t kMaxParams = 10;
constexpr size_t kMaxBatch = 100;

constexpr char kCreateTable[] =
    "CREATE UNLOGGED TABLE IF NOT EXISTS hyper_slow_queries ("
    "id bigserial PRIMARY KEY, sql text NOT NULL, params text NOT NULL, "
    "duration_ms double precision NOT NULL, at timestamptz NOT NULL)";

// The first `max` characters (UTF-8 code points), so that multi-byte text
// is never split inside a character (PostgreSQL would reject it).
std::string CutChars(const std::string& s, size_t max) {
  size_t chars = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (chars == max) return s.substr(0, i);
      ++chars;
    }
  }
  return s;
}

}  // namespace

SlowQueryLog::SlowQueryLog(std::string conninfo, absl::Duration threshold,
                           size_t max_buffered)
    : conninfo_(std::move(conninfo)),
      threshold_(threshold),
      max_buffered_(max_buffered),
      writer_([this] { Run(); }) {}

SlowQueryLog::~SlowQueryLog() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  writer_.join();
}

void SlowQueryLog::OnQueryDone(const Statement& statement, absl::Duration elapsed,
                               const absl::Status& status) {
  if (elapsed < threshold_) return;
  SlowQuery q;
  q.sql = CutChars(statement.sql, kMaxSqlChars);
  std::vector<std::string> shown;
  for (size_t i = 0; i < statement.params.size() && i < kMaxParams; ++i) {
    shown.push_back(statement.params[i].DebugString());
  }
  q.params = absl::StrJoin(shown, ", ");
  if (statement.params.size() > kMaxParams) {
    absl::StrAppend(&q.params, ", ... (", statement.params.size(), " params)");
  }
  q.duration_ms = absl::ToDoubleMilliseconds(elapsed);
  q.at_micros = absl::ToUnixMicros(absl::Now());
  std::lock_guard<std::mutex> lock(mu_);
  ++recorded_;
  if (buffer_.size() >= max_buffered_) {
    ++dropped_;
    ++done_;
    return;
  }
  buffer_.push_back(std::move(q));
  cv_.notify_all();
}

absl::Status SlowQueryLog::EnsureConnected() {
  if (conn_ != nullptr && conn_->ok()) return absl::OkStatus();
  conn_.reset();
  ConnectionOptions options;
  options.statement_cache_capacity = 8;
  absl::StatusOr<std::unique_ptr<Connection>> conn =
      Connection::Connect(conninfo_, options);
  if (!conn.ok()) return conn.status();
  absl::StatusOr<Result> created = (*conn)->Exec(kCreateTable);
  if (!created.ok()) return created.status();
  conn_ = *std::move(conn);
  return absl::OkStatus();
}

void SlowQueryLog::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stopping_ || !buffer_.empty(); });
    if (buffer_.empty()) return;  // stopping, nothing left
    std::vector<SlowQuery> batch;
    while (!buffer_.empty() && batch.size() < kMaxBatch) {
      batch.push_back(std::move(buffer_.front()));
      buffer_.pop_front();
    }
    lock.unlock();
    absl::Status status;
    {
      std::lock_guard<std::mutex> conn_lock(conn_mu_);
      status = EnsureConnected();
      if (status.ok()) {
        std::vector<Statement> inserts;
        for (const SlowQuery& q : batch) {
          inserts.push_back(Statement{
              "INSERT INTO hyper_slow_queries (sql, params, duration_ms, at) "
              "VALUES ($1, $2, $3, $4)",
              {Value::Text(q.sql), Value::Text(q.params),
               Value::Double(q.duration_ms), Value::Timestamp(q.at_micros)}});
        }
        absl::StatusOr<std::vector<Result>> r = conn_->ExecAtomic(inserts);
        status = r.status();
      }
    }
    lock.lock();
    if (status.ok()) {
      written_ += batch.size();
    } else {
      dropped_ += batch.size();
    }
    last_error_ = status;
    done_ += batch.size();
    cv_.notify_all();
    if (!status.ok() && !stopping_) {
      // Do not spin against a database that is down.
      cv_.wait_for(lock, std::chrono::milliseconds(200), [&] { return stopping_; });
    }
  }
}

absl::Status SlowQueryLog::Flush() {
  std::unique_lock<std::mutex> lock(mu_);
  const uint64_t target = recorded_;
  cv_.wait(lock, [&] { return done_ >= target; });
  return last_error_;
}

absl::StatusOr<std::vector<SlowQuery>> SlowQueryLog::Query(
    absl::string_view order_by, int n) {
  std::lock_guard<std::mutex> lock(conn_mu_);
  absl::Status status = EnsureConnected();
  if (!status.ok()) return status;
  absl::StatusOr<Result> r = conn_->Exec(
      absl::StrCat("SELECT id, sql, params, duration_ms, at FROM "
                   "hyper_slow_queries ORDER BY ",
                   order_by, " LIMIT $1"),
      {Value::Int64(n)});
  if (!r.ok()) return r.status();
  std::vector<SlowQuery> out;
  for (const auto& row : r->rows) {
    SlowQuery q;
    q.id = row[0].int64();
    q.sql = row[1].str();
    q.params = row[2].str();
    q.duration_ms = row[3].dbl();
    q.at_micros = row[4].timestamp_micros();
    out.push_back(std::move(q));
  }
  return out;
}

absl::StatusOr<std::vector<SlowQuery>> SlowQueryLog::Recent(int n) {
  return Query("id DESC", n);
}

absl::StatusOr<std::vector<SlowQuery>> SlowQueryLog::Slowest(int n) {
  return Query("duration_ms DESC, id DESC", n);
}

SlowQueryLogStats SlowQueryLog::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return SlowQueryLogStats{recorded_, written_, dropped_};
}

}  // namespace hyper::pg
