// SlowQueryLog: records statements slower than a threshold in the UNLOGGED
// table `hyper_slow_queries`, without slowing the statement that was slow.
//
// OnQueryDone (called on the query's own thread) only appends to an
// in-memory buffer (bounded; overflow is dropped and counted) and wakes a
// background thread, which owns its own connection (not from the pool, so
// the log never competes with queries for a lease, and its own statements
// are never observed) and inserts the buffered rows. The table is created
// if missing:
//   hyper_slow_queries(id bigserial primary key, sql text (first 2,000
//   chars), params text (summary: first 10 values, each DebugString),
//   duration_ms double precision, at timestamptz)
//
// Example:
//   SlowQueryLog slow(conninfo, absl::Milliseconds(100));
//   Pool pool(conninfo, options, {&slow});
//   (*pool.Acquire())->Exec("SELECT pg_sleep(0.2)");
//   slow.Flush();                                  // wait for the writer
//   slow.Recent(10)->front().sql;                  // "SELECT pg_sleep(0.2)"
#ifndef HYPER_LIBS_PG_SLOW_QUERY_LOG_H_
#define HYPER_LIBS_PG_SLOW_QUERY_LOG_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/pg/connection.h"

namespace hyper::pg {

struct SlowQuery {
  int64_t id = 0;
  std::string sql;
  std::string params;
  double duration_ms = 0;
  int64_t at_micros = 0;  // microseconds since the epoch, UTC
};

struct SlowQueryLogStats {
  uint64_t recorded = 0;  // over the threshold, buffered
  uint64_t written = 0;   // inserted
  uint64_t dropped = 0;   // buffer full, or the insert failed
};

class SlowQueryLog : public QueryObserver {
 public:
  inline static constexpr size_t kMaxSqlChars = 2000;

  // Starts the writer thread; connects lazily (and again after a failure).
  SlowQueryLog(std::string conninfo, absl::Duration threshold,
               size_t max_buffered = 10000);
  // Writes what is buffered (best effort), then stops the writer.
  ~SlowQueryLog() override;

  void OnQueryDone(const Statement& statement, absl::Duration elapsed,
                   const absl::Status& status) override;

  // Blocks until everything recorded so far was written (or dropped).
  // Returns the writer's last error, if the last attempt failed.
  absl::Status Flush();

  // The newest `n` rows (by id, descending) / the slowest `n` (by
  // duration_ms, descending). Read from the table, so they include entries
  // from other processes. Unavailable if the database cannot be reached.
  absl::StatusOr<std::vector<SlowQuery>> Recent(int n);
  absl::StatusOr<std::vector<SlowQuery>> Slowest(int n);

  SlowQueryLogStats stats() const;

 private:
  void Run();
  // Requires conn_mu_.
  absl::Status EnsureConnected();
  absl::StatusOr<std::vector<SlowQuery>> Query(absl::string_view order_by,
                                               int n);

  const std::string conninfo_;
  const absl::Duration threshold_;
  const size_t max_buffered_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<SlowQuery> buffer_;   // guarded by mu_
  uint64_t recorded_ = 0, written_ = 0, dropped_ = 0;  // guarded by mu_
  uint64_t done_ = 0;              // written + dropped; guarded by mu_
  bool stopping_ = false;          // guarded by mu_
  absl::Status last_error_;        // guarded by mu_

  std::mutex conn_mu_;             // serializes use of conn_
  std::unique_ptr<Connection> conn_;  // guarded by conn_mu_
  std::thread writer_;
};

}  // namespace hyper::pg

#endif  // HYPER_LIBS_PG_SLOW_QUERY_LOG_H_
