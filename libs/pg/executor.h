// Executor: asynchronous statements for callback-style servers (the gRPC
// query service). Submit() queues a statement from any thread; worker
// threads drain the queue in batches, each on a pooled connection, sending
// a batch of several statements as one pipeline (ExecPipelined), so many
// in-flight calls share few connections and round trips.
//
// Each worker holds a lease while the queue has work and returns it when
// the queue runs dry. Callbacks run on the worker thread, once per
// statement, in submission order per batch; they must not block for long
// and must not call back into a destroyed executor.
//
// Example:
//   Executor executor(&pool, 2);
//   executor.Submit({"SELECT $1::int8 * 2", {Value::Int64(21)}},
//                   [](absl::StatusOr<Result> r) {
//                     // r->rows[0][0].int64() == 42, on a worker thread
//                   });
#ifndef HYPER_LIBS_PG_EXECUTOR_H_
#define HYPER_LIBS_PG_EXECUTOR_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/pg/connection.h"
#include "libs/pg/pool.h"

namespace hyper::pg {

struct ExecutorStats {
  uint64_t submitted = 0;
  uint64_t completed = 0;   // callbacks run
  uint64_t batches = 0;     // Exec or ExecPipelined calls
  uint64_t pipelined = 0;   // statements sent in batches of 2 or more
  size_t largest_batch = 0;
  size_t queued = 0;        // waiting now
};

class Executor {
 public:
  using Callback = std::function<void(absl::StatusOr<Result>)>;

  // `threads` workers (>= 1), each taking up to `max_batch` statements at a
  // time. The pool should have at least `threads` connections. `pool` must
  // outlive the executor.
  Executor(Pool* pool, int threads, size_t max_batch = 64);
  // Stops accepting, runs everything already queued, joins the workers.
  ~Executor();

  // Thread-safe. After shutdown began, `done` runs at once with Cancelled.
  void Submit(Statement statement, Callback done);

  ExecutorStats stats() const;

 private:
  struct Task {
    Statement statement;
    Callback done;
  };
  void Work();

  Pool* const pool_;
  const size_t max_batch_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Task> queue_;   // guarded by mu_
  bool stopping_ = false;    // guarded by mu_
  ExecutorStats stats_;      // guarded by mu_ (queued computed in stats())
  std::vector<std::thread> workers_;
};

}  // namespace hyper::pg

#endif  // HYPER_LIBS_PG_EXECUTOR_H_
